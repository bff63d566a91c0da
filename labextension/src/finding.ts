import type * as nbformat from '@jupyterlab/nbformat';
import type { PartialJSONObject } from '@lumino/coreutils';
import { TranslationBundle } from '@jupyterlab/translation';

import type { IFinding, IRequest, IRequestInput } from './api';
import { FindingKind, MIME_TYPE, Urgency, URGENCIES } from './contract';

/**
 * The finding bundle (`application/vnd.jupyter.itbridge.finding+json`) as the kernel's card
 * writes it (`CardState.payload` in kernel/card_state.py) and as the frontend writes it for a
 * kernel without the kernel extension. Pure: the card, the watcher and jest read it.
 */

/** What the card's request fields hold (the part of a draft the user edits). */
export interface ICardFields {
  summary: string;
  description: string;
  justification: string;
  urgency: Urgency;
}

/** The editable request (`RequestDraft` in findings.py), redacted by whoever wrote it. */
export interface IDraft extends ICardFields {
  kind: FindingKind | null;
  subject: string | null;
  fingerprint: string | null;
  finding: Record<string, any> | null;
  environment: Record<string, string>;
  notebook_path: string | null;
}

export type CardStatus =
  'draft' | 'filed' | 'saved_offline' | 'error' | 'dismissed';

/** The request a sent card points to (enough to find it again and to show it). */
export type SentRequest = Pick<IRequest, 'id' | 'uuid'> & Partial<IRequest>;

export interface ICardState {
  status: CardStatus;
  message: string;
  request: SentRequest | null;
  saved_path: string | null;
}

export interface IFindingPayload {
  version: number;
  finding: IFinding | null;
  self_service: { text: string; command: string } | null;
  draft: IDraft;
  preview: string;
  request_uuid: string;
  justification_hint: string;
  state: ICardState;
  /** `frontend` when the labextension made it (a kernel without the kernel extension). */
  origin?: 'kernel' | 'frontend';
}

const STATUSES: readonly CardStatus[] = [
  'draft',
  'filed',
  'saved_offline',
  'error',
  'dismissed'
];

const text = (value: unknown): string =>
  typeof value === 'string' ? value : '';

/** A string-valued copy of an environment object (the server stores strings). */
function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, item] of Object.entries(value)) {
      out[key] = typeof item === 'string' ? item : JSON.stringify(item);
    }
  }
  return out;
}

/**
 * The payload of an output, or null when it is not one (a hand-edited notebook, a newer
 * version's shape we cannot read): the caller then shows the text fallback.
 */
export function readPayload(value: unknown): IFindingPayload | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return null;
  }
  const data = value as Record<string, any>;
  const finding =
    data.finding && typeof data.finding === 'object'
      ? (data.finding as IFinding)
      : null;
  const rawDraft =
    data.draft && typeof data.draft === 'object' ? data.draft : {};
  const summary = text(rawDraft.summary) || text(finding?.title);
  if (!summary || !text(data.request_uuid)) {
    return null;
  }
  const urgency = URGENCIES.includes(rawDraft.urgency)
    ? (rawDraft.urgency as Urgency)
    : 'normal';
  const draft: IDraft = {
    summary,
    description: text(rawDraft.description),
    justification: text(rawDraft.justification),
    urgency,
    kind: (rawDraft.kind ?? finding?.kind ?? null) as FindingKind | null,
    subject: rawDraft.subject ?? finding?.subject ?? null,
    fingerprint: rawDraft.fingerprint ?? finding?.fingerprint ?? null,
    finding: rawDraft.finding ?? (finding as Record<string, any> | null),
    environment: stringMap(rawDraft.environment),
    notebook_path: rawDraft.notebook_path ?? null
  };
  const rawState =
    data.state && typeof data.state === 'object' ? data.state : {};
  const request = rawState.request;
  const state: ICardState = {
    status: STATUSES.includes(rawState.status) ? rawState.status : 'draft',
    message: text(rawState.message),
    request:
      request && typeof request === 'object' && typeof request.id === 'number'
        ? (request as SentRequest)
        : null,
    saved_path: rawState.saved_path ?? null
  };
  const ss = data.self_service;
  return {
    version: typeof data.version === 'number' ? data.version : 1,
    finding,
    self_service:
      ss && typeof ss === 'object' && (ss.text || ss.command)
        ? { text: text(ss.text), command: text(ss.command) }
        : selfServiceOf(finding),
    draft,
    preview: text(data.preview),
    request_uuid: data.request_uuid,
    justification_hint: text(data.justification_hint),
    state,
    origin: data.origin === 'frontend' ? 'frontend' : 'kernel'
  };
}

/** The fix a finding offers the user (a command and/or words), or null. */
export function selfServiceOf(
  finding: IFinding | null
): { text: string; command: string } | null {
  const ss = finding?.self_service;
  if (typeof ss === 'string') {
    return ss ? { text: ss, command: '' } : null;
  }
  if (ss && typeof ss === 'object') {
    const command = text(ss.command);
    const words = text(ss.text) || text(ss.title) || text(ss.instructions);
    return command || words ? { text: words, command } : null;
  }
  return null;
}

