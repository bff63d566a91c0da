import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import { IIncident, IRequest, linkedRequest } from './api';
import { RequestState, RESTART_KINDS } from './contract';
import {
  describeCause,
  incidentActionLabel,
  isPressure,
  notebookName,
  stateDetailText
} from './format';
import { IStateChange } from './model';
import { displayText } from './text';

/** `text` on one line, cut to `limit` characters (bidi controls neutralised). */
export function shortText(text: string, limit = 60): string {
  const line = displayText(text).replace(/\s+/g, ' ').trim();
  return line.length > limit ? line.slice(0, limit - 1) + '…' : line;
}

/** The user's choices from the settings (schema/plugin.json). */
export interface INotifySettings {
  notifications: boolean;
  pressureNotifications: boolean;
}

/** What a toast's buttons do. */
export interface INotifyActions {
  showRequest(id: number): void;
  /** Show the request with its reply box focused. */
  replyTo(id: number): void;
  /** Restart the kernel of the current notebook (after IT installed something). */
  restartKernel(): void;
  showIncident(id: number): void;
  requestMemory(incident: IIncident): void;
  /** False when this page does not show the incident's notebook (Notebook 7 pages). */
  concernsThisPage(incident: IIncident): boolean;
}

const STATE_TYPES: Partial<Record<RequestState, Notification.TypeOptions>> = {
  resolved: 'success',
  rejected: 'warning',
  failed: 'warning',
  cancelled: 'info'
};

/** Toasts for request state changes and incidents, honouring the settings. */
export class Notifier {
  constructor(
    private _trans: TranslationBundle,
    private _actions: INotifyActions,
    public settings: INotifySettings = {
      notifications: true,
      pressureNotifications: true
    }
  ) {}

  /** "Request #3 (Install openai): sent to IT" with a Show button. */
  stateChanged(change: IStateChange): string | null {
    if (!this.settings.notifications) {
      return null;
    }
    const { request } = change;
    const trans = this._trans;
    const age = Date.now() - Date.parse(request.created_at);
    if (
      change.oldState === 'queued' &&
      request.state === 'sent' &&
      age < 60_000
    ) {
      return null; // just filed: the card or dialog already said so; no second message
    }
    const restart =
      request.state === 'resolved' &&
      !!request.kind &&
      RESTART_KINDS.includes(request.kind);
    const message = restart
      ? trans.__(
          'IT resolved request #%1 (%2): restart the kernel to use it.',
          request.id,
          shortText(request.summary)
        )
      : trans.__(
          'IT request #%1 (%2): %3',
          request.id,
          shortText(request.summary),
          stateDetailText(request)
        );
    const actions: Notification.IAction[] = [];
    if (restart) {
      actions.push({
        label: trans.__('Restart kernel'),
        caption: trans.__('Restart the current notebook kernel to use the fix'),
        displayType: 'accent',
        callback: () => this._actions.restartKernel()
      });
    }
    actions.push({
      label: trans.__('Show'),
      caption: trans.__('Show this request in the IT requests panel'),
      callback: () => this._actions.showRequest(request.id)
    });
    return Notification.emit(message, STATE_TYPES[request.state] ?? 'info', {
      autoClose: restart ? false : 8000,
      actions
    });
  }

  /** "IT replied to request #12: '...'" with Show and Reply. */
  replied(request: IRequest, text: string): string | null {
    if (!this.settings.notifications) {
      return null;
    }
    const trans = this._trans;
    const message = trans.__(
      "IT replied to request #%1: '%2'",
      request.id,
      shortText(text, 80)
    );
    return Notification.emit(message, 'info', {
      autoClose: false,
      actions: [
        {
          label: trans.__('Show'),
          caption: trans.__('Show the conversation in the IT requests panel'),
          callback: () => this._actions.showRequest(request.id)
        },
        {
          label: trans.__('Reply'),
          caption: trans.__('Answer IT in the IT requests panel'),
          displayType: 'accent',
          callback: () => this._actions.replyTo(request.id)
        }
      ]
    });
  }

  /** The kernel-death / memory-pressure toast with "Request more memory" and "Details". */
  incidentAdded(incident: IIncident): string | null {
    const pressure = isPressure(incident);
    if (
      !this.settings.notifications ||
      (pressure && !this.settings.pressureNotifications) ||
      !this._actions.concernsThisPage(incident)
    ) {
      return null;
    }
    const trans = this._trans;
    let message = describeCause(incident, trans);
    const name = notebookName(incident.notebook_path);
    if (name) {
      message += ' ' + trans.__('Notebook: %1', name);
    }
    const requested = linkedRequest(incident);
    const id = Notification.emit(message, pressure ? 'warning' : 'error', {
      autoClose: false,
      actions: this._incidentActions(incident, requested)
    });
    this._incidentToasts.set(incident.id, { id, requested });
    return id;
  }

  /**
   * After a request was filed for an incident (from this toast, the panel or another tab),
   * its toast - still in the notification centre - offers "Requested (#id)" instead of the
   * request action, so the same request is not offered twice.
   */
  incidentsChanged(incidents: readonly IIncident[]): void {
    for (const incident of incidents) {
      const toast = this._incidentToasts.get(incident.id);
      const requested = linkedRequest(incident);
      if (!toast || toast.requested === requested) {
        continue;
      }
      const updated = Notification.update({
        id: toast.id,
        actions: this._incidentActions(incident, requested)
      });
      if (updated) {
        toast.requested = requested;
      } else {
        this._incidentToasts.delete(incident.id); // dismissed by the user
      }
    }
  }

  private _incidentActions(
    incident: IIncident,
    requested: number | null
  ): Notification.IAction[] {
    const trans = this._trans;
    const actions: Notification.IAction[] = [];
    if (requested !== null) {
      actions.push({
        label: trans.__('Requested (#%1)', requested),
        caption: trans.__('Show request #%1', requested),
        callback: () => this._actions.showRequest(requested)
      });
    } else {
      actions.push({
        label: incidentActionLabel(incident, trans),
        caption: trans.__('Open a prefilled request to IT'),
        displayType: 'accent',
        callback: () => this._actions.requestMemory(incident)
      });
    }
    actions.push({
      label: trans.__('Details'),
      caption: trans.__('Show this incident in the IT requests panel'),
      callback: () => this._actions.showIncident(incident.id)
    });
    return actions;
  }

  /** Incident id -> its toast and the request it offered when last drawn. */
  private _incidentToasts = new Map<
    number,
    { id: string; requested: number | null }
  >();
}
