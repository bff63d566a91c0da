import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { requestAPI } from './request';

/** What `GET health` answers. */
export interface IHealth {
  status: string;
  version: string;
  backend: string;
  outbox_depth?: number;
  last_error?: string | null;
}

/**
 * The "IT requests" side panel. This shell shows whether the server side is reachable;
 * the request list and incidents render below the status line.
 */
export class RequestsPanel extends Widget {
  constructor(translator: ITranslator = nullTranslator) {
    super();
    this._trans = translator.load('jupyter_itbridge');
    this.id = 'jp-itbridge-requests';
    this.addClass('jp-ITBridge-panel');
    this.title.caption = this._trans.__('IT requests');

    const header = document.createElement('h2');
    header.className = 'jp-ITBridge-panelHeader';
    header.textContent = this._trans.__('IT requests');
    this._status = document.createElement('div');
    this._status.className = 'jp-ITBridge-status';
    this._status.setAttribute('role', 'status');
    this._status.dataset.state = 'connecting';
    this._status.textContent = this._trans.__('Connecting…');
    this.node.append(header, this._status);
  }

  /** Connection state: `connecting`, `connected` or `disconnected`. */
  get connectionState(): string {
    return this._status.dataset.state ?? 'connecting';
  }

  /** Ask the server for its health and show the result as text. */
  async refresh(): Promise<IHealth | null> {
    try {
      const health = await requestAPI<IHealth>('health');
      this._status.dataset.state = 'connected';
      this._status.textContent = this._trans.__(
        'Connected · backend: %1',
        health.backend
      );
      return health;
    } catch (error) {
      this._status.dataset.state = 'disconnected';
      this._status.textContent = this._trans.__(
        'Not connected: %1',
        (error as Error).message
      );
      return null;
    }
  }

  private _trans;
  private _status: HTMLDivElement;
}
