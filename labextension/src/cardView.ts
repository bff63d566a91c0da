import { TranslationBundle } from '@jupyterlab/translation';

import { IPackageFacts, safeUrl } from './api';
import { RESTART_CLASS, RESTART_KINDS, URGENCIES, Urgency } from './contract';
import { ICardFields, IFindingPayload, SentRequest } from './finding';
import {
  formatDay,
  stateDetailText,
  stateLabel,
  urgencyLabels
} from './format';
import { displayText } from './text';

/**
 * The DOM of the frontend card, built once per card: the same parts, classes and words as
 * the kernel's ipywidgets card (kernel/card_widget.py), so users, styles, the "Copy as
 * text" handler and the tests see one card. User and server text only ever goes in as
 * text (`textContent`, input values), never as HTML.
 */
let counter = 0;

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

function button(label: string, className: string): HTMLButtonElement {
  const node = el(
    'button',
    `jp-Button jp-mod-styled jp-ITBridge-cardButton ${className}`,
    label
  );
  node.type = 'button';
  return node;
}

export class CardView {
  constructor(
    readonly root: HTMLElement,
    payload: IFindingPayload,
    fields: ICardFields,
    private _trans: TranslationBundle
  ) {
    const trans = _trans;
    const id = `jp-ITBridge-card-${++counter}`;
    const kind = payload.draft.kind ?? 'request';
    root.classList.add(
      'jp-ITBridge-card',
      'jp-ITBridge-frontendCard',
      `jp-ITBridge-kind-${kind}`
    );
    root.dataset.fingerprint = payload.draft.fingerprint ?? '';
    const title = el('div', 'jp-ITBridge-title');
    title.append(el('b', '', payload.finding?.title || payload.draft.summary));
    this.facts = el('div', 'jp-ITBridge-facts');
    this.notice = el('div', 'jp-ITBridge-notice');
    this.notice.setAttribute('role', 'note');
    root.append(title, this.facts, this.notice);
    const explanation = payload.finding?.explanation;
    if (explanation) {
      root.append(el('div', 'jp-ITBridge-explanation', explanation));
    }
    const ss = payload.self_service;
    if (ss) {
      const fix = el('div', 'jp-ITBridge-selfservice');
      fix.append(el('b', '', trans.__('Fix it yourself:')), ` ${ss.text} `);
      if (ss.command) {
        fix.append(el('code', 'jp-ITBridge-command', ss.command));
      }
      root.append(fix);
    }
    this.already = el('div', 'jp-ITBridge-already');
    root.append(this.already);

    const request = el('div', 'jp-ITBridge-request');
    this.summary = this._field(
      request,
      `${id}-summary`,
      'summary',
      trans.__('Summary:'),
      el('input')
    );
    this.description = this._field(
      request,
      `${id}-details`,
      'description',
      trans.__('Details:'),
      el('textarea')
    );
    this.justification = this._field(
      request,
      `${id}-justification`,
      'justification',
      trans.__('Justification:'),
      el('textarea')
    );
    this.justification.placeholder =
      payload.justification_hint ||
      trans.__('Required. What do you need, what is it for, and by when?');
    this.justification.required = true;
    this.urgency = this._field(
      request,
      `${id}-urgency`,
      'urgency',
      trans.__('Urgency:'),
      el('select')
    );
    const labels = urgencyLabels(trans);
    for (const value of URGENCIES) {
      const option = el('option', '', labels[value]);
      option.value = value;
      this.urgency.append(option);
    }
    const preview = el('details', 'jp-ITBridge-preview');
    preview.append(el('summary', '', trans.__('What will be sent')));
    const body = el('div', 'jp-ITBridge-preview-body');
    this.preview = el('pre');
    body.append(this.preview);
    this.previewNote = el('div', 'jp-ITBridge-previewNote');
    preview.append(body, this.previewNote);
    request.append(preview);
    if (ss) {
      // the fix comes first; the request is there for when it does not apply
      const ask = el('details', 'jp-ITBridge-ask');
      ask.append(el('summary', '', trans.__('Or ask IT instead')), request);
      root.append(ask);
      this._ask = ask;
    } else {
      root.append(request);
    }

    const actions = el('div', 'jp-ITBridge-actions');
    this.send = button(
      trans.__('Send to IT'),
      'jp-mod-accept jp-ITBridge-send'
    );
    this.copy = button(trans.__('Copy as text'), 'jp-ITBridge-copy');
    this.dismiss = button(trans.__('Dismiss'), 'jp-ITBridge-dismiss');
    this.inSidebar = button(
      trans.__('Show in IT requests'),
      'jp-ITBridge-showRequest'
    );
    this.inSidebar.hidden = true;
    // shown once IT resolved an install; the page restarts the card's kernel (cardPage.ts)
    this.restart = button(
      trans.__('Restart kernel'),
      `jp-mod-accept ${RESTART_CLASS}`
    );
    this.restart.title = trans.__(
      "Restart this notebook's kernel to use what IT installed"
    );
    this.restart.hidden = true;
    actions.append(
      this.send,
      this.copy,
      this.dismiss,
      this.inSidebar,
      this.restart
    );
    if (this._ask) {
      // the fix is the main path: "Send to IT" shows (as the main button) only once the
      // request is open, so it never asks for a justification the user cannot see
      const ask = this._ask;
      const follow = () => {
        if (this.inSidebar.hidden) {
          this.send.hidden = !ask.open;
          this.send.classList.toggle('jp-mod-accept', ask.open);
        }
      };
      ask.addEventListener('toggle', follow);
      follow();
    }
    this.status = el('div', 'jp-ITBridge-status');
    this.status.setAttribute('role', 'status');
    root.append(actions, this.status);
    this.setFields(fields);
  }

