import { JupyterFrontEnd } from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { IIncident } from './api';
import { kernelFacts } from './cellReport';

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
    return this.environmentOf(this._tracker?.currentWidget ?? null);
  }

  /**
   * The environment of one notebook's request, with the kernel's facts from its kernel info
   * (kernel and version, language and version, R's version line): no code runs in the
   * user's kernel to collect them.
   */
  async kernelEnvironment(nb: NotebookPanel): Promise<Record<string, string>> {
    const out = this.environmentOf(nb);
    const kernel = nb.sessionContext.session?.kernel;
    if (kernel) {
      try {
        const info = await kernel.info;
        Object.assign(
          out,
          kernelFacts(info, nb.sessionContext.kernelDisplayName)
        );
      } catch {
        // no kernel info (the kernel went away): the request still names the kernel
      }
    }
    return out;
  }

  /** The page's and the notebook's facts (no kernel message). */
  environmentOf(nb: NotebookPanel | null): Record<string, string> {
    const out: Record<string, string> = {
      frontend: `${this._app.name} ${this._app.version}`
    };
    if (nb) {
      out.notebook = nb.context.path;
      const session = nb.sessionContext;
      const kernel = session.session?.kernel;
      if (kernel) {
        out.kernel = session.kernelDisplayName || kernel.name;
        out.kernel_name = kernel.name;
      }
      const info = nb.model?.metadata?.language_info as
        { name?: string; version?: string } | undefined;
      if (info?.name) {
        out.kernel_language = [info.name, info.version]
          .filter(Boolean)
          .join(' ');
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
