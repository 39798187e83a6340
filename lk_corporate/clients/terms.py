"""Services and tariff zones as message parameters: their msgids (the labels of
``clients.forms``), so that a message naming one is written in the reader's language
(``core.errors.Term``, ``core.i18n.message_text``) rather than with the stored code."""

from __future__ import annotations

from collections.abc import Mapping

from lk_corporate.core.errors import Term

SERVICE_TERMS: Mapping[str, Term] = {
    "electricity": Term("Electricity"), "cold_water": Term("Cold water"),
    "hot_water": Term("Hot water"), "heat": Term("Heat"),
}
ZONE_TERMS: Mapping[str, Term] = {
    "single": Term("Single rate"), "day": Term("Day"), "night": Term("Night"),
    "peak": Term("Peak"), "half_peak": Term("Half-peak"),
}


def service_term(code: str) -> Term:
    return SERVICE_TERMS.get(code, Term(code))


def zone_term(code: str) -> Term:
    return ZONE_TERMS.get(code, Term(code))
