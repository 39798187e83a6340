"""The demo's previous month is calculated at seeding: a client logging in right after
``make demo`` finds a signed invoice and tax invoice, with amounts worked out by hand."""

from __future__ import annotations

import re
from decimal import Decimal as D
from pathlib import Path
from typing import Any

from sqlalchemy import select

from lk_corporate.clients.models import Client
from lk_corporate.core.extensions import db
from lk_corporate.core.storage import FileStore
from lk_corporate.core.uow import unit_of_work
from lk_corporate.demo.seed import seed_demo
from lk_corporate.docflow.models import DocumentKind, DocumentStatus, RevisionSource
from lk_corporate.invoicing import runs
from lk_corporate.invoicing.demo import seed_demo_invoices
from lk_corporate.invoicing.models import Invoice, TaskStatus
from lk_corporate.invoicing.settings import InvoicingSettings
from lk_corporate.reading_acts.models import ReadingAct
from lk_corporate.reading_acts.settings import VERIFY_PATH
from lk_corporate.signatures.supplier import SupplierKey
from signing import Level
from tests.signing.conftest import demo_pki, pki_base_url, pki_services
from tests.support.factories import login

__all__ = ["demo_pki", "pki_base_url", "pki_services"]


def test_the_previous_month_is_calculated_for_the_demo_clients(client: Any, clean_app: Any,
                                                               demo_pki: Any,
                                                               pki_services: Any) -> None:
    store = FileStore(Path(clean_app.config["LK_STORAGE_DIR"]))
    key = SupplierKey(p12=demo_pki.supplier.p12, password_file=demo_pki.supplier.password_file,
                      tsa_url=demo_pki.tsa_url, trust_roots=(demo_pki.root_pem,),
                      level=Level.B_T)
    with unit_of_work() as session:
        seed_demo(session)
    with unit_of_work() as session:
        issued = seed_demo_invoices(session, store, manifest=demo_pki.manifest, key=key,
                                    settings=InvoicingSettings(base_url="http://127.0.0.1:5000"))
    assert issued == 2  # ООО «Ромашка» and АО «ЗМК»; the third client has no users yet
    romashka = db.session.scalars(select(Client).where(Client.contract_number == "123")).one()
    invoice = db.session.scalars(select(Invoice).where(
        Invoice.client_id == romashka.id, Invoice.kind == DocumentKind.INVOICE)).one()
    # Day 1 641,6 kWh × 8,62 = 14 150,59 (VAT 2 830,12); night 669,7 × 4,31 = 2 886,41 (577,28);
    # cold water 26,348 m³ × 58,32 = 1 536,62 (307,32); the hot-water meter without a factory
    # number is not in the act. Net 18 573,62, VAT 3 714,72, total 22 288,34.
    assert (invoice.net, invoice.vat, invoice.total) == (D("18573.62"), D("3714.72"),
                                                         D("22288.34"))
    assert invoice.signature_level == "B-T"
    # The period board tells the same story: its run has both clients calculated.
    progress = runs.progress(db.session, invoice.period_id)
    assert (progress.count(TaskStatus.DONE), progress.total) == (2, 2)
    with unit_of_work() as session:  # once only
        assert seed_demo_invoices(session, store, manifest=demo_pki.manifest, key=key,
                                  settings=InvoicingSettings(base_url="http://x")) == 0

    # The act went the way a client's act goes: the client's signature, then the supplier's
    # acceptance in the same file; its QR link opens the portal's check of that act.
    act = db.session.get(ReadingAct, db.session.scalars(select(ReadingAct.id).where(
        ReadingAct.client_id == romashka.id)).one())
    assert act.document.status is DocumentStatus.ACCEPTED and act.calculation_number
    assert [r.source for r in act.document.revisions] == [
        RevisionSource.ISSUED, RevisionSource.CLIENT_SIGNATURE,
        RevisionSource.SUPPLIER_SIGNATURE]
    assert "Принято к расчёту" in act.document.revisions[-1].note
    assert client.get(f"{VERIFY_PATH}{act.verify_token}").status_code == 200

    assert login(client, "vk123", "Romashka-2026").status_code == 302
    page = client.get("/invoices").get_data(as_text=True)
    assert re.findall(r'data-lk="invoice-total">([^<]+)<', page) == ["22\u00a0288,34"]
