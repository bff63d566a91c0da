import { JupyterFrontEnd } from '@jupyterlab/application';
import { INotebookTracker } from '@jupyterlab/notebook';

import { IIncident } from './api';

/** Facts about this page for prefilled requests and for routing incident toasts. */
export class PageFacts {
  constructor(
    private _app: JupyterFrontEnd,
    private _tracker: INotebookTracker | null
  ) {}

  notebookPath(): string | null {
    return this._tracker?.currentWidget?.context.path ?? null;
  }

  /** The environment attached to a free-form request (shown to the user before sending). */
  environment(): Record<string, string> {
    const out: Record<string, string> = {
      frontend: `${this._app.name} ${this._app.version}`
    };
    const nb = this._tracker?.currentWidget;
    if (nb) {
      out.notebook = nb.context.path;
      const session = nb.sessionContext;
      const kernel = session.session?.kernel;
      if (kernel) {
        out.kernel = session.kernelDisplayName || kernel.name;
        out.kernel_name = kernel.name;
      }
      const language = (nb.model?.metadata?.language_info as any)?.name;
      if (language) {
        out.kernel_language = String(language);
      }
    }
    return out;
  }

  /**
   * JupyterLab shows every incident; a Notebook 7 page (one notebook per page) shows only
   * its own notebook's, so the user is told where it happened and not on every tab.
   */
  concernsThisPage(incident: IIncident): boolean {
    if (!/notebook/i.test(this._app.name)) {
      return true;
    }
    if (!incident.notebook_path && !incident.kernel_id) {
      return true;
    }
    let match = false;
    this._tracker?.forEach(panel => {
      if (
        panel.context.path === incident.notebook_path ||
        panel.sessionContext.session?.kernel?.id === incident.kernel_id
      ) {
        match = true;
      }
    });
    return match;
  }
}
