import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import {
  API_PREFIX,
  Confidence,
  FindingKind,
  RequestState,
  Urgency
} from './contract';

/**
 * What a failed call means when the server sent no message of its own (an HTML error page, a
 * proxy's answer): a sentence for the sidebar and dialogs, not a bare HTTP status.
 */
export function statusMessage(status: number): string {
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

/** The message every caller shows when the server cannot be reached at all. */
export const UNREACHABLE = 'the Jupyter server cannot be reached';

/**
 * The server answered with an error status. `message` is the server's own message when it
 * sent one (a 400 saying which field is wrong), else {@link statusMessage}: callers show
 * `error.message` as it is.
 */
export class ITBridgeResponseError extends ServerConnection.ResponseError {
  constructor(response: Response, message: string) {
    super(response, message);
    this.name = 'ITBridgeResponseError';
    this.status = response.status;
  }

  /** The HTTP status (`response.status`), e.g. to tell "not installed" (404) apart. */
  readonly status: number;
}

/** No answer at all (server down, network gone); the message says so in words. */
export class ITBridgeNetworkError extends ServerConnection.NetworkError {
  constructor(original: TypeError) {
    super(original);
    this.name = 'ITBridgeNetworkError';
    this.message = UNREACHABLE;
  }
}

/**
 * Call the jupyter-itbridge REST API (`{base_url}itbridge/api/`, authenticated and
 * XSRF-protected by jupyter-server) with the page's server settings.
 */
export async function requestAPI<T>(
  endPoint: string,
  init: RequestInit,
  serverSettings: ServerConnection.ISettings
): Promise<T> {
  const url = URLExt.join(serverSettings.baseUrl, API_PREFIX, endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, serverSettings);
  } catch (error) {
    throw new ITBridgeNetworkError(error as TypeError);
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
    throw new ITBridgeResponseError(
      response,
      message ? String(message) : statusMessage(response.status)
    );
  }
  return data as T;
}

/** The request shape of the REST API (`Request` in openapi.yaml). */
export interface IRequest {
  id: number;
  uuid: string;
  state: RequestState;
  state_detail: string;
  admin_hint?: string | null;
  open: boolean;
  kind?: FindingKind | null;
  subject?: string | null;
  urgency: Urgency;
  fingerprint?: string | null;
  summary: string;
  body: string;
  draft?: Record<string, any>;
  notices?: string[];
  backend: string;
  ticket_id?: string | null;
  ticket_url?: string | null;
  attempts: number;
  /** ISO 8601, for a `failed` request: when the outbox tries again. */
  next_attempt_at?: string | null;
  last_error?: string | null;
  created_at: string;
  updated_at: string;
  deduped?: boolean;
  already_requested?: {
    id: number;
    created_at: string;
    message: string;
  } | null;
  /** IT's public messages the user has not seen yet. */
  unread?: number;
  /** Said in the thread when IT's replies do not come back here (email, webhook). */
  messages_hint?: string | null;
  /** For a resolved request: when, and IT's last public message. */
  resolution?: IResolution | null;
}

/** When IT resolved a request, and IT's last public message (the card's words). */
export interface IResolution {
  at: string | null;
  message: string | null;
}

/** One entry of a request's thread (`RequestDetail.messages`): plain text, never HTML. */
export interface IMessage {
  id: string;
  role: 'it' | 'user';
  author: string | null;
  text: string;
  created_at: string | null;
  seen: boolean;
  /** The user's replies only: pending, delivered, ... */
  delivery: string | null;
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
  from: RequestState | null;
  to: RequestState;
  note: string | null;
}

/** One request with its comments and state history. */
export interface IRequestDetail extends IRequest {
  comments: IComment[];
  history: IHistoryEntry[];
  messages?: IMessage[];
}

/** A kernel death or memory-pressure incident (`Incident` in openapi.yaml). */
export interface IIncident {
  id: number;
  /** `kernel_died` or `memory_pressure`. */
  kind: string;
  kernel_id?: string | null;
  notebook_path?: string | null;
  details: Record<string, any>;
  created_at: string;
  request_uuid?: string | null;
  request_id?: number | null;
  /** The request filed for this incident (`incident_id` of `POST requests`). */
  request?: { id: number; uuid: string; state: RequestState } | null;
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
  urgency?: Urgency;
  kind?: FindingKind | null;
  subject?: string | null;
  fingerprint?: string | null;
  environment?: Record<string, string>;
  notebook_path?: string | null;
  finding?: Record<string, any> | null;
  uuid?: string;
  /** The incident this request answers; the server links them. */
  incident_id?: number | null;
}

