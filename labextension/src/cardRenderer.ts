import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Panel, Widget } from '@lumino/widgets';

import { FindingCard, ICardContext, ICardServices } from './card';
import { MIME_TYPE } from './contract';
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
    if (this._delegate) {
      return this._delegate.renderModel(model);
    }
    const payload = readPayload(model.data[MIME_TYPE]);
    if (!payload) {
      this._text(model, 'jp-ITBridge-unreadable');
      return;
    }
    const modelId = widgetModelId(model.data);
    // the widget view only for trusted output (it is an unsafe renderer)
    if (!this._card && this._context && modelId && model.trusted) {
      const waiting = this._text(model, 'jp-ITBridge-waiting');
      const alive = await widgetModelAlive(
        this._context.sessionContext,
        modelId
      );
      waiting.dispose();
      if (alive) {
        this._delegate =
          this._context.rendermime.createRenderer(WIDGET_VIEW_MIME);
        this.addWidget(this._delegate);
        return this._delegate.renderModel(model);
      }
    }
    await this._services.drafts.ready;
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
}

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
