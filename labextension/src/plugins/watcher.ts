import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { IFindingCards, IITBridge, SETTINGS_ID } from '../token';

/**
 * `jupyter-itbridge:watcher`: cards for kernels without the kernel extension (R, Julia...):
 * a failed cell's error and stderr go to the server's `POST diagnose`, and the findings are
 * added to the cell's outputs. The `watchOtherKernels` setting turns it off.
 */
export const watcherPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-itbridge:watcher',
  description:
    'Diagnoses failed cells of kernels without the jupyter-itbridge kernel extension.',
  autoStart: true,
  requires: [IITBridge, IFindingCards, INotebookTracker],
  optional: [ISettingRegistry, ITranslator],
  activate: async (
    app: JupyterFrontEnd,
    bridge: IITBridge,
    cards: IFindingCards,
    tracker: INotebookTracker,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ) => {
    const { KernelWatcher } = await import('../watcher');
    const watcher = new KernelWatcher({
      tracker,
      page: bridge.page,
      sessions: cards.sessions,
      diagnose: input => bridge.api.diagnose(input),
      trans: (translator ?? nullTranslator).load('jupyter_itbridge')
    });
    if (settingRegistry) {
      settingRegistry
        .load(SETTINGS_ID)
        .then(settings => {
          const apply = () => {
            watcher.enabled = settings.get('watchOtherKernels')
              .composite as boolean;
          };
          apply();
          settings.changed.connect(apply);
        })
        .catch(reason =>
          console.error('jupyter-itbridge: settings not loaded', reason)
        );
    }
  }
};
