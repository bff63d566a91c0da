import type { ISessionContext } from '@jupyterlab/apputils';
import type { Cell, ICodeCellModel } from '@jupyterlab/cells';
import {
  INotebookTracker,
  Notebook,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';
import type { Kernel } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';

import type { IDiagnoseInput, IFinding } from './api';
import {
  cellReport,
  diagnoseInput,
  hasKernelExtension,
  ICellReport
} from './cellReport';
import type { KernelSessions } from './drafts';
import { findingOutput, frontendPayload } from './finding';
import type { PageFacts } from './page';

/** What the watcher needs from the page. */
export interface IWatcherServices {
  tracker: INotebookTracker;
  page: PageFacts;
  sessions: KernelSessions;
  diagnose(input: IDiagnoseInput): Promise<IFinding[]>;
  trans: TranslationBundle;
}

/**
 * Any kernel gets the card: for a kernel without the kernel extension (see
 * {@link hasKernelExtension}), a cell that finished with an error output or stderr text is
 * sent to `POST diagnose` with the kernel's language, and each new finding is added to the
 * cell's outputs as `display_data` of the finding MIME type (saved with the notebook; the
 * card renderer shows it). Once per fingerprint per kernel session, as the kernel extension
 * does; a finding whose card was neither sent nor dismissed is shown again when its cell
 * is run again, with its draft. A cell without error or stderr costs nothing: no request.
 */
export class KernelWatcher {
  constructor(private _services: IWatcherServices) {
    NotebookActions.executed.connect(this._onExecuted, this);
    _services.tracker.widgetAdded.connect((_, panel) => this._watch(panel));
    _services.tracker.forEach(panel => this._watch(panel));
  }

  /** Off: no cell is read, no request made (the `watchOtherKernels` setting). */
  enabled = true;

  dispose(): void {
    NotebookActions.executed.disconnect(this._onExecuted, this);
    Signal.clearData(this);
  }

  /** A restarted kernel is a new session: its findings may be shown again. */
  private _watch(panel: NotebookPanel): void {
    panel.sessionContext.statusChanged.connect(this._onStatus, this);
  }

  private _onStatus(context: ISessionContext, status: Kernel.Status): void {
    const kernel = context.session?.kernel;
    if (kernel && (status === 'restarting' || status === 'autorestarting')) {
      this._services.sessions.reset(kernel.id);
    }
  }

  private _onExecuted(
    _: unknown,
    args: { notebook: Notebook; cell: Cell; success: boolean }
  ): void {
    const { notebook, cell } = args;
    if (!this.enabled || cell.model.type !== 'code') {
      return;
    }
    const model = cell.model as ICodeCellModel;
    const report = cellReport(model.outputs.toJSON());
    if (report === null) {
      return; // nothing failed: no request
    }
    const panel = this._services.tracker.find(p => p.content === notebook);
    if (panel) {
      this._diagnose(panel, model, report).catch(reason =>
        console.warn('jupyter-itbridge: could not diagnose the cell', reason)
      );
    }
  }

  private async _diagnose(
    panel: NotebookPanel,
    cell: ICodeCellModel,
    report: ICellReport
  ): Promise<void> {
    const kernel = panel.sessionContext.session?.kernel;
    if (!kernel) {
      return;
    }
    const info = await kernel.info;
    if (hasKernelExtension(info)) {
      return; // the kernel extension shows its own card
    }
    const run = cell.executionCount;
    const { sessions, trans } = this._services;
    const findings = await this._services.diagnose(
      diagnoseInput(report, info.language_info?.name)
    );
    const fresh = findings.filter(
      f =>
        f.confidence !== 'low' &&
        !report.cards.includes(f.fingerprint) &&
        !sessions.isClosed(kernel.id, f.fingerprint)
    );
    if (fresh.length === 0) {
      return;
    }
    const environment = await this._services.page.kernelEnvironment(panel);
    // the cell ran again (or was deleted) meanwhile: these findings belong to an old run
    if (cell.isDisposed || cell.executionCount !== run) {
      return;
    }
    for (const finding of fresh) {
      const entry = sessions.entry(kernel.id, finding.fingerprint);
      const payload = frontendPayload(finding, {
        environment,
        notebookPath: panel.context.path,
        uuid: entry.uuid,
        trans
      });
      cell.outputs.add(findingOutput(payload, trans));
    }
  }
}
