"""A small world for the API tests: two clients with a user, a meter and documents each, a
billing period, tariffs, and API tokens made through the real operation."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from lk_corporate.accounts.models import User
from lk_corporate.api.operations import create_token
from lk_corporate.clients.models import Client, Meter, MeterInstallationReading, Service
from lk_corporate.core.audit import Actor
from lk_corporate.core.extensions import db
from lk_corporate.core.storage import FileStore
from lk_corporate.core.uow import unit_of_work
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus, RevisionSource
from lk_corporate.docflow.operations import add_revision, issue_document, supersede
from lk_corporate.docflow.states import transition
from lk_corporate.periods.models import BillingPeriod, PeriodStatus
from lk_corporate.tariffs.models import Tariff
from tests.reading_acts.conftest import crl_index, pki_app
from tests.signing.conftest import demo_pki, pki_base_url, pki_services
from tests.support.factories import (
    create_client,
    create_client_user,
    create_meter,
    create_supplier,
)

# The signed upload's fixtures (test_cycle.py): the demo PKI on loopback and an app that trusts it.
__all__ = ["crl_index", "demo_pki", "pki_app", "pki_base_url", "pki_services"]

ACTOR = Actor(None, "tests", "127.0.0.1")
REPORT = {"verdict": "TOTAL-PASSED", "signatures": [{"signer": "Иванов И. И.", "tax_id": "7700000001"}]}


def make_token(user: User, name: str = "1C", days: int = 30) -> str:
    with unit_of_work() as session:
        made = create_token(session, session.merge(user), name=name, days=days, actor=ACTOR)
        return made.plain


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class World:
    a: Client
    b: Client
    user_a: User
    user_b: User
    meter_a: Meter
    meter_b: Meter
    period: BillingPeriod
    act_a: Document
    act_a2: Document
    invoice_a: Document
    act_b: Document
    invoice_b: Document
    token_a: str
    token_b: str
    secrets: tuple[str, ...] = ("Бета-секрет", "BETA-SECRET", "betasecret")


def store(app: Flask) -> FileStore:
    return FileStore(Path(app.config["LK_STORAGE_DIR"]))


def _issue(app: Flask, kind: DocumentKind, number: str, client: Client,
           period: BillingPeriod | None, pdf: bytes, **kwargs: Any) -> Document:
    with unit_of_work() as session:
        return issue_document(session, store(app), kind=kind, number=number,
                              client_id=client.id, period_id=period.id if period else None,
                              date=dt.date(2026, 11, 30), pdf=pdf, actor=ACTOR,
                              **kwargs).document


@pytest.fixture()
def world(session: Any, app: Flask) -> World:
    create_supplier()
    a = create_client(name="ООО «Альфа»", short_name="ООО «Альфа»", contract_number="A-1")
    b = create_client(name="ООО «Бета-секрет»", short_name="ООО «Бета-секрет»",
                      contract_number="B-SECRET-2")
    meter_a = create_meter(a, factory_number="ALPHA-0001", zones="day,night",
                           ct_ratio=Decimal("200.000000"), max_consumption=None,
                           installed_on=dt.date(2026, 1, 10))
    # What the registers showed when the meter was installed: readings count from there.
    meter_a.installation_readings = [MeterInstallationReading(zone="day", value=Decimal(100)),
                                     MeterInstallationReading(zone="night", value=Decimal(50))]
    meter_b = create_meter(b, factory_number="BETA-SECRET-9")
    user_a = create_client_user(a, login="alpha")
    user_b = create_client_user(b, login="betasecret")
    period = BillingPeriod(year=2026, month=11, calculation_date=dt.date(2026, 11, 25),
                           status=PeriodStatus.OPEN)
    db.session.add_all([
        period,
        Tariff(service=Service.ELECTRICITY, zone="day", unit="кВт·ч", price=Decimal("5.120000"),
               valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 11, 15)),
        Tariff(service=Service.ELECTRICITY, zone="day", unit="кВт·ч", price=Decimal("5.5"),
               valid_from=dt.date(2026, 11, 16)),
        Tariff(service=Service.ELECTRICITY, zone="night", unit="кВт·ч", price=Decimal(3),
               valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2025, 12, 31)),
    ])
    db.session.commit()
    act_a = _issue(app, DocumentKind.READING_ACT, "RA-1", a, period, b"%PDF-1.7 act A")
    with unit_of_work() as s:
        doc = s.get(Document, act_a.id)
        add_revision(s, store(app), doc, b"%PDF-1.7 act A signed",
                     source=RevisionSource.CLIENT_SIGNATURE, actor=ACTOR,
                     verdict="TOTAL-PASSED", report=json.dumps(REPORT))
        transition(s, doc, DocumentStatus.RECEIVED, actor=ACTOR)
    act_a2 = _issue(app, DocumentKind.READING_ACT, "RA-2", a, period, b"%PDF-1.7 act A2",
                    supersedes=act_a)
    with unit_of_work() as s:
        supersede(s, s.get(Document, act_a.id), by=s.get(Document, act_a2.id), actor=ACTOR)
    invoice_a = _issue(app, DocumentKind.INVOICE, "INV-1", a, period, b"%PDF-1.7 invoice A")
    act_b = _issue(app, DocumentKind.READING_ACT, "RA-BETA-SECRET", b, period,
                   b"%PDF-1.7 BETA-SECRET act")
    invoice_b = _issue(app, DocumentKind.INVOICE, "INV-BETA-SECRET", b, period,
                       b"%PDF-1.7 BETA-SECRET invoice")
    db.session.expire_all()
    return World(a=a, b=b, user_a=user_a, user_b=user_b, meter_a=meter_a, meter_b=meter_b,
                 period=period, act_a=act_a, act_a2=act_a2, invoice_a=invoice_a, act_b=act_b,
                 invoice_b=invoice_b, token_a=make_token(user_a), token_b=make_token(user_b))