/** What IT will ask for each kind: the justification placeholder says it up front. */
export function justificationHint(
  kind: FindingKind | null | undefined,
  trans: TranslationBundle
): string {
  switch (kind) {
    case 'blocked_package':
      return trans.__(
        'Required. What do you need this package for? Is there an approved alternative you tried, and why does it not fit? Licence and where the data goes, if you know.'
      );
    case 'missing_package':
      return trans.__(
        'Required. What is the package for (project, task)? Its licence if you know it, and alternatives you considered.'
      );
    case 'missing_driver':
      return trans.__(
        'Required. Which database or system do you need to reach (name, host or team), and for which project?'
      );
    case 'resource_limit':
    case 'kernel_died':
      return trans.__(
        'Required. How big is the dataset (rows, GB on disk), how much memory/disk do you think you need, and for how long?'
      );
    case 'network_blocked':
      return trans.__(
        'Required. Which host or URL do you need to reach, what for, and what data goes there?'
      );
    case 'access_denied':
      return trans.__(
        'Required. Which path or resource do you need access to, what for, and who owns it?'
      );
    default:
      return trans.__(
        'Required. What do you need, what is it for, and by when?'
      );
  }
}

/**
 * The payload the frontend adds to a failed cell of a kernel without the kernel extension:
 * the same shape as the kernel's, so the same card renders it and nbconvert reads it.
 */
export function frontendPayload(
  finding: IFinding,
  options: {
    environment: Record<string, string>;
    notebookPath: string | null;
    uuid: string;
    trans: TranslationBundle;
  }
): IFindingPayload {
  const { environment, notebookPath, uuid, trans } = options;
  // the server's prefill (summaries.py), kept out of the stored finding (the kernel's shape)
  const { request_summary: summary, ...stored } = finding;
  const where = notebookPath
    ? trans.__('Where: notebook %1', notebookPath)
    : trans.__('Where: a notebook in this Jupyter session');
  return {
    version: 1,
    finding: stored,
    self_service: selfServiceOf(finding),
    draft: {
      // the card's headline is the title: the summary says what IT is asked to do
      summary: summary || finding.title,
      // the card shows the explanation and the body carries it: Details is the user's own
      description: where,
      justification: '',
      urgency: 'normal',
      kind: finding.kind,
      subject: finding.subject,
      fingerprint: finding.fingerprint,
      finding: stored as unknown as Record<string, any>,
      environment,
      notebook_path: notebookPath
    },
    preview: '',
    request_uuid: uuid,
    justification_hint: justificationHint(finding.kind, trans),
    state: { status: 'draft', message: '', request: null, saved_path: null },
    origin: 'frontend'
  };
}

/** The request to file (or preview) from a payload and what the card's fields hold now. */
export function requestInput(
  payload: IFindingPayload,
  fields: ICardFields
): IRequestInput {
  const { draft } = payload;
  return {
    summary: fields.summary.trim(),
    description: fields.description,
    justification: fields.justification.trim(),
    urgency: fields.urgency,
    kind: draft.kind,
    subject: draft.subject,
    fingerprint: draft.fingerprint,
    finding: draft.finding,
    environment: draft.environment,
    notebook_path: draft.notebook_path,
    uuid: payload.request_uuid
  };
}

/** The fields of a payload's draft. */
export function draftFields(payload: IFindingPayload): ICardFields {
  const { summary, description, justification, urgency } = payload.draft;
  return { summary, description, justification, urgency };
}

/** The `text/plain` of a finding output (nbconvert, other frontends, the terminal). */
export function textPlain(
  payload: IFindingPayload,
  trans: TranslationBundle
): string {
  const lines = [
    `[IT bridge] ${payload.finding?.title || payload.draft.summary}`
  ];
  const explanation = payload.finding?.explanation;
  if (explanation) {
    lines.push(explanation);
  }
  const ss = payload.self_service;
  if (ss) {
    lines.push(
      trans
        .__('Fix it yourself: %1 %2', ss.text, ss.command)
        .replace(/\s+$/, '')
    );
  }
  const request = payload.state.request;
  if (payload.state.status === 'filed' && request) {
    lines.push(trans.__('Request #%1 filed.', request.id));
  } else if (payload.state.status === 'draft') {
    lines.push(
      trans.__(
        'A prefilled request to IT is available in the card (Send to IT).'
      )
    );
  }
  return lines.join('\n');
}

/**
 * The output's data with a new card state (and the fields as sent): the notebook file then
 * says the card was sent or dismissed. The kernel's `text/html` copy is dropped, as it would
 * show the old state; `text/plain` is rewritten.
 */
export function withState(
  data: Readonly<Record<string, unknown>>,
  payload: IFindingPayload,
  state: ICardState,
  fields: ICardFields,
  trans: TranslationBundle
): Record<string, unknown> {
  const next: IFindingPayload = {
    ...payload,
    draft: { ...payload.draft, ...fields },
    state
  };
  const out: Record<string, unknown> = { ...data };
  delete out['text/html'];
  out[MIME_TYPE] = next;
  out['text/plain'] = textPlain(next, trans);
  return out;
}

/** A finding as a `display_data` output, saved with the notebook. */
export function findingOutput(
  payload: IFindingPayload,
  trans: TranslationBundle
): nbformat.IDisplayData {
  return {
    output_type: 'display_data',
    data: {
      [MIME_TYPE]: payload as unknown as PartialJSONObject,
      'text/plain': textPlain(payload, trans)
    },
    metadata: {}
  };
}

/** The fewest request fields a saved card needs to find and show its request again. */
export function sentRequest(request: IRequest): SentRequest {
  return {
    id: request.id,
    uuid: request.uuid,
    state: request.state,
    state_detail: request.state_detail,
    ticket_url: request.ticket_url ?? null,
    created_at: request.created_at
  };
}

/** The fields a filed request was sent with (its stored draft), when the server has them. */
export function sentFields(request: Partial<IRequest>): ICardFields | null {
  const draft = request.draft;
  if (!draft || typeof draft.summary !== 'string') {
    return null;
  }
  return {
    summary: draft.summary,
    description: text(draft.description),
    justification: text(draft.justification),
    urgency: URGENCIES.includes(draft.urgency) ? draft.urgency : 'normal'
  };
}
