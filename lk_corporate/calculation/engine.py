"""The calculation itself: pure functions from a signed readings payload, the meters, the
tariffs and the VAT rate to charge lines. No Flask, no database, ``Decimal`` only.

Per row of the act (one register of one meter in one tariff zone):

* consumption = (current − previous) × CT ratio × VT ratio; when the client declared a
  roll-over of the register, current + (10^digits − previous) instead (the register passed
  its maximum, ``digits`` integer digits, e.g. 999 999.99 → 000 000.00);
* the price is the tariff of the row's service and zone in force over the whole billing
  period (see :func:`price_for`);
* money by the rule of ``docs/documents.md`` (``documents.money.line_amounts``): the line's
  amount without VAT = round(volume × price) to kopecks half-up, the line's VAT =
  round(amount × rate / 100), with VAT = amount + VAT; totals are sums of the rounded lines —
  so the calculation and the printed invoice agree to the kopeck.

The engine recomputes every consumption and refuses an act whose printed consumption, CT or
VT ratio disagrees with what it computes from the meter's registered data: the client signed
those figures, and an invoice that silently differs from the signed act is worse than no
invoice. Each refusal is a :class:`CalculationError` whose message (an English msgid) the
period board shows to staff as the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from documents.money import line_amounts
from documents.reading_act import PAYLOAD_SCHEMA
from lk_corporate.clients.terms import service_term, zone_term
from lk_corporate.core.errors import N_, DomainError

__all__ = [
    "SERVICE_NAMES",
    "ZONE_NAMES",
    "ActPayload",
    "Calculation",
    "CalculationError",
    "ChargeLine",
    "MeterSpec",
    "PayloadReading",
    "TariffSpec",
    "calculate",
    "consumption",
    "parse_payload",
    "price_for",
]

# Documents are printed in Russian whatever the user's interface language.
SERVICE_NAMES: Mapping[str, str] = {
    "electricity": "Электроэнергия",
    "cold_water": "Холодное водоснабжение",
    "hot_water": "Горячее водоснабжение",
    "heat": "Тепловая энергия",
}
ZONE_NAMES: Mapping[str, str] = {
    "single": "Круглосуточно", "day": "День", "night": "Ночь", "peak": "Пик",
    "half_peak": "Полупик",
}


class CalculationError(DomainError):
    """The act cannot be charged as it stands; the message says why (shown on the period
    board as the client's failure reason)."""

    code = "calculation_refused"


# --- the payload ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PayloadReading:
    """One row of the signed readings payload (``documents.reading_act.readings_payload``)."""

    service: str
    point: str
    factory_number: str
    zone: str
    unit: str
    previous: Decimal
    previous_date: dt.date
    current: Decimal
    current_date: dt.date
    ct_ratio: Decimal
    vt_ratio: Decimal
    consumption: Decimal
    rollover: bool


@dataclass(frozen=True)
class ActPayload:
    """The readings payload of one act, parsed: numbers as ``Decimal``, dates as dates."""

    act_number: str
    act_date: dt.date
    year: int
    month: int
    contract_number: str
    contract_date: dt.date
    client_tax_id: str
    supplier_tax_id: str
    readings: tuple[PayloadReading, ...]


def _decimal(value: Any, what: str) -> Decimal:
    # The payload writes every number as a string (never a float); anything else is refused.
    if not isinstance(value, str):
        raise CalculationError(N_("The readings attachment of the act is malformed (%(what)s)."),
                               what=what)
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise CalculationError(N_("The readings attachment of the act is malformed (%(what)s)."),
                               what=what) from None
    if not number.is_finite():
        raise CalculationError(N_("The readings attachment of the act is malformed (%(what)s)."),
                               what=what)
    return number


def _date(value: Any, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CalculationError(N_("The readings attachment of the act is malformed (%(what)s)."),
                               what=what) from None


def parse_payload(doc: Any) -> ActPayload:
    """The parsed JSON of the act's ``readings.json`` (``ReadingsPayload.json()``)."""
    try:
        if doc["schema"] != PAYLOAD_SCHEMA:
            raise CalculationError(N_("The readings attachment has an unknown format %(schema)s."),
                                   schema=str(doc["schema"])[:60])
        year_text, month_text = str(doc["act"]["period"]).split("-")
        rows = tuple(
            PayloadReading(
                service=str(r["service"]), point=str(r["point"]),
                factory_number=str(r["factory_number"]), zone=str(r["zone"]),
                unit=str(r["unit"]),
                previous=_decimal(r["previous"]["value"], "previous"),
                previous_date=_date(r["previous"]["date"], "previous date"),
                current=_decimal(r["current"]["value"], "current"),
                current_date=_date(r["current"]["date"], "current date"),
                ct_ratio=_decimal(r["ct_ratio"], "ct_ratio"),
                vt_ratio=_decimal(r["vt_ratio"], "vt_ratio"),
                consumption=_decimal(r["consumption"], "consumption"),
                rollover=bool(r["rollover"]))
            for r in doc["readings"])
        return ActPayload(
            act_number=str(doc["act"]["number"]), act_date=_date(doc["act"]["date"], "act date"),
            year=int(year_text), month=int(month_text),
            contract_number=str(doc["contract"]["number"]),
            contract_date=_date(doc["contract"]["date"], "contract date"),
            client_tax_id=str(doc["client"]["tax_id"]),
            supplier_tax_id=str(doc["supplier"]["tax_id"]), readings=rows)
    except (KeyError, TypeError, ValueError):
        raise CalculationError(N_("The readings attachment of the act is malformed (%(what)s)."),
                               what="structure") from None


# --- meters and tariffs as the engine sees them ---------------------------------------------

@dataclass(frozen=True)
class MeterSpec:
    """A meter's registered data (``clients.models.Meter``) that the calculation needs."""

    factory_number: str
    service: str
    digits: int
    ct_ratio: Decimal
    vt_ratio: Decimal
    zones: tuple[str, ...]


@dataclass(frozen=True)
class TariffSpec:
    """A price per unit without VAT (``tariffs.models.Tariff``), valid from/until (inclusive)."""

    service: str
    zone: str
    unit: str
    price: Decimal
    valid_from: dt.date
    valid_to: dt.date | None = None
    tariff_group: str = ""


def consumption(previous: Decimal, current: Decimal, *, ct_ratio: Decimal, vt_ratio: Decimal,
                rollover: bool, digits: int) -> Decimal:
    """(current − previous) × CT × VT, or (current + 10^digits − previous) × CT × VT after a
    declared roll-over of a register with ``digits`` integer digits."""
    capacity = Decimal(10) ** digits
    if previous >= capacity or current >= capacity:
        raise CalculationError(N_("A reading does not fit the register of %(digits)s digits."),
                               digits=digits)
    if rollover:
        if current >= previous:
            raise CalculationError(N_("A roll-over of the register is declared, but the current "
                                      "reading %(current)s is not below the previous %(previous)s."),
                                   current=str(current), previous=str(previous))
        difference = capacity - previous + current
    else:
        if current < previous:
            raise CalculationError(N_("The current reading %(current)s is below the previous "
                                      "%(previous)s and no roll-over is declared."),
                                   current=str(current), previous=str(previous))
        difference = current - previous
    return difference * ct_ratio * vt_ratio


def _period_days(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def price_for(tariffs: Iterable[TariffSpec], service: str, zone: str, year: int,
              month: int) -> TariffSpec:
    """The tariff of ``service`` and ``zone`` in force for the whole month.

    The month is charged at one price: a tariff that starts or ends inside the month (or a
    day without any tariff) is refused rather than guessed, because splitting a month's
    reading by days is a pro-rata estimate nobody signed. Tariffs change on the first day of
    a month in practice (1 January, 1 July); a change inside a month is a data error the
    staff fix on the tariffs page. With tariffs in several tariff groups for the same
    service and zone the price is ambiguous (the client's tariff group is not recorded
    yet), so that is refused too.
    """
    first, last = _period_days(year, month)
    where = {"service": service_term(service), "zone": zone_term(zone),
             "period": f"{month:02d}.{year}"}
    overlapping = sorted(
        (t for t in tariffs if t.service == service and t.zone == zone
         and t.valid_from <= last and (t.valid_to is None or t.valid_to >= first)),
        key=lambda t: t.valid_from)
    if not overlapping:
        raise CalculationError(N_("No tariff for %(service)s, zone %(zone)s, in %(period)s."),
                               **where)
    if len({t.tariff_group for t in overlapping}) > 1:
        raise CalculationError(N_("Tariffs of several tariff groups apply to %(service)s, zone "
                                  "%(zone)s, in %(period)s: the price is ambiguous."),
                               **where)
    covered_until = first - dt.timedelta(days=1)
    for t in overlapping:
        if t.valid_from > covered_until + dt.timedelta(days=1):
            break
        covered_until = dt.date.max if t.valid_to is None else max(covered_until, t.valid_to)
    if overlapping[0].valid_from > first or covered_until < last:
        raise CalculationError(N_("The tariffs for %(service)s, zone %(zone)s, do not cover the "
                                  "whole of %(period)s."),
                               **where)
    if len({(t.price, t.unit) for t in overlapping}) > 1:
        raise CalculationError(N_("The tariff for %(service)s, zone %(zone)s, changes within "
                                  "%(period)s; a month is charged at one price."),
                               **where)
    return overlapping[0]


# --- the result ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChargeLine:
    """One charged row: a register of a meter in a tariff zone, its volume, price and money."""

    service: str
    point: str
    factory_number: str
    zone: str
    unit: str
    previous: Decimal
    current: Decimal
    rollover: bool
    ct_ratio: Decimal
    vt_ratio: Decimal
    volume: Decimal
    price: Decimal
    vat_rate: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal

    @property
    def service_name(self) -> str:
        return SERVICE_NAMES.get(self.service, self.service)

    @property
    def zone_name(self) -> str:
        return ZONE_NAMES.get(self.zone, self.zone)

    def as_json(self) -> dict[str, Any]:
        """For storage beside the invoice: every number as a string (never a float)."""
        return {"service": self.service, "point": self.point,
                "factory_number": self.factory_number, "zone": self.zone, "unit": self.unit,
                "previous": str(self.previous), "current": str(self.current),
                "rollover": self.rollover, "ct_ratio": str(self.ct_ratio),
                "vt_ratio": str(self.vt_ratio), "volume": str(self.volume),
                "price": str(self.price), "vat_rate": str(self.vat_rate), "net": str(self.net),
                "vat": str(self.vat), "gross": str(self.gross)}

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> ChargeLine:
        return cls(service=row["service"], point=row["point"],
                   factory_number=row["factory_number"], zone=row["zone"], unit=row["unit"],
                   previous=Decimal(row["previous"]), current=Decimal(row["current"]),
                   rollover=bool(row["rollover"]), ct_ratio=Decimal(row["ct_ratio"]),
                   vt_ratio=Decimal(row["vt_ratio"]), volume=Decimal(row["volume"]),
                   price=Decimal(row["price"]), vat_rate=Decimal(row["vat_rate"]),
                   net=Decimal(row["net"]), vat=Decimal(row["vat"]), gross=Decimal(row["gross"]))


@dataclass(frozen=True)
class Calculation:
    """The charge lines of one act and their totals (sums of the rounded lines)."""

    lines: tuple[ChargeLine, ...]

    @property
    def net(self) -> Decimal:
        return sum((line.net for line in self.lines), Decimal("0.00"))

    @property
    def vat(self) -> Decimal:
        return sum((line.vat for line in self.lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return sum((line.gross for line in self.lines), Decimal("0.00"))


def calculate(payload: ActPayload, meters: Mapping[str, MeterSpec],
              tariffs: Sequence[TariffSpec], vat_rate: Decimal) -> Calculation:
    """Charge every row of ``payload``; ``meters`` by factory number (the client's meters)."""
    if not isinstance(vat_rate, Decimal) or not vat_rate.is_finite() or vat_rate < 0:
        raise CalculationError(N_("The supplier's VAT rate is not set."))
    if not payload.readings:
        raise CalculationError(N_("The act has no readings."))
    lines = []
    seen: set[tuple[str, str]] = set()
    for row in payload.readings:
        meter = meters.get(row.factory_number)
        if meter is None:
            raise CalculationError(N_("Meter %(number)s of the act is not registered for this "
                                      "client."), number=row.factory_number)
        if (row.factory_number, row.zone) in seen:
            raise CalculationError(N_("Meter %(number)s, zone %(zone)s, appears twice in the "
                                      "act."), number=row.factory_number, zone=row.zone)
        seen.add((row.factory_number, row.zone))
        if row.service != meter.service or row.zone not in meter.zones:
            raise CalculationError(N_("Meter %(number)s: the act's service or zone differs from "
                                      "the registered meter."), number=row.factory_number)
        if row.ct_ratio != meter.ct_ratio or row.vt_ratio != meter.vt_ratio:
            raise CalculationError(N_("Meter %(number)s: the act's transformer ratios (CT %(ct)s, "
                                      "VT %(vt)s) differ from the registered ones (CT "
                                      "%(meter_ct)s, VT %(meter_vt)s)."),
                                   number=row.factory_number, ct=str(row.ct_ratio),
                                   vt=str(row.vt_ratio), meter_ct=str(meter.ct_ratio),
                                   meter_vt=str(meter.vt_ratio))
        volume = consumption(row.previous, row.current, ct_ratio=meter.ct_ratio,
                             vt_ratio=meter.vt_ratio, rollover=row.rollover,
                             digits=meter.digits)
        if volume != row.consumption:
            raise CalculationError(N_("Meter %(number)s, zone %(zone)s: the act says %(printed)s, "
                                      "the readings give %(computed)s."),
                                   number=row.factory_number, zone=row.zone,
                                   printed=str(row.consumption), computed=str(volume))
        tariff = price_for(tariffs, row.service, row.zone, payload.year, payload.month)
        if tariff.unit != row.unit:
            raise CalculationError(N_("Meter %(number)s: the act's unit %(unit)s differs from the "
                                      "tariff's %(tariff_unit)s."),
                                   number=row.factory_number, unit=row.unit,
                                   tariff_unit=tariff.unit)
        amounts = line_amounts(volume, tariff.price, vat_rate)
        lines.append(ChargeLine(
            service=row.service, point=row.point, factory_number=row.factory_number,
            zone=row.zone, unit=row.unit, previous=row.previous, current=row.current,
            rollover=row.rollover, ct_ratio=row.ct_ratio, vt_ratio=row.vt_ratio, volume=volume,
            price=tariff.price, vat_rate=vat_rate, net=amounts.net, vat=amounts.vat,
            gross=amounts.gross))
    return Calculation(tuple(lines))
