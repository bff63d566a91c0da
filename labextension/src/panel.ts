import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import {
  buildIcon,
  extensionIcon,
  infoIcon,
  kernelIcon,
  LabIcon,
  linkIcon,
  lockIcon,
  notTrustedIcon,
  stopIcon
} from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import {
  api,
  IIncident,
  IRequest,
  IRequestDetail,
  linkedRequest,
  safeUrl
} from './api';
import {
  describeIncident,
  formatAge,
  formatBytes,
  incidentActionLabel,
  isPressure,
  kindLabel,
  urgencyLabels
} from './format';
import { RequestsModel } from './model';

/** What the panel asks the plugin to do (commands live in the plugin). */
export interface IPanelActions {
  newRequest(): void;
  requestMemory(incident: IIncident): void;
}

/** Incident details that are shown otherwise (the draft is what the request button uses). */
const HIDDEN_DETAILS = new Set([
  'request_draft',
  'memory',
  'samples',
  'kernels'
]);

const KIND_ICONS: Record<string, LabIcon> = {
  blocked_package: notTrustedIcon,
  missing_package: extensionIcon,
  missing_driver: buildIcon,
  resource_limit: kernelIcon,
  network_blocked: linkIcon,
  access_denied: lockIcon,
  kernel_died: stopIcon
};

/** Create an element with a class and (as text, never HTML) its content. */
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/** A server timestamp in the user's locale. */
function when(iso: string): string {
  return new Date(iso).toLocaleString();
}

/**
 * The "IT requests" side panel: connection line, the user's requests, incidents, and a
 * detail view of one request (exactly what was sent, follow-up actions).
 *
 * Plain DOM on purpose (no React): a few hundred nodes at most, and a tiny bundle.
 * Everything that came from a user or a server is set with ``textContent``.
 */
export class RequestsPanel extends Widget {
  constructor(
    readonly model: RequestsModel,
    private _actions: IPanelActions,
    translator: ITranslator = nullTranslator
  ) {
    super();
    this._trans = translator.load('jupyter_itbridge');
    const trans = this._trans;
    this.id = 'jp-itbridge-requests';
    this.addClass('jp-ITBridge-panel');
    this.title.caption = trans.__('IT requests');
    this.node.setAttribute('aria-label', trans.__('IT requests'));

    const header = el('div', 'jp-ITBridge-panelHeader');
    const h2 = el('h2', '', trans.__('IT requests'));
    const newButton = this._button(trans.__('New request…'), () =>
      this._actions.newRequest()
    );
    newButton.classList.add('jp-ITBridge-new');
    const refreshButton = this._button(trans.__('Refresh'), () => {
      void this.model.refresh();
    });
    refreshButton.classList.add('jp-ITBridge-refresh');
    header.append(h2, newButton, refreshButton);

    this._status = el('div', 'jp-ITBridge-status');
    this._status.setAttribute('role', 'status');
    this._status.dataset.state = 'connecting';
    this._status.textContent = trans.__('Connecting…');
    this._body = el('div', 'jp-ITBridge-body');
    this.node.append(header, this._status, this._body);
    this.model.changed.connect(this._render, this);
  }

  /** Open the detail view of a request (from a toast or a command). */
  async showRequest(id: number): Promise<void> {
    this._view = { kind: 'request', id };
    this._detail = null;
    this._actionError = '';
    this._commentDraft = '';
    this._render();
    await this._loadDetail(id);
  }

  /** Open the detail view of an incident. */
  showIncident(id: number): void {
    this._view = { kind: 'incident', id };
    this._render();
  }

  /** Back to the lists. */
  showList(): void {
    this._view = { kind: 'list' };
    this._render();
  }

  protected onAfterShow(): void {
    void this.model.refresh();
  }

  private async _loadDetail(id: number): Promise<void> {
    try {
      this._detail = await api.getRequest(id);
      this._detailError = '';
    } catch (error) {
      this._detailError = (error as Error).message;
    }
    if (this._view.kind === 'request' && this._view.id === id) {
      this._render();
    }
  }

