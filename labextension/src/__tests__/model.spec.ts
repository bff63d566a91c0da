import { Poll } from '@lumino/polling';

import { IIncident } from '../api';
import { IStateChange, RequestsModel } from '../model';
import { FakeServer } from './fakeServer';

/** A model on `server`, with every signal it emits recorded. */
function watch(server: FakeServer, refreshInterval = 3600) {
  const model = new RequestsModel(server, { refreshInterval });
  const changes: IStateChange[] = [];
  const incidents: IIncident[] = [];
  let changed = 0;
  model.stateChanged.connect((_, change) => changes.push(change));
  model.incidentAdded.connect((_, incident) => incidents.push(incident));
  model.changed.connect(() => changed++);
  return { model, changes, incidents, changed: () => changed };
}

describe('RequestsModel', () => {
  let server: FakeServer;
  let model: RequestsModel;

  beforeEach(() => {
    server = new FakeServer();
  });

  afterEach(() => {
    model?.dispose();
    jest.useRealTimers();
  });

  it('takes the first read as the baseline: nothing is announced', async () => {
    server.addRequest('Install pyspark', 'sent');
    server.addIncident('kernel_died', { oom_killed: true });
    const w = watch(server);
    model = w.model;
    expect(model.connection).toBe('connecting');
    await model.refresh();
    expect(model.loaded).toBe(true);
    expect(model.connection).toBe('connected');
    expect(model.health?.backend).toBe('local');
    expect(model.requests.map(r => r.summary)).toEqual(['Install pyspark']);
    expect(model.incidents).toHaveLength(1);
    expect(w.changes).toEqual([]);
    expect(w.incidents).toEqual([]);
  });

  it('announces a state change once, with the old state', async () => {
    const request = server.addRequest('Install pyspark', 'sent');
    const w = watch(server);
    model = w.model;
    await model.refresh();
    server.setState(request.id, 'resolved');
    await model.refresh();
    await model.refresh();
    expect(w.changes).toHaveLength(1);
    expect(w.changes[0].oldState).toBe('sent');
    expect(w.changes[0].request.state).toBe('resolved');
  });

  it('announces new messages from IT once, not those of the first read', async () => {
    const old = server.addRequest('Install pyspark', 'sent', { unread: 1 });
    const other = server.addRequest('Install libpq', 'sent');
    model = watch(server).model;
    const replies: number[] = [];
    model.replied.connect((_, r) => replies.push(r.request.id));
    await model.refresh();
    expect(model.unread).toBe(1);
    other.unread = 2;
    await model.refresh();
    await model.refresh();
    expect(replies).toEqual([other.id]);
    expect(model.unread).toBe(3);
    expect(old.id).not.toBe(other.id);
  });

  it('announces new incidents oldest first', async () => {
    const w = watch(server);
    model = w.model;
    await model.refresh();
    const first = server.addIncident('kernel_died');
    const second = server.addIncident('memory_pressure');
    await model.refresh();
    expect(w.incidents.map(i => i.id)).toEqual([first.id, second.id]);
    await model.refresh();
    expect(w.incidents).toHaveLength(2);
  });

  it('says so when the server cannot be reached, and recovers', async () => {
    const w = watch(server);
    model = w.model;
    await model.refresh();
    server.down = true;
    await model.refresh();
    expect(model.connection).toBe('disconnected');
    expect(model.error).toBe('the Jupyter server cannot be reached');
    server.down = false;
    server.addRequest('Install pyspark');
    await model.refresh();
    expect(model.connection).toBe('connected');
    expect(model.error).toBe('');
    expect(model.requests).toHaveLength(1);
  });

  it('reads again for an event that arrives while a read is in flight', async () => {
    // Poll.refresh() would drop the second refresh: the change would wait for the timer
    const request = server.addRequest('Install pyspark', 'queued');
    const w = watch(server);
    model = w.model;
    await model.refresh();
    const release = server.hold();
    const first = model.refresh(); // reads "queued" and is held
    await new Promise(resolve => setTimeout(resolve, 10));
    server.setState(request.id, 'sent'); // the server emits an event for this
    const second = model.refresh();
    release(); // the first (older) answer arrives late
    await Promise.all([first, second]);
    expect(model.requests[0].state).toBe('sent');
    expect(w.changes.map(c => [c.oldState, c.request.state])).toEqual([
      ['queued', 'sent']
    ]);
  });

  it('never lets an older answer overwrite a newer one', async () => {
    const request = server.addRequest('Install pyspark', 'sent');
    const w = watch(server);
    model = w.model;
    await model.refresh();
    const release = server.hold();
    const stale = model.refresh(); // snapshot: "sent"
    await new Promise(resolve => setTimeout(resolve, 10));
    server.setState(request.id, 'resolved');
    await model.refresh(); // "resolved" is applied while the stale read is held
    release();
    await stale;
    expect(model.requests[0].state).toBe('resolved');
    expect(w.changes).toHaveLength(1);
  });

  it('shares one read among refreshes made before it starts', async () => {
    const w = watch(server);
    model = w.model;
    await model.refresh();
    const before = server.calls.listRequests;
    await Promise.all([model.refresh(), model.refresh(), model.refresh()]);
    expect(server.calls.listRequests - before).toBe(1);
    expect(w.changed()).toBeGreaterThan(0);
  });

  it('upserts what the UI just received, without a second announcement', async () => {
    const w = watch(server);
    model = w.model;
    await model.refresh();
    const filed = server.addRequest('Access to sales_dw', 'sent');
    model.upsert(filed);
    expect(model.requests[0].id).toBe(filed.id);
    model.upsert({ ...filed, summary: 'Access to sales_dw (read-only)' });
    expect(model.requests).toHaveLength(1);
    expect(model.requests[0].summary).toBe('Access to sales_dw (read-only)');
    await model.refresh();
    expect(w.changes).toEqual([]);
  });

  it('maps the refreshInterval setting to the poll frequency', () => {
    expect(RequestsModel.frequency(60)).toEqual({
      interval: 60_000,
      backoff: true,
      max: 300_000
    });
    expect(RequestsModel.frequency(3600).max).toBe(3_600_000);
    expect(RequestsModel.frequency(0).interval).toBe(Poll.NEVER);
  });

  it('reads on its own at start and every interval, and backs off while down', async () => {
    jest.useFakeTimers();
    const w = watch(server, 1);
    model = w.model;
    await jest.advanceTimersByTimeAsync(100);
    expect(model.loaded).toBe(true); // the poll started by itself
    await jest.advanceTimersByTimeAsync(30_000);
    const healthy = server.calls.listRequests;
    expect(healthy).toBeGreaterThanOrEqual(25); // about one read a second
    server.down = true;
    const before = server.calls.health;
    await jest.advanceTimersByTimeAsync(60_000);
    const attempts = server.calls.health - before;
    // one a second without backoff; growing intervals (up to 5 min) give far fewer
    expect(attempts).toBeGreaterThan(0);
    expect(attempts).toBeLessThan(20);
    expect(model.connection).toBe('disconnected');
  });

  it('reads only on events when the interval is 0', async () => {
    jest.useFakeTimers();
    const w = watch(server, 0);
    model = w.model;
    await jest.advanceTimersByTimeAsync(100);
    const reads = server.calls.listRequests;
    expect(reads).toBe(1); // the initial read
    await jest.advanceTimersByTimeAsync(600_000);
    expect(server.calls.listRequests).toBe(reads);
    model.refreshInterval = 1; // the user turns the fallback on: it starts at once
    await jest.advanceTimersByTimeAsync(5_000);
    expect(server.calls.listRequests).toBeGreaterThanOrEqual(reads + 4);
  });

  it('applies a shorter interval at once, not after the old one', async () => {
    jest.useFakeTimers();
    const w = watch(server, 3600);
    model = w.model;
    await jest.advanceTimersByTimeAsync(100);
    const reads = server.calls.listRequests;
    model.refreshInterval = 2;
    await jest.advanceTimersByTimeAsync(10_000);
    expect(server.calls.listRequests).toBeGreaterThanOrEqual(reads + 4);
  });

  it('stops reading once disposed', async () => {
    jest.useFakeTimers();
    const w = watch(server, 1);
    model = w.model;
    await jest.advanceTimersByTimeAsync(2_000);
    model.dispose();
    const reads = server.calls.listRequests;
    await jest.advanceTimersByTimeAsync(10_000);
    expect(server.calls.listRequests).toBe(reads);
    await model.refresh(); // a no-op, not an error
    expect(model.isDisposed).toBe(true);
  });
});
