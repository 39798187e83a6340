"""Importing statements: matching by tax ID and the purpose, allocation worked out by hand,
duplicates and overlapping statements adding nothing, a malformed file importing nothing."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lk_corporate.core.extensions import db
from lk_corporate.invoicing.models import Invoice
from lk_corporate.payments import operations as ops
from lk_corporate.payments.models import MatchedBy, Payment, PaymentAllocation, StatementImport
from lk_corporate.payments.statement import StatementError
from tests.payments.helpers import ACTOR, import_orders, make_invoice
from tests.payments.statements import Order, one_c
from tests.support.factories import create_client

D = Decimal


def _paid(*invoices: Invoice) -> list[Decimal]:
    db.session.expire_all()
    return [db.session.get(Invoice, i.id).paid for i in invoices]


def _allocations(payment_number: str) -> list[tuple[str, Decimal]]:
    rows = db.session.execute(
        select(Invoice.number, PaymentAllocation.amount)
        .join(PaymentAllocation, PaymentAllocation.invoice_id == Invoice.id)
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(Payment.number == payment_number).order_by(Invoice.date)).all()
    return [(n, a) for n, a in rows]


@pytest.fixture()
def romashka(session):
    client = create_client(tax_id="7712345671", contract_number="123")
    october = make_invoice(client, "2026-000010", dt.date(2026, 10, 3), "1000.00")
    november = make_invoice(client, "2026-000020", dt.date(2026, 11, 3), "500.00")
    return client, october, november


def test_allocation_by_hand(romashka):
    """Invoices: 03.10 — 1000.00, 03.11 — 500.00.

    1. 600.00 «по договору 123»: the oldest first → October paid 600, remaining 400.
    2. 500.00 naming 2026-000020: November first → paid in full.
    3. 700.00 «по договору № 123»: October's remaining 400, the other 300 an advance.
    Balance: invoiced 1500, paid 1800 → −300 (an overpayment).
    """
    client, october, november = romashka
    orders = [
        Order("11", dt.date(2026, 11, 10), D("600.00"), "7712345671",
              "Оплата за электроэнергию по договору 123 от 15.01.2024, в т.ч. НДС 20% 100,00"),
        Order("12", dt.date(2026, 11, 11), D("500.00"), "7712345671",
              "Оплата по счету № 2026-000020 от 03.11.2026, НДС 20%"),
    ]
    result = import_orders(orders)
    assert (result.payments, result.added, result.matched) == (2, 2, 2)
    assert _paid(october, november) == [D("600.00"), D("500.00")]
    assert _allocations("11") == [("2026-000010", D("600.00"))]
    assert _allocations("12") == [("2026-000020", D("500.00"))]

    import_orders([Order("13", dt.date(2026, 11, 20), D("700.00"), "7712345671",
                         "Оплата по договору № 123")])
    assert _paid(october, november) == [D("1000.00"), D("500.00")]
    assert _allocations("13") == [("2026-000010", D("400.00"))]
    third = db.session.scalars(select(Payment).where(Payment.number == "13")).one()
    assert third.advance == D("300.00") and third.matched_by is MatchedBy.CONTRACT
    assert db.session.get(Invoice, october.id).remaining == 0

    b = ops.balance(db.session, client.id, as_of=dt.date(2026, 11, 30))
    assert (b.total_invoiced, b.total_paid, b.balance) == (D("1500.00"), D("1800.00"),
                                                           D("-300.00"))
    assert [(m.month, m.opening, m.invoiced, m.paid, m.closing) for m in b.months] == [
        (10, 0, D("1000.00"), 0, D("1000.00")),
        (11, D("1000.00"), D("500.00"), D("1800.00"), D("-300.00"))]


def test_a_named_invoice_is_paid_before_older_ones_and_the_advance_pays_the_next(romashka):
    client, october, november = romashka
    import_orders([Order("21", dt.date(2026, 11, 12), D("800.00"), "7712345671",
                         "Оплата счета 2026-000020")])
    # November's 500 first (named), the other 300 to the oldest open one: October.
    assert _paid(october, november) == [D("300.00"), D("500.00")]
    # A partial payment, then an overpayment; then a new invoice takes the advance when the
    # next statement is imported.
    import_orders([Order("22", dt.date(2026, 11, 13), D("900.00"), "7712345671",
                         "по договору 123")])
    assert _paid(october, november) == [D("1000.00"), D("500.00")]
    december = make_invoice(client, "2026-000030", dt.date(2026, 12, 3), "250.00")
    import_orders([Order("23", dt.date(2026, 12, 5), D("10.00"), "7712345671",
                         "Пени по договору 123")])
    # 200 of payment 22 (its advance) and 10 of payment 23.
    assert _paid(december) == [D("210.00")]
    assert _allocations("22") == [("2026-000010", D("700.00")), ("2026-000030", D("200.00"))]


def test_unmatched_payments_wait_for_staff(romashka):
    client, october, _november = romashka
    other = create_client(tax_id="7712345671", contract_number="124")
    result = import_orders([
        Order("31", dt.date(2026, 11, 5), D("100.00"), "7712345671", "Оплата за электроэнергию"),
        Order("32", dt.date(2026, 11, 5), D("100.00"), "7799999999", "Оплата по договору 123"),
        Order("33", dt.date(2026, 11, 5), D("100.00"), "7712345671", "по договору 1230"),
        Order("34", dt.date(2026, 11, 5), D("100.00"), "7712345671", "сумма 123,45 руб."),
        Order("35", dt.date(2026, 11, 5), D("100.00"), "7712345671", "договор 124"),
    ])
    assert (result.added, result.matched, result.unmatched) == (5, 1, 4)
    queue = db.session.scalars(ops.unmatched_query()).all()
    assert [p.number for p in queue] == ["31", "32", "33", "34"]
    assert db.session.scalars(select(Payment).where(Payment.number == "35")).one().client_id \
        == other.id
    assigned = ops.assign_payment(db.session, queue[0].id, client_id=client.id, actor=ACTOR)
    db.session.commit()
    assert assigned.matched_by is MatchedBy.MANUAL and assigned.allocated == D("100.00")
    assert _paid(october) == [D("100.00")]
    with pytest.raises(ops.AlreadyAssigned):
        ops.assign_payment(db.session, queue[0].id, client_id=other.id, actor=ACTOR)
    db.session.rollback()
    with pytest.raises(ops.DomainError):
        ops.assign_payment(db.session, queue[1].id, client_id=client.id,
                           invoice_number="2099-000001", actor=ACTOR)
    db.session.rollback()


def test_reimport_and_overlapping_statements_add_nothing(romashka):
    _client, october, november = romashka
    first = [Order(str(n), dt.date(2026, 11, n), D("100.00"), "7712345671", "договор 123")
             for n in range(1, 6)]
    second = first[2:] + [Order("6", dt.date(2026, 11, 6), D("100.00"), "7712345671",
                                "договор 123")]
    assert import_orders(first).added == 5
    again = import_orders(first)
    assert (again.payments, again.added) == (5, 0)
    overlap = import_orders(second)
    assert (overlap.payments, overlap.added, overlap.duplicates) == (4, 1, 3)
    # The same payment twice in one file is one payment.
    twice = import_orders([second[-1], second[-1]])
    assert twice.added == 0
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 6
    assert _paid(october, november) == [D("600.00"), D("0.00")]
    # A payment with the same number and date from another account is another payment.
    other = Order("1", dt.date(2026, 11, 1), D("100.00"), "7712345671", "договор 123",
                  payer_account="40702810400000099999")
    assert import_orders([other]).added == 1


def test_a_malformed_statement_imports_nothing(romashka):
    _client, october, _november = romashka
    orders = [Order(str(n), dt.date(2026, 11, 5), D("10.00"), "7712345671", "договор 123")
              for n in range(2500)]
    text = one_c(orders).decode("cp1251").replace("Номер=2400\r\n", "Номер=2400\r\nмусор\r\n")
    with pytest.raises(StatementError) as caught:
        ops.import_statement(db.session, io.BytesIO(text.encode("cp1251")), actor=ACTOR)
    db.session.rollback()
    assert caught.value.line > 2400 * 20 and "мусор" in caught.value.reason
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0
    assert db.session.scalar(select(func.count()).select_from(StatementImport)) == 0
    assert _paid(october) == [D("0.00")]


def test_text_is_stored_exactly_as_the_bank_wrote_it(romashka):
    """Backslashes and tabs in a payer's name or purpose (PostgreSQL's COPY escapes them;
    the parser turns a tab inside the purpose into a space)."""
    purpose = "Оплата\tпо договору 123\\N, счёт C:\\1С\\выписка \\t «кавычки»"
    name = 'ООО "Ромашка\\Юг"\t'
    import_orders([Order("51", dt.date(2026, 11, 5), D("10.00"), "7712345671", purpose,
                         payer_name=name)])
    stored = db.session.scalars(select(Payment).where(Payment.number == "51")).one()
    assert (stored.purpose, stored.payer_name) == (purpose.replace("\t", " "), name.strip())
    assert stored.client_id == romashka[0].id and stored.matched_by is MatchedBy.CONTRACT


def test_many_batches_allocate_as_one(romashka):
    """Payments spread over batches of 3: the advance of one batch pays what the next owes."""
    _client, october, november = romashka
    orders = [Order(str(60 + n), dt.date(2026, 11, 1 + n), D("150.00"), "7712345671",
                    "по договору 123") for n in range(10)]
    result = ops.import_statement(db.session, io.BytesIO(one_c(orders)), actor=ACTOR,
                                  batch_size=3)
    db.session.commit()
    assert (result.added, result.matched) == (10, 10)
    assert _paid(october, november) == [D("1000.00"), D("500.00")]
    assert sum(p.advance for p in db.session.scalars(select(Payment))) == D("0.00")


def test_outgoing_payments_of_the_supplier_are_skipped(romashka):
    result = import_orders([
        Order("41", dt.date(2026, 11, 5), D("10.00"), "7712345671", "договор 123"),
        Order("42", dt.date(2026, 11, 5), D("99.00"), "7701234560", "Возврат",
              payer_account="40702810900000000001")], supplier_account="40702810900000000001")
    assert (result.payments, result.added) == (1, 1)


def test_money_on_a_replaced_invoice_moves_to_the_replacement(romashka):
    """October's act was corrected: invoice 2026-000010 (1000.00, paid 600.00) is replaced by
    2026-000030 (800.00). The next import gives the 600.00 back to its payment and allocates
    it to the oldest open invoice — the replacement."""
    client, october, november = romashka
    import_orders([Order("51", dt.date(2026, 11, 10), D("600.00"), "7712345671",
                         "по договору 123")])
    replacement = make_invoice(client, "2026-000030", dt.date(2026, 10, 3), "800.00")
    row = db.session.get(Invoice, october.id)
    row.replaced_by_id = replacement.id
    db.session.commit()
    import_orders([Order("52", dt.date(2026, 11, 20), D("100.00"), "7712345671",
                         "по договору 123")])
    assert _paid(october, replacement, november) == [D("0.00"), D("700.00"), D("0.00")]
    assert _allocations("51") == [("2026-000030", D("600.00"))]
    assert _allocations("52") == [("2026-000030", D("100.00"))]


def test_issuing_a_replacement_moves_the_money_at_once(romashka):
    """The same correction, announced when the replacement is issued
    (``invoicing.operations.settle_issued``): no statement needed. Then a new invoice meets
    the advance left: 300.00 paid ahead pays December's at once."""
    from lk_corporate.invoicing.operations import settle_issued

    client, october, november = romashka
    import_orders([Order("53", dt.date(2026, 11, 10), D("2100.00"), "7712345671",
                         "по договору 123")])
    assert _paid(october, november) == [D("1000.00"), D("500.00")]
    replacement = make_invoice(client, "2026-000030", dt.date(2026, 10, 3), "800.00")
    db.session.get(Invoice, october.id).replaced_by_id = replacement.id
    db.session.flush()
    settle_issued(db.session, client.id, replaced=True)
    db.session.commit()
    assert _paid(october, replacement, november) == [D("0.00"), D("800.00"), D("500.00")]
    assert ops.advance(db.session, client.id) == D("800.00")

    december = make_invoice(client, "2026-000040", dt.date(2026, 12, 3), "1000.00")
    settle_issued(db.session, client.id, replaced=False)
    db.session.commit()
    assert _paid(december) == [D("800.00")] and ops.advance(db.session, client.id) == 0


