import { nullTranslator } from '@jupyterlab/translation';

import { IIncident } from '../api';
import { KINDS, STATES, URGENCIES } from '../contract';
import {
  describeCause,
  describeIncident,
  formatAge,
  formatBytes,
  formatWhen,
  incidentActionLabel,
  isMemoryIncident,
  kindLabel,
  memoryFacts,
  notebookName,
  stateDetailText,
  stateLabel,
  urgencyLabels
} from '../format';
import { displayText } from '../text';

const trans = nullTranslator.load('jupyter_itbridge');
const GIB = 1024 ** 3;

function incident(kind: string, details: Record<string, any>): IIncident {
  return {
    id: 1,
    kind,
    details,
    notebook_path: 'work/analysis.ipynb',
    created_at: '2026-11-02T10:00:00Z'
  };
}

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1536, '1.5 KiB'],
    [4 * GIB, '4 GiB'],
    [4187593113, '3.9 GiB'],
    [150 * 1024 ** 2, '150 MiB']
  ])('%d -> %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('labels in words', () => {
  it('has a word for every state, never the internal name where it differs', () => {
    for (const state of STATES) {
      expect(stateLabel(state, trans)).toBeTruthy();
    }
    expect(stateLabel('acknowledged', trans)).toBe('in progress');
    expect(stateLabel('rejected', trans)).toBe('declined');
    expect(stateLabel('failed', trans)).toBe('retrying');
  });

  it('names every kind and urgency', () => {
    for (const kind of KINDS) {
      expect(kindLabel(kind, trans)).not.toContain('_');
    }
    expect(kindLabel('memory_pressure', trans)).toBe(
      'kernel close to its memory limit'
    );
    expect(kindLabel('some_new_kind', trans)).toBe('some new kind');
    expect(kindLabel(null, trans)).toBe('free-form request');
    expect(Object.keys(urgencyLabels(trans)).sort()).toEqual(
      [...URGENCIES].sort()
    );
  });
});

describe('time', () => {
  beforeEach(() => {
    document.documentElement.lang = 'en';
  });

  it('says how long ago in the page language (JupyterLab Time)', () => {
    const now = Date.parse('2026-11-02T10:00:00Z');
    jest.useFakeTimers({ now });
    try {
      expect(formatAge('2026-11-02T09:55:00Z', now)).toBe('5 minutes ago');
      expect(formatAge('2026-10-31T10:00:00Z', now)).toBe('2 days ago');
      // a server clock slightly ahead is "now", not "in 3 seconds"
      expect(formatAge('2026-11-02T10:00:03Z', now)).toBe('now');
      expect(formatAge('not a date', now)).toBe('');
    } finally {
      jest.useRealTimers();
    }
  });

  it('formats dates in the page language, and keeps an unparsable one as it is', () => {
    document.documentElement.lang = 'de';
    expect(formatWhen('2026-11-02T10:00:00Z')).toMatch(/^02\.11\.26, \d\d:00$/);
    expect(formatWhen('garbage')).toBe('garbage');
  });
});

describe('incidents', () => {
  const oom = incident('kernel_died', {
    limit_bytes: 4 * GIB,
    peak_bytes: 4187593113,
    oom_killed: true,
    restarted: true
  });

  it('reads memory facts whatever the watcher called them', () => {
    expect(memoryFacts(oom)).toEqual({
      limit: 4 * GIB,
      peak: 4187593113,
      oom: true
    });
    expect(
      memoryFacts(
        incident('kernel_died', {
          memory_limit: '1024',
          usage: 512,
          oom_kills: 2
        })
      )
    ).toEqual({ limit: 1024, peak: 512, oom: true });
  });

  it('explains a kernel killed at its memory limit in one sentence', () => {
    expect(describeCause(oom, trans)).toBe(
      'Your kernel was stopped: it used 3.9 GiB of its 4 GiB memory limit.'
    );
    expect(describeIncident(oom, trans)).toBe(
      'Your kernel was stopped: it used 3.9 GiB of its 4 GiB memory limit. It was restarted; variables from before are lost.'
    );
    expect(incidentActionLabel(oom, trans)).toBe('Request more memory');
  });

  it('warns about memory pressure', () => {
    const pressure = incident('memory_pressure', {
      memory: {},
      limit_bytes: 4 * GIB,
      usage_bytes: 3.8 * GIB
    });
    expect(describeCause(pressure, trans)).toBe(
      'Your kernel is using 3.8 GiB of its 4 GiB memory limit; it may be stopped soon.'
    );
    expect(isMemoryIncident(pressure)).toBe(true);
  });

  it('names the signal or exit code of another death, and asks IT about it', () => {
    const killed = incident('kernel_died', {
      signal: 9,
      signal_name: 'SIGKILL'
    });
    expect(describeCause(killed, trans)).toBe(
      'Your kernel process was killed (signal 9, SIGKILL).'
    );
    expect(incidentActionLabel(killed, trans)).toBe('Ask IT about this');
    expect(
      describeCause(incident('kernel_died', { exit_code: 1 }), trans)
    ).toBe('Your kernel was stopped unexpectedly (exit code 1).');
    expect(describeCause(incident('kernel_died', {}), trans)).toBe(
      'Your kernel was stopped unexpectedly.'
    );
  });

  it('shortens the notebook path to its name', () => {
    expect(notebookName('work/analysis.ipynb')).toBe('analysis.ipynb');
    expect(notebookName(null)).toBe('');
  });
});

describe('user data never indexes a plain object', () => {
  it('labels a kind named like an Object.prototype member as text', () => {
    for (const kind of [
      'constructor',
      'toString',
      '__proto__',
      'hasOwnProperty'
    ]) {
      expect(kindLabel(kind, trans)).toBe(kind.replace(/_/g, ' '));
      expect(stateLabel(kind, trans)).toBe(kind);
    }
  });

  it('neutralises bidi control characters in displayed text', () => {
    expect(displayText('Install \u202eexe.txt\u2066x\u2069')).toBe(
      'Install \ufffdexe.txt\ufffdx\ufffd'
    );
    expect(displayText(null)).toBe('');
  });
});

describe('one date format', () => {
  it("shows the next try in the page's format, whole, not the server's UTC words", () => {
    const next = '2026-12-01T07:19:40+00:00';
    const text = stateDetailText({
      state: 'failed',
      state_detail:
        'not delivered yet - retrying automatically; next try 2026-12-01 07:19 UTC',
      next_attempt_at: next
    });
    expect(text).toBe(
      `not delivered yet - retrying automatically; next try ${formatWhen(next)}`
    );
    expect(text).not.toContain('UTC');
  });
});
