import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Panel, Widget } from '@lumino/widgets';

import { FindingCard, ICardContext, ICardServices } from './card';
import { MIME_TYPE, Urgency, URGENCIES } from './contract';
import { readPayload } from './finding';
import {
  WIDGET_VIEW_MIME,
  widgetModelAlive,
  widgetModelId
} from './widgetModels';

/**
 * Ranks of the finding renderer (lower wins). In a notebook it outranks the ipywidgets view
 * (-10) because it decides between the two: it hands the output to the widget view while the
 * widget's model lives, and renders the card otherwise. Elsewhere (the app's registry:
 * consoles, other output areas) it ranks below the widget view and above `text/html` (50).
 */
export const NOTEBOOK_RANK = -20;
export const GLOBAL_RANK = 40;

/**
 * Renders a finding output: the kernel's ipywidgets card while its widget model is alive
 * (the Python kernel keeps its card), else the frontend card, live. So a saved notebook, a
 * reload after the kernel stopped, or a restarted kernel shows a card that works, never
 * "Error displaying widget: model not found"; and a kernel without the kernel extension
 * (R, ...) gets the same card from the finding the frontend added to its outputs.
 */
export class FindingRenderer extends Panel implements IRenderMime.IRenderer {
  constructor(
    private _services: ICardServices,
    private _context: ICardContext | null
  ) {
    super();
    this.addClass('jp-ITBridge-findingOutput');
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    // one render at a time: the widget check is asynchronous and data may change meanwhile
    this._chain = this._chain
      .then(() => this._render(model))
      .catch(reason => {
        console.error(
          'jupyter-itbridge: the finding card failed to render',
          reason
        );
      });
    return this._chain;
  }

  private async _render(model: IRenderMime.IMimeModel): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    if (this._delegate) {
      return this._delegate.renderModel(model);
    }
    const payload = readPayload(model.data[MIME_TYPE]);
    if (!payload) {
      this._card?.dispose();
      this._card = null;
      this._unreadable?.dispose();
      this._unreadable = this._text(model, 'jp-ITBridge-unreadable');
      return;
    }
    this._unreadable?.dispose();
    this._unreadable = null;
    const modelId = widgetModelId(model.data);
    // the widget view only for trusted output (it is an unsafe renderer)
    if (!this._card && this._context && modelId && model.trusted) {
      const waiting = this._text(model, 'jp-ITBridge-waiting');
      const alive = await widgetModelAlive(
        this._context.sessionContext,
        modelId
      );
      waiting.dispose();
      if (this.isDisposed) {
        return; // the output was cleared meanwhile (the cell ran again)
      }
      if (alive) {
        this._delegate =
          this._context.rendermime.createRenderer(WIDGET_VIEW_MIME);
        this.addWidget(this._delegate);
        this._keepWidgetDraft(payload.draft.fingerprint);
        return this._delegate.renderModel(model);
      }
    }
    await this._services.drafts.ready;
    if (this.isDisposed) {
      return;
    }
    if (this._card && this._card.uuid === payload.request_uuid) {
      this._card.render(model, payload);
    } else {
      this._card?.dispose();
      this._card = new FindingCard(
        this._services,
        this._context,
        model,
        payload
      );
      this.addWidget(this._card);
    }
    this.setHidden(payload.state.status === 'dismissed');
  }

  /**
   * Keep what the user types into the kernel's widget card as the frontend draft too: the
   * kernel keeps it for its session, but the saved output cannot (the widget's own display
   * updates do not reach the notebook from a click or keystroke), so a card rendered after
   * the kernel is gone starts from this. Dismissing the card drops it.
   */
  private _keepWidgetDraft(fingerprint: string | null): void {
    const { drafts } = this._services;
    const read = (name: string, tag: string) =>
      this.node.querySelector<HTMLInputElement>(`.jp-ITBridge-${name} ${tag}`)
        ?.value ?? '';
    const save = () =>
      drafts.set(fingerprint, {
        summary: read('summary', 'input'),
        description: read('description', 'textarea'),
        justification: read('justification', 'textarea'),
        urgency: urgency(read('urgency', 'select'))
      });
    this.node.addEventListener('input', save);
    this.node.addEventListener('change', save);
    this.node.addEventListener('click', event => {
      if ((event.target as Element).closest?.('.jp-ITBridge-dismiss')) {
        drafts.remove(fingerprint);
      }
    });
  }

  /** The output's plain text while the card is not there (or instead, if unreadable). */
  private _text(model: IRenderMime.IMimeModel, className: string): Widget {
    const text = new Widget();
    text.addClass(className);
    const plain = model.data['text/plain'];
    text.node.textContent = Array.isArray(plain)
      ? plain.join('')
      : String(plain ?? '');
    this.addWidget(text);
    return text;
  }

  private _chain: Promise<void> = Promise.resolve();
  private _card: FindingCard | null = null;
  private _delegate: IRenderMime.IRenderer | null = null;
  private _unreadable: Widget | null = null;
}

const urgency = (value: string): Urgency =>
  URGENCIES.includes(value as Urgency) ? (value as Urgency) : 'normal';

/** The renderer factory; `context` is the notebook the outputs belong to, if any. */
export function findingRendererFactory(
  services: ICardServices,
  context: ICardContext | null
): IRenderMime.IRendererFactory {
  return {
    // renders text as text and sends nothing without a click: fine for untrusted output
    safe: true,
    mimeTypes: [MIME_TYPE],
    defaultRank: context ? NOTEBOOK_RANK : GLOBAL_RANK,
    createRenderer: () => new FindingRenderer(services, context)
  };
}
