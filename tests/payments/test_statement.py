"""Reading bank statements: the 1C exchange format in every encoding banks use, CSV, and
malformed files refused with the line and the reason."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from lk_corporate.payments.statement import StatementError, parse_statement
from tests.payments.statements import Order, one_c

ORDERS = [
    Order("101", dt.date(2026, 11, 5), Decimal("12345.67"), "7712345671",
          "Оплата по счету № 2026-000017 от 31.10.2026 по договору № 123, в т.ч. НДС"),
    Order("102", dt.date(2026, 11, 6), Decimal(500), "7705678903",
          'Аванс за электроэнергию по договору 4587, НДС 20%'),
]


@pytest.mark.parametrize("encoding, declared, bom", [
    ("cp1251", "Windows", False), ("utf-8", "Windows", False), ("utf-8", "Windows", True),
    ("cp866", "DOS", False),
])
def test_1c_in_every_encoding(encoding, declared, bom):
    payments = list(parse_statement(io.BytesIO(one_c(ORDERS, encoding=encoding,
                                                     declared=declared, bom=bom))))
    assert [(p.number, p.amount, p.payer_tax_id) for p in payments] == [
        ("101", Decimal("12345.67"), "7712345671"), ("102", Decimal(500), "7705678903")]
    first = payments[0]
    assert first.payer_name == 'ООО "Ромашка"' and "2026-000017" in first.purpose
    assert first.date == dt.date(2026, 11, 5) and first.payer_bik == "044525593"
    assert first.identity == ("044525593", "40702810400000012345", "101", "2026-11-05",
                              "12345.67")


@pytest.mark.parametrize("mutate, line_hint, reason", [
    (lambda t: t.replace("КонецФайла", ""), 0, "КонецФайла"),
    (lambda t: t.replace("Сумма=500", "Сумма=пятьсот"), None, "not an amount"),
    (lambda t: t.replace("Дата=06.11.2026", "Дата=2026-11-06"), None, "not a date"),
    (lambda t: t.replace("КонецДокумента", "", 1), None, "before КонецДокумента"),
    (lambda t: t.replace("1CClientBankExchange", "Hello"), 1, "does not start"),
    (lambda t: t.replace("Номер=102", "Номер="), None, "has no Номер"),
    (lambda t: t + "ещё текст\r\n", None, "after КонецФайла"),
    (lambda t: t.replace("Номер=102", "Номер=1\x0002"), None, "NUL"),
])
def test_malformed_statements_name_the_line(mutate, line_hint, reason):
    text = one_c(ORDERS, encoding="utf-8").decode("utf-8")
    with pytest.raises(StatementError) as caught:
        list(parse_statement(io.BytesIO(mutate(text).encode("utf-8"))))
    assert reason in caught.value.reason
    if line_hint is not None:
        assert caught.value.line == line_hint
    else:
        assert caught.value.line > 1


def test_bytes_that_are_not_the_declared_text():
    data = one_c(ORDERS, encoding="utf-8") + "Назначение".encode("utf-16")
    with pytest.raises(StatementError):
        list(parse_statement(io.BytesIO(data)))


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
def test_csv(encoding):
    text = ("Номер;Дата;Сумма;Плательщик;ИНН плательщика;Счет плательщика;БИК банка плательщика;"
            "Назначение платежа\r\n"
            "7;05.11.2026;1 000,50;ООО «Ромашка»;7712345671;40702810400000012345;044525593;"
            "Оплата по договору 123\r\n")
    payments = list(parse_statement(io.BytesIO(text.encode(encoding))))
    assert len(payments) == 1
    assert payments[0].amount == Decimal("1000.50") and payments[0].payer_tax_id == "7712345671"
    assert payments[0].payer_name == "ООО «Ромашка»"


def test_a_nul_character_in_a_csv_statement_is_refused_with_its_line():
    text = ("Номер;Дата;Сумма;ИНН плательщика;Назначение платежа\r\n"
            "7;05.11.2026;10,00;7712345671;Оплата\r\n"
            "8;05.11.2026;10,00;7712345671;Опла\x00та\r\n")
    with pytest.raises(StatementError) as caught:
        list(parse_statement(io.BytesIO(text.encode("utf-8"))))
    assert caught.value.line == 3 and "NUL" in caught.value.reason


def test_a_large_statement_is_read_one_payment_at_a_time():
    orders = (Order(str(n), dt.date(2026, 11, 5), Decimal("1.00"), "7712345671", "x")
              for n in range(20_000))
    stream = io.BytesIO(one_c(orders))
    parsed = parse_statement(stream)
    first = next(parsed)
    assert first.number == "0" and stream.tell() < len(stream.getvalue())  # not read whole
    assert sum(1 for _ in parsed) == 19_999
