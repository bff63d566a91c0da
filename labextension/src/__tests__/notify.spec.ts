import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';

import { IIncident, IRequest } from '../api';
import { INotifyActions, Notifier } from '../notify';

/**
 * The toast decisions, against JupyterLab's real notification manager (the store the toasts
 * and the notification centre render from).
 */

const trans = nullTranslator.load('jupyter_itbridge');
const GIB = 1024 ** 3;

function request(state: IRequest['state'], ageMs: number): IRequest {
  const created = new Date(Date.now() - ageMs).toISOString();
  return {
    id: 3,
    uuid: 'u-3',
    state,
    state_detail: `${state} by IT`,
    open: state !== 'resolved',
    kind: 'blocked_package',
    subject: 'openai',
    urgency: 'normal',
    summary: 'Install openai',
    body: '',
    backend: 'rt',
    attempts: 1,
    created_at: created,
    updated_at: created
  };
}

function oomIncident(extra: Partial<IIncident> = {}): IIncident {
  return {
    id: 7,
    kind: 'kernel_died',
    kernel_id: 'k-1',
    notebook_path: 'work/analysis.ipynb',
    details: { limit_bytes: 4 * GIB, peak_bytes: 4187593113, oom_killed: true },
    created_at: new Date().toISOString(),
    ...extra
  };
}

/** Toast actions record what they were asked to do. */
function recorder(concerns = true) {
  const calls: string[] = [];
  const actions: INotifyActions = {
    showRequest: id => calls.push(`request ${id}`),
    replyTo: id => calls.push(`reply ${id}`),
    restartKernel: () => calls.push('restart'),
    showIncident: id => calls.push(`incident ${id}`),
    requestMemory: incident => calls.push(`memory ${incident.id}`),
    concernsThisPage: () => concerns
  };
  return { calls, actions };
}

const toasts = () => Notification.manager.notifications;
const labels = (n: Notification.INotification) =>
  (n.options.actions ?? []).map(a => a.label);

