"""Reading acts signed by the client and received, waiting for the supplier: the
countersigning queue's material."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D
from typing import Any

from lk_corporate.clients.models import Client
from lk_corporate.core.extensions import db
from lk_corporate.core.storage import FileStore
from lk_corporate.docflow.models import Document, DocumentStatus
from lk_corporate.periods.models import BillingPeriod, PeriodStatus
from lk_corporate.reading_acts.models import ReadingAct, ReadingSource
from lk_corporate.supplier.models import SupplierSettings
from tests.support.acts import Row, accepted_act
from tests.support.factories import create_meter


def received_acts(store: FileStore, supplier: SupplierSettings, clients: list[Client],
                  signer: Any, *, per_client: int = 1) -> list[Document]:
    """For each client, ``per_client`` acts of consecutive periods, each really signed by
    ``signer`` (a demo-PKI identity) into the client's box and received."""
    periods = []
    for month in range(1, per_client + 1):
        period = BillingPeriod(year=2026, month=month, calculation_date=dt.date(2026, month, 25),
                               status=PeriodStatus.CLOSED)
        db.session.add(period)
        periods.append(period)
    db.session.commit()
    documents = []
    for client in clients:
        meter = create_meter(client)
        for period in periods:
            document = accepted_act(store, supplier, client, period,
                                    [Row(meter, D(100), D(250))], signer=signer,
                                    status=DocumentStatus.RECEIVED)
            db.session.add(ReadingAct(document_id=document.id, client_id=client.id,
                                      period_id=period.id, source=ReadingSource.CLIENT,
                                      payload_sha256="0" * 64,
                                      verify_token=f"t{document.id}-{client.id}"))
            documents.append(document)
    db.session.commit()
    return documents


def submission_id(page: str) -> str:
    found = re.search(r'name="submission_id" type="hidden" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)
