import type { ISessionContext } from '@jupyterlab/apputils';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import type { IPackageFacts, IRequest, IRequestInput } from './api';
import { CardView } from './cardView';
import { PACKAGE_KINDS } from './contract';
import type { CardDrafts, KernelSessions } from './drafts';
import {
  draftFields,
  ICardFields,
  IFindingPayload,
  requestInput,
  SentRequest,
  sentFields,
  sentRequest,
  withState
} from './finding';
import { formatDay } from './format';
import type { RequestsModel } from './model';

/** A pause in typing this long refreshes "What will be sent". */
const PREVIEW_DELAY_MS = 300;

/** What every card needs from the extension (one set for the page). */
export interface ICardServices {
  model: RequestsModel;
  /** `POST preview` (the server's redaction) and `GET packages/{name}`. */
  preview(input: IRequestInput): Promise<{ body: string; notices: string[] }>;
  packageFacts(name: string): Promise<IPackageFacts | null>;
  /** File the request and tell the user (toast, sidebar); rejects with the reason. */
  submitRequest(input: IRequestInput): Promise<IRequest>;
  showRequest(id: number): void;
  drafts: CardDrafts;
  sessions: KernelSessions;
  trans: TranslationBundle;
}

/** The notebook a card's output belongs to (null outside notebooks). */
export interface ICardContext {
  sessionContext: ISessionContext;
  /** The notebook's registry: the widget view's renderer is made from it. */
  rendermime: IRenderMimeRegistry;
  /** The output's data changed (sent, dismissed): the notebook needs saving. */
  markDirty(): void;
}

const facts = new WeakMap<
  ICardServices,
  Map<string, Promise<IPackageFacts | null>>
>();

/** The package facts of a subject, fetched once per page; null on any failure. */
function packageFacts(
  services: ICardServices,
  subject: string
): Promise<IPackageFacts | null> {
  let known = facts.get(services);
  if (!known) {
    known = new Map();
    facts.set(services, known);
  }
  let answer = known.get(subject);
  if (!answer) {
    answer = services.packageFacts(subject).catch(() => null);
    known.set(subject, answer);
  }
  return answer;
}

/**
 * The live card of one finding output: edits kept as a draft per fingerprint, "What will
 * be sent" from the server, Send / Copy / Dismiss, and the request's state as the model
 * (fed by the server's event stream) reads it. Sending and dismissing are written into
 * the output's data, so the notebook file remembers them.
 */
export class FindingCard extends Widget {
  constructor(
    private _services: ICardServices,
    private _context: ICardContext | null,
    private _model: IRenderMime.IMimeModel,
    private _payload: IFindingPayload
  ) {
    super();
    const open = ['draft', 'error'].includes(_payload.state.status);
    const fields =
      (open && _services.drafts.get(this.fingerprint)) || draftFields(_payload);
    this._view = new CardView(this.node, _payload, fields, _services.trans);
    const view = this._view;
    for (const field of [
      view.summary,
      view.description,
      view.justification,
      view.urgency
    ]) {
      field.addEventListener('input', () => this._onEdit());
    }
    view.send.addEventListener('click', () => void this._send());
    view.dismiss.addEventListener('click', () => this._dismiss());
    view.inSidebar.addEventListener('click', () => {
      const request = this._request();
      if (request) {
        _services.showRequest(request.id);
      }
    });
    _services.model.changed.connect(this._refresh, this);
    this._refresh();
    const { kind, subject } = _payload.draft;
    if (kind && subject && PACKAGE_KINDS.includes(kind)) {
      void packageFacts(_services, subject).then(f => view.showFacts(f));
    }
    this._previewDone = this._preview();
  }

  /** The request UUID: a new render with another one is another card. */
  get uuid(): string {
    return this._payload.request_uuid;
  }

  get fingerprint(): string | null {
    return this._payload.draft.fingerprint;
  }

  /** The output was rendered again (its data changed): show the new state. */
  render(model: IRenderMime.IMimeModel, payload: IFindingPayload): void {
    this._model = model;
    this._payload = payload;
    this._refresh();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._services.model.changed.disconnect(this._refresh, this);
    window.clearTimeout(this._previewTimer);
    super.dispose();
  }

  /** The request this card filed: live from the model, else as the output saved it. */
  private _request(): SentRequest | null {
    const { requests } = this._services.model;
    const saved = this._payload.state.request;
    return (
      requests.find(r => r.uuid === this._payload.request_uuid) ??
      (saved ? (requests.find(r => r.id === saved.id) ?? saved) : null)
    );
  }

