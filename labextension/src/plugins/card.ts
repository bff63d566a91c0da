import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import type { ICardServices } from '../card';
// Saved cards render as soon as a notebook opens: not lazy.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import {
  findingRendererFactory,
  GLOBAL_RANK,
  NOTEBOOK_RANK
} from '../cardRenderer';
import { CardDrafts, KernelSessions } from '../drafts';
import { CommandIDs, IFindingCards, IITBridge } from '../token';

/**
 * `jupyter-itbridge:card`: the finding MIME renderer (the live card) in every notebook and
 * in the app's registry, and the drafts and kernel sessions the cards and the any-kernel
 * watcher share.
 */
export const cardPlugin: JupyterFrontEndPlugin<IFindingCards> = {
  id: 'jupyter-itbridge:card',
  description:
    'Renders findings as a live request card (saved notebooks, kernels without the kernel extension).',
  autoStart: true,
  provides: IFindingCards,
  requires: [IITBridge, IRenderMimeRegistry],
  optional: [INotebookTracker, IStateDB, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    bridge: IITBridge,
    rendermime: IRenderMimeRegistry,
    tracker: INotebookTracker | null,
    state: IStateDB | null,
    translator: ITranslator | null
  ): IFindingCards => {
    const drafts = new CardDrafts(state);
    const sessions = new KernelSessions();
    const services: ICardServices = {
      model: bridge.model,
      preview: input => bridge.api.preview(input),
      packageFacts: name => bridge.api.packageFacts(name),
      submitRequest: input => bridge.submitRequest(input),
      showRequest: id => {
        if (app.commands.hasCommand(CommandIDs.showRequests)) {
          void app.commands.execute(CommandIDs.showRequests, { request: id });
        }
      },
      drafts,
      sessions,
      trans: (translator ?? nullTranslator).load('jupyter_itbridge')
    };
    rendermime.addFactory(findingRendererFactory(services, null), GLOBAL_RANK);
    const register = (panel: NotebookPanel) => {
      const registry = panel.content.rendermime;
      registry.addFactory(
        findingRendererFactory(services, {
          sessionContext: panel.sessionContext,
          rendermime: registry,
          markDirty: () => {
            if (panel.context.model) {
              panel.context.model.dirty = true;
            }
          }
        }),
        NOTEBOOK_RANK
      );
    };
    tracker?.forEach(register);
    tracker?.widgetAdded.connect((_, panel) => register(panel));
    return { drafts, sessions };
  }
};
