import { nullTranslator } from '@jupyterlab/translation';

import { IFinding } from '../api';
import { MIME_TYPE } from '../contract';
import {
  draftFields,
  findingOutput,
  frontendPayload,
  readPayload,
  requestInput,
  selfServiceOf,
  withState
} from '../finding';

const trans = nullTranslator.load('jupyter_itbridge');

const TITLE = "The R package 'arrow' is not installed here.";

const FINDING: IFinding = {
  kind: 'missing_package',
  subject: 'cran:arrow',
  title: TITLE,
  explanation: 'library(arrow) found no package called arrow.',
  confidence: 'high',
  self_service: {
    command: 'install.packages("arrow", repos = "https://cran.corp/")',
    text: 'Install it yourself:'
  },
  fingerprint: 'fp-arrow'
};

/** The payload the kernel's card writes (kernel/card_state.py `CardState.payload`). */
const KERNEL_PAYLOAD = {
  version: 1,
  finding: { ...FINDING, kind: 'blocked_package', subject: 'openai' },
  self_service: null,
  draft: {
    summary: "The package 'openai' is blocked by your organisation's policy.",
    description: 'Where: notebook analysis.ipynb',
    justification: 'typed in the widget',
    urgency: 'high',
    kind: 'blocked_package',
    subject: 'openai',
    fingerprint: 'fp-openai',
    finding: null,
    environment: { python: 'CPython 3.11.2', 'limit memory_limit': 4 },
    notebook_path: 'analysis.ipynb'
  },
  preview: 'the kernel preview',
  request_uuid: 'b5e6c2d4-kernel',
  justification_hint: 'Required. What do you need this package for?',
  state: {
    status: 'filed',
    message: '',
    request: { id: 7, uuid: 'b5e6c2d4-kernel', state: 'queued' },
    saved_path: null
  }
};

describe('readPayload', () => {
  it('reads the kernel card payload as the kernel writes it', () => {
    const payload = readPayload(KERNEL_PAYLOAD)!;
    expect(payload.origin).toBe('kernel');
    expect(payload.draft.justification).toBe('typed in the widget');
    expect(payload.draft.urgency).toBe('high');
    expect(payload.draft.environment['limit memory_limit']).toBe('4');
    expect(payload.state.status).toBe('filed');
    expect(payload.state.request?.id).toBe(7);
    expect(payload.self_service).toEqual({
      text: 'Install it yourself:',
      command: 'install.packages("arrow", repos = "https://cran.corp/")'
    });
  });

  it('refuses what is not a finding payload, and repairs unknown values', () => {
    expect(readPayload(null)).toBeNull();
    expect(readPayload('text')).toBeNull();
    expect(readPayload([1])).toBeNull();
    expect(readPayload({ draft: { summary: 'x' } })).toBeNull(); // no request uuid
    const odd = readPayload({
      request_uuid: 'u-12345678',
      draft: { summary: 'x', urgency: 'asap' },
      state: { status: 'exploded', request: { id: 'seven' } }
    })!;
    expect(odd.draft.urgency).toBe('normal');
    expect(odd.state.status).toBe('draft');
    expect(odd.state.request).toBeNull();
  });
});

describe('selfServiceOf', () => {
  it('takes a command and words, or an admin signature text', () => {
    expect(selfServiceOf(FINDING)?.command).toContain('install.packages');
    expect(
      selfServiceOf({ ...FINDING, self_service: 'Run module load oracle' })
    ).toEqual({ text: 'Run module load oracle', command: '' });
    expect(selfServiceOf({ ...FINDING, self_service: null })).toBeNull();
    expect(selfServiceOf(null)).toBeNull();
  });
});

describe('frontendPayload', () => {
  const payload = frontendPayload(FINDING, {
    environment: { kernel: 'R (IRkernel 1.3.2)', R: 'R version 4.2.2' },
    notebookPath: 'models/churn.ipynb',
    uuid: 'uuid-frontend-1',
    trans
  });

  it('has the kernel payload shape, so one card and nbconvert read both', () => {
    expect(Object.keys(payload).sort()).toEqual(
      Object.keys({ ...KERNEL_PAYLOAD, origin: 1 }).sort()
    );
    expect(readPayload(JSON.parse(JSON.stringify(payload)))).toEqual(payload);
    // without the server's prefill (an older server) the title is the fallback
    expect(payload.draft.summary).toBe(FINDING.title);
    // the explanation is shown on the card and carried by the body, not copied into Details
    expect(payload.draft.description).toBe(
      'Where: notebook models/churn.ipynb'
    );
    expect(payload.draft.environment.R).toBe('R version 4.2.2');
    expect(payload.justification_hint).toContain('What is the package for');
    expect(payload.origin).toBe('frontend');
  });

  it("prefills the server's request summary, not the title the headline shows", () => {
    const fromServer = frontendPayload(
      { ...FINDING, request_summary: "Install the R package 'arrow'" },
      { environment: {}, notebookPath: null, uuid: 'uuid-frontend-2', trans }
    );
    expect(fromServer.draft.summary).toBe("Install the R package 'arrow'");
    expect(fromServer.draft.summary).not.toBe(fromServer.finding?.title);
    // the stored finding keeps the kernel's shape (the prefill is not part of it)
    expect(fromServer.finding).toEqual(FINDING);
    expect(fromServer.draft.finding).toEqual(FINDING);
    // the text fallback's headline is the title, as the kernel's is
    expect(findingOutput(fromServer, trans).data['text/plain']).toContain(
      `[IT bridge] ${TITLE}`
    );
  });

  it('files with its uuid and the fields as typed', () => {
    const input = requestInput(payload, {
      ...draftFields(payload),
      justification: '  Parquet files from the lake.  '
    });
    expect(input.uuid).toBe('uuid-frontend-1');
    expect(input.justification).toBe('Parquet files from the lake.');
    expect(input.fingerprint).toBe('fp-arrow');
    expect(input.kind).toBe('missing_package');
    expect(input.finding).toEqual(FINDING);
  });

  it('is a display_data output with a text fallback', () => {
    const output = findingOutput(payload, trans);
    expect(output.output_type).toBe('display_data');
    expect(output.data[MIME_TYPE]).toBe(payload);
    expect(output.data['text/plain']).toContain(
      "[IT bridge] The R package 'arrow' is not installed here."
    );
    expect(output.data['text/plain']).toContain('install.packages');
  });

  it('writes the sent state into the output data, dropping the stale HTML', () => {
    const data = {
      [MIME_TYPE]: payload,
      'text/plain': 'old',
      'text/html': '<b>old</b>',
      'application/vnd.jupyter.widget-view+json': { model_id: 'm1' }
    };
    const fields = { ...draftFields(payload), justification: 'sent text' };
    const next = withState(
      data,
      payload,
      {
        status: 'filed',
        message: '',
        request: { id: 12, uuid: 'uuid-frontend-1' },
        saved_path: null
      },
      fields,
      trans
    );
    expect(next['text/html']).toBeUndefined();
    expect(next['application/vnd.jupyter.widget-view+json']).toEqual({
      model_id: 'm1'
    });
    const saved = readPayload(next[MIME_TYPE])!;
    expect(saved.state.request?.id).toBe(12);
    expect(saved.draft.justification).toBe('sent text');
    expect(next['text/plain']).toContain('Request #12 filed.');
    expect(data['text/html']).toBe('<b>old</b>'); // the input is not changed
  });
});
