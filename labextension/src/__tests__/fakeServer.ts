import {
  IDiagnoseInput,
  IFinding,
  IHealth,
  IIncident,
  IITBridgeAPI,
  IPackageFacts,
  IPreview,
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
  /** What `POST diagnose` answers, and the bodies it was sent. */
  findings: IFinding[] = [];
  diagnosed: IDiagnoseInput[] = [];
  /** `GET packages/{name}` answers, by name (absent: 404, i.e. null). */
  facts: Record<string, IPackageFacts> = {};
  /** What was filed and previewed, as sent. */
  filed: IRequestInput[] = [];
  previewed: IRequestInput[] = [];

  /** File a request on the server side (as the kernel's card would). */
  addRequest(
    summary: string,
    state: RequestState = 'queued',
    extra: Partial<IRequest> = {}
  ): IRequest {
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
      updated_at: now,
      ...extra
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
    this.filed.push(input);
    const same = this.requests.find(r => input.uuid && r.uuid === input.uuid);
    if (same) {
      return same; // the uuid is an idempotency key
    }
    const open = this.requests.find(
      r => r.open && input.fingerprint && r.fingerprint === input.fingerprint
    );
    if (open) {
      return {
        ...open,
        deduped: true,
        already_requested: {
          id: open.id,
          created_at: open.created_at,
          message: `already requested on ${open.created_at.slice(0, 10)} (#${open.id})`
        }
      };
    }
    return this.addRequest(input.summary, 'queued', {
      uuid: input.uuid ?? `uuid-${this.requests.length + 1}`,
      kind: input.kind ?? null,
      subject: input.subject ?? null,
      fingerprint: input.fingerprint ?? null,
      draft: { justification: input.justification }
    });
  }

  async diagnose(input: IDiagnoseInput): Promise<IFinding[]> {
    await this._call('diagnose', false);
    this.diagnosed.push(input);
    return this._copy(this.findings);
  }

  /**
   * A stand-in for the server's rendering, NOT its redaction (that one is tested against
   * the real server in tests/hub/test_preview.py): enough to see which text was previewed.
   */
  async preview(input: IRequestInput): Promise<IPreview> {
    await this._call('preview', false);
    this.previewed.push(input);
    const uuid = input.uuid ?? 'random';
    return {
      body: `${input.summary}\n${input.justification ?? ''}\nitbridge-request-id: ${uuid}`,
      notices: [],
      uuid
    };
  }

  async packageFacts(name: string): Promise<IPackageFacts | null> {
    await this._call('packageFacts', false);
    return this.facts[name] ?? null;
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

  async markSeen(id: number): Promise<IRequestDetail> {
    const request = this.requests.find(r => r.id === id)!;
    request.unread = 0;
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
