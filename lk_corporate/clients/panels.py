"""Panels other packages add to the staff's client page (``clients.detail``).

The client page shows the client's requisites and meters; what other packages keep about
the client — activation codes and users (accounts), documents, certificates — they add as
panels, so the clients package needs to know none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lk_corporate.clients.models import Client
from lk_corporate.core.db import DbSession


@dataclass(frozen=True)
class ClientPanel:
    """``template`` is included with ``ctx``: the mapping ``context(session, client)``
    returns; the panel is shown only to users with ``right`` (None: everyone who sees the
    page)."""

    template: str
    context: Callable[[DbSession, Client], dict[str, Any]]
    order: int = 100
    right: str | None = None


_PANELS: list[ClientPanel] = []


def register_client_panel(panel: ClientPanel) -> None:
    _PANELS.append(panel)
    _PANELS.sort(key=lambda p: p.order)


def panels_for(session: DbSession, client: Client,
               has_right: Callable[[str], bool]) -> list[dict[str, Any]]:
    """What the page includes: each visible panel's context plus its ``template``."""
    return [{**panel.context(session, client), "template": panel.template}
            for panel in _PANELS if panel.right is None or has_right(panel.right)]
