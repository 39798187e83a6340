"""Rounding, formatting and amounts in words: exact strings on the tricky values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from documents.errors import MoneyError
from documents.money import (
    amount_in_words,
    format_decimal,
    format_money,
    line_amounts,
    number_in_words,
    plain,
    round_money,
)


@pytest.mark.parametrize(("amount", "words"), [
    ("0", "ноль рублей 00 копеек"),
    ("1", "один рубль 00 копеек"),
    ("2", "два рубля 00 копеек"),
    ("5", "пять рублей 00 копеек"),
    ("11", "одиннадцать рублей 00 копеек"),
    ("21", "двадцать один рубль 00 копеек"),
    ("111", "сто одиннадцать рублей 00 копеек"),
    ("1000000", "один миллион рублей 00 копеек"),
    ("2000000001", "два миллиарда один рубль 00 копеек"),
    ("0.01", "ноль рублей 01 копейка"),
    ("1.50", "один рубль 50 копеек"),
    ("2000", "две тысячи рублей 00 копеек"),
    ("1001.02", "одна тысяча один рубль 02 копейки"),
    ("21000.22", "двадцать одна тысяча рублей 22 копейки"),
    ("114.11", "сто четырнадцать рублей 11 копеек"),
    ("5000000.05", "пять миллионов рублей 05 копеек"),
    ("999999999999999.99", ("девятьсот девяносто девять триллионов девятьсот девяносто девять "
     "миллиардов девятьсот девяносто девять миллионов девятьсот девяносто девять тысяч "
     "девятьсот девяносто девять рублей 99 копеек")),
])
def test_roubles_in_words(amount: str, words: str) -> None:
    assert amount_in_words(Decimal(amount)) == words


@pytest.mark.parametrize(("code", "amount", "words"), [
    ("UAH", "1", "одна гривна 00 копеек"),
    ("UAH", "2", "две гривны 00 копеек"),
    ("UAH", "21.01", "двадцать одна гривна 01 копейка"),
    ("UAH", "5", "пять гривен 00 копеек"),
    ("KZT", "1", "один тенге 00 тиынов"),
    ("KZT", "22.02", "двадцать два тенге 02 тиына"),
    ("KZT", "0.01", "ноль тенге 01 тиын"),
    ("BYN", "1", "один белорусский рубль 00 копеек"),
    ("BYN", "3.03", "три белорусских рубля 03 копейки"),
    ("BYN", "12", "двенадцать белорусских рублей 00 копеек"),
])
def test_other_currencies(code: str, amount: str, words: str) -> None:
    assert amount_in_words(Decimal(amount), code) == words


def test_capitalized_and_rounded_first() -> None:
    assert amount_in_words(Decimal("0.005"), capitalize=True) == "Ноль рублей 01 копейка"
    assert amount_in_words(Decimal("1.994")) == "один рубль 99 копеек"


def test_refusals() -> None:
    with pytest.raises(MoneyError):
        amount_in_words(Decimal(-1))
    with pytest.raises(MoneyError):
        amount_in_words(1.5)  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        amount_in_words(Decimal(1), "USD")
    with pytest.raises(MoneyError):
        amount_in_words(Decimal("1e15"))
    with pytest.raises(MoneyError):
        round_money(Decimal("NaN"))


def test_half_up_rounding_rule() -> None:
    assert round_money(Decimal("0.005")) == Decimal("0.01")
    assert round_money(Decimal("0.015")) == Decimal("0.02")  # not banker's rounding
    assert round_money(Decimal("2.675")) == Decimal("2.68")
    assert round_money(Decimal("-0.005")) == Decimal("-0.01")
    a = line_amounts(Decimal("3.333"), Decimal("0.15"), Decimal(20))
    # 0.49995 -> 0.50; VAT 0.10; the totals are sums of rounded values
    assert (a.net, a.vat, a.gross) == (Decimal("0.50"), Decimal("0.10"), Decimal("0.60"))


def test_formatting() -> None:
    assert format_money(Decimal("1234567.8")) == "1 234 567,80"
    assert format_money(Decimal(0)) == "0,00"
    assert format_decimal(Decimal("145.554")) == "145,554"
    assert format_decimal(Decimal("1E+3")) == "1 000"
    assert format_decimal(Decimal("-1234.5"), 2) == "-1 234,50"
    assert number_in_words(12, feminine=True) == "двенадцать"
    assert number_in_words(2, feminine=True) == "две"


@pytest.mark.parametrize(("value", "places", "shown"), [
    ("641.7600000000000", 0, "641.76"), ("315000.000000", 0, "315000"), ("9000", 0, "9000"),
    ("4.850000", 2, "4.85"), ("5", 2, "5.00"), ("5.432100", 2, "5.4321"),
    ("20.000000", 0, "20"), ("0.000000", 0, "0"), ("-1.500", 0, "-1.5"), ("1E+3", 0, "1000"),
])
def test_plain_drops_insignificant_zeros_and_never_writes_an_exponent(value, places, shown):
    result = plain(Decimal(value), places)
    assert str(result) == shown and result == Decimal(value)