@pytest.mark.parametrize("driver", ["psycopg", "psycopg2"])
def test_the_fast_path_imports_the_same_on_either_postgresql_driver(romashka, driver: str):
    """``payments.bulk`` (``COPY`` and the allocations' insert) has a path per driver:
    psycopg 3 for ``postgresql://`` URLs, psycopg2 for ``postgresql+psycopg2://``. Both
    import, skip the duplicates and allocate alike, across batches."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's fast path; SQLite has none")
    _client, october, november = romashka
    engine = create_engine(db.engine.url.set(drivername=f"postgresql+{driver}"))
    orders = [Order(str(70 + n), dt.date(2026, 11, 1 + n), D("150.00"), "7712345671",
                    "по договору 123, в т.ч. НДС\\20%") for n in range(12)]
    try:
        with Session(engine) as other:
            module = type(other.connection().connection.driver_connection).__module__
            assert module.split(".")[0] == driver
            first = ops.import_statement(other, io.BytesIO(one_c(orders)), actor=ACTOR,
                                         batch_size=5)
            again = ops.import_statement(other, io.BytesIO(one_c(orders)), actor=ACTOR,
                                         batch_size=5)
            other.commit()
    finally:
        engine.dispose()
    assert (first.added, first.matched, again.added) == (12, 12, 0)
    assert _paid(october, november) == [D("1000.00"), D("500.00")]
    assert len(_allocations("70")) == 1
    # the text went through COPY's escaping intact
    assert db.session.scalars(select(Payment.purpose).where(Payment.number == "70")).one() \
        == "по договору 123, в т.ч. НДС\\20%"
    assert sum(p.advance for p in db.session.scalars(select(Payment))) == D("300.00")