  private _render(): void {
    const trans = this._trans;
    const model = this.model;
    this._status.dataset.state = model.connection;
    if (model.connection === 'connected' && model.health) {
      const h = model.health;
      let text = trans.__('Connected · ticket system: %1', h.backend);
      if (h.outbox_depth) {
        text += ' · ' + trans.__('%1 waiting to be sent', h.outbox_depth);
      }
      this._status.textContent = text;
    } else if (model.connection === 'disconnected') {
      this._status.textContent = trans.__('Not connected: %1', model.error);
    }
    const focusKey = this._focusKey();
    this._body.replaceChildren();
    if (this._view.kind === 'request') {
      this._renderRequest(this._view.id);
    } else if (this._view.kind === 'incident') {
      this._renderIncident(this._view.id);
    } else {
      this._renderLists();
    }
    this._restoreFocus(focusKey);
  }

  private _renderLists(): void {
    const trans = this._trans;
    const { requests, incidents } = this.model;
    if (this.model.loaded && requests.length === 0 && incidents.length === 0) {
      const empty = el('div', 'jp-ITBridge-empty');
      empty.append(
        el('p', 'jp-ITBridge-emptyTitle', trans.__('No requests to IT yet.')),
        el(
          'p',
          '',
          trans.__(
            'When a cell fails because of the environment (a blocked or missing package, a missing driver, a memory limit, a blocked network), a card under the error explains it and offers a request to IT, already filled in. Requests you send and their status appear here.'
          )
        ),
        el(
          'p',
          '',
          trans.__(
            'To ask IT for something yourself, use "Request help from IT…" in the Help menu or the command palette, or the button above.'
          )
        )
      );
      this._body.append(empty);
      return;
    }
    const reqSection = el('section', 'jp-ITBridge-section');
    reqSection.setAttribute('aria-label', trans.__('Requests'));
    reqSection.append(el('h3', '', trans.__('Requests (%1)', requests.length)));
    const list = el('ul', 'jp-ITBridge-list jp-ITBridge-requests');
    for (const request of requests) {
      list.append(this._requestItem(request));
    }
    reqSection.append(list);
    this._body.append(reqSection);
    if (incidents.length) {
      const incSection = el('section', 'jp-ITBridge-section');
      incSection.setAttribute('aria-label', trans.__('Incidents'));
      incSection.append(
        el('h3', '', trans.__('Kernel incidents (%1)', incidents.length))
      );
      const ilist = el('ul', 'jp-ITBridge-list jp-ITBridge-incidents');
      for (const incident of incidents) {
        ilist.append(this._incidentItem(incident));
      }
      incSection.append(ilist);
      this._body.append(incSection);
    }
  }

  /**
   * A list row: an item whose main button (icon, title, meta line) opens the detail view.
   * Extra nodes (ticket link, incident action) are appended by the caller.
   */
  private _item(row: {
    className: string;
    focusKey: string;
    icon: LabIcon;
    iconTitle: string;
    title: string;
    meta: HTMLElement[];
    onOpen: () => void;
  }): { li: HTMLLIElement; open: HTMLButtonElement } {
    const { className, focusKey, icon, iconTitle, title, meta, onOpen } = row;
    const li = el('li', className);
    const open = el('button', 'jp-ITBridge-itemMain');
    open.type = 'button';
    open.dataset.focusKey = focusKey;
    open.addEventListener('click', onOpen);
    const metaLine = el('span', 'jp-ITBridge-itemMeta');
    metaLine.append(...meta);
    open.append(
      icon.element({
        className: 'jp-ITBridge-kindIcon',
        tag: 'span',
        title: iconTitle
      }),
      el('span', 'jp-ITBridge-itemTitle', title),
      metaLine
    );
    li.append(open);
    return { li, open };
  }

