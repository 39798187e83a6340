"""The reading rules as a table: what is typed, against which meter and previous reading,
gives which reading — or which refusal, with which message. Worked consumption examples by
hand: CT 200/5 and VT 10000/100, a 6-digit register rolling over, two zones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lk_corporate.core.i18n import message_text
from lk_corporate.readings.rules import (
    Entry,
    EntryMode,
    MeterFacts,
    Previous,
    RuleError,
    consumption_between,
    evaluate,
    meter_warnings,
    parse_number,
    warnings_for,
)

D = Decimal
PREV = Previous(D("12345.6"), dt.date(2026, 10, 25), "client")


def meter(**overrides: object) -> MeterFacts:
    values: dict[str, object] = {
        "meter_id": 7, "factory_number": "011070123456789", "in_service": True, "digits": 6,
        "decimals": 1, "ct_ratio": D(1), "vt_ratio": D(1), "zones": ("day", "night"),
        "max_consumption": D(50000), "verification_date": dt.date(2031, 6, 30)}
    values.update(overrides)
    return MeterFacts(**values)  # type: ignore[arg-type]


def ru(error: RuleError) -> str:
    """The message in Russian, its no-break spaces (between digit groups) as spaces."""
    return message_text(error.message, error.params, locale="ru").replace("\xa0", " ")


@pytest.mark.parametrize(("typed", "value"), [
    ("12400", D("12400")), ("12400.5", D("12400.5")), ("12400,5", D("12400.5")),
    (" 12 400,5 ", D("12400.5")), ("012400.5", D("12400.5")), ("12400.50", D("12400.50")),
])
def test_accepted_inputs(typed, value):
    row = evaluate(meter(), Entry(7, "day", typed), PREV)
    assert row.value == value and row.consumption == value - PREV.value


@pytest.mark.parametrize(("facts", "typed", "code", "message"), [
    ({}, "12,400.5", "format", "Введите цифры и не более одного десятичного разделителя (. или ,)."),
    ({}, "12400.5.1", "format", "Введите цифры и не более одного десятичного разделителя (. или ,)."),
    ({}, "-12400", "format", "Введите цифры и не более одного десятичного разделителя (. или ,)."),
    ({}, "1e5", "format", "Введите цифры и не более одного десятичного разделителя (. или ,)."),
    ({}, "12400.", "format", "Введите цифры и не более одного десятичного разделителя (. или ,)."),
    ({}, "сто", "format", "Введите цифры и не более одного десятичного разделителя (. или ,)."),
    ({}, "1234567", "too_many_digits", "Число знаков до запятой на счётном механизме: 6."),
    ({}, "12400.55", "too_many_decimals", "Число знаков после запятой на счётном механизме: 1."),
    ({"decimals": 0}, "12400.5", "too_many_decimals", "Счётный механизм показывает только целые числа."),
    ({}, "12000", "below_previous",
     ("Показание меньше предыдущего (12 345,6). Если счётный механизм прошёл максимум и начал "
      "счёт с нуля, отметьте «переход через ноль».")),
    ({"factory_number": None}, "12400", "no_factory_number",
     "Показания по прибору учёта без заводского номера не принимаются."),
    ({"in_service": False}, "12400", "not_in_service",
     "Нельзя передать показания по прибору учёта, который не в работе."),
])
def test_refusals_and_their_messages(facts, typed, code, message):
    with pytest.raises(RuleError) as caught:
        evaluate(meter(**facts), Entry(7, "day", typed), PREV)
    assert caught.value.code == code
    assert ru(caught.value) == message


def test_a_meter_without_a_previous_reading_takes_none():
    with pytest.raises(RuleError) as caught:
        evaluate(meter(), Entry(7, "day", "100"), None)
    assert caught.value.code == "no_previous_reading"


def test_unknown_zone():
    with pytest.raises(RuleError) as caught:
        evaluate(meter(), Entry(7, "peak", "12400"), PREV)
    assert caught.value.code == "unknown_zone" and "Пик" in ru(caught.value)


def test_ct_200_5_and_vt_10000_100_by_hand():
    """CT 200/5 = 40, VT 10000/100 = 100: one register unit is 4000 kWh."""
    facts = meter(ct_ratio=D(200) / D(5), vt_ratio=D(10000) / D(100), decimals=2)
    prev = Previous(D("4521.37"), dt.date(2026, 10, 25), "client")
    row = evaluate(facts, Entry(7, "day", "4600,12"), prev)
    # (4600.12 − 4521.37) × 40 × 100 = 78.75 × 4000 = 315 000
    assert row.consumption == D("315000.00")
    assert consumption_between(prev.value, D("4600.12"), facts, rollover=False) == D(315000)


def test_rollover_of_a_six_digit_register_by_hand():
    facts = meter(digits=6, decimals=1, zones=("single",))
    prev = Previous(D("999870.4"), dt.date(2026, 10, 25), "client")
    row = evaluate(facts, Entry(7, "single", "120.6", rollover=True), prev)
    # (10^6 − 999870.4 + 120.6) × 1 × 1 = 129.6 + 120.6 = 250.2
    assert row.rollover and row.value == D("120.6") and row.consumption == D("250.2")
    with_ratio = meter(digits=6, decimals=1, zones=("single",), ct_ratio=D(40), vt_ratio=D(1))
    assert evaluate(with_ratio, Entry(7, "single", "120.6", rollover=True), prev).consumption \
        == D("10008.0")
    # a declared roll-over with a reading above the previous one is a mistake
    with pytest.raises(RuleError) as caught:
        evaluate(facts, Entry(7, "single", "999999.9", rollover=True), prev)
    assert caught.value.code == "rollover_not_below"


def test_two_zones_by_hand():
    facts = meter()
    day = evaluate(facts, Entry(7, "day", "13987.2"), PREV)
    night = evaluate(facts, Entry(7, "night", "6101.8"),
                     Previous(D("5432.1"), dt.date(2026, 10, 25), "client"))
    assert (day.consumption, night.consumption) == (D("1641.6"), D("669.7"))


def test_consumption_typed_instead_of_the_reading():
    facts = meter(ct_ratio=D(40), vt_ratio=D(100), decimals=2)
    prev = Previous(D("4521.37"), dt.date(2026, 10, 25), "client")
    row = evaluate(facts, Entry(7, "day", "315000", EntryMode.CONSUMPTION), prev)
    assert row.mode is EntryMode.CONSUMPTION
    assert (row.value, row.consumption) == (D("4600.12"), D("315000"))
    # 100 kWh is 0.025 of a register unit: the register (2 decimals) cannot show it
    with pytest.raises(RuleError) as caught:
        evaluate(facts, Entry(7, "day", "100", EntryMode.CONSUMPTION), prev)
    assert caught.value.code == "consumption_not_on_register"
    assert "40" in ru(caught.value)
    # past the register's maximum: a roll-over, computed
    near_top = Previous(D("999990.0"), dt.date(2026, 10, 25), "client")
    rolled = evaluate(meter(zones=("single",)), Entry(7, "single", "20.5",
                                                      EntryMode.CONSUMPTION), near_top)
    assert rolled.rollover and rolled.value == D("10.5") and rolled.consumption == D("20.5")


def test_warnings_over_max_and_expired_verification():
    facts = meter(max_consumption=D(1000))
    row = evaluate(facts, Entry(7, "night", "6500"), Previous(D("5432.1"), None, "client"))
    [warning] = warnings_for(facts, row, dt.date(2026, 11, 30))
    assert warning.code == "over_max_consumption:7:night"
    text = message_text(warning.message, warning.params, locale="ru").replace("\xa0", " ")
    assert "Ночь" in text and "1 067,9" in text and "1 000" in text
    assert warnings_for(meter(), row, dt.date(2026, 11, 30)) == []  # max 50 000
    expired = meter(verification_date=dt.date(2025, 5, 31))
    [late] = meter_warnings(expired, dt.date(2026, 11, 30))
    assert late.code == "verification_expired:7"
    assert "31.05.2025" in message_text(late.message, late.params, locale="ru")


def test_parse_number_counts_digits():
    assert parse_number("0012,50") == (D("12.50"), 2, 2)
    assert parse_number("0") == (D(0), 1, 0)
