import {
  IHealth,
  IIncident,
  IITBridgeAPI,
  IRequest,
  IRequestDetail,
  IRequestInput,
  ITBridgeNetworkError
} from '../api';
import { OPEN_STATES, RequestState } from '../contract';

/**
 * The REST API of one user's server, in memory, shaped as openapi.yaml describes it. It can
 * be taken down (every call fails as `fetch` does when nothing answers) and a read can be
 * held in flight, to test what the model does with late and overlapping answers.
 */
export class FakeServer implements IITBridgeAPI {
  requests: IRequest[] = [];
  incidents: IIncident[] = [];
  down = false;
  /** How many times each endpoint was called. */
  calls: Record<string, number> = {};

  /** File a request on the server side (as the kernel's card would). */
  addRequest(summary: string, state: RequestState = 'queued'): IRequest {
    const id = this.requests.length + 1;
    const now = new Date().toISOString();
    const request: IRequest = {
      id,
      uuid: `uuid-${id}`,
      state,
      state_detail: state,
      open: OPEN_STATES.includes(state),
      kind: 'missing_package',
      subject: 'pyspark',
      urgency: 'normal',
      summary,
      body: `${summary}\n`,
      backend: 'local',
      attempts: 0,
      created_at: now,
      updated_at: now
    };
    this.requests.unshift(request);
    return request;
  }

  setState(id: number, state: RequestState): void {
    const request = this.requests.find(r => r.id === id)!;
    request.state = state;
    request.state_detail = state;
    request.open = OPEN_STATES.includes(state);
    request.updated_at = new Date(
      Date.parse(request.updated_at) + 1000
    ).toISOString();
  }

  addIncident(kind: string, details: Record<string, any> = {}): IIncident {
    const incident: IIncident = {
      id: this.incidents.length + 1,
      kind,
      kernel_id: 'k-1',
      notebook_path: 'analysis.ipynb',
      details,
      created_at: new Date().toISOString()
    };
    this.incidents.unshift(incident);
    return incident;
  }

  /** The next `listRequests` answers only when the returned function is called. */
  hold(): () => void {
    let release!: () => void;
    this._held = new Promise<void>(resolve => (release = resolve));
    return release;
  }

  async health(): Promise<IHealth> {
    await this._call('health', false);
    return {
      status: 'ok',
      version: '0.1.0',
      backend: 'local',
      outbox_depth: 0
    };
  }

  async listRequests(): Promise<IRequest[]> {
    // what the server had when the request arrived, even if it answers late
    const snapshot = this._copy(this.requests);
    await this._call('listRequests', true);
    return snapshot;
  }

  async getRequest(id: number): Promise<IRequestDetail> {
    await this._call('getRequest', false);
    const request = this.requests.find(r => r.id === id)!;
    return { ...this._copy([request])[0], comments: [], history: [] };
  }

  async listIncidents(): Promise<IIncident[]> {
    await this._call('listIncidents', false);
    return this._copy(this.incidents);
  }

  async file(input: IRequestInput): Promise<IRequest> {
    await this._call('file', false);
    return this.addRequest(input.summary);
  }

  async retry(id: number): Promise<IRequestDetail> {
    return this.getRequest(id);
  }

  async cancel(id: number): Promise<IRequestDetail> {
    this.setState(id, 'cancelled');
    return this.getRequest(id);
  }

  async comment(id: number, text: string): Promise<IRequestDetail> {
    return this.getRequest(id);
  }

  private async _call(name: string, holdable: boolean): Promise<void> {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
    if (this.down) {
      throw new ITBridgeNetworkError(new TypeError('Failed to fetch'));
    }
    if (holdable && this._held) {
      const held = this._held;
      this._held = null;
      await held;
    }
  }

  private _copy<T>(items: T[]): T[] {
    return JSON.parse(JSON.stringify(items));
  }

  private _held: Promise<void> | null = null;
}
