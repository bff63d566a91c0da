import { Clipboard } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

/** The card's "Copy as text" button (an ipywidgets Button with this class). */
const COPY_BUTTON = '.jp-ITBridge-card .jp-ITBridge-copy';
/** The "What will be sent" preview the kernel keeps up to date (`<pre>` in an HTML widget). */
const PREVIEW_TEXT = '.jp-ITBridge-preview-body pre';
/** The box the kernel fills (and reveals) when Copy is clicked. */
const KERNEL_TEXT = '.jp-ITBridge-copytext textarea';
/** How long to wait for the kernel's own copy of the text after a click. */
const KERNEL_WAIT_MS = 3000;
const FEEDBACK_MS = 2500;

/** The request text a card shows in its preview, or null when it has none. */
export function previewText(card: Element): string | null {
  const pre = card.querySelector(PREVIEW_TEXT);
  if (pre?.textContent) {
    return pre.textContent;
  }
  const kernel = card.querySelector<HTMLTextAreaElement>(KERNEL_TEXT);
  return kernel?.value || null;
}

/** The async Clipboard API, else JupyterLab's `execCommand('copy')` helper. */
export async function writeClipboard(text: string): Promise<void> {
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
 * and copies the preview at once, inside the click (browsers require a user gesture). The
 * preview may lag an edit typed just before the click: when the kernel's own text (the box it
 * reveals) arrives and differs, that text is copied instead. Returns the disposer.
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
    const before = card.querySelector<HTMLTextAreaElement>(KERNEL_TEXT)?.value;
    writeClipboard(text)
      .then(() => {
        feedback(button, trans.__('Copied'));
        follow(card, text, before);
      })
      .catch(() => feedback(button, trans.__('Copy failed: select the text')));
  };
  document.addEventListener('click', onClick, true);
  return () => document.removeEventListener('click', onClick, true);
}

/** Copy the kernel's text again if it differs from what was copied from the preview. */
function follow(card: Element, copied: string, before?: string): void {
  const started = Date.now();
  const timer = window.setInterval(() => {
    const value = card.querySelector<HTMLTextAreaElement>(KERNEL_TEXT)?.value;
    const done =
      !card.isConnected ||
      Date.now() - started > KERNEL_WAIT_MS ||
      value === copied;
    if (!done && value && value !== before) {
      void writeClipboard(value);
      window.clearInterval(timer);
    } else if (done) {
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
