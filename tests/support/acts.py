"""Accepted reading acts for the calculation's tests, built the way the reading-act flow
will build them: ``documents.render_reading_act`` → ``docflow.issue_document`` → (the client's
signature into the ``client`` field, optional) → a client-signature revision → received →
accepted.

This stands in for the ``readings``/``reading_acts`` packages (another branch); once they
exist, the tests can submit readings and accept the act through them instead.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from documents import CLIENT, MeterReading, Party, ReadingActData, render_reading_act
from lk_corporate.calculation.engine import SERVICE_NAMES, ZONE_NAMES, consumption
from lk_corporate.clients.models import Client, Meter
from lk_corporate.core.audit import Actor
from lk_corporate.core.storage import FileStore
from lk_corporate.core.uow import unit_of_work
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus, RevisionSource
from lk_corporate.docflow.operations import add_revision, issue_document, supersede
from lk_corporate.docflow.states import transition
from lk_corporate.periods.models import BillingPeriod
from lk_corporate.supplier.models import SupplierSettings

ACTOR = Actor(None, "tests", "10.0.0.1")
_numbers = itertools.count(1)

UNITS = {"electricity": "кВт·ч", "cold_water": "м³", "hot_water": "м³", "heat": "Гкал"}


@dataclass(frozen=True)
class Row:
    """One register of one meter: previous and current reading (as the client typed them)."""

    meter: Meter
    previous: Decimal
    current: Decimal
    zone: str = "single"
    rollover: bool = False
    consumption: Decimal | None = None  # None: computed by the rule; else printed as given


def party(holder: SupplierSettings | Client) -> Party:
    r = holder.requisites
    return Party(name=r.name, tax_id=r.tax_id, address=r.address or "г. Москва",
                 kpp=r.kpp or None, short_name=r.short_name or None)


def meter_readings(rows: Sequence[Row], period: BillingPeriod) -> tuple[MeterReading, ...]:
    first = dt.date(period.year, period.month, 1)
    out = []
    for r in rows:
        m = r.meter
        volume = r.consumption if r.consumption is not None else consumption(
            r.previous, r.current, ct_ratio=m.ct_ratio, vt_ratio=m.vt_ratio,
            rollover=r.rollover, digits=m.digits)
        out.append(MeterReading(
            service=m.service.value, service_name=SERVICE_NAMES[m.service.value],
            point_name=m.point.name, factory_number=m.factory_number or "",
            verification_date=m.verification_date, zone=r.zone, zone_name=ZONE_NAMES[r.zone],
            unit=UNITS[m.service.value], previous_value=r.previous,
            previous_date=first - dt.timedelta(days=1), current_value=r.current,
            current_date=period.calculation_date, ct_ratio=m.ct_ratio, vt_ratio=m.vt_ratio,
            consumption=volume, rollover=r.rollover))
    return tuple(out)


def act_data(supplier: SupplierSettings, client: Client, period: BillingPeriod,
             rows: Sequence[Row], *, number: str | None = None) -> ReadingActData:
    number = number or f"АП-{client.contract_number}-{period.year}-{period.month:02d}-{next(_numbers)}"
    return ReadingActData(
        number=number, date=period.calculation_date, year=period.year, month=period.month,
        supplier=party(supplier), client=party(client), contract_number=client.contract_number,
        contract_date=client.contract_date or dt.date(2020, 1, 15),
        submitted_at=dt.datetime.combine(period.calculation_date, dt.time(10, 0),
                                         tzinfo=dt.UTC),
        readings=meter_readings(rows, period), verify_url="https://lk.example/verify/act/x")


def accepted_act(store: FileStore, supplier: SupplierSettings, client: Client,
                 period: BillingPeriod, rows: Sequence[Row], *, signer: Any = None,
                 supersedes: Document | None = None, number: str | None = None,
                 status: DocumentStatus = DocumentStatus.ACCEPTED,
                 pdf: bytes | None = None, signed_pdf: bytes | None = None,
                 verdict: str = "TOTAL-PASSED") -> Document:
    """An act issued, signed by the client (really, into the ``client`` field, when
    ``signer`` — a demo-PKI ``IdentityInfo`` — is given), received and accepted (or left at
    ``status``). ``supersedes``: the accepted act this corrected one replaces; ``pdf`` and
    ``signed_pdf``: the issued and the "signed" file as given (tampering tests)."""
    number = number or f"ACT-{client.contract_number}-{next(_numbers)}"
    issued_pdf = pdf or render_reading_act(act_data(supplier, client, period, rows,
                                                    number=number))
    signed = signed_pdf or issued_pdf
    if signer is not None:
        from signing import Level, SigningOptions, load_pkcs12_identity, sign_pdf

        identity = load_pkcs12_identity(signer.p12, signer.password)
        signed = sign_pdf(issued_pdf, identity, SigningOptions(
            level=Level.B_B, field_name=CLIENT, tsa_url=None)).pdf
    with unit_of_work() as s:
        doc = issue_document(s, store, kind=DocumentKind.READING_ACT,
                             number=number,
                             client_id=client.id, period_id=period.id,
                             date=period.calculation_date, pdf=issued_pdf, actor=ACTOR).document
        if status is DocumentStatus.AWAITING_SIGNATURE:
            return doc
        add_revision(s, store, doc, signed, source=RevisionSource.CLIENT_SIGNATURE, actor=ACTOR,
                     verdict=verdict, report="{}")
        if supersedes is not None:
            old = s.get(Document, supersedes.id)
            assert old is not None
            supersede(s, old, by=doc, actor=ACTOR, reason="corrected")
            doc.supersedes_id = old.id
        transition(s, doc, DocumentStatus.RECEIVED, actor=ACTOR)
        if status is DocumentStatus.REJECTED:
            transition(s, doc, DocumentStatus.REJECTED, actor=ACTOR, reason="wrong")
        elif status is DocumentStatus.ACCEPTED:
            transition(s, doc, DocumentStatus.ACCEPTED, actor=ACTOR)
        return doc
