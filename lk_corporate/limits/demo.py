"""The demo's limit requests, so that a new user finds something under «Лимиты потребления»
and in the supplier's countersigning queue right after ``make demo``:

* ООО «Ромашка» (vk123): this year's request, signed with its demo key and approved by the
  supplier (the limits in force), and next year's, awaiting its signature;
* АО «ЗМК» (vk4587): next year's request, signed and sent, waiting in the supplier's queue
  («На подпись поставщику») for the signer to approve or reject.

The client's signature is made the way the signing page makes it (the first signature
certifies, in the client's box), with the client's demo key held by the seeder; the approval
is the real countersigning (``countersign.operations.countersign``). Registered with
``demo.seed.register_demo_seeder`` by the blueprint, so the demo package knows nothing of
limits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from documents import CLIENT
from lk_corporate.clients.models import Client
from lk_corporate.core.audit import Actor
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.storage import FileStore
from lk_corporate.countersign.operations import countersign
from lk_corporate.demo import data
from lk_corporate.docflow.models import DocumentStatus, RevisionSource
from lk_corporate.docflow.operations import add_revision
from lk_corporate.docflow.states import transition
from lk_corporate.limits import operations as ops
from lk_corporate.limits.models import LimitRequest
from lk_corporate.pki.manifest import Manifest
from lk_corporate.signatures.supplier import SupplierKey, SupplierKeyMissing
from lk_corporate.supplier.operations import get_settings
from signing import Level, SigningOptions, load_pkcs12_identity, sign_pdf

ACTOR = Actor.system("demo")
# A year's profile, more in winter, less in summer. Monthly kWh, January first: about what the demo's main point uses (its history runs at
# 2 000–2 600 kWh a month), so the history page draws limits and actuals on one scale, and
# September's actual (2 473,1) runs over its limit to show the warning.
PROFILE = tuple(Decimal(v) for v in (2900, 2800, 2700, 2500, 2400, 2400, 2700, 2300, 2400,
                                     2400, 2500, 2900))


def _client(session: DbSession, contract: str) -> Client | None:
    return session.scalars(select(Client).where(Client.contract_number == contract)).first()


def _request(session: DbSession, store: FileStore, client: Client, year: int, scale: Decimal,
             base_url: str, timezone: str) -> LimitRequest | None:
    points = ops.limit_points(session, client.id)
    if not points:
        return None
    volumes = [ops.PointVolumes(p.id, [(v * scale / (i + 1)).quantize(Decimal(1))
                                       for v in PROFILE])
               for i, p in enumerate(points)]
    return ops.create_limit_request(session, store, client=client, year=year, points=volumes,
                                    supplier=get_settings(session), actor=ACTOR,
                                    base_url=base_url, timezone=timezone)


def _sign_and_send(session: DbSession, store: FileStore, request: LimitRequest,
                   identity: Any) -> None:
    document = request.document
    signed = sign_pdf(store.get(document.sha256),
                      load_pkcs12_identity(identity.p12, identity.password),
                      SigningOptions(level=Level.B_B, field_name=CLIENT, certify=True,
                                     tsa_url=None)).pdf
    digest = store.put(signed)
    transition(session, document, DocumentStatus.SIGNED, actor=ACTOR, sha_after=digest)
    add_revision(session, store, document, signed, source=RevisionSource.CLIENT_SIGNATURE,
                 actor=ACTOR, verdict="TOTAL-PASSED", note=f"{identity.person} (demo)")
    transition(session, document, DocumentStatus.RECEIVED, actor=ACTOR)


def seed_demo_limits(session: DbSession, store: FileStore, *, manifest: Manifest,
                     key: SupplierKey | None, base_url: str, timezone: str,
                     today: dt.date) -> list[LimitRequest]:
    """The demo's requests (once: nothing happens when there is any)."""
    if session.scalars(select(LimitRequest.id).limit(1)).first() is not None:
        return []
    identities = {i.client_contract: i for i in manifest.by_role("client")}
    made: list[LimitRequest] = []
    first, second = data.CLIENTS[0].contract_number, data.CLIENTS[1].contract_number
    romashka, zmk = _client(session, first), _client(session, second)
    if romashka is not None and first in identities:
        approved = _request(session, store, romashka, today.year, Decimal(1), base_url, timezone)
        if approved is not None:
            _sign_and_send(session, store, approved, identities[first])
            if key is not None:
                countersign(session, store, approved.document, actor=Actor.system("demo"),
                            supplier_key=key)
            made.append(approved)
        awaiting = _request(session, store, romashka, today.year + 1, Decimal("1.05"),
                            base_url, timezone)
        made.extend([awaiting] if awaiting is not None else [])
    if zmk is not None and second in identities:
        sent = _request(session, store, zmk, today.year + 1, Decimal(3), base_url, timezone)
        if sent is not None:
            _sign_and_send(session, store, sent, identities[second])
            made.append(sent)
    return made


def seed_demo_limits_from_config(session: DbSession, config: Mapping[str, Any],
                                 manifest: Manifest) -> str | None:
    """The demo seeder: what ``lk demo`` prints while it runs."""
    try:
        key: SupplierKey | None = SupplierKey.from_config(config)
    except SupplierKeyMissing:
        key = None
    timezone = str(config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Moscow")
    made: Sequence[LimitRequest] = seed_demo_limits(
        session, FileStore(Path(str(config["LK_STORAGE_DIR"]))), manifest=manifest, key=key,
        base_url=str(config["LK_BASE_URL"]), timezone=timezone,
        today=utcnow().astimezone(ZoneInfo(timezone)).date())
    return f"Consumption-limit requests: {len(made)}." if made else None