describe('Notifier', () => {
  afterEach(() => Notification.manager.dismiss());

  it('announces a resolved request with a Show button', () => {
    const { calls, actions } = recorder();
    const notifier = new Notifier(trans, actions);
    const id = notifier.stateChanged({
      request: request('resolved', 3_600_000),
      oldState: 'acknowledged'
    });
    expect(id).not.toBeNull();
    expect(toasts()).toHaveLength(1);
    const [toast] = toasts();
    expect(toast.message).toBe(
      'IT request #3 (Install openai): resolved by IT'
    );
    expect(toast.type).toBe('success');
    expect(labels(toast)).toEqual(['Show']);
    toast.options.actions![0].callback(new MouseEvent('click'));
    expect(calls).toEqual(['request 3']);
  });

  it('offers "Restart kernel" when a missing package is resolved', () => {
    const { calls, actions } = recorder();
    const notifier = new Notifier(trans, actions);
    notifier.stateChanged({
      request: { ...request('resolved', 3_600_000), kind: 'missing_package' },
      oldState: 'acknowledged'
    });
    const [toast] = toasts();
    expect(toast.message).toBe(
      'IT resolved request #3 (Install openai): restart the kernel to use it.'
    );
    expect(labels(toast)).toEqual(['Restart kernel', 'Show']);
    toast.options.actions![0].callback(new MouseEvent('click'));
    expect(calls).toEqual(['restart']);
  });

  it('says "IT replied to request #3" with Show and Reply, bidi controls neutralised', () => {
    const { calls, actions } = recorder();
    const notifier = new Notifier(trans, actions);
    notifier.replied(
      { ...request('acknowledged', 3_600_000), summary: 'x' },
      'Which licence?\u202e txt.exe'
    );
    const [toast] = toasts();
    expect(toast.message).toBe(
      "IT replied to request #3: 'Which licence?\ufffd txt.exe'"
    );
    expect(labels(toast)).toEqual(['Show', 'Reply']);
    toast.options.actions![1].callback(new MouseEvent('click'));
    toast.options.actions![0].callback(new MouseEvent('click'));
    expect(calls).toEqual(['reply 3', 'request 3']);
  });

  it('does not repeat the queued -> sent step of a request just filed', () => {
    const notifier = new Notifier(trans, recorder().actions);
    const fresh = {
      request: request('sent', 5_000),
      oldState: 'queued' as const
    };
    expect(notifier.stateChanged(fresh)).toBeNull();
    const old = {
      request: request('sent', 120_000),
      oldState: 'queued' as const
    };
    expect(notifier.stateChanged(old)).not.toBeNull();
    expect(toasts()).toHaveLength(1);
  });

  it('shortens long summaries and honours the notifications setting', () => {
    const notifier = new Notifier(trans, recorder().actions);
    const long = request('rejected', 3_600_000);
    long.summary = 'x'.repeat(100);
    notifier.stateChanged({ request: long, oldState: 'sent' });
    expect(toasts()[0].message).toContain('x'.repeat(59) + '…)');
    expect(toasts()[0].type).toBe('warning');
    notifier.settings = { notifications: false, pressureNotifications: true };
    expect(
      notifier.stateChanged({ request: long, oldState: 'acknowledged' })
    ).toBeNull();
    expect(notifier.incidentAdded(oomIncident())).toBeNull();
    expect(toasts()).toHaveLength(1);
  });

  it('shows a kernel killed for memory with "Request more memory" and "Details"', () => {
    const { calls, actions } = recorder();
    const notifier = new Notifier(trans, actions);
    notifier.incidentAdded(oomIncident());
    const [toast] = toasts();
    expect(toast.message).toBe(
      'Your kernel was stopped: it used 3.9 GiB of its 4 GiB memory limit. Notebook: analysis.ipynb'
    );
    expect(toast.type).toBe('error');
    expect(toast.options.autoClose).toBe(false);
    expect(labels(toast)).toEqual(['Request more memory', 'Details']);
    expect(toast.options.actions![0].displayType).toBe('accent');
    toast.options.actions!.forEach(a => a.callback(new MouseEvent('click')));
    expect(calls).toEqual(['memory 7', 'incident 7']);
  });

  it('leaves out pressure warnings when they are turned off, and other pages', () => {
    const pressure = oomIncident({
      kind: 'memory_pressure',
      details: { limit_bytes: 4 * GIB, usage_bytes: 3.8 * GIB }
    });
    const notifier = new Notifier(trans, recorder().actions, {
      notifications: true,
      pressureNotifications: false
    });
    expect(notifier.incidentAdded(pressure)).toBeNull();
    notifier.settings = { notifications: true, pressureNotifications: true };
    notifier.incidentAdded(pressure);
    expect(toasts()[0].type).toBe('warning');
    const elsewhere = new Notifier(trans, recorder(false).actions);
    expect(elsewhere.incidentAdded(oomIncident({ id: 8 }))).toBeNull();
    expect(toasts()).toHaveLength(1);
  });

  it('offers "Requested (#N)" once a request was filed for the incident', () => {
    const { calls, actions } = recorder();
    const notifier = new Notifier(trans, actions);
    const incident = oomIncident();
    const id = notifier.incidentAdded(incident)!;
    notifier.incidentsChanged([incident]); // nothing new: the toast stays as it is
    expect(labels(toasts()[0])).toEqual(['Request more memory', 'Details']);
    const linked = {
      ...incident,
      request: { id: 12, uuid: 'u-12', state: 'queued' as const }
    };
    notifier.incidentsChanged([linked]);
    const toast = toasts().find(n => n.id === id)!;
    expect(labels(toast)).toEqual(['Requested (#12)', 'Details']);
    toast.options.actions![0].callback(new MouseEvent('click'));
    expect(calls).toEqual(['request 12']);
    // cancelled: the action is offered again
    notifier.incidentsChanged([
      { ...linked, request: { ...linked.request, state: 'cancelled' } }
    ]);
    expect(labels(toasts()[0])).toEqual(['Request more memory', 'Details']);
  });

  it('forgets a toast the user dismissed', () => {
    const notifier = new Notifier(trans, recorder().actions);
    const incident = oomIncident();
    const id = notifier.incidentAdded(incident)!;
    Notification.manager.dismiss(id);
    notifier.incidentsChanged([{ ...incident, request_id: 12 }]);
    expect(toasts()).toHaveLength(0);
  });

  it('starts an incident toast with "Requested" when the request already exists', () => {
    const notifier = new Notifier(trans, recorder().actions);
    notifier.incidentAdded(oomIncident({ request_id: 5 }));
    expect(labels(toasts()[0])).toEqual(['Requested (#5)', 'Details']);
  });
});
