import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IIncident, IRequestInput } from './api';
import { FindingKind, Urgency, URGENCIES } from './contract';
import {
  formatBytes,
  isMemoryIncident,
  isPressure,
  memoryFacts,
  notebookName,
  urgencyLabels
} from './format';

/** What a request dialog starts with; the user edits summary/details and adds the reason. */
export interface IRequestPrefill {
  title: string;
  summary: string;
  description: string;
  justificationHint: string;
  environment: Record<string, string>;
  kind?: FindingKind;
  subject?: string;
  fingerprint?: string | null;
  finding?: Record<string, any> | null;
  notebookPath?: string | null;
  justification?: string;
  urgency?: Urgency;
  error?: string;
  /** The incident the request answers (sent as `incident_id`; the server links them). */
  incidentId?: number | null;
}

let counter = 0;

/**
 * The body of the request dialog: labelled fields, and the environment that will be
 * attached shown as text. Send stays disabled until a justification is given.
 */
class RequestForm extends Widget {
  constructor(
    readonly prefill: IRequestPrefill,
    private _trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-ITBridge-form');
    const id = `jp-ITBridge-form-${++counter}`;
    this.summary = this._field(
      `${id}-summary`,
      _trans.__('Summary'),
      document.createElement('input')
    );
    this.summary.value = prefill.summary;
    this.description = this._field(
      `${id}-description`,
      _trans.__('Details'),
      document.createElement('textarea')
    );
    this.description.value = prefill.description;
    this.description.rows = 4;
    this.justification = this._field(
      `${id}-justification`,
      _trans.__('Justification (required)'),
      document.createElement('textarea')
    );
    this.justification.placeholder = prefill.justificationHint;
    this.justification.value = prefill.justification ?? '';
    this.justification.required = true;
    this.justification.rows = 4;
    this.urgency = this._field(
      `${id}-urgency`,
      _trans.__('Urgency'),
      document.createElement('select')
    );
    const labels = urgencyLabels(_trans);
    for (const value of URGENCIES) {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = labels[value];
      this.urgency.append(option);
    }
    this.urgency.value = prefill.urgency ?? 'normal';

    if (prefill.error) {
      const error = document.createElement('p');
      error.className = 'jp-ITBridge-form-error';
      error.setAttribute('role', 'alert');
      error.textContent = prefill.error;
      this.node.append(error);
    }

    const env = document.createElement('details');
    env.className = 'jp-ITBridge-form-env';
    const envSummary = document.createElement('summary');
    envSummary.textContent = _trans.__('Environment attached to the request');
    const envText = document.createElement('pre');
    envText.textContent = Object.entries(prefill.environment)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n');
    env.append(envSummary, envText);
    this.node.append(env);

    this.justification.addEventListener('input', () => this._updateAccept());
  }

  /** The request to POST, built from what the user sees in the form. */
  getValue(): IRequestInput {
    return {
      summary: this.summary.value.trim(),
      description: this.description.value,
      justification: this.justification.value.trim(),
      urgency: this.urgency.value as Urgency,
      kind: this.prefill.kind ?? null,
      subject: this.prefill.subject ?? null,
      environment: this.prefill.environment,
      notebook_path: this.prefill.notebookPath ?? null,
      fingerprint: this.prefill.fingerprint ?? null,
      finding: this.prefill.finding ?? null,
      incident_id: this.prefill.incidentId ?? null
    };
  }

  protected onAfterAttach(): void {
    this._updateAccept();
    this.justification.focus();
  }

  private _updateAccept(): void {
    const accept = this.node
      .closest('.jp-Dialog-content')
      ?.querySelector<HTMLButtonElement>('.jp-mod-accept');
    if (accept) {
      const ok =
        this.justification.value.trim().length > 0 &&
        this.summary.value.trim().length > 0;
      accept.disabled = !ok;
      accept.title = ok
        ? ''
        : this._trans.__('Fill in the justification: IT needs it to act.');
    }
  }

  private _field<T extends HTMLElement>(
    id: string,
    label: string,
    input: T
  ): T {
    const row = document.createElement('div');
    row.className = 'jp-ITBridge-form-row';
    const labelNode = document.createElement('label');
    labelNode.htmlFor = id;
    labelNode.textContent = label;
    input.id = id;
    input.classList.add('jp-mod-styled');
    input.addEventListener('input', () => this._updateAccept());
    row.append(labelNode, input);
    this.node.append(row);
    return input;
  }

  readonly summary: HTMLInputElement;
  readonly description: HTMLTextAreaElement;
  readonly justification: HTMLTextAreaElement;
  readonly urgency: HTMLSelectElement;
}

