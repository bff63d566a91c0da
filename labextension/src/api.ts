import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** Server settings (base URL, XSRF token): read once, they do not change while the page lives. */
let settings: ServerConnection.ISettings | null = null;

/**
 * What a failed call means when the server sent no message of its own (an HTML error page, a
 * proxy's answer): a sentence for the sidebar and dialogs, not a bare HTTP status.
 */
function statusMessage(status: number): string {
  if (status === 404) {
    return 'the jupyter-itbridge server extension is not running on this Jupyter server';
  }
  if (status === 401 || status === 403) {
    return 'the Jupyter server did not accept this session; reload the page or log in again';
  }
  if (status >= 500) {
    return 'the Jupyter server had an internal problem; try again later';
  }
  return 'the Jupyter server refused the request';
}

/**
 * Call the jupyter-itbridge REST API (`{base_url}itbridge/api/`, authenticated and
 * XSRF-protected by jupyter-server). Errors carry the server's own message when it sent one.
 */
async function requestAPI<T>(
  endPoint: string,
  init: RequestInit = {}
): Promise<T> {
  settings ??= ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'itbridge/api', endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch {
    throw new Error('the Jupyter server cannot be reached');
  }
  const text = await response.text();
  let data: any = text;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      // not JSON (an HTML error page): reported below if the status is an error
    }
  }
  if (!response.ok) {
    const message = data && typeof data === 'object' && data.message;
    throw new Error(message ? String(message) : statusMessage(response.status));
  }
  return data as T;
}

/** The request shape of the REST API (`Request` in openapi.yaml). */
export interface IRequest {
  id: number;
  uuid: string;
  state: string;
  state_detail: string;
  admin_hint?: string | null;
  open: boolean;
  kind?: string | null;
  subject?: string | null;
  urgency: string;
  summary: string;
  body: string;
  draft?: Record<string, any>;
  notices?: string[];
  backend: string;
  ticket_id?: string | null;
  ticket_url?: string | null;
  attempts: number;
  last_error?: string | null;
  created_at: string;
  updated_at: string;
  deduped?: boolean;
  already_requested?: {
    id: number;
    created_at: string;
    message: string;
  } | null;
}

/** A comment on a request (`RequestDetail.comments`). */
export interface IComment {
  id: number;
  kind: string;
  user: string;
  text: string;
  delivery: string;
  created_at: string;
}

/** A state change of a request (`RequestDetail.history`). */
export interface IHistoryEntry {
  at: string;
  from: string | null;
  to: string;
  note: string | null;
}

/** One request with its comments and state history. */
export interface IRequestDetail extends IRequest {
  comments: IComment[];
  history: IHistoryEntry[];
}

/** A kernel death or memory-pressure incident (`Incident` in openapi.yaml). */
export interface IIncident {
  id: number;
  kind: string;
  kernel_id?: string | null;
  notebook_path?: string | null;
  details: Record<string, any>;
  created_at: string;
  request_uuid?: string | null;
  request_id?: number | null;
  /** The request filed for this incident (`incident_id` of `POST requests`). */
  request?: { id: number; uuid: string; state: string } | null;
}

/** What `GET health` answers. */
export interface IHealth {
  status: string;
  version: string;
  backend: string;
  reachable?: boolean | null;
  outbox_depth?: number;
  last_error?: string | null;
}

/** A request as the browser files it (`RequestInput`; free-form or from an incident). */
export interface IRequestInput {
  summary: string;
  description?: string;
  justification?: string;
  urgency?: string;
  kind?: string | null;
  subject?: string | null;
  fingerprint?: string | null;
  environment?: Record<string, string>;
  notebook_path?: string | null;
  finding?: Record<string, any> | null;
  uuid?: string;
  /** The incident this request answers; the server links them. */
  incident_id?: number | null;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** Thin, typed wrappers over the REST API: one function per endpoint. */
export const api = {
  health: () => requestAPI<IHealth>('health'),
  listRequests: async () =>
    (await requestAPI<{ requests: IRequest[] }>('requests')).requests,
  getRequest: (id: number) => requestAPI<IRequestDetail>(`requests/${id}`),
  listIncidents: async () =>
    (await requestAPI<{ incidents: IIncident[] }>('incidents')).incidents,
  file: (input: IRequestInput) =>
    requestAPI<IRequest>('requests', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify(input)
    }),
  retry: (id: number) =>
    requestAPI<IRequestDetail>(`requests/${id}/retry`, { method: 'POST' }),
  cancel: (id: number) =>
    requestAPI<IRequestDetail>(`requests/${id}/cancel`, { method: 'POST' }),
  comment: (id: number, text: string) =>
    requestAPI<IRequestDetail>(`requests/${id}/comment`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ text })
    })
};

/** Only http(s) links become anchors: a ticket URL is data from outside. */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) {
    return null;
  }
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:'
      ? parsed.href
      : null;
  } catch {
    return null;
  }
}

/**
 * The request already filed for an incident, or null when the action should be offered
 * (nothing filed, or the request was cancelled: the user may ask again).
 */
export function linkedRequest(incident: IIncident): number | null {
  const request = incident.request;
  if (request) {
    return request.state === 'cancelled' ? null : request.id;
  }
  return incident.request_id ?? null;
}
