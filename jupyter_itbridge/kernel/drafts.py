"""The kernel's side of offline drafts; the file format lives in :mod:`jupyter_itbridge.drafts`.

Kept so that ``jupyter_itbridge.kernel.drafts`` (documented, used by tests) still names the
functions the kernel calls; the server imports :mod:`jupyter_itbridge.drafts` directly.
"""

from __future__ import annotations

from ..drafts import (
    DRAFTS_SUBDIR,
    FORMAT_VERSION,
    ImportReport,
    PendingDraft,
    drafts_dir,
    import_drafts,
    pending_drafts,
    save_draft,
)

__all__ = [
    "DRAFTS_SUBDIR",
    "FORMAT_VERSION",
    "ImportReport",
    "PendingDraft",
    "drafts_dir",
    "import_drafts",
    "pending_drafts",
    "save_draft",
]