  /** What the fields hold now. */
  fields(): ICardFields {
    return {
      summary: this.summary.value,
      description: this.description.value,
      justification: this.justification.value,
      urgency: this.urgency.value as Urgency
    };
  }

  setFields(fields: ICardFields): void {
    this.summary.value = fields.summary;
    this.description.value = fields.description;
    this.description.rows = 3;
    this.justification.value = fields.justification;
    this.justification.rows = 3;
    this.urgency.value = fields.urgency;
  }

  /** The package facts line and the policy's note, when the server has them. */
  showFacts(facts: IPackageFacts | null): void {
    this.facts.textContent = facts?.line ?? '';
    this.notice.textContent = facts?.policy?.message ?? '';
  }

  /** "You already asked IT for this" (another request with this fingerprint is open). */
  showAlready(request: SentRequest | null): void {
    this.already.textContent = request
      ? this._trans.__(
          'You already asked IT for this: request #%1 (%2). Sending again adds your note to it.',
          request.id,
          stateLabel(request.state ?? 'queued', this._trans)
        )
      : '';
  }

  /** The card of a sent request: its number, state and ticket link; no second Send. */
  showSent(request: SentRequest, deduped: string | null): void {
    const trans = this._trans;
    for (const field of [
      this.summary,
      this.description,
      this.justification,
      this.urgency
    ]) {
      field.disabled = true;
    }
    this.send.hidden = true;
    this.inSidebar.hidden = false;
    this.already.textContent = '';
    const state = request.state ?? 'queued';
    const detail =
      request.state_detail && request.state_detail !== state
        ? ` (${stateDetailText(request)})`
        : '';
    const resolution = request.resolution;
    const restart =
      state === 'resolved' &&
      !!request.kind &&
      RESTART_KINDS.includes(request.kind);
    this.restart.hidden = !restart;
    let text =
      deduped ??
      trans.__(
        'Request #%1 filed - state: %2%3.',
        request.id,
        stateLabel(state, trans),
        detail
      );
    if (state === 'resolved' && !deduped) {
      const day = formatDay(resolution?.at ?? request.updated_at);
      text = restart
        ? trans.__('Resolved by IT on %1: restart the kernel to use it.', day)
        : trans.__('Resolved by IT on %1.', day);
      if (resolution?.message) {
        text += ' ' + trans.__("IT: '%1'", displayText(resolution.message));
      }
    }
    this.status.replaceChildren(text);
    const url = safeUrl(request.ticket_url);
    if (url) {
      const link = el('a', '', trans.__('Open ticket'));
      link.href = url;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      this.status.append(' ', link);
    }
    this.status.className = 'jp-ITBridge-status jp-ITBridge-ok';
    this.status.dataset.state = state;
    this.status.dataset.requestId = String(request.id);
  }

  /** A message under the buttons: an error, or the kernel's offline note. */
  showMessage(text: string, kind: 'error' | 'offline' | 'info'): void {
    this.status.replaceChildren(text);
    this.status.className = `jp-ITBridge-status jp-ITBridge-${kind}`;
    delete this.status.dataset.state;
  }

  setSending(sending: boolean): void {
    this.send.disabled = sending;
    this.send.textContent = sending
      ? this._trans.__('Sending...')
      : this._trans.__('Send to IT');
  }

  private _field<
    T extends HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement
  >(parent: HTMLElement, id: string, name: string, label: string, input: T): T {
    const row = el('div', `jp-ITBridge-field jp-ITBridge-${name}`);
    const labelNode = el('label', '', label);
    labelNode.htmlFor = id;
    input.id = id;
    row.append(labelNode, input);
    parent.append(row);
    return input;
  }

  readonly facts: HTMLElement;
  readonly notice: HTMLElement;
  readonly already: HTMLElement;
  readonly summary: HTMLInputElement;
  readonly description: HTMLTextAreaElement;
  readonly justification: HTMLTextAreaElement;
  readonly urgency: HTMLSelectElement;
  readonly preview: HTMLPreElement;
  readonly previewNote: HTMLElement;
  readonly send: HTMLButtonElement;
  readonly copy: HTMLButtonElement;
  readonly dismiss: HTMLButtonElement;
  readonly inSidebar: HTMLButtonElement;
  readonly restart: HTMLButtonElement;
  readonly status: HTMLElement;
  /** The collapsed request of a self-service card (null: the request is the card). */
  private _ask: HTMLDetailsElement | null = null;
}
