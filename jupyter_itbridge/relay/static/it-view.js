// IT's view: a "Copy" button for a request's exact text. Comfort only: the page works without
// it, and the Content-Security-Policy allows this file and no inline script.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  for (const button of document.querySelectorAll('button[data-copy-target]')) {
    const target = document.getElementById(button.dataset.copyTarget);
    if (!target || !navigator.clipboard) {
      continue;
    }
    button.hidden = false;
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(target.textContent);
        button.textContent = 'Copied';
      } catch (err) {
        button.textContent = 'Copy failed';
      }
    });
  }
});
