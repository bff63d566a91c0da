import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { IMainMenu } from '@jupyterlab/mainmenu';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';

import { api, IIncident, IRequest, linkedRequest } from './api';
import type { IRequestPrefill } from './dialogs';
// The model, notifier and panel are needed as soon as the plugin activates (the sidebar
// shows at once); the request dialog loads on first use.
// The copy handler must run inside the click (browsers require a user gesture): not lazy.
import { installCopyHandler } from './copy';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { EVENT_PREFIX, RequestsModel } from './model';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { Notifier } from './notify';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { RequestsPanel } from './panel';

const PLUGIN_ID = 'jupyter-itbridge:plugin';

/** Command ids (palette, Help menu, panel buttons, toasts). */
namespace CommandIDs {
  export const requestHelp = 'itbridge:request-help';
  export const showRequests = 'itbridge:show-requests';
}

const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">' +
  '<path class="jp-icon3" fill="#616161" d="M4 4h16v11H8l-4 4V4zm3 3v2h10V7H7zm0 4v2h7v-2H7z"/>' +
  '</svg>';

const itbridgeIcon = new LabIcon({
  name: 'jupyter-itbridge:requests',
  svgstr: ICON_SVG
});

/**
 * jupyter-itbridge: the "IT requests" side panel, toasts for request state changes and
 * kernel incidents, and the "Request help from IT…" / "Show IT requests" commands.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Detect environment failures in notebooks and turn them into requests to IT.',
  autoStart: true,
  optional: [
    ILayoutRestorer,
    ITranslator,
    ISettingRegistry,
    ICommandPalette,
    IMainMenu,
    INotebookTracker
  ],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    translator: ITranslator | null,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    mainMenu: IMainMenu | null,
    tracker: INotebookTracker | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyter_itbridge');
    const model = new RequestsModel();
    const env = new EnvironmentReader(app, tracker);

    const filed = (request: IRequest) => {
      model.upsert(request);
      void model.refresh();
      const message = request.already_requested
        ? trans.__(
            'Already requested: %1. Your note was added to it.',
            request.already_requested.message
          )
        : trans.__('Request #%1 filed: %2', request.id, request.state_detail);
      Notification.success(message, {
        autoClose: 6000,
        actions: [
          {
            label: trans.__('Show'),
            callback: () => showRequest(request.id)
          }
        ]
      });
    };
    const fileFrom = async (prefill: IRequestPrefill) => {
      const { askForRequest } = await import('./dialogs');
      const request = await askForRequest(prefill, trans, api.file);
      if (request) {
        filed(request);
      }
    };
    const requestMemory = async (incident: IIncident) => {
      // the toast or row may be older than the last read: never file twice for one incident
      const current =
        model.incidents.find(i => i.id === incident.id) ?? incident;
      const requested = linkedRequest(current);
      if (requested !== null) {
        showRequest(requested);
        return;
      }
      const { incidentPrefill } = await import('./dialogs');
      await fileFrom(
        incidentPrefill(incident, env.collect(), env.notebookPath(), trans)
      );
    };

    const panel = new RequestsPanel(
      model,
      {
        newRequest: () => void app.commands.execute(CommandIDs.requestHelp),
        requestMemory: incident => void requestMemory(incident)
      },
      translator ?? nullTranslator
    );
    panel.title.icon = itbridgeIcon;
    app.shell.add(panel, 'right', { rank: 900 });
    if (restorer) {
      restorer.add(panel, panel.id);
    }
    const activate = () => app.shell.activateById(panel.id);
    const showRequest = (id: number) => {
      activate();
      void panel.showRequest(id);
    };

    const notifier = new Notifier(trans, {
      showRequest,
      showIncident: (id: number) => {
        activate();
        panel.showIncident(id);
      },
      requestMemory: incident => void requestMemory(incident),
      concernsThisPage: incident => env.concernsThisPage(incident)
    });
    model.stateChanged.connect((_, change) => notifier.stateChanged(change));
    model.incidentAdded.connect((_, incident) =>
      notifier.incidentAdded(incident)
    );
    model.changed.connect(() => notifier.incidentsChanged(model.incidents));

    app.commands.addCommand(CommandIDs.requestHelp, {
      label: trans.__('Request help from IT…'),
      caption: trans.__(
        'Ask IT for something you need; the environment is attached'
      ),
      icon: itbridgeIcon,
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () =>
        fileFrom({
          title: trans.__('Request help from IT'),
          summary: '',
          description: '',
          justificationHint: trans.__(
            'Required. What do you need, what is it for, and by when?'
          ),
          environment: env.collect(),
          notebookPath: env.notebookPath()
        })
    });
    app.commands.addCommand(CommandIDs.showRequests, {
      label: trans.__('Show IT requests'),
      caption: trans.__('Your requests to IT and kernel incidents'),
      icon: itbridgeIcon,
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => {
        activate();
        panel.showList();
      }
    });
    const category = trans.__('IT requests');
    for (const command of [CommandIDs.requestHelp, CommandIDs.showRequests]) {
      palette?.addItem({ command, category });
    }
    mainMenu?.helpMenu.addGroup(
      [
        { command: CommandIDs.requestHelp },
        { command: CommandIDs.showRequests }
      ],
      5
    );

    // Live updates: the server's jupyter_events stream; a slow timer only as a fallback.
    app.serviceManager.events.stream.connect((_, emission) => {
      if (emission.schema_id.startsWith(EVENT_PREFIX)) {
        void model.refresh();
      }
    });
    let timer = 0;
    const schedule = (seconds: number) => {
      window.clearInterval(timer);
      if (seconds > 0) {
        timer = window.setInterval(() => void model.refresh(), seconds * 1000);
      }
    };
    schedule(60);
    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          const apply = () => {
            notifier.settings = {
              notifications: settings.get('notifications').composite as boolean,
              pressureNotifications: settings.get('pressureNotifications')
                .composite as boolean
            };
            schedule(settings.get('refreshInterval').composite as number);
          };
          apply();
          settings.changed.connect(apply);
        })
        .catch(reason =>
          console.error('jupyter-itbridge: settings not loaded', reason)
        );
    }

    installCopyHandler(trans);

    void model.refresh();
    console.log('jupyter-itbridge: activated');
  }
};

/** Facts about this page for prefilled requests and for routing incident toasts. */
class EnvironmentReader {
  constructor(
    private _app: JupyterFrontEnd,
    private _tracker: INotebookTracker | null
  ) {}

