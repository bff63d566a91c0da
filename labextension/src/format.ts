import { Time } from '@jupyterlab/coreutils';
import { TranslationBundle } from '@jupyterlab/translation';

import { IIncident } from './api';
import { FindingKind, RequestState, Urgency } from './contract';
import { displayText, lookup } from './text';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** Plain names of the urgencies (the request dialog's choices and the detail view). */
export function urgencyLabels(
  trans: TranslationBundle
): Record<Urgency, string> {
  return {
    low: trans.__('low'),
    normal: trans.__('normal'),
    high: trans.__('high')
  };
}

/** What a finding or incident kind means, in words (never the internal slug). */
export function kindLabel(
  kind: string | null | undefined,
  trans: TranslationBundle
): string {
  const labels = new Map<FindingKind | 'memory_pressure', string>([
    ['blocked_package', trans.__('blocked package')],
    ['missing_package', trans.__('missing package')],
    ['missing_driver', trans.__('missing driver or system library')],
    ['resource_limit', trans.__('memory, disk or other resource limit')],
    ['network_blocked', trans.__('blocked network access')],
    ['access_denied', trans.__('access or permission')],
    ['kernel_died', trans.__('kernel stopped')],
    ['memory_pressure', trans.__('kernel close to its memory limit')]
  ]) as ReadonlyMap<string, string>;
  return kind
    ? lookup(labels, kind, displayText(String(kind)).replace(/_/g, ' '))
    : trans.__('free-form request');
}

/** A request state in words ("in progress", "declined"), never the internal name. */
export function stateLabel(
  state: RequestState | string,
  trans: TranslationBundle
): string {
  const labels = new Map<RequestState, string>([
    ['queued', trans.__('queued')],
    ['sent', trans.__('sent')],
    ['acknowledged', trans.__('in progress')],
    ['resolved', trans.__('resolved')],
    ['rejected', trans.__('declined')],
    ['failed', trans.__('retrying')],
    ['cancelled', trans.__('cancelled')]
  ]) as ReadonlyMap<string, string>;
  return lookup(labels, state, displayText(String(state)));
}

/** 4294967296 -> "4 GiB", 4187593113 -> "3.9 GiB" (binary units, as limits are set). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 || Number.isInteger(value) ? 0 : 1;
  const text = value.toFixed(digits).replace(/\.0$/, '');
  return `${text} ${UNITS[unit]}`;
}

/**
 * "5 minutes ago", "yesterday": JupyterLab's relative time in the page's language (empty for
 * a timestamp that does not parse).
 */
export function formatAge(iso: string, now: number = Date.now()): string {
  const then = Date.parse(iso);
  // a server clock slightly ahead of the browser's is still "now", not "in 2 seconds"
  return Number.isNaN(then)
    ? ''
    : Time.formatHuman(new Date(Math.min(then, now)));
}

/**
 * A server timestamp as a date and time in the page's language and time zone - the one
 * date format of the extension (lists, detail, thread, toasts, cards).
 */
export function formatWhen(iso: string | null | undefined): string {
  if (!iso) {
    return '';
  }
  return Number.isNaN(Date.parse(iso)) ? displayText(iso) : Time.format(iso);
}

/** A server timestamp as a date only ("Resolved by IT on <date>"), in the page's language
 * like {@link formatWhen} (JupyterLab's `Time.format` reads `<html lang>`). */
export function formatDay(iso: string | null | undefined): string {
  const when = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(when)) {
    return '';
  }
  const lang = document.documentElement.lang || undefined;
  try {
    return new Intl.DateTimeFormat(lang, { dateStyle: 'short' }).format(when);
  } catch {
    return new Intl.DateTimeFormat(undefined, { dateStyle: 'short' }).format(
      when
    );
  }
}

/** The first finite number among the given keys of an incident's details. */
function detailNumber(
  details: Record<string, any> | undefined,
  ...keys: string[]
): number | null {
  for (const key of keys) {
    const value = details?.[key];
    const num = typeof value === 'string' ? Number(value) : value;
    if (typeof num === 'number' && Number.isFinite(num)) {
      return num;
    }
  }
  return null;
}

