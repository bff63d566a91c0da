import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

// The panel shows in the sidebar as soon as the page loads: not lazy.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { RequestsPanel } from '../panel';
import { CommandIDs, IITBridge, itbridgeIcon } from '../token';

/**
 * `jupyter-itbridge:panel`: the "IT requests" side panel and the command that opens it
 * (optionally on one request or incident: toasts use that).
 */
export const panelPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-itbridge:panel',
  description:
    'The "IT requests" side panel: requests, their state and what was sent, kernel incidents.',
  autoStart: true,
  requires: [IITBridge],
  optional: [ILayoutRestorer, ITranslator, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    bridge: IITBridge,
    restorer: ILayoutRestorer | null,
    translator: ITranslator | null,
    palette: ICommandPalette | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyter_itbridge');
    const panel = new RequestsPanel({
      model: bridge.model,
      api: bridge.api,
      actions: {
        newRequest: () => void app.commands.execute(CommandIDs.requestHelp),
        requestForIncident: incident => void bridge.requestForIncident(incident)
      },
      translator: translator ?? nullTranslator
    });
    panel.title.icon = itbridgeIcon;
    app.shell.add(panel, 'right', { rank: 900 });
    restorer?.add(panel, panel.id);

    app.commands.addCommand(CommandIDs.showRequests, {
      label: trans.__('Show IT requests'),
      caption: trans.__('Your requests to IT and kernel incidents'),
      icon: itbridgeIcon,
      describedBy: {
        args: {
          type: 'object',
          properties: {
            request: { type: 'number', description: 'A request id to show' },
            reply: {
              type: 'boolean',
              description: 'Focus the reply box of that request'
            },
            incident: { type: 'number', description: 'An incident id to show' }
          }
        }
      },
      execute: args => {
        app.shell.activateById(panel.id);
        if (typeof args.request === 'number') {
          panel.showRequest(args.request, args.reply === true);
        } else if (typeof args.incident === 'number') {
          panel.showIncident(args.incident);
        } else {
          panel.showList();
        }
      }
    });
    palette?.addItem({
      command: CommandIDs.showRequests,
      category: trans.__('IT requests')
    });
  }
};