  notebookPath(): string | null {
    return this._tracker?.currentWidget?.context.path ?? null;
  }

  /** The environment attached to a free-form request (shown to the user before sending). */
  collect(): Record<string, string> {
    const out: Record<string, string> = {
      frontend: `${this._app.name} ${this._app.version}`
    };
    const nb = this._tracker?.currentWidget;
    if (nb) {
      out.notebook = nb.context.path;
      const session = nb.sessionContext;
      const kernel = session.session?.kernel;
      if (kernel) {
        out.kernel = session.kernelDisplayName || kernel.name;
        out.kernel_name = kernel.name;
      }
      const language = (nb.model?.metadata?.language_info as any)?.name;
      if (language) {
        out.kernel_language = String(language);
      }
    }
    return out;
  }

  /**
   * JupyterLab shows every incident; a Notebook 7 page (one notebook per page) shows only
   * its own notebook's, so the user is told where it happened and not on every tab.
   */
  concernsThisPage(incident: IIncident): boolean {
    if (!/notebook/i.test(this._app.name)) {
      return true;
    }
    if (!incident.notebook_path && !incident.kernel_id) {
      return true;
    }
    let match = false;
    this._tracker?.forEach(panel => {
      if (
        panel.context.path === incident.notebook_path ||
        panel.sessionContext.session?.kernel?.id === incident.kernel_id
      ) {
        match = true;
      }
    });
    return match;
  }
}

export default plugin;