  private _requestItem(request: IRequest): HTMLLIElement {
    const trans = this._trans;
    const { li, open } = this._item({
      className: 'jp-ITBridge-item',
      focusKey: `request-${request.id}`,
      icon: KIND_ICONS[request.kind ?? ''] ?? infoIcon,
      iconTitle: kindLabel(request.kind, trans),
      title: request.summary,
      meta: [
        this._badge(request.state),
        el('span', 'jp-ITBridge-id', `#${request.id}`),
        el('span', 'jp-ITBridge-age', formatAge(request.created_at, trans))
      ],
      onOpen: () => void this.showRequest(request.id)
    });
    li.dataset.requestId = String(request.id);
    li.dataset.state = request.state;
    open.setAttribute(
      'aria-label',
      trans.__(
        'Request #%1: %2, %3. Show details',
        request.id,
        request.summary,
        this._stateLabel(request.state)
      )
    );
    const link = this._ticketLink(request);
    if (link) {
      li.append(link);
    }
    return li;
  }

  private _incidentItem(incident: IIncident): HTMLLIElement {
    const trans = this._trans;
    const meta: HTMLElement[] = [];
    if (incident.notebook_path) {
      meta.push(el('span', 'jp-ITBridge-path', incident.notebook_path));
    }
    meta.push(
      el('span', 'jp-ITBridge-age', formatAge(incident.created_at, trans))
    );
    const { li } = this._item({
      className: 'jp-ITBridge-item jp-ITBridge-incident',
      focusKey: `incident-${incident.id}`,
      icon: isPressure(incident) ? kernelIcon : stopIcon,
      iconTitle: kindLabel(incident.kind, trans),
      title: describeIncident(incident, trans),
      meta,
      onOpen: () => this.showIncident(incident.id)
    });
    li.dataset.incidentId = String(incident.id);
    li.dataset.kind = incident.kind;
    li.append(this._incidentAction(incident));
    return li;
  }

  private _incidentAction(incident: IIncident): HTMLElement {
    const trans = this._trans;
    const id = linkedRequest(incident);
    if (id !== null) {
      const requested = this._button(trans.__('Requested (#%1)', id), () => {
        void this.showRequest(id);
      });
      requested.classList.add('jp-ITBridge-requested');
      requested.dataset.requestId = String(id);
      requested.dataset.focusKey = `incident-action-${incident.id}`;
      requested.title = trans.__('Show request #%1', id);
      return requested;
    }
    const button = this._button(incidentActionLabel(incident, trans), () =>
      this._actions.requestMemory(incident)
    );
    button.classList.add('jp-ITBridge-requestMemory');
    button.dataset.focusKey = `incident-action-${incident.id}`;
    return button;
  }

