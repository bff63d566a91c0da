import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';

import { RequestsPanel } from './panel';

const PLUGIN_ID = 'jupyter-itbridge:plugin';

const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">' +
  '<path class="jp-icon3" fill="#616161" d="M4 4h16v11H8l-4 4V4zm3 3v2h10V7H7zm0 4v2h7v-2H7z"/>' +
  '</svg>';

export const itbridgeIcon = new LabIcon({
  name: 'jupyter-itbridge:requests',
  svgstr: ICON_SVG
});

/**
 * jupyter-itbridge: the "IT requests" side panel and the link to the server extension.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Detect environment failures in notebooks and turn them into requests to IT.',
  autoStart: true,
  optional: [ILayoutRestorer, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    translator: ITranslator | null
  ) => {
    const panel = new RequestsPanel(translator ?? nullTranslator);
    panel.title.icon = itbridgeIcon;
    app.shell.add(panel, 'right', { rank: 900 });
    if (restorer) {
      restorer.add(panel, panel.id);
    }
    void panel.refresh();
    console.log('jupyter-itbridge: activated');
  }
};

export default plugin;
