import { LabIcon } from '@jupyterlab/ui-components';
import { Token } from '@lumino/coreutils';

import { IIncident, IITBridgeAPI, IRequest, IRequestInput } from './api';
import type { IRequestPrefill } from './dialogs';
import type { CardDrafts, KernelSessions } from './drafts';
import { RequestsModel } from './model';
import type { PageFacts } from './page';

/**
 * What the `jupyter-itbridge:model` plugin provides: the user's requests and incidents, the
 * REST API bound to this page's server, and filing. The panel, notifications and commands
 * plugins consume it; another extension (or a Notebook 7 page) can file a request with the
 * same dialog without copying code.
 */
export interface IITBridge {
  /** Requests and incidents as last read; signals what changed. */
  readonly model: RequestsModel;
  /** The REST API (`{base_url}itbridge/api/`) with the page's server settings. */
  readonly api: IITBridgeAPI;
  /** Facts about this page: the environment attached to requests, incident routing. */
  readonly page: PageFacts;
  /**
   * Show the request dialog with `prefill`, file what the user sends, tell them; resolves
   * to the filed request, or null when they cancelled.
   */
  fileRequest(prefill: IRequestPrefill): Promise<IRequest | null>;
  /**
   * File a request the user completed elsewhere (the finding card) and tell them, as the
   * dialog does; rejects with the message to show when it was not filed.
   */
  submitRequest(input: IRequestInput): Promise<IRequest>;
  /**
   * The prefilled "more memory" (or "ask IT") request for an incident; if one was already
   * filed for it, that request is shown instead of filing twice.
   */
  requestForIncident(incident: IIncident): Promise<IRequest | null>;
}

export const IITBridge = new Token<IITBridge>(
  'jupyter-itbridge:IITBridge',
  'The IT requests model, the REST API and the request dialog of jupyter-itbridge.'
);

/** What the `jupyter-itbridge:card` plugin provides: state the cards and the watcher share. */
export interface IFindingCards {
  /** What the user typed per finding fingerprint, until sent or dismissed. */
  readonly drafts: CardDrafts;
  /** The findings shown per kernel session (sent and dismissed ones are not shown again). */
  readonly sessions: KernelSessions;
}

export const IFindingCards = new Token<IFindingCards>(
  'jupyter-itbridge:IFindingCards',
  'The drafts and kernel sessions of the jupyter-itbridge finding cards.'
);

/** Command ids (palette, Help menu via schema/plugin.json, panel buttons, toasts). */
export namespace CommandIDs {
  /** Free-form request dialog, environment prefilled. */
  export const requestHelp = 'itbridge:request-help';
  /** Open the panel; args `{request: id}` or `{incident: id}` open that detail view. */
  export const showRequests = 'itbridge:show-requests';
}

/** The settings of the extension (schema/plugin.json; the id is kept from 0.1). */
export const SETTINGS_ID = 'jupyter-itbridge:plugin';

export const itbridgeIcon = new LabIcon({
  name: 'jupyter-itbridge:requests',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">' +
    '<path class="jp-icon3" fill="#616161" d="M4 4h16v11H8l-4 4V4zm3 3v2h10V7H7zm0 4v2h7v-2H7z"/>' +
    '</svg>'
});