  private _renderRequest(id: number): void {
    const trans = this._trans;
    const listed = this.model.requests.find(r => r.id === id);
    if (
      listed &&
      this._detail?.id === id &&
      listed.updated_at !== this._detail.updated_at &&
      this._reloading !== listed.updated_at
    ) {
      this._reloading = listed.updated_at; // the list moved on: fetch the detail again, once
      void this._loadDetail(id);
    }
    const body = this._body;
    body.append(this._backButton());
    const detail = this._detail && this._detail.id === id ? this._detail : null;
    if (!detail) {
      body.append(
        el(
          'p',
          'jp-ITBridge-muted',
          this._detailError
            ? trans.__('Could not load request #%1: %2', id, this._detailError)
            : trans.__('Loading request #%1…', id)
        )
      );
      return;
    }
    const article = el('article', 'jp-ITBridge-detail');
    article.dataset.requestId = String(id);
    const h3 = el('h3', 'jp-ITBridge-detailTitle');
    h3.append(
      el('span', 'jp-ITBridge-id', `#${detail.id} `),
      el('span', '', detail.summary)
    );
    const stateLine = el('p', 'jp-ITBridge-stateLine');
    stateLine.append(
      this._badge(detail.state),
      el('span', '', ' ' + detail.state_detail)
    );
    article.append(h3, stateLine);
    const link = this._ticketLink(detail);
    if (link) {
      article.append(link);
    }
    const facts = el('dl', 'jp-ITBridge-facts');
    const fact = (name: string, value: string | null | undefined) => {
      if (value) {
        facts.append(el('dt', '', name), el('dd', '', value));
      }
    };
    fact(trans.__('Filed'), when(detail.created_at));
    fact(trans.__('Updated'), when(detail.updated_at));
    fact(
      trans.__('Urgency'),
      urgencyLabels(trans)[detail.urgency] ?? detail.urgency
    );
    fact(trans.__('Delivered to'), detail.backend);
    fact(trans.__('Ticket'), detail.ticket_id);
    fact(trans.__('Attempts'), String(detail.attempts));
    fact(trans.__('Last delivery error'), detail.last_error);
    article.append(facts);
    if (detail.admin_hint) {
      article.append(el('p', 'jp-ITBridge-hint', detail.admin_hint));
    }
    for (const notice of detail.notices ?? []) {
      article.append(el('p', 'jp-ITBridge-hint', notice));
    }

    const actions = el('div', 'jp-ITBridge-actionsRow');
    if (detail.state === 'queued' || detail.state === 'failed') {
      const retry = this._button(trans.__('Retry now'), () =>
        this._act(id, () => api.retry(id))
      );
      retry.classList.add('jp-ITBridge-retry');
      actions.append(retry);
    }
    if (detail.open) {
      const cancel = this._button(trans.__('Cancel request'), () =>
        this._act(id, () => api.cancel(id))
      );
      cancel.classList.add('jp-ITBridge-cancel');
      actions.append(cancel);
    }
    if (actions.childElementCount) {
      article.append(actions);
    }

    if (detail.state !== 'cancelled') {
      const form = el('form', 'jp-ITBridge-commentForm');
      const label = el('label', '', trans.__('Add a comment for IT'));
      const textarea = el('textarea', 'jp-mod-styled');
      textarea.id = `jp-ITBridge-comment-${id}`;
      textarea.rows = 3;
      textarea.value = this._commentDraft;
      textarea.dataset.focusKey = 'comment';
      textarea.addEventListener('input', () => {
        this._commentDraft = textarea.value;
      });
      label.htmlFor = textarea.id;
      const submit = el('button', 'jp-Button jp-mod-styled jp-mod-accept');
      submit.type = 'submit';
      submit.textContent = trans.__('Add comment');
      form.append(label, textarea, submit);
      form.addEventListener('submit', event => {
        event.preventDefault();
        const text = textarea.value.trim();
        if (text) {
          this._act(id, () => api.comment(id, text));
        }
      });
      article.append(form);
    }
    if (this._actionError) {
      const error = el('p', 'jp-ITBridge-error', this._actionError);
      error.setAttribute('role', 'alert');
      article.append(error);
    }

    const sent = el('details', 'jp-ITBridge-sent');
    sent.open = true;
    sent.append(el('summary', '', trans.__('What was sent')));
    sent.append(el('pre', 'jp-ITBridge-body-text', detail.body));
    article.append(sent);

    if (detail.comments.length) {
      const comments = el('section', 'jp-ITBridge-comments');
      comments.append(el('h4', '', trans.__('Comments')));
      const ul = el('ul', 'jp-ITBridge-plainList');
      for (const c of detail.comments) {
        const li = el('li');
        li.append(
          el(
            'div',
            'jp-ITBridge-muted',
            `${when(c.created_at)} · ${c.user} · ${c.delivery}`
          ),
          el('div', 'jp-ITBridge-commentText', c.text)
        );
        ul.append(li);
      }
      comments.append(ul);
      article.append(comments);
    }
    if (detail.history.length) {
      const history = el('section', 'jp-ITBridge-history');
      history.append(el('h4', '', trans.__('History')));
      const ul = el('ul', 'jp-ITBridge-plainList');
      for (const h of detail.history) {
        const from = h.from ? this._stateLabel(h.from) : '–';
        const line = `${when(h.at)} · ${from} → ${this._stateLabel(h.to)}${h.note ? ' · ' + h.note : ''}`;
        ul.append(el('li', '', line));
      }
      history.append(ul);
      article.append(history);
    }
    body.append(article);
  }

