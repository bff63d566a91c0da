"""What every handler reaches through ``self.settings["itbridge"]``: one typed object.

Why a plain dataclass (the jupyterlab-git "service object in settings" model) and not the
``ExtensionApp`` itself: the app's ``config`` is the traitlets ``Config``, while handlers want
the ``ITBridge`` settings, the policy, the service and the kernel token, built once per server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import ITBridge
    from ..policy import ITBridgePolicy
    from .events import ITBridgeEvents
    from .package_facts import FactsService
    from .service import RequestService
    from .watchers import Watchers


@dataclass
class ITBridgeContext:
    """Everything a handler needs, built by ``ITBridgeExtension.initialize_settings``."""

    config: ITBridge
    policy: ITBridgePolicy
    kernel_token: str
    api_url: str
    service: RequestService
    events: ITBridgeEvents
    watchers: Watchers | None = None  # None: c.ITBridge.watchers_enabled = False
    facts: FactsService | None = None  # package facts (GET packages/{name}, filed requests)

    @property
    def owner(self) -> str:
        return self.config.owner
