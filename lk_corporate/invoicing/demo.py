"""The demo's previous month, already calculated: so that a client who logs in right after
``make demo`` finds an invoice and a tax invoice under «Деньги».

Kept apart from ``demo.seed`` (which fills an empty database with the reference data) and
registered with it (``demo.seed.register_demo_seeder``, so the demo package needs to know
nothing of invoicing): for the clients that have demo users, it makes the previous (closed) period's reading act —
readings ending at the meters' last readings, rendered, signed by the client's demo key,
received and accepted — and calculates it with the real engine, which signs the invoice
pair with the supplier's demo key (B-T from the demo TSA; B-B, completed later, when the
TSA is not running). The reading-act flow of the readings packages will make such acts
itself; until then this is the only way to an accepted act in the demo.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

from documents import CLIENT, MeterReading, ReadingActData, readings_payload, render_reading_act
from lk_corporate.calculation.engine import SERVICE_NAMES, ZONE_NAMES, CalculationError, consumption
from lk_corporate.clients.models import Client, Meter, MeterStatus
from lk_corporate.core.audit import Actor
from lk_corporate.core.db import DbSession
from lk_corporate.core.storage import FileStore, sha256_hex
from lk_corporate.demo import data
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus, RevisionSource
from lk_corporate.docflow.operations import add_revision, issue_document
from lk_corporate.docflow.states import transition
from lk_corporate.invoicing.models import Invoice
from lk_corporate.invoicing.operations import issue_invoices_for_act, party_of
from lk_corporate.invoicing.runs import record_calculated
from lk_corporate.invoicing.settings import InvoicingSettings
from lk_corporate.periods.models import BillingPeriod, PeriodStatus
from lk_corporate.pki.manifest import Manifest
from lk_corporate.reading_acts.models import ReadingAct, ReadingSource
from lk_corporate.reading_acts.operations import accept_act
from lk_corporate.reading_acts.settings import ActLinks
from lk_corporate.signatures.supplier import SupplierKey
from lk_corporate.supplier.models import SupplierSettings
from signing import Level, SigningIdentity, SigningOptions, load_pkcs12_identity, sign_pdf

log = logging.getLogger(__name__)

UNITS = {"electricity": "кВт·ч", "cold_water": "м³", "hot_water": "м³", "heat": "Гкал"}
ACTOR = Actor.system("demo")


def _act(session: DbSession, client: Client, period: BillingPeriod,
         supplier: SupplierSettings, base_url: str) -> ReadingActData | None:
    first = dt.date(period.year, period.month, 1)
    readings = []
    for meter in session.scalars(select(Meter).where(Meter.client_id == client.id,
                                                     Meter.status == MeterStatus.INSTALLED)
                                 .order_by(Meter.id)):
        use = data.PREVIOUS_MONTH_USE.get(meter.factory_number or "")
        demo = next((m for c in data.CLIENTS for m in c.meters
                     if m.factory_number == meter.factory_number), None)
        if use is None or demo is None:
            continue
        for zone, last, delta in zip(meter.zone_list, demo.previous, use, strict=True):
            previous = last - delta
            readings.append(MeterReading(
                service=meter.service.value, service_name=SERVICE_NAMES[meter.service.value],
                point_name=meter.point.name, factory_number=meter.factory_number or "",
                verification_date=meter.verification_date, zone=zone,
                zone_name=ZONE_NAMES[zone], unit=UNITS[meter.service.value],
                previous_value=previous, previous_date=first - dt.timedelta(days=1),
                current_value=last, current_date=period.calculation_date,
                ct_ratio=meter.ct_ratio, vt_ratio=meter.vt_ratio,
                consumption=consumption(previous, last, ct_ratio=meter.ct_ratio,
                                        vt_ratio=meter.vt_ratio, rollover=False,
                                        digits=meter.digits)))
    if not readings:
        return None
    number = f"АП-{client.contract_number}-{period.year}-{period.month:02d}"
    return ReadingActData(
        number=number, date=period.calculation_date, year=period.year, month=period.month,
        supplier=party_of(supplier, with_bank=True), client=party_of(client, with_bank=False),
        contract_number=client.contract_number,
        contract_date=client.contract_date or period.calculation_date,
        submitted_at=dt.datetime.combine(period.calculation_date, dt.time(11, 20),
                                         tzinfo=dt.UTC),
        # Replaced by its token's link when issued (calculate_demo_act).
        readings=tuple(readings), verify_url=base_url,
        client_signer=None, supplier_signer=None)


def calculate_demo_act(session: DbSession, store: FileStore, act_data: ReadingActData, *,
                       client: Client, period: BillingPeriod, signer: SigningIdentity,
                       key: SupplierKey, settings: InvoicingSettings) -> bool:
    """Take ``act_data`` through the month as a client's act goes through it: issued with
    its verification link, signed by the client's demo key, received, accepted with the
    supplier's signature «Принято к расчёту, расчёт № N» (``reading_acts.accept_act``), then
    calculated by the real engine. False (logged) when the engine refuses it, e.g. for want
    of a tariff: the demo goes on without that month."""
    token = secrets.token_urlsafe(15)
    act_data = replace(act_data, verify_url=ActLinks.for_base_url(settings.base_url).verify(token))
    pdf = render_reading_act(act_data)
    signed = sign_pdf(pdf, signer, SigningOptions(level=Level.B_B, field_name=CLIENT,
                                                  tsa_url=None)).pdf
    act = issue_document(session, store, kind=DocumentKind.READING_ACT, number=act_data.number,
                         client_id=client.id, period_id=period.id, date=act_data.date, pdf=pdf,
                         actor=ACTOR, public_token=token).document
    reading_act = ReadingAct(document_id=act.id, client_id=client.id, period_id=period.id,
                             source=ReadingSource.CLIENT, submitted_by="demo",
                             submitted_at=act_data.submitted_at,
                             payload_sha256=sha256_hex(readings_payload(act_data)),
                             verify_token=token)
    session.add(reading_act)
    add_revision(session, store, act, signed, source=RevisionSource.CLIENT_SIGNATURE,
                 actor=ACTOR, verdict="TOTAL-PASSED", note="demo")
    transition(session, act, DocumentStatus.RECEIVED, actor=ACTOR)
    accept_act(session, store, reading_act, actor=ACTOR, supplier_key=key,
               now=act_data.submitted_at + dt.timedelta(hours=2))
    try:
        with session.begin_nested():
            issue_invoices_for_act(session, store, session.get(Document, act.id) or act,
                                   actor=ACTOR, supplier_key=key, settings=settings,
                                   today=period.calculation_date + dt.timedelta(days=2))
    except CalculationError as exc:
        log.warning("demo invoices for %s, %s: %s", client.contract_number, period.label, exc)
        return False
    return True


def seed_demo_invoices(session: DbSession, store: FileStore, *, manifest: Manifest,
                       key: SupplierKey, settings: InvoicingSettings) -> int:
    """Calculate the previous period for the demo clients with users (once: nothing happens
    when the period has invoices already). Returns how many pairs were issued."""
    period = session.scalars(select(BillingPeriod).where(BillingPeriod.status == PeriodStatus.CLOSED)
                             .order_by(BillingPeriod.year.desc(), BillingPeriod.month.desc())
                             .limit(1)).first()
    supplier = session.scalars(select(SupplierSettings).limit(1)).first()
    if period is None or supplier is None:
        return 0
    # Only this period's: other seeders (consumption.demo) calculate the months before it.
    if session.scalars(select(Invoice.id).where(Invoice.period_id == period.id)
                       .limit(1)).first() is not None:
        return 0
    issued = 0
    for identity in manifest.by_role("client"):
        client = session.scalars(select(Client).where(
            Client.contract_number == identity.client_contract)).first()
        if client is None or identity.client_contract == data.CLIENTS[2].contract_number:
            continue  # the third client has no users yet (it registers with a code)
        act_data = _act(session, client, period, supplier, settings.base_url)
        if act_data is None:
            continue
        if calculate_demo_act(session, store, act_data, client=client, period=period,
                              signer=load_pkcs12_identity(identity.p12, identity.password),
                              key=key, settings=settings):
            issued += 1
    if issued:
        record_calculated(session, period, actor=ACTOR)
    return issued


def seed_demo_invoices_from_config(session: DbSession, config: Mapping[str, Any],
                                   manifest: Manifest) -> str | None:
    """The demo seeder: what ``lk demo`` prints while it runs."""
    issued = seed_demo_invoices(session, FileStore(Path(str(config["LK_STORAGE_DIR"]))),
                                manifest=manifest, key=SupplierKey.from_config(config),
                                settings=InvoicingSettings.from_config(config))
    return f"Calculated the previous month: {issued} invoice pairs." if issued else None