  private _renderIncident(id: number): void {
    const trans = this._trans;
    this._body.append(this._backButton());
    const incident = this.model.incidents.find(i => i.id === id);
    if (!incident) {
      this._body.append(
        el('p', 'jp-ITBridge-muted', trans.__('Incident #%1 not found.', id))
      );
      return;
    }
    const article = el('article', 'jp-ITBridge-detail');
    article.dataset.incidentId = String(id);
    article.append(
      el('h3', 'jp-ITBridge-detailTitle', describeIncident(incident, trans))
    );
    const facts = el('dl', 'jp-ITBridge-facts');
    const add = (name: string, value: unknown) => {
      if (value !== null && value !== undefined && value !== '') {
        const text =
          typeof value === 'object' ? JSON.stringify(value) : String(value);
        facts.append(el('dt', '', name), el('dd', '', text));
      }
    };
    add(trans.__('When'), when(incident.created_at));
    add(trans.__('Kind'), kindLabel(incident.kind, trans));
    add(trans.__('Notebook'), incident.notebook_path);
    add(trans.__('Kernel'), incident.kernel_id);
    const details = incident.details ?? {};
    const flat: Record<string, unknown> = {
      ...details,
      ...(details.memory ?? {})
    };
    for (const [key, value] of Object.entries(flat)) {
      if (HIDDEN_DETAILS.has(key)) {
        continue;
      }
      add(
        key.replace(/_/g, ' '),
        key.endsWith('_bytes') && typeof value === 'number'
          ? formatBytes(value)
          : value
      );
    }
    article.append(facts);
    article.append(this._incidentAction(incident));
    this._body.append(article);
  }

  private _act(id: number, call: () => Promise<IRequestDetail>): void {
    call()
      .then(detail => {
        this._actionError = '';
        this._commentDraft = '';
        this._detail = detail;
        this.model.upsert(detail);
        void this.model.refresh();
      })
      .catch(error => {
        this._actionError = (error as Error).message;
        this._render();
      });
  }

  private _backButton(): HTMLButtonElement {
    const back = this._button(this._trans.__('← All requests'), () =>
      this.showList()
    );
    back.classList.add('jp-ITBridge-back');
    back.dataset.focusKey = 'back';
    return back;
  }

  private _button(label: string, onClick: () => void): HTMLButtonElement {
    const button = el('button', 'jp-Button jp-mod-styled jp-ITBridge-button');
    button.type = 'button';
    button.textContent = label;
    button.addEventListener('click', onClick);
    return button;
  }

  private _badge(state: string): HTMLSpanElement {
    const badge = el('span', 'jp-ITBridge-badge', this._stateLabel(state));
    badge.dataset.state = state;
    return badge;
  }

  private _stateLabel(state: string): string {
    const t = this._trans;
    const labels: Record<string, string> = {
      queued: t.__('queued'),
      sent: t.__('sent'),
      acknowledged: t.__('in progress'),
      resolved: t.__('resolved'),
      rejected: t.__('declined'),
      failed: t.__('retrying'),
      cancelled: t.__('cancelled')
    };
    return labels[state] ?? state;
  }

  private _ticketLink(request: IRequest): HTMLAnchorElement | null {
    const href = safeUrl(request.ticket_url);
    if (!href) {
      return null;
    }
    const a = el(
      'a',
      'jp-ITBridge-ticketLink',
      this._trans.__('Ticket %1', request.ticket_id ?? '')
    );
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }

  /** Re-rendering replaces nodes: keep keyboard focus on the same logical control. */
  private _focusKey(): string | null {
    const active = document.activeElement as HTMLElement | null;
    if (active && this._body.contains(active)) {
      return active.dataset.focusKey ?? null;
    }
    return null;
  }

  private _restoreFocus(key: string | null): void {
    if (key) {
      this._body
        .querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(key)}"]`)
        ?.focus();
    }
  }

  private _trans;
  private _status: HTMLDivElement;
  private _body: HTMLDivElement;
  private _view:
    | { kind: 'list' }
    | { kind: 'request'; id: number }
    | { kind: 'incident'; id: number } = { kind: 'list' };
  private _detail: IRequestDetail | null = null;
  private _detailError = '';
  private _actionError = '';
  private _commentDraft = '';
  private _reloading = '';
}
