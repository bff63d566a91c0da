"""An RT backend that SIGKILLs its own server right after a comment reached RT.

Why: the one window where a reply could be posted twice is between RT accepting the comment
and the store recording "delivered". This backend makes a real ``jupyter server`` die in
exactly that window (a real SIGKILL of the real process), so the test can restart it and
count RT's transactions.
"""

from __future__ import annotations

import os
import signal

from jupyter_itbridge.backends.base import TicketRef
from jupyter_itbridge.backends.rt import RTBackend


class KillAfterCommentRT(RTBackend):
    name = "rt"

    def comment(self, ref: TicketRef, text: str) -> None:
        super().comment(ref, text)
        os.kill(os.getpid(), signal.SIGKILL)
