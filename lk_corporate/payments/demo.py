"""The demo's money: a bank statement already imported, one to import, and a reconciliation
act — so that a new user finds payments, a debt and an advance under «Деньги» and has
something to try on the staff's upload page.

Registered with ``demo.seed`` (run by ``lk demo`` after the invoicing seeder issued the
previous month's invoices). It writes two statements in the 1C client-bank exchange format
(Windows-1251, as banks send them):

* the first is imported at once: the first demo client pays part of its invoice (a debt
  remains), the second pays its invoice and an advance, a third payment names nothing the
  portal knows (it waits in the staff's «Неразнесённые платежи»);
* the second is written to the instance folder (``demo-statement.txt``) for the staff to
  import by hand (the upload page offers it): a new payment of the first client that pays
  its debt off, and one payment of the first statement again, which the import skips.

Then the supplier issues a reconciliation act to the first client for the months so far.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from lk_corporate.clients.models import Client
from lk_corporate.core.audit import Actor
from lk_corporate.core.db import DbSession
from lk_corporate.core.errors import DomainError
from lk_corporate.core.storage import FileStore
from lk_corporate.docflow.models import DocumentKind
from lk_corporate.invoicing.models import Invoice
from lk_corporate.invoicing.settings import InvoicingSettings
from lk_corporate.payments.models import Payment
from lk_corporate.payments.operations import import_statement
from lk_corporate.payments.reconciliation import issue_reconciliation_act, supplier_key_from
from lk_corporate.supplier.models import SupplierSettings

log = logging.getLogger(__name__)
ACTOR = Actor.system("demo")
STATEMENT_NAME = "demo-statement.txt"


@dataclass(frozen=True)
class Order:
    number: str
    date: dt.date
    amount: Decimal
    payer_tax_id: str
    payer_name: str
    payer_account: str
    purpose: str
    payer_bik: str = "044525593"


def write_1c(orders: Iterable[Order], *, supplier_account: str, supplier_tax_id: str,
             supplier_name: str, first: dt.date, last: dt.date) -> bytes:
    """A statement as a bank exports it (1CClientBankExchange, Windows-1251)."""
    lines = ["1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows",
             "Отправитель=Бухгалтерия", "Получатель=",
             f"ДатаСоздания={last:%d.%m.%Y}", "ВремяСоздания=09:00:00",
             f"ДатаНачала={first:%d.%m.%Y}", f"ДатаКонца={last:%d.%m.%Y}",
             f"РасчСчет={supplier_account}", "Документ=Платежное поручение", "СекцияРасчСчет",
             f"ДатаНачала={first:%d.%m.%Y}", f"ДатаКонца={last:%d.%m.%Y}",
             f"РасчСчет={supplier_account}", "НачальныйОстаток=0.00", "КонецРасчСчет"]
    for o in orders:
        lines += ["СекцияДокумент=Платежное поручение", f"Номер={o.number}",
                  f"Дата={o.date:%d.%m.%Y}", f"Сумма={o.amount:.2f}",
                  f"ПлательщикСчет={o.payer_account}",
                  f"Плательщик=ИНН {o.payer_tax_id} {o.payer_name}",
                  f"ПлательщикИНН={o.payer_tax_id}", f"Плательщик1={o.payer_name}",
                  f"ПлательщикРасчСчет={o.payer_account}", f"ПлательщикБИК={o.payer_bik}",
                  f"ПолучательСчет={supplier_account}", f"ДатаПоступило={o.date:%d.%m.%Y}",
                  f"ПолучательИНН={supplier_tax_id}", f"Получатель1={supplier_name}",
                  f"ПолучательРасчСчет={supplier_account}", "ВидОплаты=01", "Очередность=5",
                  f"НазначениеПлатежа={o.purpose}", "КонецДокумента"]
    lines.append("КонецФайла")
    text = "\r\n".join(lines).replace("«", '"').replace("»", '"') + "\r\n"
    return text.encode("cp1251", errors="replace")


def _account(client: Client, n: int) -> str:
    return client.bank_account or f"4070281040000000{n:04d}"


def seed_demo_payments(session: DbSession, store: FileStore, *, config: Mapping[str, Any],
                       settings: InvoicingSettings, instance_dir: Path) -> str | None:
    """Once, on a database with the demo's invoices and no payments yet."""
    if session.scalars(select(Payment.id).limit(1)).first() is not None:
        return None
    invoices = list(session.scalars(select(Invoice).where(
        Invoice.kind == DocumentKind.INVOICE, Invoice.document_id.is_not(None),
        Invoice.replaced_by_id.is_(None)).order_by(Invoice.client_id, Invoice.date)))
    supplier = session.scalars(select(SupplierSettings).limit(1)).first()
    if not invoices or supplier is None:
        return None
    today = settings.today()
    clients = {c.id: c for c in session.scalars(select(Client).where(
        Client.id.in_([i.client_id for i in invoices])))}
    first, second = invoices[0], next((i for i in invoices if i.client_id != invoices[0].client_id),
                                      None)
    pay_day = min(today, first.date + dt.timedelta(days=7))
    c1 = clients[first.client_id]
    part = (first.total * Decimal("0.6")).quantize(Decimal("0.01"))
    orders = [Order("1207", pay_day, part, c1.tax_id, c1.name, _account(c1, 1),
                    f"Оплата по счету № {first.number} от {first.date:%d.%m.%Y} за "
                    f"электроэнергию, частичная. В т.ч. НДС 20%")]
    if second is not None:
        c2 = clients[second.client_id]
        orders.append(Order("388", min(today, second.date + dt.timedelta(days=4)),
                            second.total + Decimal("15000.00"), c2.tax_id, c2.name,
                            _account(c2, 2),
                            f"Оплата за электроэнергию и аванс по договору № "
                            f"{c2.contract_number} от {c2.contract_date or today:%d.%m.%Y}, "
                            f"в т.ч. НДС 20%"))
    orders.append(Order("56", pay_day, Decimal("4800.00"), "7734567890",
                        "ООО «Неизвестный плательщик»", "40702810500000000056",
                        "Оплата за электроэнергию, без НДС"))
    common = {"supplier_account": supplier.bank_account, "supplier_tax_id": supplier.tax_id,
              "supplier_name": supplier.name}
    month_start = first.date.replace(day=1)
    statement = write_1c(orders, first=month_start, last=today, **common)
    imported = import_statement(session, io.BytesIO(statement), actor=ACTOR,
                                file_name="demo-statement-1.txt",
                                supplier_account=supplier.bank_account, today=today)
    # The statement to import by hand: the rest of the first client's debt, and one payment
    # of the statement above again (the import skips it).
    rest = first.total - part
    later = [Order("1261", today, rest, c1.tax_id, c1.name, _account(c1, 1),
                   f"Доплата по договору № {c1.contract_number}, счет № {first.number}. "
                   f"В т.ч. НДС 20%"), orders[0]]
    path = instance_dir / STATEMENT_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(write_1c(later, first=month_start, last=today, **common))
    message = (f"Imported a demo bank statement: {imported.added} payments "
               f"({imported.unmatched} to assign by hand). A statement to import yourself: "
               f"{path}")
    try:
        with session.begin_nested():
            act = issue_reconciliation_act(
                session, store, client_id=c1.id, date_from=month_start, date_to=today,
                requested_by="staff", actor=ACTOR, supplier_key=supplier_key_from(config),
                base_url=settings.base_url, today=today)
        message += f"; reconciliation act No. {act.document.number} sent to {c1.contract_number}"
    except DomainError as exc:  # no supplier key in this demo: the rest still works
        log.warning("demo reconciliation act: %s", exc)
    return message + "."


def statement_path(config: Mapping[str, Any]) -> Path:
    """Where the demo's statement to import is written (beside the file store)."""
    return Path(str(config["LK_STORAGE_DIR"])).parent / STATEMENT_NAME


def seed_demo_payments_from_config(session: DbSession, config: Mapping[str, Any],
                                   manifest: Any) -> str | None:
    return seed_demo_payments(session, FileStore(Path(str(config["LK_STORAGE_DIR"]))),
                              config=config, settings=InvoicingSettings.from_config(config),
                              instance_dir=statement_path(config).parent)
