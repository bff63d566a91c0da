import { RESTART_CLASS, TIME_CLASS } from './contract';
import { formatDay, formatWhen } from './format';

/**
 * What the page does for the kernel's ipywidgets card, which lives in the kernel and so
 * cannot know the browser's language and time zone, nor restart its own kernel. Both are
 * delegated on the document, as "Copy as text" is (copy.ts), so re-rendered widgets and new
 * outputs need nothing; the frontend card uses the same classes and gets the same.
 */

/** A kernel-written date: `<time class="jp-ITBridge-time" datetime="ISO" data-style>`. */
const TIME_SELECTOR = `time.${TIME_CLASS}[datetime]`;
/** A card's "Restart kernel" button (an ipywidgets Button or the frontend card's). */
const RESTART_SELECTOR = `.jp-ITBridge-card .${RESTART_CLASS}`;

/**
 * Rewrite the text of the kernel's dates under `root` (and `root` itself) in the page's one
 * date format: `day` as {@link formatDay}, `when` as {@link formatWhen}. The ISO text the
 * kernel wrote stays as the fallback for a date the browser cannot read. Returns how many.
 */
export function localiseTimes(root: Element | Document): number {
  const found: Element[] =
    root instanceof Element && root.matches(TIME_SELECTOR) ? [root] : [];
  found.push(...Array.from(root.querySelectorAll(TIME_SELECTOR)));
  let count = 0;
  for (const node of found) {
    const iso = node.getAttribute('datetime') ?? '';
    const text =
      node.getAttribute('data-style') === 'when'
        ? formatWhen(iso)
        : formatDay(iso);
    if (!text || Number.isNaN(Date.parse(iso))) {
      continue;
    }
    if (node.textContent !== text) {
      node.textContent = text; // a text-node change: not seen again by the observer
    }
    node.setAttribute('title', formatWhen(iso));
    node.setAttribute('data-localised', 'true');
    count++;
  }
  return count;
}

/**
 * Localise kernel dates as they appear: an ipywidgets HTML widget replaces its content on
 * each update (the card's status), so new `<time>` elements are caught by a mutation
 * observer. Only added elements that contain a `<time>` are looked at. Returns the disposer.
 */
export function installTimeLocaliser(
  root: Element = document.body
): () => void {
  localiseTimes(root);
  const observer = new MutationObserver(records => {
    for (const record of records) {
      record.addedNodes.forEach(node => {
        if (
          node instanceof Element &&
          (node.tagName === 'TIME' ||
            node.getElementsByTagName('time').length > 0)
        ) {
          localiseTimes(node);
        }
      });
    }
  });
  observer.observe(root, { childList: true, subtree: true });
  return () => observer.disconnect();
}

/**
 * A click on a card's "Restart kernel" restarts the kernel of the notebook the card is in:
 * `restart` gets the button (the caller finds its notebook and asks the user to confirm, as
 * the notification's button does). Returns the disposer.
 */
export function installRestartHandler(
  restart: (button: Element) => void
): () => void {
  const onClick = (event: MouseEvent) => {
    const target = event.target as Element | null;
    const button = target?.closest?.(RESTART_SELECTOR);
    if (button) {
      restart(button);
    }
  };
  document.addEventListener('click', onClick, true);
  return () => document.removeEventListener('click', onClick, true);
}
