import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { CommandIDs, IITBridge, itbridgeIcon, SETTINGS_ID } from '../token';

/**
 * `jupyter-itbridge:plugin`: "Request help from IT…", a free-form request with the page's
 * environment prefilled. Its schema (schema/plugin.json) also holds the extension's
 * settings and the Help menu entries; the id is the one of 0.1, so users' settings stay.
 */
export const commandsPlugin: JupyterFrontEndPlugin<void> = {
  id: SETTINGS_ID,
  description:
    '"Request help from IT…": a free-form request with the environment attached; settings and menus.',
  autoStart: true,
  requires: [IITBridge],
  optional: [ITranslator, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    bridge: IITBridge,
    translator: ITranslator | null,
    palette: ICommandPalette | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyter_itbridge');
    app.commands.addCommand(CommandIDs.requestHelp, {
      label: trans.__('Request help from IT…'),
      caption: trans.__(
        'Ask IT for something you need; the environment is attached'
      ),
      icon: itbridgeIcon,
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () =>
        bridge.fileRequest({
          title: trans.__('Request help from IT'),
          summary: '',
          description: '',
          justificationHint: trans.__(
            'Required. What do you need, what is it for, and by when?'
          ),
          environment: bridge.page.environment(),
          notebookPath: bridge.page.notebookPath()
        })
    });
    palette?.addItem({
      command: CommandIDs.requestHelp,
      category: trans.__('IT requests')
    });
    // the browser tests and the frontend benchmark wait for this line
    console.log('jupyter-itbridge: activated');
  }
};
