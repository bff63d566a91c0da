import type { ISessionContext } from '@jupyterlab/apputils';
import type { Kernel } from '@jupyterlab/services';

/** The ipywidgets view MIME type (its renderer comes from @jupyter-widgets/jupyterlab-manager). */
export const WIDGET_VIEW_MIME = 'application/vnd.jupyter.widget-view+json';
/** The comm target of ipywidgets models (each model is one comm, with the model id). */
const WIDGET_COMM_TARGET = 'jupyter.widget';
/** How long to wait for the session and the kernel's answer before showing the card. */
export const WIDGET_CHECK_TIMEOUT_MS = 3000;
/** Cards rendered together (a notebook opening) share one comm_info answer this long. */
const COMM_INFO_TTL_MS = 2000;

/** The widget model id an output's data points to, or null (no widget view in it). */
export function widgetModelId(
  data: Readonly<Record<string, unknown>>
): string | null {
  const view = data[WIDGET_VIEW_MIME] as { model_id?: unknown } | undefined;
  return view && typeof view.model_id === 'string' && view.model_id
    ? view.model_id
    : null;
}

function timeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise<T>(resolve => {
    const timer = window.setTimeout(() => resolve(fallback), ms);
    promise.then(
      value => {
        window.clearTimeout(timer);
        resolve(value);
      },
      () => {
        window.clearTimeout(timer);
        resolve(fallback);
      }
    );
  });
}

const commInfo = new WeakMap<
  Kernel.IKernelConnection,
  { at: number; ids: Promise<Set<string>> }
>();

/** The ids of the kernel's open widget comms (one `comm_info_request`, shared briefly). */
function widgetComms(kernel: Kernel.IKernelConnection): Promise<Set<string>> {
  const cached = commInfo.get(kernel);
  if (cached && Date.now() - cached.at < COMM_INFO_TTL_MS) {
    return cached.ids;
  }
  const ids = kernel
    .requestCommInfo({ target_name: WIDGET_COMM_TARGET })
    .then(reply => {
      const content = reply.content;
      return new Set(content.status === 'ok' ? Object.keys(content.comms) : []);
    });
  commInfo.set(kernel, { at: Date.now(), ids });
  return ids;
}

/**
 * Can the ipywidgets view of this output still render? Only while the kernel that made the
 * widget runs: ipywidgets keeps each model as a comm whose id is the model id, so the
 * kernel's open comms say it, with no code run in the user's kernel (`comm_info_request` is
 * answered by the kernel itself, as the widget manager asks it when a page reloads).
 *
 * A card shown in this page has its comm registered on the kernel connection already (no
 * message at all); after a reload, or with no kernel, or a restarted one, the kernel is
 * asked once. When the session or the kernel does not answer in time (busy with a long
 * cell), the answer is "no": the card renders, which can always file the request.
 */
export async function widgetModelAlive(
  sessionContext: ISessionContext,
  modelId: string,
  ms: number = WIDGET_CHECK_TIMEOUT_MS
): Promise<boolean> {
  const kernel = sessionContext.session?.kernel;
  if (kernel?.hasComm(modelId)) {
    return true;
  }
  const started = Date.now();
  const ready = await timeout(
    sessionContext.ready.then(() => true),
    ms,
    false
  );
  const current = sessionContext.session?.kernel;
  if (!ready || !current || current.isDisposed) {
    return false;
  }
  if (current.hasComm(modelId)) {
    return true;
  }
  const left = Math.max(ms - (Date.now() - started), 0);
  const ids = await timeout(widgetComms(current), left, new Set<string>());
  return ids.has(modelId);
}
