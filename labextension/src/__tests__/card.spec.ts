import { MimeModel } from '@jupyterlab/rendermime';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IFinding, IRequestInput } from '../api';
import { FindingCard, ICardServices } from '../card';
import { MIME_TYPE } from '../contract';
import { CardDrafts, KernelSessions } from '../drafts';
import { frontendPayload, IFindingPayload, readPayload } from '../finding';
import { formatDay } from '../format';
import { RequestsModel } from '../model';
import { FakeServer } from './fakeServer';

const trans = nullTranslator.load('jupyter_itbridge');

const TITLE = '<img src=x onerror="window.pwned=1">arrow is missing';

const FINDING: IFinding = {
  kind: 'missing_package',
  subject: 'cran:arrow',
  title: TITLE,
  explanation: 'library(arrow) found no package called arrow.',
  confidence: 'high',
  fingerprint: 'fp-arrow'
};

const tick = () => new Promise(resolve => setTimeout(resolve, 0));

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) {
      throw new Error('condition not met in time');
    }
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

function setup(server = new FakeServer()) {
  const model = new RequestsModel(server, { refreshInterval: 3600 });
  const drafts = new CardDrafts();
  const sessions = new KernelSessions();
  const shown: number[] = [];
  const services: ICardServices = {
    model,
    preview: input => server.preview(input),
    packageFacts: name => server.packageFacts(name),
    submitRequest: async (input: IRequestInput) => {
      const request = await server.file(input);
      model.upsert(request);
      return request;
    },
    showRequest: id => shown.push(id),
    drafts,
    sessions,
    trans
  };
  const payload = frontendPayload(FINDING, {
    environment: { kernel: 'R (IRkernel 1.3.2)' },
    notebookPath: 'r.ipynb',
    uuid: 'uuid-card-0001',
    trans
  });
  const data: Record<string, any> = {
    [MIME_TYPE]: payload,
    'text/plain': 'fallback'
  };
  const mime = new MimeModel({ data, trusted: true });
  return { server, model, drafts, sessions, services, payload, mime, shown };
}

function mount(
  s: ReturnType<typeof setup>,
  payload: IFindingPayload = s.payload
): FindingCard {
  const card = new FindingCard(s.services, null, s.mime, payload);
  Widget.attach(card, document.body);
  return card;
}

const q = <T extends Element>(card: Widget, selector: string) =>
  card.node.querySelector(selector) as T;

/** Type a justification as a user does (the card listens to `input`). */
function typeJustification(card: Widget, text: string): void {
  const field = q<HTMLTextAreaElement>(
    card,
    '.jp-ITBridge-justification textarea'
  );
  field.value = text;
  field.dispatchEvent(new Event('input'));
}

