import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

// The copy handler must run inside the click (browsers require a user gesture): not lazy.
import { installCopyHandler } from '../copy';

/** `jupyter-itbridge:copy`: the request card's "Copy as text" copies to the clipboard. */
export const copyPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-itbridge:copy',
  description:
    'The request card\'s "Copy as text" button puts the request on the clipboard.',
  autoStart: true,
  optional: [ITranslator],
  activate: (app: JupyterFrontEnd, translator: ITranslator | null) => {
    installCopyHandler((translator ?? nullTranslator).load('jupyter_itbridge'));
  }
};
