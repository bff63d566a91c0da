import { ISignal, Signal } from '@lumino/signaling';

import { api, IHealth, IIncident, IRequest } from './api';

/** Prefix of the schema ids of the events our server extension emits. */
export const EVENT_PREFIX = 'https://events.jupyter.org/jupyter_itbridge/';

/** A request whose state changed since the previous refresh. */
export interface IStateChange {
  request: IRequest;
  oldState: string;
}

/**
 * The user's requests and incidents as last read from the server.
 *
 * Why a diffing model: toasts are derived from what changed between two reads, so they are
 * right whether the refresh came from a server event or from the slow fallback timer, and a
 * page reload never re-announces old news (the first read is the baseline).
 */
export class RequestsModel {
  get requests(): readonly IRequest[] {
    return this._requests;
  }

  get incidents(): readonly IIncident[] {
    return this._incidents;
  }

  get health(): IHealth | null {
    return this._health;
  }

  /** `connecting`, `connected` or `disconnected`. */
  get connection(): string {
    return this._connection;
  }

  get error(): string {
    return this._error;
  }

  /** True after the first successful read. */
  get loaded(): boolean {
    return this._loaded;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get stateChanged(): ISignal<this, IStateChange> {
    return this._stateChanged;
  }

  get incidentAdded(): ISignal<this, IIncident> {
    return this._incidentAdded;
  }

  /** Read everything again; concurrent calls share one read and queue at most one more. */
  refresh(): Promise<void> {
    if (this._running) {
      this._again = true;
      return this._running;
    }
    this._running = this._read().finally(() => {
      this._running = null;
      if (this._again) {
        this._again = false;
        void this.refresh();
      }
    });
    return this._running;
  }

  /** Put a request the UI just received (POST/retry/cancel answer) into the list at once. */
  upsert(request: IRequest): void {
    const index = this._requests.findIndex(r => r.id === request.id);
    if (index >= 0) {
      this._requests[index] = request;
    } else {
      this._requests.unshift(request);
    }
    this._states.set(request.id, request.state);
    this._changed.emit();
  }

  private async _read(): Promise<void> {
    try {
      const [health, requests, incidents] = await Promise.all([
        api.health(),
        api.listRequests(),
        api.listIncidents()
      ]);
      this._health = health;
      this._connection = 'connected';
      this._error = '';
      const baseline = !this._loaded;
      for (const request of requests) {
        const old = this._states.get(request.id);
        if (!baseline && old !== undefined && old !== request.state) {
          this._pendingChanges.push({ request, oldState: old });
        }
        this._states.set(request.id, request.state);
      }
      const fresh = baseline
        ? []
        : incidents.filter(i => !this._seenIncidents.has(i.id));
      incidents.forEach(i => this._seenIncidents.add(i.id));
      this._requests = requests;
      this._incidents = incidents;
      this._loaded = true;
      this._changed.emit();
      const changes = this._pendingChanges.splice(0);
      changes.forEach(c => this._stateChanged.emit(c));
      // oldest first, so toasts stack in the order things happened
      fresh.reverse().forEach(i => this._incidentAdded.emit(i));
    } catch (error) {
      this._connection = 'disconnected';
      this._error = (error as Error).message;
      this._changed.emit();
    }
  }

  private _requests: IRequest[] = [];
  private _incidents: IIncident[] = [];
  private _health: IHealth | null = null;
  private _connection = 'connecting';
  private _error = '';
  private _loaded = false;
  private _states = new Map<number, string>();
  private _seenIncidents = new Set<number>();
  private _pendingChanges: IStateChange[] = [];
  private _running: Promise<void> | null = null;
  private _again = false;
  private _changed = new Signal<this, void>(this);
  private _stateChanged = new Signal<this, IStateChange>(this);
  private _incidentAdded = new Signal<this, IIncident>(this);
}