describe('FindingCard', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('heads with the title and prefills the request summary: each once', () => {
    const s = setup();
    const payload = frontendPayload(
      { ...FINDING, request_summary: "Install the R package 'arrow'" },
      {
        environment: {},
        notebookPath: 'r.ipynb',
        uuid: 'uuid-card-0002',
        trans
      }
    );
    const card = mount(s, payload);
    expect(q(card, '.jp-ITBridge-title').textContent).toBe(FINDING.title);
    expect(q<HTMLInputElement>(card, '.jp-ITBridge-summary input').value).toBe(
      "Install the R package 'arrow'"
    );
    expect(
      q<HTMLTextAreaElement>(card, '.jp-ITBridge-description textarea').value
    ).toBe('Where: notebook r.ipynb');
  });

  it('shows the finding as text, with the fields prefilled', async () => {
    const s = setup();
    const card = mount(s);
    expect(q(card, '.jp-ITBridge-title').textContent).toBe(FINDING.title);
    expect(card.node.querySelector('img')).toBeNull();
    expect((window as any).pwned).toBeUndefined();
    expect(q<HTMLInputElement>(card, '.jp-ITBridge-summary input').value).toBe(
      FINDING.title
    );
    expect(
      q<HTMLTextAreaElement>(card, '.jp-ITBridge-justification textarea')
        .placeholder
    ).toContain('What is the package for');
    // "What will be sent" comes from the server, with the card's uuid
    await until(() => s.server.previewed.length === 1);
    await tick();
    expect(s.server.previewed[0].uuid).toBe('uuid-card-0001');
    expect(q(card, '.jp-ITBridge-preview-body pre').textContent).toContain(
      'itbridge-request-id: uuid-card-0001'
    );
    // a package finding asks for the package facts (404 here: nothing shown)
    expect(s.server.calls.packageFacts).toBe(1);
    expect(q(card, '.jp-ITBridge-facts').textContent).toBe('');
    card.dispose();
  });

  it('with a self-service fix, Send shows only once the request is opened', async () => {
    const s = setup();
    const payload = {
      ...s.payload,
      self_service: {
        text: 'Install it yourself:',
        command: '%pip install arrow'
      }
    };
    const card = mount(s, payload);
    const send = q<HTMLButtonElement>(card, '.jp-ITBridge-send');
    const ask = q<HTMLDetailsElement>(card, 'details.jp-ITBridge-ask');
    expect(ask.open).toBe(false);
    expect(send.hidden).toBe(true);
    expect(send.classList.contains('jp-mod-accept')).toBe(false);
    ask.open = true;
    ask.dispatchEvent(new Event('toggle'));
    expect(send.hidden).toBe(false);
    expect(send.classList.contains('jp-mod-accept')).toBe(true);
  });

  it('shows the package facts line and the policy note when the server has them', async () => {
    const s = setup();
    s.server.facts['cran:arrow'] = {
      name: 'arrow',
      available: true,
      line: 'Licence Apache-2.0 · latest 15.0.1',
      facts: {},
      policy: { rule: 'review', message: 'This licence needs legal review.' }
    };
    const card = mount(s);
    await until(() => q(card, '.jp-ITBridge-facts').textContent !== '');
    expect(q(card, '.jp-ITBridge-facts').textContent).toBe(
      'Licence Apache-2.0 · latest 15.0.1'
    );
    expect(q(card, '.jp-ITBridge-notice').textContent).toBe(
      'This licence needs legal review.'
    );
    // the answer is kept for the page: a second card of that package asks nothing
    const again = mount(s);
    await tick();
    expect(s.server.calls.packageFacts).toBe(1);
    card.dispose();
    again.dispose();
  });

  it('keeps typed text as the draft and refuses to send without a justification', async () => {
    const s = setup();
    const card = mount(s);
    const justification = q<HTMLTextAreaElement>(
      card,
      '.jp-ITBridge-justification textarea'
    );
    q<HTMLButtonElement>(card, 'button.jp-ITBridge-send').click();
    await tick();
    expect(q(card, '.jp-ITBridge-status').textContent).toContain(
      'Please fill in the justification'
    );
    expect(s.server.filed).toHaveLength(0);
    justification.value = 'Parquet files from the lake';
    justification.dispatchEvent(new Event('input'));
    expect(s.drafts.get('fp-arrow')?.justification).toBe(
      'Parquet files from the lake'
    );
    card.dispose();
    // the same finding rendered again (the cell ran again): the draft is back
    const again = mount(s);
    expect(
      q<HTMLTextAreaElement>(again, '.jp-ITBridge-justification textarea').value
    ).toBe('Parquet files from the lake');
    again.dispose();
  });

  it('files once with its uuid, writes the request into the output, shows its state live', async () => {
    const s = setup();
    const card = mount(s);
    typeJustification(card, 'Parquet files from the lake');
    const send = q<HTMLButtonElement>(card, 'button.jp-ITBridge-send');
    send.click();
    send.click(); // a double click files once
    await until(() => s.server.filed.length >= 1 && send.hidden);
    expect(s.server.filed).toHaveLength(1);
    expect(s.server.filed[0].uuid).toBe('uuid-card-0001');
    expect(s.server.filed[0].justification).toBe('Parquet files from the lake');
    const status = q<HTMLElement>(card, '.jp-ITBridge-status');
    expect(status.textContent).toBe('Request #1 filed - state: queued.');
    expect(status.dataset.requestId).toBe('1');
    // the output remembers it (saved with the notebook), the draft is done with
    const saved = readPayload(s.mime.data[MIME_TYPE])!;
    expect(saved.state.status).toBe('filed');
    expect(saved.state.request?.id).toBe(1);
    expect(saved.draft.justification).toBe('Parquet files from the lake');
    expect(s.drafts.get('fp-arrow')).toBeUndefined();
    // live state: the model reads "sent" after the server delivered it
    s.server.setState(1, 'sent');
    await s.model.refresh();
    expect(status.dataset.state).toBe('sent');
    expect(status.textContent).toContain('state: sent');
    q<HTMLButtonElement>(card, 'button.jp-ITBridge-showRequest').click();
    expect(s.shown).toEqual([1]);
    // IT resolved the install: the card offers the restart (cardPage.ts restarts its kernel)
    const restart = q<HTMLButtonElement>(card, 'button.jp-ITBridge-restart');
    expect(restart.hidden).toBe(true);
    s.server.setState(1, 'resolved');
    await s.model.refresh();
    expect(status.textContent).toContain('restart the kernel to use it');
    expect(restart.hidden).toBe(false);
    expect(restart.textContent).toBe('Restart kernel');
    card.dispose();
  });

  it('says "Already requested on" with the date in the page format', async () => {
    const s = setup();
    const open = s.server.addRequest('arrow', 'sent', {
      fingerprint: 'fp-arrow',
      uuid: 'other'
    });
    const card = mount(s);
    typeJustification(card, 'Parquet files');
    q<HTMLButtonElement>(card, 'button.jp-ITBridge-send').click();
    const status = q<HTMLElement>(card, '.jp-ITBridge-status');
    await until(() => (status.textContent ?? '').startsWith('Already'));
    expect(status.textContent).toBe(
      `Already requested on ${formatDay(open.created_at)} (#1); your note was added to it.`
    );
    expect(status.textContent).not.toContain(open.created_at.slice(0, 10));
    card.dispose();
  });

  it('a saved card already sent shows its request, not a second Send', async () => {
    const s = setup();
    s.server.addRequest('arrow', 'acknowledged', {
      uuid: 'uuid-card-0001',
      ticket_url: 'javascript:alert(1)',
      draft: {
        summary: 'arrow for the lake',
        justification: 'as sent',
        urgency: 'high'
      }
    });
    await s.model.refresh();
    const card = mount(s);
    expect(q<HTMLButtonElement>(card, 'button.jp-ITBridge-send').hidden).toBe(
      true
    );
    // the fields show what IT received, not the draft the output saved
    expect(
      q<HTMLTextAreaElement>(card, '.jp-ITBridge-justification textarea').value
    ).toBe('as sent');
    expect(
      q<HTMLSelectElement>(card, '.jp-ITBridge-urgency select').value
    ).toBe('high');
    expect(q(card, '.jp-ITBridge-status').textContent).toContain('in progress');
    expect(card.node.querySelector('.jp-ITBridge-status a')).toBeNull(); // not http(s)
    card.dispose();
  });

  it('says when the same problem is already requested, and dismisses for good', async () => {
    const s = setup();
    s.server.addRequest('arrow', 'sent', {
      fingerprint: 'fp-arrow',
      uuid: 'other'
    });
    await s.model.refresh();
    const card = mount(s);
    expect(q(card, '.jp-ITBridge-already').textContent).toContain(
      'You already asked IT for this: request #1 (sent)'
    );
    s.drafts.set('fp-arrow', {
      summary: 'x',
      description: '',
      justification: 'y',
      urgency: 'low'
    });
    q<HTMLButtonElement>(card, 'button.jp-ITBridge-dismiss').click();
    expect(readPayload(s.mime.data[MIME_TYPE])!.state.status).toBe('dismissed');
    expect(s.drafts.get('fp-arrow')).toBeUndefined();
    card.dispose();
  });
});
