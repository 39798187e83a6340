"""Panels other packages add to a period's page (``periods.detail``, the period board).

The period page shows the month, its reading window and the calculation deadline; what other
packages know about the period — the clients' reading acts and the month-end calculation
(``invoicing``) — they add as panels, so the periods package imports none of them (it sits
below them: they all hang off a period).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lk_corporate.core.db import DbSession
from lk_corporate.periods.models import BillingPeriod


@dataclass(frozen=True)
class PeriodPanel:
    """``template`` is included with the mapping ``context(session, period)`` returns; shown
    only to users holding one of ``rights`` (empty: everyone who sees the page)."""

    template: str
    context: Callable[[DbSession, BillingPeriod], dict[str, Any]]
    order: int = 100
    rights: tuple[str, ...] = ()


_PANELS: dict[str, PeriodPanel] = {}


def register_period_panel(panel: PeriodPanel) -> None:
    """Add a panel (registering the same template again replaces it: apps are built many
    times in the tests)."""
    _PANELS[panel.template] = panel


def panels_for(session: DbSession, period: BillingPeriod,
               has_right: Callable[[str], bool]) -> list[dict[str, Any]]:
    return [{**panel.context(session, period), "template": panel.template}
            for panel in sorted(_PANELS.values(), key=lambda p: p.order)
            if not panel.rights or any(has_right(r) for r in panel.rights)]
