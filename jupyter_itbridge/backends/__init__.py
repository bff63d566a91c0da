"""Ticket-system backends behind one interface (see ``base.Backend``)."""

from __future__ import annotations

from .base import Backend, BackendError, OutgoingRequest, TicketRef

__all__ = ["Backend", "BackendError", "OutgoingRequest", "TicketRef"]
