/**
 * Text from outside (summaries, IT's messages, ticket ids) made safe to display, and
 * lookups that user data cannot break.
 *
 * Why: a summary with a right-to-left override (U+202E) displays reversed and can spoof
 * what a request is about in the sidebar and toasts; a request whose kind is `constructor`
 * found `Object.prototype.constructor` in a plain-object table and blanked the sidebar.
 */

/** Bidirectional control characters (embeddings, overrides, isolates, marks). */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every bidi control replaced by a visible U+FFFD (never reorders text). */
export function displayText(text: string | null | undefined): string {
  return (text ?? '').replace(BIDI_CONTROLS, '\ufffd');
}

/** `map.get(key)` when `key` is a string, else `fallback` (user data never indexes an object). */
export function lookup<V>(
  map: ReadonlyMap<string, V>,
  key: string | null | undefined,
  fallback: V
): V {
  return typeof key === 'string' && map.has(key)
    ? (map.get(key) as V)
    : fallback;
}
