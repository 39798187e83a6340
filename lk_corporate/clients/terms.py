"""The names of services and tariff zones, once: as message parameters (``core.errors.Term``,
translated with the message by ``core.i18n.message_text``, so that a message names them in
the reader's language rather than by the stored code) and, lazily translated, as the labels
of ``clients.forms``."""

from __future__ import annotations

from collections.abc import Mapping

from lk_corporate.core.errors import N_, Term

SERVICE_TERMS: Mapping[str, Term] = {
    "electricity": Term(N_("Electricity")), "cold_water": Term(N_("Cold water")),
    "hot_water": Term(N_("Hot water")), "heat": Term(N_("Heat")),
}
ZONE_TERMS: Mapping[str, Term] = {
    "single": Term(N_("Single rate")), "day": Term(N_("Day")), "night": Term(N_("Night")),
    "peak": Term(N_("Peak")), "half_peak": Term(N_("Half-peak")),
}


def service_term(code: str) -> Term:
    return SERVICE_TERMS.get(code, Term(code))


def zone_term(code: str) -> Term:
    return ZONE_TERMS.get(code, Term(code))