/** Memory facts of an incident, whatever the watcher called them. */
export function memoryFacts(incident: IIncident): {
  limit: number | null;
  peak: number | null;
  oom: boolean;
} {
  const d = incident.details ?? {};
  const limit = detailNumber(
    d,
    'limit_bytes',
    'memory_limit_bytes',
    'memory_limit',
    'limit'
  );
  const peak = detailNumber(
    d,
    'peak_bytes',
    'memory_peak_bytes',
    'usage_bytes',
    'last_usage_bytes',
    'last_rss_bytes',
    'rss_bytes',
    'peak',
    'usage'
  );
  const oomDelta = detailNumber(d, 'oom_kill_delta', 'oom_kills');
  const oom = Boolean(
    d.oom_killed ?? d.oom ?? (oomDelta !== null && oomDelta > 0)
  );
  return { limit, peak, oom };
}

/** Is this incident about memory pressure (as opposed to a kernel death)? */
export function isPressure(incident: IIncident): boolean {
  return /pressure/.test(incident.kind);
}

/** One sentence a data scientist understands, e.g. the kernel OOM toast. */
export function describeIncident(
  incident: IIncident,
  trans: TranslationBundle
): string {
  const sentence = describeCause(incident, trans);
  const restarted = incident.details?.restarted;
  if (isPressure(incident) || restarted === undefined || restarted === null) {
    return sentence;
  }
  return (
    sentence +
    ' ' +
    (restarted
      ? trans.__('It was restarted; variables from before are lost.')
      : trans.__('It could not be restarted.'))
  );
}

/** The short form for a toast (JupyterLab cuts toasts at 140 characters). */
export function describeCause(
  incident: IIncident,
  trans: TranslationBundle
): string {
  const { limit, peak, oom } = memoryFacts(incident);
  const d = incident.details ?? {};
  if (isPressure(incident)) {
    if (peak !== null && limit !== null) {
      return trans.__(
        'Your kernel is using %1 of its %2 memory limit; it may be stopped soon.',
        formatBytes(peak),
        formatBytes(limit)
      );
    }
    return trans.__('Your kernel is close to its memory limit.');
  }
  if (peak !== null && limit !== null) {
    return trans.__(
      'Your kernel was stopped: it used %1 of its %2 memory limit.',
      formatBytes(peak),
      formatBytes(limit)
    );
  }
  if (oom) {
    return limit !== null
      ? trans.__(
          'Your kernel was stopped: it ran out of its %1 memory limit.',
          formatBytes(limit)
        )
      : trans.__('Your kernel was stopped: it ran out of memory.');
  }
  const signal = [d.signal, d.signal_name].filter(
    s => s !== undefined && s !== null && s !== ''
  );
  if (signal.length) {
    return trans.__(
      'Your kernel process was killed (signal %1).',
      signal.join(', ')
    );
  }
  const code = d.exit_code;
  if (code !== undefined && code !== null) {
    return trans.__(
      'Your kernel was stopped unexpectedly (exit code %1).',
      String(code)
    );
  }
  return trans.__('Your kernel was stopped unexpectedly.');
}

/** The notebook an incident belongs to, shortened for a toast. */
export function notebookName(path: string | null | undefined): string {
  if (!path) {
    return '';
  }
  const parts = path.split('/');
  return parts[parts.length - 1];
}

/** Is more memory the fix (an out-of-memory kill or memory pressure)? */
export function isMemoryIncident(incident: IIncident): boolean {
  return (
    isPressure(incident) ||
    memoryFacts(incident).oom ||
    incident.details?.request_draft?.kind === 'resource_limit'
  );
}

/** The label of the incident's request button. */
export function incidentActionLabel(
  incident: IIncident,
  trans: TranslationBundle
): string {
  return isMemoryIncident(incident)
    ? trans.__('Request more memory')
    : trans.__('Ask IT about this');
}

/** The server's "; next try 2026-12-01 07:19 UTC" (its CLI wording). */
const SERVER_NEXT_TRY = /; next try \d{4}-\d\d-\d\d \d\d:\d\d UTC$/;

/**
 * A request's state in the server's words, with the next try in the one date format of the
 * page (not the server's UTC wording) and bidi controls neutralised. Never cut: a toast or
 * a card shows it whole.
 */
export function stateDetailText(request: {
  state?: string;
  state_detail?: string;
  next_attempt_at?: string | null;
}): string {
  const detail = displayText(request.state_detail ?? '');
  const next = request.state === 'failed' ? request.next_attempt_at : null;
  if (!next || !SERVER_NEXT_TRY.test(detail)) {
    return detail;
  }
  return `${detail.replace(SERVER_NEXT_TRY, '')}; next try ${formatWhen(next)}`;
}
