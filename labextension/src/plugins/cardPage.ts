import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker } from '@jupyterlab/notebook';

// Kernel dates must be localised as the first cards render, and the restart click handled
// when it happens: not lazy.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { installRestartHandler, installTimeLocaliser } from '../cardPage';
import { restartCurrentKernel } from '../restart';

/**
 * `jupyter-itbridge:card-page`: the kernel card's dates in the page's language and time
 * zone, and its "Restart kernel" button (a kernel cannot restart itself).
 */
export const cardPagePlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-itbridge:card-page',
  description:
    "Shows the kernel card's dates in the page's language and restarts the card's kernel.",
  autoStart: true,
  optional: [INotebookTracker],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker | null) => {
    installTimeLocaliser();
    installRestartHandler(button => {
      // the notebook the card is in becomes the current one: the restart command acts on it
      const panel = tracker?.find(p => p.node.contains(button));
      if (panel && tracker?.currentWidget !== panel) {
        app.shell.activateById(panel.id);
      }
      restartCurrentKernel(app.commands);
    });
  }
};
