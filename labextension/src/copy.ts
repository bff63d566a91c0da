import { Clipboard } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

/** The card's "Copy as text" button (an ipywidgets Button with this class). */
const COPY_BUTTON = '.jp-ITBridge-card .jp-ITBridge-copy';
/** The "What will be sent" preview the kernel keeps up to date (`<pre>` in an HTML widget). */
const PREVIEW_TEXT = '.jp-ITBridge-preview-body pre';
/** The box the kernel fills (and reveals) when Copy is clicked. */
const KERNEL_TEXT = '.jp-ITBridge-copytext textarea';
/** How long after a click a late preview update is still copied. */
const KERNEL_WAIT_MS = 5000;
/** A changed preview is copied once it has not changed for this long. */
const SETTLE_MS = 300;
const FEEDBACK_MS = 2500;

/** The request text a card shows in its preview, or null when it has none. */
function previewText(card: Element): string | null {
  const pre = card.querySelector(PREVIEW_TEXT);
  if (pre?.textContent) {
    return pre.textContent;
  }
  const kernel = card.querySelector<HTMLTextAreaElement>(KERNEL_TEXT);
  return kernel?.value || null;
}

/** The async Clipboard API, else JupyterLab's `execCommand('copy')` helper. */
async function writeClipboard(text: string): Promise<void> {
  try {
    if (!navigator.clipboard?.writeText) {
      throw new Error('no async clipboard');
    }
    await navigator.clipboard.writeText(text);
  } catch {
    Clipboard.copyToSystem(text); // not a secure context, or the permission was refused
  }
}

/**
 * "Copy as text" on a request card copies the text to the clipboard.
 *
 * The card lives in the kernel (ipywidgets): its button can only reveal the text, because a
 * kernel cannot reach the browser's clipboard. So the page listens to clicks on any card's
 * Copy button (delegated on the document, so re-rendered cards and new outputs need nothing)
 * and copies the preview at once, inside the click (browsers require a user gesture); a
 * preview that catches up with a late edit is copied again. Returns the disposer.
 */
export function installCopyHandler(trans: TranslationBundle): () => void {
  const onClick = (event: MouseEvent) => {
    const target = event.target as Element | null;
    const button = target?.closest?.(COPY_BUTTON);
    const card = button?.closest('.jp-ITBridge-card');
    if (!button || !card) {
      return;
    }
    const text = previewText(card);
    if (text === null) {
      return; // nothing to copy yet: the kernel still reveals the text by itself
    }
    writeClipboard(text)
      .then(() => {
        feedback(button, trans.__('Copied'));
        follow(card, text);
      })
      .catch(() => feedback(button, trans.__('Copy failed: select the text')));
  };
  document.addEventListener('click', onClick, true);
  return () => document.removeEventListener('click', onClick, true);
}

/**
 * The preview may lag the click: an edit typed just before it is still on its way to the
 * kernel (ipywidgets may even deliver it after the click). When the preview changes within a
 * few seconds, copy it again once it has settled (no change for {@link SETTLE_MS}).
 */
function follow(card: Element, copied: string): void {
  const started = Date.now();
  let last = copied;
  let changedAt = started;
  const timer = window.setInterval(() => {
    const now = Date.now();
    const current = card.isConnected ? previewText(card) : null;
    if (current !== null && current !== last) {
      last = current;
      changedAt = now;
    }
    const settled = now - changedAt >= SETTLE_MS;
    const expired = now - started > KERNEL_WAIT_MS || !card.isConnected;
    if (last !== copied && (settled || expired)) {
      void writeClipboard(last);
      window.clearInterval(timer);
    } else if (expired) {
      window.clearInterval(timer);
    }
  }, 100);
}

/** A short "Copied" label next to the button (announced to screen readers). */
function feedback(button: Element, message: string): void {
  button.parentElement
    ?.querySelectorAll('.jp-ITBridge-copied')
    .forEach(n => n.remove());
  const label = document.createElement('span');
  label.className = 'jp-ITBridge-copied';
  label.setAttribute('role', 'status');
  label.textContent = message;
  button.insertAdjacentElement('afterend', label);
  window.setTimeout(() => label.remove(), FEEDBACK_MS);
}
