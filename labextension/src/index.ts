import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { cardPlugin } from './plugins/card';
import { cardPagePlugin } from './plugins/cardPage';
import { commandsPlugin } from './plugins/commands';
import { copyPlugin } from './plugins/copy';
import { modelPlugin } from './plugins/model';
import { notificationsPlugin } from './plugins/notifications';
import { panelPlugin } from './plugins/panel';
import { watcherPlugin } from './plugins/watcher';

export { IFindingCards, IITBridge } from './token';
export type { IRequestPrefill } from './dialogs';

/**
 * jupyter-itbridge: one plugin provides the model (`IITBridge`), small ones add the side
 * panel, the notifications, the "Request help from IT…" command, "Copy as text", the finding
 * card (a MIME renderer), the kernel card's dates and "Restart kernel", and the watcher that
 * gives kernels without the kernel extension their cards.
 */
const plugins: JupyterFrontEndPlugin<any>[] = [
  modelPlugin,
  panelPlugin,
  notificationsPlugin,
  commandsPlugin,
  copyPlugin,
  cardPlugin,
  cardPagePlugin,
  watcherPlugin
];

export default plugins;
