"""The reading rules, as pure functions: what is typed for a meter's zone, against what the
meter is and what it showed last time, gives a reading — or the reason it cannot be taken.

Nothing here touches the database or Flask, so the rules read (and are tested) as a table:

* the input is digits with at most one ``.`` or ``,`` (spaces between digit groups are
  allowed), within the register's digits before the separator and decimals after it;
* a reading not below the previous one, unless a roll-over of the register is declared (then
  it must be below it: the register passed 99…9 and started again from 0);
* consumption = (current − previous) × CT × VT; with a roll-over
  (10^digits − previous + current) × CT × VT;
* consumption may be typed instead of the reading: the register then shows
  previous + consumption ÷ (CT × VT), which must be a value the register can show;
* a meter without a factory number, or not in service, takes no readings;
* consumption above the meter's configured maximum is a warning the submitter must confirm;
  so is an overdue verification.

Errors carry a stable ``code`` and an English msgid with parameters (the page translates
them); warnings carry a stable ``code`` naming what they are about
(``over_max_consumption:<meter>:<zone>``), which is what a confirmation repeats.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from documents.money import plain
from lk_corporate.clients.terms import ZONE_TERMS
from lk_corporate.core.errors import N_, Term


class EntryMode(str, enum.Enum):
    """What was typed for a row: the register's reading, or the consumption since the
    previous reading (SPEC: «ПОКАЗАНИЕ – расход», switched per row)."""

    READING = "reading"
    CONSUMPTION = "consumption"

MAX_INPUT_LENGTH = 40
# The integer part of a typed consumption (a Quantity column holds 14 digits before the point).
MAX_CONSUMPTION_DIGITS = 13
_NUMBER = re.compile(r"(\d+)(?:[.,](\d+))?")
_GROUP_SPACES = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d)")



@dataclass(frozen=True)
class MeterFacts:
    """What the rules need to know about a meter."""

    meter_id: int
    factory_number: str | None
    in_service: bool
    digits: int
    decimals: int
    ct_ratio: Decimal
    vt_ratio: Decimal
    zones: tuple[str, ...]
    max_consumption: Decimal | None = None
    verification_date: dt.date | None = None

    @property
    def ratio(self) -> Decimal:
        return self.ct_ratio * self.vt_ratio

    @property
    def label(self) -> str:
        return self.factory_number or f"#{self.meter_id}"


@dataclass(frozen=True)
class Previous:
    """The reading consumption is counted from: the last accepted one, or the installation
    reading. ``source``: client / paper / api / installation."""

    value: Decimal
    date: dt.date | None
    source: str
    reading_id: int | None = None


@dataclass(frozen=True)
class Entry:
    """What was typed for one zone of one meter."""

    meter_id: int
    zone: str
    raw: str
    mode: EntryMode = EntryMode.READING
    rollover: bool = False

    @property
    def empty(self) -> bool:
        return not (self.raw or "").strip()


@dataclass(frozen=True)
class RowError:
    """Why one row is refused: shown beside it (``meter_id`` None: the form as a whole)."""

    meter_id: int | None
    zone: str | None
    code: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Warning:
    """Something the submitter must confirm before the readings are taken (and which the
    act then prints)."""

    code: str
    meter_id: int | None
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Computed:
    """A row that passed the rules."""

    meter_id: int
    zone: str
    mode: EntryMode
    entered: str
    value: Decimal
    consumption: Decimal
    rollover: bool
    previous: Previous


class RuleError(Exception):
    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(code)
        self.code, self.message, self.params = code, message, params


def parse_number(raw: str) -> tuple[Decimal, int, int]:
    """``'12 345,67'`` → (Decimal('12345.67'), 5 integer digits, 2 decimals); ``RuleError``
    (``format``) for anything but digits with one ``.`` or ``,``."""
    text = _GROUP_SPACES.sub("", (raw or "").strip())
    if len(text) > MAX_INPUT_LENGTH:
        raise RuleError("format", N_("The number is too long."))
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise RuleError("format", N_("Enter digits with at most one decimal separator "
                                     "(. or ,)."))
    whole, fraction = match.group(1), match.group(2) or ""
    try:
        value = Decimal(f"{whole}.{fraction}" if fraction else whole)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise RuleError("format", N_("Enter digits with at most one decimal separator "
                                     "(. or ,).")) from None
    return value, len(whole.lstrip("0") or "0"), len(fraction)


def register(value: Decimal, decimals: int) -> Decimal:
    """A register's value with the register's own decimals (``4521.370000`` → ``4521.37``
    on a meter with two), unless that would change it."""
    shown = value.quantize(Decimal(1).scaleb(-decimals))
    return shown if shown == value else plain(value)


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _register_value(raw: str, meter: MeterFacts) -> Decimal:
    value, whole_digits, decimals = parse_number(raw)
    if whole_digits > meter.digits:
        raise RuleError("too_many_digits", N_("The register has %(digits)s digits before the "
                                              "separator."), digits=meter.digits)
    if decimals > meter.decimals and _places(value) > meter.decimals:
        if meter.decimals == 0:
            raise RuleError("too_many_decimals", N_("The register shows whole numbers only."))
        raise RuleError("too_many_decimals", N_("The register shows %(decimals)s digits after "
                                                "the separator."), decimals=meter.decimals)
    return value


def meter_refusal(meter: MeterFacts) -> RuleError | None:
    """Why the meter takes no readings at all (None: it takes them)."""
    if not meter.in_service:
        return RuleError("not_in_service", N_("Cannot submit readings for a meter that is not "
                                              "in service."))
    if not meter.factory_number:
        return RuleError("no_factory_number", N_("Readings for a meter without a factory number "
                                                 "are not accepted."))
    return None


def consumption_between(previous: Decimal, current: Decimal, meter: MeterFacts, *,
                        rollover: bool) -> Decimal:
    """(current − previous) × CT × VT; across a roll-over (10^digits − previous + current)."""
    delta = (Decimal(10) ** meter.digits - previous + current) if rollover else current - previous
    return plain(delta * meter.ct_ratio * meter.vt_ratio)


def evaluate(meter: MeterFacts, entry: Entry, previous: Previous | None) -> Computed:
    """The reading of ``entry`` for ``meter``, or ``RuleError`` saying why not."""
    refused = meter_refusal(meter)
    if refused is not None:
        raise refused
    if entry.zone not in meter.zones:
        raise RuleError("unknown_zone", N_("The meter has no tariff zone «%(zone)s»."),
                        zone=ZONE_TERMS.get(entry.zone, Term(entry.zone)))
    if previous is None:
        raise RuleError("no_previous_reading", N_("No previous reading is recorded for this "
                                                  "meter: the supplier must enter its "
                                                  "installation reading first."))
    raw = entry.raw.strip()
    if entry.mode is EntryMode.CONSUMPTION:
        return _from_consumption(meter, entry, raw, previous)
    current = _register_value(raw, meter)
    if entry.rollover:
        if current >= previous.value:
            raise RuleError("rollover_not_below", N_("A roll-over means the register passed its "
                                                     "maximum and started again from zero: the "
                                                     "reading must then be below the previous "
                                                     "one (%(previous)s)."),
                            previous=previous.value)
    elif current < previous.value:
        raise RuleError("below_previous", N_("The reading is below the previous one "
                                             "(%(previous)s). If the register passed its "
                                             "maximum and started from zero, tick «roll-over»."),
                        previous=previous.value)
    consumption = consumption_between(previous.value, current, meter, rollover=entry.rollover)
    return Computed(meter.meter_id, entry.zone, EntryMode.READING, raw,
                    register(current, meter.decimals), consumption, entry.rollover, previous)


def _from_consumption(meter: MeterFacts, entry: Entry, raw: str,
                      previous: Previous) -> Computed:
    consumption, whole_digits, _ = parse_number(raw)
    if whole_digits > MAX_CONSUMPTION_DIGITS:
        raise RuleError("too_many_digits", N_("The number is too long."))
    ratio = plain(meter.ratio)
    delta = consumption / ratio
    step = Decimal(1).scaleb(-meter.decimals) * ratio
    if delta != delta.quantize(Decimal(1).scaleb(-meter.decimals)) \
            or _places(consumption) > 6:
        raise RuleError("consumption_not_on_register",
                        N_("The register cannot show this consumption: with the transformer "
                           "ratios it must be a multiple of %(step)s."), step=step.normalize())
    full_turn = Decimal(10) ** meter.digits
    if delta >= full_turn:
        raise RuleError("consumption_too_large", N_("This consumption is more than the register "
                                                    "can count in one turn."))
    current = previous.value + delta
    rollover = current >= full_turn
    if rollover:
        current -= full_turn
    return Computed(meter.meter_id, entry.zone, EntryMode.CONSUMPTION, raw,
                    register(current, meter.decimals), plain(consumption), rollover, previous)


def warnings_for(meter: MeterFacts, row: Computed, today: dt.date) -> list[Warning]:
    """What the submitter must confirm about a row that passed the rules."""
    out = []
    if meter.max_consumption is not None and row.consumption > meter.max_consumption:
        out.append(Warning(
            f"over_max_consumption:{meter.meter_id}:{row.zone}", meter.meter_id,
            N_("Meter %(number)s (%(zone)s): the consumption of %(consumption)s exceeds the "
               "meter's maximum of %(maximum)s. Check the reading; if it is right, confirm it."),
            {"number": meter.label, "zone": ZONE_TERMS.get(row.zone, Term(row.zone)),
             "consumption": row.consumption,
             "maximum": meter.max_consumption}))
    return out


def meter_warnings(meter: MeterFacts, today: dt.date) -> list[Warning]:
    """What the submitter must confirm about a meter whose readings are submitted."""
    if meter.verification_date is not None and meter.verification_date < today:
        return [Warning(f"verification_expired:{meter.meter_id}", meter.meter_id,
                        N_("Meter %(number)s: its verification was due on %(date)s. The "
                           "readings are taken; arrange the verification."),
                        {"number": meter.label, "date": meter.verification_date})]
    return []


def partial_warning(submitted: int, expected: int) -> Warning:
    """Readings for only some of the meters that take them (a meter counts as submitted when
    every one of its tariff zones is)."""
    return Warning("partial_submission", None,
                   N_("You are submitting readings for %(submitted)s of %(expected)s meters: the "
                      "others (or some of their tariff zones) stay without readings for this "
                      "period."),
                   {"submitted": submitted, "expected": expected})
