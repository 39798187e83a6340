"""The demo's limit requests: ООО «Ромашка» has this year's approved (signed by its demo key,
countersigned by the supplier's: both signatures valid) and next year's awaiting its
signature; АО «ЗМК»'s waits in the supplier's countersigning queue."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select

from lk_corporate.clients.models import Client
from lk_corporate.core.extensions import db
from lk_corporate.core.storage import FileStore
from lk_corporate.core.uow import unit_of_work
from lk_corporate.countersign.operations import queue
from lk_corporate.demo.seed import seed_demo
from lk_corporate.docflow.models import DocumentStatus
from lk_corporate.limits import operations as ops
from lk_corporate.limits.demo import seed_demo_limits
from lk_corporate.signatures.supplier import SupplierKey
from signing import Level
from tests.signing.conftest import demo_pki, nss_db, pki_base_url, pki_services
from tests.signing.helpers import assert_pdfsig_all_valid

__all__ = ["demo_pki", "nss_db", "pki_base_url", "pki_services"]


def test_the_demo_has_an_approved_an_awaiting_and_a_queued_request(
        clean_app: Any, demo_pki: Any, pki_services: Any, nss_db: str, tmp_path: Path) -> None:
    store = FileStore(Path(clean_app.config["LK_STORAGE_DIR"]))
    key = SupplierKey(p12=demo_pki.supplier.p12, password_file=demo_pki.supplier.password_file,
                      tsa_url=demo_pki.tsa_url, trust_roots=(demo_pki.root_pem,),
                      level=Level.B_T)
    today = dt.date(2026, 12, 2)
    with unit_of_work() as session:
        seed_demo(session)
    with unit_of_work() as session:
        made = seed_demo_limits(session, store, manifest=demo_pki.manifest, key=key,
                                base_url="http://127.0.0.1:5000", timezone="Europe/Moscow",
                                today=today)
    assert [(r.year, r.document.status) for r in made] == [
        (2026, DocumentStatus.ACCEPTED), (2027, DocumentStatus.AWAITING_SIGNATURE),
        (2027, DocumentStatus.RECEIVED)]
    romashka = db.session.scalars(select(Client).where(Client.contract_number == "123")).one()
    limits = ops.approved_limits(db.session, romashka.id, 2026)
    assert limits and all(len(m) == 12 and None not in m for m in limits.values())
    assert [d.id for d in queue(db.session)] == [made[2].document_id]
    path = tmp_path / "approved.pdf"
    path.write_bytes(store.get(made[0].document.sha256))
    assert_pdfsig_all_valid(path, nss_db, expected=2)
    with unit_of_work() as session:  # once only
        assert seed_demo_limits(session, store, manifest=demo_pki.manifest, key=key,
                                base_url="http://x", timezone="Europe/Moscow", today=today) == []
