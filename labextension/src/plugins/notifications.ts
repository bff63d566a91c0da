import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

// Toasts must be ready before the first read after start: not lazy.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { Notifier } from '../notify';
import { restartCurrentKernel } from '../restart';
import { CommandIDs, IITBridge, SETTINGS_ID } from '../token';

/**
 * `jupyter-itbridge:notifications`: toasts for request state changes, kernel deaths and
 * memory pressure, honouring the user's settings.
 */
export const notificationsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-itbridge:notifications',
  description:
    'Notifications for IT request state changes and kernel incidents (out of memory).',
  autoStart: true,
  requires: [IITBridge],
  optional: [ITranslator, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    bridge: IITBridge,
    translator: ITranslator | null,
    settingRegistry: ISettingRegistry | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyter_itbridge');
    const show = (args: { request: number } | { incident: number }) =>
      void app.commands.execute(CommandIDs.showRequests, args);
    const notifier = new Notifier(trans, {
      showRequest: id => show({ request: id }),
      replyTo: id =>
        void app.commands.execute(CommandIDs.showRequests, {
          request: id,
          reply: true
        }),
      restartKernel: () => restartCurrentKernel(app.commands),
      showIncident: id => show({ incident: id }),
      requestMemory: incident => void bridge.requestForIncident(incident),
      concernsThisPage: incident => bridge.page.concernsThisPage(incident)
    });
    const { model } = bridge;
    model.stateChanged.connect((_, change) => notifier.stateChanged(change));
    model.replied.connect((_, reply) => {
      // the toast quotes IT's latest message: read the thread once
      bridge.api
        .getRequest(reply.request.id)
        .then(detail => {
          const fromIT = (detail.messages ?? []).filter(m => m.role === 'it');
          const last = fromIT[fromIT.length - 1];
          notifier.replied(detail, last ? last.text : '');
        })
        .catch(reason =>
          console.error('jupyter-itbridge: reply not read', reason)
        );
    });
    model.incidentAdded.connect((_, incident) =>
      notifier.incidentAdded(incident)
    );
    model.changed.connect(() => notifier.incidentsChanged(model.incidents));

    if (settingRegistry) {
      settingRegistry
        .load(SETTINGS_ID)
        .then(settings => {
          const apply = () => {
            notifier.settings = {
              notifications: settings.get('notifications').composite as boolean,
              pressureNotifications: settings.get('pressureNotifications')
                .composite as boolean
            };
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
