import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { commandsPlugin } from './plugins/commands';
import { copyPlugin } from './plugins/copy';
import { modelPlugin } from './plugins/model';
import { notificationsPlugin } from './plugins/notifications';
import { panelPlugin } from './plugins/panel';

export { IITBridge } from './token';
export type { IRequestPrefill } from './dialogs';

/**
 * jupyter-itbridge: one plugin provides the model (`IITBridge`), small ones add the side
 * panel, the notifications, the "Request help from IT…" command and "Copy as text".
 */
const plugins: JupyterFrontEndPlugin<any>[] = [
  modelPlugin,
  panelPlugin,
  notificationsPlugin,
  commandsPlugin,
  copyPlugin
];

export default plugins;
