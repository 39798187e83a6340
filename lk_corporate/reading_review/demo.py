"""The demo's corrected reading: so that a new user sees the engineer's correction at once.

For АО «ЗМК» (contract 4587, logins vk4587 and zmk.signer) the open period's readings are
submitted as the month before, the act is signed with the client's demo key and accepted
with the supplier's, and the demo engineer corrects one reading with a reason: the client
finds «Показания исправлены поставщиком» on the readings page and the act's page, the
correction document among its documents, and the engineer (login ``engineer``) the act on
«Проверка показаний». Registered with ``demo.seed.register_demo_seeder`` (the demo package
knows nothing of this one); it runs after the reference data is in.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from lk_corporate.accounts.models import User
from lk_corporate.clients.models import Client, Meter, MeterStatus
from lk_corporate.core.audit import Actor
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.errors import DomainError
from lk_corporate.core.storage import FileStore
from lk_corporate.demo import data
from lk_corporate.docflow.models import DocumentStatus, RevisionSource
from lk_corporate.docflow.operations import add_revision
from lk_corporate.periods.models import BillingPeriod, PeriodStatus
from lk_corporate.pki.manifest import Manifest
from lk_corporate.reading_acts.models import ReadingSource
from lk_corporate.reading_acts.operations import issued_file, receive_signed_act
from lk_corporate.reading_acts.settings import ActLinks, ActSettings
from lk_corporate.reading_review.operations import correct_reading, review_act
from lk_corporate.readings.operations import (
    NeedsConfirmation,
    ReadingSettings,
    submit_readings,
)
from lk_corporate.readings.rules import Entry
from lk_corporate.signatures.portal import portal_validation_settings
from lk_corporate.signatures.supplier import SupplierKey, SupplierKeyMissing
from signing import Level, SigningError, SigningOptions, load_pkcs12_identity, sign_pdf

log = logging.getLogger(__name__)

CONTRACT = "4587"
METER, ZONE, LESS = "0804201234", "day", Decimal("0.10")
REASON = ("Контрольное снятие показаний инженером в день расчёта: по зоне «День» счётчик "
          "показывает на 0,10 меньше переданного (фото в деле).")


def seed_demo_correction(session: DbSession, config: Mapping[str, Any],
                         manifest: Manifest) -> str | None:
    """The demo seeder: what ``lk demo`` prints while it runs (None: nothing was made)."""
    try:
        return _seed(session, config, manifest)
    except (DomainError, SigningError, SupplierKeyMissing, OSError) as exc:
        log.warning("demo correction not made: %s", exc)
        return None


def _seed(session: DbSession, config: Mapping[str, Any], manifest: Manifest) -> str | None:
    client = session.scalars(select(Client).where(Client.contract_number == CONTRACT)).first()
    period = session.scalars(select(BillingPeriod).where(BillingPeriod.status == PeriodStatus.OPEN)
                             .order_by(BillingPeriod.id.desc())).first()
    identity = next((i for i in manifest.by_role("client") if i.client_contract == CONTRACT),
                    None)
    if client is None or period is None or identity is None:
        return None
    store = FileStore(Path(str(config["LK_STORAGE_DIR"])))
    base_url = str(config.get("LK_BASE_URL") or "http://127.0.0.1:5000")
    # Readings are taken from the calculation date on: the demo submits them then (or now).
    at_date = dt.datetime.combine(period.calculation_date, dt.time(9, 0), tzinfo=dt.UTC)
    now = max(utcnow(), at_date)
    entries = []
    for meter in session.scalars(select(Meter).where(Meter.client_id == client.id,
                                                     Meter.status == MeterStatus.INSTALLED)
                                 .order_by(Meter.id)):
        demo = next((m for c in data.CLIENTS for m in c.meters
                     if m.factory_number and m.factory_number == meter.factory_number), None)
        use = data.PREVIOUS_MONTH_USE.get(meter.factory_number or "")
        if demo is None or use is None:
            continue
        for zone, last, delta in zip(meter.zone_list, demo.previous, use, strict=True):
            entries.append(Entry(meter.id, zone, format(last + delta, "f")))
    if not entries:
        return None
    actor = Actor(None, "zmk.signer", "127.0.0.1")
    settings = ReadingSettings.from_config(config)
    links = ActLinks.for_base_url(base_url)
    try:
        done = submit_readings(session, store, client_id=client.id, period_id=period.id,
                               entries=entries, source=ReadingSource.CLIENT,
                               confirm=frozenset(), actor=actor, settings=settings,
                               links=links, now=now)
    except NeedsConfirmation as exc:
        done = submit_readings(session, store, client_id=client.id, period_id=period.id,
                               entries=entries, source=ReadingSource.CLIENT,
                               confirm=frozenset(w.code for w in exc.warnings), actor=actor,
                               settings=settings, links=links, now=now)
    act = done.act
    signed = sign_pdf(issued_file(store, act.document),
                      load_pkcs12_identity(identity.p12, identity.password),
                      SigningOptions(level=Level.B_B, field_name="client", tsa_url=None))
    key = SupplierKey.from_config(config)
    # The demo's own CA: revocation is asked of its OCSP responder (running while ``lk demo``
    # seeds); the portal's CRL index is filled only once the portal runs.
    validation = replace(portal_validation_settings(config), allow_fetch=True)
    # As the invoicing demo does for last month: the demo key is known good, so the act is
    # received as the signing page receives one, without the upload's revocation check.
    add_revision(session, store, act.document, signed.pdf,
                 source=RevisionSource.CLIENT_SIGNATURE, actor=actor, verdict="TOTAL-PASSED",
                 note="demo")
    receive_signed_act(session, store, act, signature={
        "indication": "TOTAL-PASSED", "authorization": {"authorized": True}}, actor=actor,
        settings=ActSettings.from_config(config), supplier_key=key,
        validation=replace(validation, expected_tax_id=client.tax_id))
    if act.document.status is not DocumentStatus.ACCEPTED:
        return None
    engineer = session.scalars(select(User).where(User.login == "engineer")).first()
    who = Actor(engineer.id if engineer else None,
                engineer.login if engineer else "engineer", "127.0.0.1")
    review = review_act(session, store, act)
    row = next((r for r in review.rows if r.factory_number == METER and r.zone == ZONE), None)
    if row is None:
        return None
    correction = correct_reading(
        session, store, act, row_key=row.key, value=format(row.current - LESS, "f"),
        reason=REASON, version=review.version, actor=who, supplier_key=key,
        base_url=base_url, validation=validation,
        timezone=str(config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Moscow"))
    return (f"Corrected a reading of act {act.document.number} ({client.display_name}): "
            f"correction {correction.correction_document.number}.")