  private _refresh(): void {
    const view = this._view;
    const request = this._request();
    const { status, message } = this._payload.state;
    if (request) {
      const sent = sentFields(request); // what IT has, not the draft the output saved
      if (sent) {
        view.setFields(sent);
      }
      view.showSent(request, this._deduped);
      return;
    }
    if (status === 'saved_offline') {
      view.send.hidden = true; // the kernel saved it; the server files it on its next start
      view.showMessage(message, 'offline');
      return;
    }
    const open = this._services.model.requests.find(
      r => r.open && r.fingerprint && r.fingerprint === this.fingerprint
    );
    view.showAlready(open ?? null);
  }

  private _onEdit(): void {
    if (this._request()) {
      return;
    }
    this._services.drafts.set(this.fingerprint, this._view.fields());
    if (this._view.status.classList.contains('jp-ITBridge-error')) {
      this._view.showMessage('', 'info');
    }
    window.clearTimeout(this._previewTimer);
    this._previewTimer = window.setTimeout(() => {
      this._previewDone = this._preview();
    }, PREVIEW_DELAY_MS);
  }

  /** Ask the server for the exact body (redacted as filing redacts it) and show it. */
  private async _preview(): Promise<void> {
    const seq = ++this._previewSeq;
    const fields = this._view.fields();
    const { trans } = this._services;
    try {
      const answer = await this._services.preview(
        requestInput(this._payload, fields)
      );
      if (seq === this._previewSeq) {
        this._view.preview.textContent = answer.body;
        this._view.previewNote.textContent = answer.notices.join(' ');
      }
    } catch (error) {
      if (seq !== this._previewSeq) {
        return;
      }
      const unchanged = sameFields(fields, draftFields(this._payload));
      const kernelCopy = unchanged ? this._payload.preview : '';
      this._view.preview.textContent = kernelCopy;
      this._view.previewNote.textContent = trans.__(
        'The server could not compute the preview: %1',
        (error as Error).message
      );
    }
  }

  private async _send(): Promise<void> {
    const { trans } = this._services;
    const view = this._view;
    const fields = view.fields();
    const missing = !fields.summary.trim()
      ? trans.__('Please give the request a summary.')
      : !fields.justification.trim()
        ? trans.__(
            'Please fill in the justification: IT needs it to act on the request.'
          )
        : '';
    if (missing) {
      view.showMessage(missing, 'error');
      view.root
        .querySelector('details.jp-ITBridge-ask')
        ?.setAttribute('open', '');
      (fields.summary.trim() ? view.justification : view.summary).focus();
      return;
    }
    view.setSending(true);
    // the preview on screen is the one of the text being sent
    window.clearTimeout(this._previewTimer);
    this._previewDone = this._preview();
    await this._previewDone;
    let request: IRequest;
    try {
      request = await this._services.submitRequest(
        requestInput(this._payload, fields)
      );
    } catch (error) {
      view.setSending(false);
      view.showMessage(
        trans.__(
          'The request was not filed: %1. Please correct it and press Send to IT again.',
          (error as Error).message.replace(/\.$/, '')
        ),
        'error'
      );
      return;
    }
    const already = request.deduped ? request.already_requested : null;
    this._deduped = already
      ? trans.__(
          'Already requested on %1 (#%2); your note was added to it.',
          formatDay(already.created_at),
          already.id
        )
      : null;
    this._close('sent');
    this._persist(
      {
        status: 'filed',
        message: '',
        request: sentRequest(request),
        saved_path: null
      },
      fields
    );
    view.setSending(false);
    view.showSent(sentRequest(request), this._deduped);
  }

  private _dismiss(): void {
    if (!this._request()) {
      this._close('dismissed');
      this._persist(
        { status: 'dismissed', message: '', request: null, saved_path: null },
        this._view.fields()
      );
    }
    this.parent?.hide();
  }

  private _close(status: 'sent' | 'dismissed'): void {
    this._services.drafts.remove(this.fingerprint);
    const kernel = this._context?.sessionContext.session?.kernel;
    this._services.sessions.close(
      kernel?.id,
      this.fingerprint,
      status,
      this.uuid
    );
  }

  /** Write the new state into the output (saved with the notebook). */
  private _persist(state: IFindingPayload['state'], fields: ICardFields): void {
    const data = withState(
      this._model.data,
      this._payload,
      state,
      fields,
      this._services.trans
    );
    this._payload = { ...this._payload, state };
    this._model.setData({ data: data as IRenderMime.IMimeModel['data'] });
    this._context?.markDirty();
  }

  private _view: CardView;
  private _deduped: string | null = null;
  private _previewSeq = 0;
  private _previewTimer = 0;
  private _previewDone: Promise<void>;
}

function sameFields(a: ICardFields, b: ICardFields): boolean {
  return (
    a.summary === b.summary &&
    a.description === b.description &&
    a.justification === b.justification &&
    a.urgency === b.urgency
  );
}
