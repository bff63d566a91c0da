import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import {
  addIcon,
  ReactWidget,
  refreshIcon,
  SidePanel,
  ToolbarButton
} from '@jupyterlab/ui-components';
import { Panel, Widget } from '@lumino/widgets';
import * as React from 'react';

import { IIncident, IITBridgeAPI, IRequestDetail } from './api';
import { RequestsModel } from './model';
import { IncidentDetailView } from './panelIncident';
import { Lists } from './panelLists';
import { IPanelNavigation } from './panelParts';
import { IRequestActions, RequestDetailView } from './panelRequest';

/** What the panel asks the plugins to do (commands and filing live there). */
export interface IPanelActions {
  newRequest(): void;
  requestForIncident(incident: IIncident): void;
}

type View =
  | { kind: 'list' }
  | { kind: 'request'; id: number }
  | { kind: 'incident'; id: number };

/** The connection line: reachable or not, which ticket system, how many wait. */
function Status(props: {
  model: RequestsModel;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, trans } = props;
  let text = trans.__('Connecting…');
  if (model.connection === 'connected' && model.health) {
    const h = model.health;
    text = trans.__('Connected · ticket system: %1', h.backend);
    if (h.outbox_depth) {
      text += ' · ' + trans.__('%1 waiting to be sent', h.outbox_depth);
    }
  } else if (model.connection === 'disconnected') {
    text = trans.__('Not connected: %1', model.error);
  }
  return (
    <div
      className="jp-ITBridge-status"
      role="status"
      data-state={model.connection}
    >
      {text}
    </div>
  );
}

/**
 * The panel's content: the connection line and one of three views (the lists, a request,
 * an incident). React renders it on every model change; keys keep the same DOM nodes, so
 * keyboard focus stays where it was.
 */
class RequestsView extends ReactWidget implements IPanelNavigation {
  constructor(
    private _model: RequestsModel,
    private _api: IITBridgeAPI,
    private _actions: IPanelActions,
    readonly trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-ITBridge-view');
    _model.changed.connect(this._onModelChanged, this);
    this._requestActions = {
      retry: id => this._act(this._api.retry(id)),
      cancel: id => this._act(this._api.cancel(id)),
      comment: (id, text) => this._act(this._api.comment(id, text))
    };
  }

  showList(): void {
    this._view = { kind: 'list' };
    this.update();
  }

  showRequest(id: number, reply = false): void {
    this._view = { kind: 'request', id };
    this._focusReply = reply;
    this._detail = null;
    this._detailError = '';
    this.update();
    void this._loadDetail(id);
  }

  showIncident(id: number): void {
    this._view = { kind: 'incident', id };
    this.update();
  }

  requestForIncident(incident: IIncident): void {
    this._actions.requestForIncident(incident);
  }

  protected render(): JSX.Element {
    const view = this._view;
    let body: JSX.Element | null;
    if (view.kind === 'request') {
      const detail = this._detail?.id === view.id ? this._detail : null;
      body = (
        <RequestDetailView
          key={`request-${view.id}`}
          id={view.id}
          detail={detail}
          loadError={this._detailError}
          actions={this._requestActions}
          nav={this}
          focusReply={this._focusReply}
        />
      );
    } else if (view.kind === 'incident') {
      body = (
        <IncidentDetailView
          key={`incident-${view.id}`}
          id={view.id}
          incident={this._model.incidents.find(i => i.id === view.id)}
          nav={this}
        />
      );
    } else {
      body = <Lists model={this._model} nav={this} />;
    }
    return (
      <>
        <Status model={this._model} trans={this.trans} />
        <div className="jp-ITBridge-body">{body}</div>
      </>
    );
  }

  private _onModelChanged(): void {
    const view = this._view;
    if (view.kind === 'request' && this._detail?.id === view.id) {
      const listed = this._model.requests.find(r => r.id === view.id);
      if (
        listed &&
        listed.updated_at !== this._detail.updated_at &&
        this._reloading !== listed.updated_at
      ) {
        this._reloading = listed.updated_at; // the list moved on: read the detail again, once
        void this._loadDetail(view.id);
      }
    }
    this.update();
  }

