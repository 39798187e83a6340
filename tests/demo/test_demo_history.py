"""The demo's earlier months: after seeding, the reading history of a demo client has six
calculated months whose readings chain (each month starts where the previous one ended, the
registers only grow), computed by the real engine; the breakdown page opens on the newest."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from decimal import Decimal as D
from pathlib import Path
from typing import Any

from sqlalchemy import select

from lk_corporate.clients.models import Client
from lk_corporate.consumption.demo import MONTHS, seed_demo_history
from lk_corporate.consumption.operations import reading_history
from lk_corporate.core.extensions import db
from lk_corporate.core.storage import FileStore
from lk_corporate.core.uow import unit_of_work
from lk_corporate.demo.seed import seed_demo
from lk_corporate.docflow.models import DocumentKind
from lk_corporate.invoicing.demo import seed_demo_invoices
from lk_corporate.invoicing.models import Invoice
from lk_corporate.invoicing.settings import InvoicingSettings
from lk_corporate.periods.models import BillingPeriod, PeriodStatus
from lk_corporate.signatures.supplier import SupplierKey
from signing import Level
from tests.signing.conftest import demo_pki, pki_base_url, pki_services
from tests.support.factories import login

__all__ = ["demo_pki", "pki_base_url", "pki_services"]


def test_the_demo_has_months_of_history(client: Any, clean_app: Any, demo_pki: Any,
                                        pki_services: Any) -> None:
    store = FileStore(Path(clean_app.config["LK_STORAGE_DIR"]))
    key = SupplierKey(p12=demo_pki.supplier.p12, password_file=demo_pki.supplier.password_file,
                      tsa_url=demo_pki.tsa_url, trust_roots=(demo_pki.root_pem,),
                      level=Level.B_T)
    settings = InvoicingSettings(base_url="http://127.0.0.1:5000")
    today = dt.date(2026, 12, 2)
    with unit_of_work() as session:
        seed_demo(session, today=today)
    # In the order `lk demo` runs them (this package's registers first), and then again.
    with unit_of_work() as session:
        earlier = seed_demo_history(session, store, manifest=demo_pki.manifest, key=key,
                                    settings=settings)
    with unit_of_work() as session:
        assert seed_demo_invoices(session, store, manifest=demo_pki.manifest, key=key,
                                  settings=settings) == 2
    # Five months of each client with users (ООО «Ромашка»'s water meter drops out of the
    # earliest one: its register would go below zero).
    assert earlier == 2 * MONTHS
    with unit_of_work() as session:
        assert seed_demo_history(session, store, manifest=demo_pki.manifest, key=key,
                                 settings=settings) == 0
    assert all(p.status is PeriodStatus.CLOSED for p in db.session.scalars(
        select(BillingPeriod).where(BillingPeriod.month.between(6, 10))))

    romashka = db.session.scalars(select(Client).where(Client.contract_number == "123")).one()
    history = reading_history(db.session, romashka.id, end=(2026, 11), limits={})
    power = next(m for m in history.meters if m.factory_number == "011070123456789")
    months = [m for m in power.months if m.has_data]
    assert [(m.year, m.month) for m in months] == [(2026, k) for k in range(6, 12)]
    assert all(m.source == "calculation" and m.cost and m.cost > 0 for m in months)
    for zone in (0, 1):
        chain = [(m.readings[zone].previous, m.readings[zone].current) for m in months]
        assert all(prev < cur for prev, cur in chain)
        assert all(a[1] == b[0] for a, b in itertools.pairwise(chain))
    # the closed month ends at the demo meter's last reading; the month before it used
    # 1 641,6 × 0,94 = 1 543,1 kWh by day
    assert months[-1].readings[0].current == D("12345.6")
    assert months[-2].readings[0].volume == D("1543.1")
    # invoices numbered in the order of the months
    numbers = [i.number for i in db.session.scalars(
        select(Invoice).join(BillingPeriod, Invoice.period_id == BillingPeriod.id)
        .where(Invoice.client_id == romashka.id, Invoice.kind == DocumentKind.INVOICE)
        .order_by(BillingPeriod.year, BillingPeriod.month))]
    assert numbers == sorted(numbers) and len(numbers) == 6

    assert login(client, "vk123", "Romashka-2026").status_code == 302
    page = client.get("/history").get_data(as_text=True)
    assert len(re.findall(r'data-lk="bar"', page)) > 12
    assert "Ноябрь 2026" in client.get("/charges").get_data(as_text=True)
