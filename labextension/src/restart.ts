import type { JupyterFrontEnd } from '@jupyterlab/application';

/** The restart command of the notebook in focus (JupyterLab and Notebook 7). */
const RESTART_COMMANDS = ['notebook:restart-kernel', 'kernelmenu:restart'];

/**
 * Restart the current notebook's kernel, after the command's own confirmation dialog: the
 * notification's and the cards' "Restart kernel" (after IT installed something).
 */
export function restartCurrentKernel(
  commands: JupyterFrontEnd['commands']
): void {
  const id = RESTART_COMMANDS.find(c => commands.hasCommand(c));
  if (id) {
    void commands.execute(id);
  }
}
