"""The calculation against examples worked out by hand (each written out in its test): two
zones, CT 200/5 with VT 10000/100, the roll-over of a 6-digit register, a tariff change
between two periods, VAT rounded per line over many lines. Pure functions: no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from lk_corporate.calculation.engine import (
    ActPayload,
    CalculationError,
    MeterSpec,
    PayloadReading,
    TariffSpec,
    calculate,
    consumption,
    parse_payload,
    price_for,
)

VAT = D(20)
JAN_1 = dt.date(2026, 1, 1)


def reading(number: str, previous: str, current: str, *, zone: str = "single",
            printed: str | None = None, ct: str = "1", vt: str = "1", rollover: bool = False,
            service: str = "electricity", unit: str = "кВт·ч") -> PayloadReading:
    prev, cur = D(previous), D(current)
    volume = D(printed) if printed is not None else consumption(
        prev, cur, ct_ratio=D(ct), vt_ratio=D(vt), rollover=rollover, digits=6)
    return PayloadReading(service=service, point="ТП-1", factory_number=number, zone=zone,
                          unit=unit, previous=prev, previous_date=dt.date(2026, 9, 30),
                          current=cur, current_date=dt.date(2026, 10, 31), ct_ratio=D(ct),
                          vt_ratio=D(vt), consumption=volume, rollover=rollover)


def payload(*rows: PayloadReading, year: int = 2026, month: int = 10) -> ActPayload:
    return ActPayload(act_number="АП-1", act_date=dt.date(year, month, 28), year=year,
                      month=month, contract_number="123", contract_date=dt.date(2020, 1, 1),
                      client_tax_id="7712345671", supplier_tax_id="7701234560",
                      readings=tuple(rows))


def meter(number: str, *, zones: tuple[str, ...] = ("single",), ct: str = "1", vt: str = "1",
          digits: int = 6, service: str = "electricity") -> MeterSpec:
    return MeterSpec(factory_number=number, service=service, digits=digits, ct_ratio=D(ct),
                     vt_ratio=D(vt), zones=zones)


def tariff(zone: str, price: str, start: dt.date = JAN_1, end: dt.date | None = None,
           group: str = "") -> TariffSpec:
    return TariffSpec(service="electricity", zone=zone, unit="кВт·ч", price=D(price),
                      valid_from=start, valid_to=end, tariff_group=group)


def test_two_zones():
    # Day:   12 987,43 − 12 345,67 = 641,76 kWh × 5,4321 = 3 486,104496 → 3 486,10;
    #        VAT 20 %: 3 486,10 × 0,20 = 697,22; with VAT 4 183,32.
    # Night:  4 801,02 −  4 567,89 = 233,13 kWh × 2,7654 =   644,697702 →   644,70;
    #        VAT 644,70 × 0,20 = 128,94; with VAT 773,64.
    # Totals: 3 486,10 + 644,70 = 4 130,80; VAT 697,22 + 128,94 = 826,16; 4 956,96.
    result = calculate(
        payload(reading("M1", "12345.67", "12987.43", zone="day"),
                reading("M1", "4567.89", "4801.02", zone="night")),
        {"M1": meter("M1", zones=("day", "night"))},
        [tariff("day", "5.4321"), tariff("night", "2.7654")], VAT)
    day, night = result.lines
    assert (day.volume, day.price, day.net, day.vat, day.gross) == (
        D("641.76"), D("5.4321"), D("3486.10"), D("697.22"), D("4183.32"))
    assert (night.volume, night.price, night.net, night.vat, night.gross) == (
        D("233.13"), D("2.7654"), D("644.70"), D("128.94"), D("773.64"))
    assert (result.net, result.vat, result.total) == (D("4130.80"), D("826.16"), D("4956.96"))


def test_current_and_voltage_transformers():
    # CT 200/5 = 40, VT 10000/100 = 100: every unit on the register is 40 × 100 = 4 000 kWh.
    # 125,70 − 123,45 = 2,25 on the register × 4 000 = 9 000 kWh × 4,85 = 43 650,00;
    # VAT 8 730,00; with VAT 52 380,00.
    assert D(200) / D(5) == 40 and D(10000) / D(100) == 100
    result = calculate(payload(reading("T1", "123.45", "125.70", ct="40", vt="100")),
                       {"T1": meter("T1", ct="40", vt="100")}, [tariff("single", "4.85")], VAT)
    (line,) = result.lines
    assert (line.volume, line.net, line.vat, line.gross) == (
        D(9000), D("43650.00"), D("8730.00"), D("52380.00"))


def test_roll_over_of_a_six_digit_register():
    # The register went 999 850,3 → 999 999,9 → 000 000,0 → 000 120,8:
    # 1 000 000 − 999 850,3 + 120,8 = 270,5 kWh × 5,00 = 1 352,50; VAT 270,50; 1 623,00.
    result = calculate(payload(reading("R1", "999850.3", "120.8", rollover=True)),
                       {"R1": meter("R1")}, [tariff("single", "5.00")], VAT)
    (line,) = result.lines
    assert (line.volume, line.net, line.vat, line.gross) == (
        D("270.5"), D("1352.50"), D("270.50"), D("1623.00"))


def test_roll_over_must_be_declared_and_fit_the_register():
    with pytest.raises(CalculationError, match="below the previous"):
        consumption(D("999850.3"), D("120.8"), ct_ratio=D(1), vt_ratio=D(1), rollover=False,
                    digits=6)
    with pytest.raises(CalculationError, match="not below the previous"):
        consumption(D(100), D("120.8"), ct_ratio=D(1), vt_ratio=D(1), rollover=True, digits=6)
    with pytest.raises(CalculationError, match="does not fit"):
        consumption(D("999850.3"), D("1000120.8"), ct_ratio=D(1), vt_ratio=D(1),
                    rollover=False, digits=6)


def test_a_tariff_change_between_two_periods():
    # 5,00 until 30.09.2026, 5,50 from 01.10.2026. 100 kWh in September: 500,00 (VAT 100,00);
    # the same 100 kWh in October: 550,00 (VAT 110,00).
    tariffs = [tariff("single", "5.00", JAN_1, dt.date(2026, 9, 30)),
               tariff("single", "5.50", dt.date(2026, 10, 1))]
    meters = {"C1": meter("C1")}
    september = calculate(payload(reading("C1", "1000", "1100"), month=9), meters, tariffs, VAT)
    october = calculate(payload(reading("C1", "1100", "1200"), month=10), meters, tariffs, VAT)
    assert (september.net, september.vat, september.total) == (D("500.00"), D("100.00"),
                                                               D("600.00"))
    assert (october.net, october.vat, october.total) == (D("550.00"), D("110.00"), D("660.00"))


def test_a_tariff_changing_inside_the_month_or_missing_is_refused():
    inside = [tariff("single", "5.00", JAN_1, dt.date(2026, 10, 15)),
              tariff("single", "5.50", dt.date(2026, 10, 16))]
    with pytest.raises(CalculationError, match="changes within"):
        price_for(inside, "electricity", "single", 2026, 10)
    with pytest.raises(CalculationError, match="do not cover"):
        price_for([tariff("single", "5.00", dt.date(2026, 10, 2))], "electricity", "single",
                  2026, 10)
    with pytest.raises(CalculationError, match="No tariff"):
        price_for([tariff("day", "5.00")], "electricity", "night", 2026, 10)
    with pytest.raises(CalculationError, match="several tariff groups"):
        price_for([tariff("single", "5.00", group="1"), tariff("single", "4.00", group="2")],
                  "electricity", "single", 2026, 10)
    # Two rows with the same price (a tariff split at the month's middle) are one price.
    split = [tariff("single", "5.00", JAN_1, dt.date(2026, 10, 15)),
             tariff("single", "5.00", dt.date(2026, 10, 16))]
    assert price_for(split, "electricity", "single", 2026, 10).price == D("5.00")


def test_vat_is_rounded_per_line_over_many_lines():
    # Twelve meters, 1,1 kWh each at 1,15: each line 1,265 → 1,27 (half-up);
    # its VAT 1,27 × 0,20 = 0,254 → 0,25; with VAT 1,52.
    # Totals are sums of the rounded lines: 12 × 1,27 = 15,24; VAT 12 × 0,25 = 3,00;
    # 12 × 1,52 = 18,24 — not VAT on the total (15,24 × 0,20 = 3,048 → 3,05): the printed
    # lines must add up to the printed total (docs/documents.md).
    numbers = [f"V{i:02d}" for i in range(12)]
    result = calculate(payload(*(reading(n, "10.0", "11.1") for n in numbers)),
                       {n: meter(n) for n in numbers}, [tariff("single", "1.15")], VAT)
    assert len(result.lines) == 12
    assert all((line.net, line.vat, line.gross) == (D("1.27"), D("0.25"), D("1.52"))
               for line in result.lines)
    assert (result.net, result.vat, result.total) == (D("15.24"), D("3.00"), D("18.24"))


def test_the_act_must_agree_with_the_registered_meter():
    meters = {"M1": meter("M1", ct="40")}
    tariffs = [tariff("single", "5")]
    with pytest.raises(CalculationError, match="transformer ratios"):
        calculate(payload(reading("M1", "1", "2", ct="1")), meters, tariffs, VAT)
    with pytest.raises(CalculationError, match="the readings give 40"):
        calculate(payload(reading("M1", "1", "2", ct="40", printed="41")), meters, tariffs, VAT)
    with pytest.raises(CalculationError, match="not registered"):
        calculate(payload(reading("M9", "1", "2")), meters, tariffs, VAT)
    with pytest.raises(CalculationError, match="appears twice"):
        calculate(payload(reading("M1", "1", "2", ct="40"), reading("M1", "2", "3", ct="40")),
                  meters, tariffs, VAT)


def test_payload_numbers_must_be_strings():
    doc = {"schema": "lk-corporate/reading-act/v1",
           "act": {"number": "1", "date": "2026-10-31", "period": "2026-10",
                   "submitted_at": "2026-10-31T10:00:00+00:00"},
           "contract": {"number": "1", "date": "2020-01-01"},
           "supplier": {"tax_id": "7701234560"}, "client": {"tax_id": "7712345671"},
           "readings": [{"service": "electricity", "point": "p", "factory_number": "1",
                         "zone": "single", "unit": "кВт·ч",
                         "previous": {"value": 1.5, "date": "2026-09-30"},
                         "current": {"value": "2", "date": "2026-10-31"}, "ct_ratio": "1",
                         "vt_ratio": "1", "consumption": "0.5", "rollover": False}]}
    with pytest.raises(CalculationError, match="malformed"):
        parse_payload(doc)
    doc["readings"][0]["previous"]["value"] = "1.5"
    assert parse_payload(doc).readings[0].previous == D("1.5")
