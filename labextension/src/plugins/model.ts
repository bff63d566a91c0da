import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import {
  createAPI,
  IIncident,
  IRequest,
  IRequestInput,
  linkedRequest
} from '../api';
import { EVENT_SCHEMA_BASE } from '../contract';
import type { IRequestPrefill } from '../dialogs';
// The toasts' words (the model and the panel load format.ts at start anyway).
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { formatDay, stateDetailText } from '../format';
// The model and page facts are needed as soon as the page loads (the panel and toasts start
// from them); the request dialog is a separate chunk loaded on first use.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { RequestsModel } from '../model';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { PageFacts } from '../page';
import { CommandIDs, IITBridge, SETTINGS_ID } from '../token';

/**
 * `jupyter-itbridge:model`: reads the user's requests and incidents (at start, on every
 * server event of ours, and on a slow fallback poll) and files requests through the dialog.
 */
export const modelPlugin: JupyterFrontEndPlugin<IITBridge> = {
  id: 'jupyter-itbridge:model',
  description:
    'The IT requests and kernel incidents of the user, kept up to date; files requests to IT.',
  autoStart: true,
  provides: IITBridge,
  optional: [ITranslator, ISettingRegistry, INotebookTracker],
  activate: (
    app: JupyterFrontEnd,
    translator: ITranslator | null,
    settingRegistry: ISettingRegistry | null,
    tracker: INotebookTracker | null
  ): IITBridge => {
    const trans = (translator ?? nullTranslator).load('jupyter_itbridge');
    const api = createAPI(app.serviceManager.serverSettings);
    const model = new RequestsModel(api);
    const page = new PageFacts(app, tracker);

    // Live updates: the server's jupyter_events stream; the model's poll only catches up.
    const ours = EVENT_SCHEMA_BASE + '/';
    app.serviceManager.events.stream.connect((_, emission) => {
      if (emission.schema_id.startsWith(ours)) {
        void model.refresh();
      }
    });
    if (settingRegistry) {
      settingRegistry
        .load(SETTINGS_ID)
        .then(settings => {
          const apply = () => {
            model.refreshInterval = settings.get('refreshInterval')
              .composite as number;
          };
          apply();
          settings.changed.connect(apply);
        })
        .catch(reason =>
          console.error('jupyter-itbridge: settings not loaded', reason)
        );
    }

    // the panel plugin registers this command; without it there is nothing to show
    const canShow = () => app.commands.hasCommand(CommandIDs.showRequests);
    const showRequest = async (id: number) => {
      if (canShow()) {
        await app.commands.execute(CommandIDs.showRequests, { request: id });
      }
    };
    const filed = (request: IRequest) => {
      model.upsert(request);
      void model.refresh();
      // dates in the page's one format, not the server's wording of them
      const already = request.already_requested;
      const message = already
        ? trans.__(
            'Already requested on %1 (#%2). Your note was added to it.',
            formatDay(already.created_at),
            already.id
          )
        : trans.__(
            'Request #%1 filed: %2',
            request.id,
            stateDetailText(request)
          );
      Notification.success(message, {
        autoClose: 6000,
        actions: canShow()
          ? [
              {
                label: trans.__('Show'),
                callback: () => void showRequest(request.id)
              }
            ]
          : []
      });
    };
    const fileRequest = async (prefill: IRequestPrefill) => {
      const { askForRequest } = await import('../dialogs');
      const request = await askForRequest(prefill, trans, api.file);
      if (request) {
        filed(request);
      }
      return request;
    };
    const submitRequest = async (input: IRequestInput) => {
      const request = await api.file(input);
      filed(request);
      return request;
    };
    const requestForIncident = async (incident: IIncident) => {
      // the toast or row may be older than the last read: never file twice for one incident
      const current =
        model.incidents.find(i => i.id === incident.id) ?? incident;
      const requested = linkedRequest(current);
      if (requested !== null) {
        await showRequest(requested);
        return null;
      }
      const { incidentPrefill } = await import('../dialogs');
      return fileRequest(
        incidentPrefill(
          incident,
          page.environment(),
          page.notebookPath(),
          trans
        )
      );
    };
    return {
      model,
      api,
      page,
      fileRequest,
      submitRequest,
      requestForIncident
    };
  }
};
