import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { IHealth, IIncident, IITBridgeAPI, IRequest } from './api';
import { RequestState } from './contract';

/** A request whose state changed since the previous read. */
export interface IStateChange {
  request: IRequest;
  oldState: RequestState;
}

/** IT wrote on a request since the previous read (its unread count went up). */
export interface IReply {
  request: IRequest;
  /** How many new messages. */
  count: number;
}

/** `connecting` until the first read, then whether the last read reached the server. */
export type Connection = 'connecting' | 'connected' | 'disconnected';

/** What one read of the REST API returns. */
interface ISnapshot {
  health: IHealth;
  requests: IRequest[];
  incidents: IIncident[];
}

/** While the server is down the fallback read backs off up to this (or the interval). */
const MAX_BACKOFF_MS = 5 * 60 * 1000;

/**
 * The user's requests and incidents as last read from the server.
 *
 * Why a diffing model: toasts are derived from what changed between two reads, so they are
 * right whether the read came from a server event or from the slow fallback poll, and a
 * page reload never re-announces old news (the first read is the baseline).
 *
 * Reads are scheduled by a Lumino `Poll`: it reads at start, then every `refreshInterval`
 * seconds (backing off while the server is down, standing by while the page is hidden), and
 * {@link refresh} reads at once. A read that a newer one overtook is dropped by the poll, so
 * an older answer never overwrites a newer one.
 */
export class RequestsModel implements IDisposable {
  constructor(
    private _api: IITBridgeAPI,
    options: { refreshInterval?: number } = {}
  ) {
    this._poll = new Poll<ISnapshot, Error>({
      name: 'jupyter-itbridge:requests',
      factory: () => this._read(),
      frequency: RequestsModel.frequency(options.refreshInterval ?? 60),
      // an explicit refresh (server event, button, panel shown) always reads; only the
      // fallback timer stands by while the page is hidden
      standby: () => (this._explicit ? 'never' : 'when-hidden')
    });
    this._poll.ticked.connect((_, state) => {
      if (state.phase === 'resolved' || state.phase === 'reconnected') {
        this._apply(state.payload as ISnapshot);
      } else if (state.phase === 'rejected') {
        this._connection = 'disconnected';
        this._error = (state.payload as Error | null)?.message ?? '';
        this._changed.emit();
      }
    });
  }

  /** The poll frequency for a refresh interval in seconds (0: events only, no timer). */
  static frequency(seconds: number): {
    interval: number;
    backoff: boolean;
    max: number;
  } {
    const interval = seconds > 0 ? seconds * 1000 : Poll.NEVER;
    return {
      interval,
      backoff: true,
      max: seconds > 0 ? Math.max(interval, MAX_BACKOFF_MS) : MAX_BACKOFF_MS
    };
  }

  get requests(): readonly IRequest[] {
    return this._requests;
  }

  get incidents(): readonly IIncident[] {
    return this._incidents;
  }

  get health(): IHealth | null {
    return this._health;
  }

  get connection(): Connection {
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

  /** IT's new messages on a request (not on the first read: old news is not news). */
  get replied(): ISignal<this, IReply> {
    return this._replied;
  }

  /** Total of IT's unread messages over the user's requests (the sidebar icon's badge). */
  get unread(): number {
    return this._requests.reduce((sum, r) => sum + (r.unread ?? 0), 0);
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  /**
   * Seconds between fallback reads (the `refreshInterval` setting; 0 = events only). A new
   * value takes effect at once: the next read is scheduled after the new interval (unless a
   * read is in flight, which schedules the next one itself).
   */
  set refreshInterval(seconds: number) {
    const frequency = RequestsModel.frequency(seconds);
    if (frequency.interval === this._poll.frequency.interval) {
      return;
    }
    this._poll.frequency = frequency;
    if (this._reading === 0 && !this.isDisposed) {
      void this._poll.schedule({ interval: frequency.interval });
    }
  }

  /**
   * Read everything again now; resolves once a read that started after this call has been
   * applied (or failed). Not `Poll.refresh()`: that drops a refresh while one is in flight,
   * and an event arriving during a read may announce a change that read did not see. Calls
   * made before the read starts share it; a read overtaken by a newer one is dropped.
   */
  async refresh(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    this._explicit = true;
    await this._poll.schedule({
      interval: Poll.IMMEDIATE,
      phase: 'refreshed'
    });
    try {
      do {
        await this._poll.tick;
      } while (this._poll.state.phase === 'refreshed');
    } catch {
      // disposed while waiting
    }
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
    this._unread.set(request.id, request.unread ?? 0);
    this._changed.emit();
  }

  dispose(): void {
    this._poll.dispose();
    Signal.clearData(this);
  }

  private async _read(): Promise<ISnapshot> {
    this._explicit = false;
    this._reading++;
    try {
      const [health, requests, incidents] = await Promise.all([
        this._api.health(),
        this._api.listRequests(),
        this._api.listIncidents()
      ]);
      return { health, requests, incidents };
    } finally {
      this._reading--;
    }
  }

  private _apply({ health, requests, incidents }: ISnapshot): void {
    this._health = health;
    this._connection = 'connected';
    this._error = '';
    const baseline = !this._loaded;
    const changes: IStateChange[] = [];
    const replies: IReply[] = [];
    for (const request of requests) {
      const old = this._states.get(request.id);
      if (!baseline && old !== undefined && old !== request.state) {
        changes.push({ request, oldState: old });
      }
      this._states.set(request.id, request.state);
      const unread = request.unread ?? 0;
      const before = this._unread.get(request.id) ?? 0;
      if (!baseline && unread > before) {
        replies.push({ request, count: unread - before });
      }
      this._unread.set(request.id, unread);
    }
    const fresh = baseline
      ? []
      : incidents.filter(i => !this._seenIncidents.has(i.id));
    incidents.forEach(i => this._seenIncidents.add(i.id));
    this._requests = requests;
    this._incidents = incidents;
    this._loaded = true;
    this._changed.emit();
    changes.forEach(c => this._stateChanged.emit(c));
    replies.forEach(r => this._replied.emit(r));
    // oldest first, so toasts stack in the order things happened
    fresh.reverse().forEach(i => this._incidentAdded.emit(i));
  }

  private _poll: Poll<ISnapshot, Error>;
  private _explicit = false;
  private _reading = 0;
  private _requests: IRequest[] = [];
  private _incidents: IIncident[] = [];
  private _health: IHealth | null = null;
  private _connection: Connection = 'connecting';
  private _error = '';
  private _loaded = false;
  private _states = new Map<number, RequestState>();
  private _unread = new Map<number, number>();
  private _replied = new Signal<this, IReply>(this);
  private _seenIncidents = new Set<number>();
  private _changed = new Signal<this, void>(this);
  private _stateChanged = new Signal<this, IStateChange>(this);
  private _incidentAdded = new Signal<this, IIncident>(this);
}
