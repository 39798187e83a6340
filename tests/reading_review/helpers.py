"""An accepted act to review, made the way a client makes one: readings submitted on the
page, the act signed in the client's box with the demo PKI's «Ромашка» key and uploaded
(accepted at once with the supplier's signature), and tariffs to charge it with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from lk_corporate.clients.models import Service
from lk_corporate.core.audit import Actor
from lk_corporate.core.extensions import db
from lk_corporate.core.uow import unit_of_work
from lk_corporate.docflow.models import DocumentStatus
from lk_corporate.reading_acts import context
from lk_corporate.reading_acts.models import ReadingAct
from lk_corporate.reading_acts.operations import issued_file, upload_signed_act
from lk_corporate.reading_review.operations import correct_reading, review_act
from lk_corporate.supplier.models import SupplierSettings
from lk_corporate.tariffs.models import Tariff
from signing import Level, SigningOptions, load_pkcs12_identity, sign_pdf
from tests.readings.helpers import ACTOR, World, full_entries, make_world, submit

D = Decimal
ENGINEER = Actor(None, "engineer", "10.0.0.2")
DAY = "0804201234|day"


@dataclass
class Accepted:
    world: World
    act_id: int
    document_id: int


def add_tariffs() -> None:
    """The month's prices, and the supplier's bank (the invoice prints it)."""
    supplier = db.session.scalars(select(SupplierSettings)).one()
    supplier.bank_name, supplier.bank_bik = "ПАО Сбербанк", "044525225"
    supplier.bank_account, supplier.bank_correspondent_account = (
        "40702810938000012345", "30101810400000000225")
    for service, zone, unit, price in ((Service.ELECTRICITY, "day", "кВт·ч", "5.4321"),
                                       (Service.ELECTRICITY, "night", "кВт·ч", "2.7654"),
                                       (Service.COLD_WATER, "single", "м³", "40.00")):
        db.session.add(Tariff(service=service, zone=zone, unit=unit, price=D(price),
                              valid_from=dt.date(2026, 1, 1), tariff_group=""))
    db.session.commit()


def accepted_world(demo_pki: Any, tmp_path: Path, **client: Any) -> Accepted:
    world = make_world(tmp_path, **client)
    world.store = context.file_store()
    done = submit(world, full_entries(world))
    act = db.session.get(ReadingAct, done.act.id)
    ident = demo_pki.identity("romashka")
    signed = sign_pdf(issued_file(world.store, act.document),
                      load_pkcs12_identity(ident.p12, ident.password),
                      SigningOptions(level=Level.B_T, tsa_url=demo_pki.tsa_url,
                                     trust_roots=(demo_pki.root_pem,), field_name="client")).pdf
    with unit_of_work() as session:
        result = upload_signed_act(session, world.store, session.get(ReadingAct, act.id), signed,
                                   actor=ACTOR, validation=context.validation_settings(),
                                   settings=context.act_settings(),
                                   supplier_key=context.supplier_key())
        assert result.document.status is DocumentStatus.ACCEPTED, result.reason
    add_tariffs()
    return Accepted(world, act.id, act.document_id)


def version(accepted: Accepted) -> str:
    db.session.expire_all()
    return review_act(db.session, context.file_store(),
                      db.session.get(ReadingAct, accepted.act_id)).version


def correct(accepted: Accepted, value: str, reason: str = "Контрольное снятие показаний",
            *, row: str = DAY, shown: str | None = None, actor: Actor = ENGINEER) -> Any:
    shown = shown or version(accepted)
    with unit_of_work() as session:
        act = session.get(ReadingAct, accepted.act_id)
        return correct_reading(session, context.file_store(), act, row_key=row, value=value,
                               reason=reason, version=shown, actor=actor,
                               supplier_key=context.supplier_key(),
                               base_url="https://lk.example",
                               validation=context.validation_settings())