/** A finding as `POST diagnose` answers it (`Finding` in openapi.yaml), redacted. */
export interface IFinding {
  kind: FindingKind;
  subject: string;
  title: string;
  explanation?: string;
  evidence?: Record<string, any>;
  confidence?: Confidence;
  /** `{command, text}` from the detection, or an admin signature's plain text. */
  self_service?: Record<string, any> | string | null;
  policy_rule?: string | null;
  fingerprint: string;
  /** `POST diagnose` only: the Summary to prefill (what IT is asked to do, not the title). */
  request_summary?: string;
}

/** A failed cell as `POST diagnose` takes it (any kernel language). */
export interface IDiagnoseInput {
  /** The error's name; absent for a cell that only wrote to stderr. */
  ename?: string;
  evalue: string;
  traceback: string[];
  /** The cell's stderr stream: R's `install.packages` and `require()` only warn there. */
  stderr?: string;
  /** The kernel's `language_info.name` ("R", "julia"...). */
  language?: string;
}

/** What `POST preview` answers: the body filing would store, redacted by the server. */
export interface IPreview {
  body: string;
  notices: string[];
  uuid: string;
}

/** What `GET packages/{name}` answers: one line of facts for the card, and a policy note. */
export interface IPackageFacts {
  name: string;
  available: boolean;
  line: string;
  facts: Record<string, any>;
  policy: { rule: string; message: string | null } | null;
}

/** The REST API, one method per endpoint (what the model, panel and dialogs call). */
export interface IITBridgeAPI {
  health(): Promise<IHealth>;
  listRequests(): Promise<IRequest[]>;
  getRequest(id: number): Promise<IRequestDetail>;
  listIncidents(): Promise<IIncident[]>;
  file(input: IRequestInput): Promise<IRequest>;
  retry(id: number): Promise<IRequestDetail>;
  cancel(id: number): Promise<IRequestDetail>;
  comment(id: number, text: string): Promise<IRequestDetail>;
  /** The user read the thread: IT's messages no longer count as unread. */
  markSeen(id: number): Promise<IRequestDetail>;
  diagnose(input: IDiagnoseInput): Promise<IFinding[]>;
  preview(input: IRequestInput): Promise<IPreview>;
  /** Null when the server has no facts (404: no such package, or no facts endpoint). */
  packageFacts(name: string): Promise<IPackageFacts | null>;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** The REST API bound to a server (`app.serviceManager.serverSettings` in JupyterLab). */
export function createAPI(
  serverSettings: ServerConnection.ISettings
): IITBridgeAPI {
  const call = <T>(endPoint: string, init: RequestInit = {}) =>
    requestAPI<T>(endPoint, init, serverSettings);
  const post = <T>(endPoint: string, body?: unknown) =>
    call<T>(
      endPoint,
      body === undefined
        ? { method: 'POST' }
        : { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) }
    );
  return {
    health: () => call<IHealth>('health'),
    listRequests: async () =>
      (await call<{ requests: IRequest[] }>('requests')).requests,
    getRequest: id => call<IRequestDetail>(`requests/${id}`),
    listIncidents: async () =>
      (await call<{ incidents: IIncident[] }>('incidents')).incidents,
    file: input => post<IRequest>('requests', input),
    retry: id => post<IRequestDetail>(`requests/${id}/retry`),
    cancel: id => post<IRequestDetail>(`requests/${id}/cancel`),
    comment: (id, text) =>
      post<IRequestDetail>(`requests/${id}/comment`, { text }),
    markSeen: id => post<IRequestDetail>(`requests/${id}/seen`),
    diagnose: async input =>
      (await post<{ findings: IFinding[] }>('diagnose', input)).findings,
    preview: input => post<IPreview>('preview', input),
    packageFacts: async name => {
      try {
        return await call<IPackageFacts>(
          `packages/${encodeURIComponent(name)}`
        );
      } catch (error) {
        if (error instanceof ITBridgeResponseError && error.status === 404) {
          return null;
        }
        throw error;
      }
    }
  };
}

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