/**
 * Show the request dialog and file what the user sends with ``submit``; resolves to what
 * ``submit`` returned, or null when cancelled. The dialog comes back, with everything typed
 * and the reason, when a field is missing or filing failed: nothing typed is lost. (The
 * server computes the dedupe fingerprint from kind and subject when none is given.)
 */
export async function askForRequest<T>(
  prefill: IRequestPrefill,
  trans: TranslationBundle,
  submit: (input: IRequestInput) => Promise<T>
): Promise<T | null> {
  let current = prefill;
  const again = (value: IRequestInput, error: string) => ({
    ...current,
    summary: value.summary ?? '',
    description: value.description ?? '',
    justification: value.justification ?? '',
    urgency: value.urgency,
    error
  });
  for (;;) {
    const form = new RequestForm(current, trans);
    const result = await showDialog<IRequestInput>({
      title: current.title,
      body: form,
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.okButton({ label: trans.__('Send to IT') })
      ],
      focusNodeSelector: 'textarea[required]'
    });
    if (!result.button.accept || !result.value) {
      return null;
    }
    const value = result.value;
    if (!value.summary || !value.justification) {
      // Enter in a field accepts the dialog: ask again, keeping everything typed.
      current = again(
        value,
        trans.__(
          'Please give a summary and a justification: IT needs them to act.'
        )
      );
      continue;
    }
    try {
      return await submit(value);
    } catch (error) {
      current = again(
        value,
        trans.__('The request was not filed: %1', (error as Error).message)
      );
    }
  }
}

/**
 * The request offered by an incident toast. The server's watcher already drafted it
 * (``details.request_draft``: limit, peak, notebook, evidence); without one, it is built here.
 */
export function incidentPrefill(
  incident: IIncident,
  pageEnvironment: Record<string, string>,
  currentNotebook: string | null,
  trans: TranslationBundle
): IRequestPrefill {
  const { limit, peak, oom } = memoryFacts(incident);
  const memory = isMemoryIncident(incident);
  const environment: Record<string, string> = { ...pageEnvironment };
  const name = notebookName(incident.notebook_path);
  const draft = incident.details?.request_draft;
  if (limit !== null) {
    environment.memory_limit = formatBytes(limit);
  }
  if (peak !== null) {
    environment.memory_peak = formatBytes(peak);
  }
  if (incident.notebook_path) {
    environment.notebook = incident.notebook_path;
  }
  environment.incident = `#${incident.id} ${incident.kind} ${incident.created_at}`;
  const title = memory
    ? name
      ? trans.__('Request more memory for %1', name)
      : trans.__('Request more memory')
    : trans.__('Ask IT about the stopped kernel');
  const justificationHint = trans.__(
    'Required. What was the notebook doing (dataset size, operation), and how much memory do you think it needs?'
  );
  const notebookPath = incident.notebook_path ?? currentNotebook;
  if (draft && typeof draft === 'object' && typeof draft.summary === 'string') {
    for (const [key, value] of Object.entries(draft.environment ?? {})) {
      if (typeof value === 'string' && !(key in environment)) {
        environment[key] = value;
      }
    }
    return {
      title,
      summary: draft.summary,
      description:
        typeof draft.description === 'string' ? draft.description : '',
      justificationHint,
      environment,
      kind: draft.kind ?? undefined,
      subject: draft.subject ?? undefined,
      fingerprint: draft.fingerprint ?? null,
      finding: draft.finding ?? null,
      notebookPath: draft.notebook_path ?? notebookPath,
      incidentId: incident.id
    };
  }
  const lines: string[] = [];
  if (isPressure(incident)) {
    lines.push(trans.__('My notebook kernel is close to its memory limit.'));
  } else {
    lines.push(
      oom
        ? trans.__(
            'My notebook kernel was stopped because it ran out of memory.'
          )
        : trans.__('My notebook kernel was stopped unexpectedly.')
    );
  }
  if (limit !== null) {
    lines.push(trans.__('Memory limit: %1', formatBytes(limit)));
  }
  if (peak !== null) {
    lines.push(trans.__('Peak memory use: %1', formatBytes(peak)));
  }
  if (incident.notebook_path) {
    lines.push(trans.__('Notebook: %1', incident.notebook_path));
  }
  lines.push(trans.__('Incident #%1 at %2', incident.id, incident.created_at));
  return {
    title,
    summary:
      limit !== null
        ? trans.__(
            'More memory for my notebook kernel (limit %1)',
            formatBytes(limit)
          )
        : trans.__('More memory for my notebook kernel'),
    description: lines.join('\n'),
    justificationHint,
    environment,
    kind: memory ? 'resource_limit' : 'kernel_died',
    subject: memory ? 'memory' : 'kernel',
    notebookPath,
    incidentId: incident.id
  };
}