  private async _loadDetail(id: number): Promise<void> {
    try {
      let detail = await this._api.getRequest(id);
      if ((detail.unread ?? 0) > 0) {
        // shown now: IT's messages are read (the badge and the list's mark go)
        detail = await this._api.markSeen(id);
        this._model.upsert(detail);
      }
      this._detail = detail;
      this._detailError = '';
    } catch (error) {
      this._detailError = (error as Error).message;
    }
    if (this._view.kind === 'request' && this._view.id === id) {
      this.update();
    }
  }

  /** A follow-up call's answer is the request's new detail: show it, update the list. */
  private async _act(call: Promise<IRequestDetail>): Promise<void> {
    const detail = await call;
    this._detail = detail;
    this._model.upsert(detail);
    void this._model.refresh();
  }

  private _view: View = { kind: 'list' };
  private _detail: IRequestDetail | null = null;
  private _detailError = '';
  private _reloading = '';
  private _focusReply = false;
  private _requestActions: IRequestActions;
}

/**
 * The "IT requests" side panel: JupyterLab's `SidePanel` with a header, a toolbar (new
 * request, refresh) and the React view of the user's requests and incidents.
 */
export class RequestsPanel extends SidePanel {
  constructor(options: {
    model: RequestsModel;
    api: IITBridgeAPI;
    actions: IPanelActions;
    translator: ITranslator;
  }) {
    super({ content: new Panel(), translator: options.translator });
    const { model, actions } = options;
    const trans = options.translator.load('jupyter_itbridge');
    this._model = model;
    this.id = 'jp-itbridge-requests';
    this.addClass('jp-ITBridge-panel');
    this.title.caption = trans.__('IT requests');
    this.node.setAttribute('aria-label', trans.__('IT requests'));

    const heading = new Widget({ node: document.createElement('h2') });
    heading.node.textContent = trans.__('IT requests');
    this.header.addClass('jp-ITBridge-panelHeader');
    this.header.addWidget(heading);
    this.toolbar.addItem(
      'new-request',
      new ToolbarButton({
        icon: addIcon,
        label: trans.__('New request…'),
        tooltip: trans.__('Ask IT for something; the environment is attached'),
        className: 'jp-ITBridge-new',
        onClick: () => actions.newRequest()
      })
    );
    this.toolbar.addItem(
      'refresh',
      new ToolbarButton({
        icon: refreshIcon,
        tooltip: trans.__('Refresh'),
        className: 'jp-ITBridge-refresh',
        onClick: () => void model.refresh()
      })
    );
    this._view = new RequestsView(model, options.api, actions, trans);
    this.addWidget(this._view);
    model.changed.connect(() => this._showUnread(trans), this);
  }

  /** The unread badge on the sidebar icon (`data-unread` on the tab, drawn by CSS). */
  private _showUnread(trans: TranslationBundle): void {
    const unread = this._model.unread;
    const shown = this.title.dataset.unread ?? '';
    if (shown === (unread > 0 ? String(unread) : '')) {
      return;
    }
    // keep the shell's own entries (data-id), change only ours
    const rest = { ...this.title.dataset };
    delete rest.unread;
    this.title.dataset =
      unread > 0 ? { ...rest, unread: String(unread) } : rest;
    this.title.caption =
      unread > 0
        ? trans.__('IT requests (%1 unread)', unread)
        : trans.__('IT requests');
  }

  /** Open the detail view of a request (from a toast or a command); `reply` focuses
   * the reply box. */
  showRequest(id: number, reply = false): void {
    this._view.showRequest(id, reply);
  }

  /** Open the detail view of an incident. */
  showIncident(id: number): void {
    this._view.showIncident(id);
  }

  /** Back to the lists. */
  showList(): void {
    this._view.showList();
  }

  protected onAfterShow(): void {
    void this._model.refresh();
  }

  private _model: RequestsModel;
  private _view: RequestsView;
}
