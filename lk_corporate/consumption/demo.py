"""The demo's earlier months: so that «История показаний» and «Расшифровка начислений» have
more than one month to show right after ``lk demo``.

For each demo client with users, the months before the demo's closed period
(``MONTHS``) get a closed billing period, a reading act whose readings chain into the closed
month's (each month's current reading is the next month's previous one, so the registers only
grow), signed by the client's demo key, received and accepted, and calculated by the real
engine (``invoicing.operations.issue_invoices_for_act``), which signs the invoice pair with
the supplier's key. The closed month itself is ``invoicing.demo``'s.

Runs once: a month that already has a calculated invoice of the client is left as it is.
When the months reach into the previous year, that year gets tariffs too (the demo's own
start in January), a little lower than this year's.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from documents import MeterReading, ReadingActData
from lk_corporate.calculation.engine import SERVICE_NAMES, ZONE_NAMES, consumption
from lk_corporate.charges.operations import month_invoice
from lk_corporate.clients.models import Client, Meter, MeterStatus
from lk_corporate.core.audit import Actor
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.storage import FileStore
from lk_corporate.demo import data
from lk_corporate.invoicing.demo import calculate_demo_act
from lk_corporate.invoicing.operations import party_of
from lk_corporate.invoicing.runs import record_calculated
from lk_corporate.invoicing.settings import InvoicingSettings
from lk_corporate.periods.models import BillingPeriod, PeriodStatus
from lk_corporate.pki.manifest import Manifest
from lk_corporate.signatures.supplier import SupplierKey
from lk_corporate.supplier.models import SupplierSettings
from lk_corporate.tariffs.models import Tariff
from signing import load_pkcs12_identity

log = logging.getLogger(__name__)

ACTOR = Actor.system("demo")
UNITS = {"electricity": "кВт·ч", "cold_water": "м³", "hot_water": "м³", "heat": "Гкал"}

# How each earlier month's use compares with the closed month's (data.PREVIOUS_MONTH_USE),
# the month just before it first: a little seasonal variation for the charts.
FACTORS = (Decimal("0.94"), Decimal("1.07"), Decimal("0.88"), Decimal("1.12"), Decimal("0.97"))
MONTHS = len(FACTORS)
LAST_YEAR_PRICE = Decimal("0.92")


def _month_before(year: int, month: int, k: int) -> tuple[int, int]:
    index = year * 12 + month - 1 - k
    return index // 12, index % 12 + 1


def _period(session: DbSession, year: int, month: int) -> BillingPeriod:
    period = session.scalars(select(BillingPeriod).where(BillingPeriod.year == year,
                                                         BillingPeriod.month == month)).first()
    if period is None:
        following = dt.date(year + (month == 12), month % 12 + 1, 1)
        period = BillingPeriod(year=year, month=month,
                               calculation_date=following - dt.timedelta(days=5),
                               status=PeriodStatus.CLOSED, opened_at=utcnow(),
                               closed_at=utcnow())
        session.add(period)
        session.flush()
    return period


def _tariffs_for(session: DbSession, year: int) -> None:
    """Tariffs over the whole of ``year`` for every service and zone the demo charges."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    for service, zone, unit, price in data.TARIFFS:
        rows = session.scalars(select(Tariff).where(Tariff.zone == zone)).all()
        if any(t.service.value == service and t.valid_from <= first
               and (t.valid_to is None or t.valid_to >= last) for t in rows):
            continue
        current = next((t for t in rows if t.service.value == service), None)
        session.add(Tariff(service=current.service if current else service, zone=zone,
                           unit=unit, tariff_group=current.tariff_group if current else "3",
                           price=(price * LAST_YEAR_PRICE).quantize(Decimal("0.01"),
                                                                     ROUND_HALF_UP),
                           valid_from=first, valid_to=last))
    session.flush()


def _uses(number: str, k: int) -> tuple[Decimal, ...]:
    """What meter ``number`` used, per zone, ``k`` months before the closed month."""
    base = data.PREVIOUS_MONTH_USE[number]
    return tuple((u * FACTORS[k - 1]).quantize(u, ROUND_HALF_UP) for u in base)


def _act_data(client: Client, period: BillingPeriod, supplier: SupplierSettings,
              rows: list[tuple[Meter, str, Decimal, Decimal]], base_url: str) -> ReadingActData:
    first = dt.date(period.year, period.month, 1)
    readings = tuple(MeterReading(
        service=m.service.value, service_name=SERVICE_NAMES[m.service.value],
        point_name=m.point.name, factory_number=m.factory_number or "",
        verification_date=m.verification_date, zone=zone, zone_name=ZONE_NAMES[zone],
        unit=UNITS[m.service.value], previous_value=previous,
        previous_date=first - dt.timedelta(days=1), current_value=current,
        current_date=period.calculation_date, ct_ratio=m.ct_ratio, vt_ratio=m.vt_ratio,
        consumption=consumption(previous, current, ct_ratio=m.ct_ratio, vt_ratio=m.vt_ratio,
                                rollover=False, digits=m.digits))
        for m, zone, previous, current in rows)
    return ReadingActData(
        number=f"АП-{client.contract_number}-{period.year}-{period.month:02d}",
        date=period.calculation_date, year=period.year, month=period.month,
        supplier=party_of(supplier, with_bank=True), client=party_of(client, with_bank=False),
        contract_number=client.contract_number,
        contract_date=client.contract_date or period.calculation_date,
        submitted_at=dt.datetime.combine(period.calculation_date, dt.time(10, 40),
                                         tzinfo=dt.UTC),
        readings=readings,
        # Replaced by its token's link when issued (invoicing.demo.calculate_demo_act).
        verify_url=base_url,
        client_signer=None, supplier_signer=None)


def _client_months(session: DbSession, client: Client, closed: BillingPeriod
                   ) -> list[tuple[int, int, list[tuple[Meter, str, Decimal, Decimal]]]]:
    """(year, month, rows) of the earlier months, oldest first: each row a meter's zone with
    its previous and current reading, chained back from the closed month's previous one."""
    meters = [m for m in session.scalars(select(Meter).where(
        Meter.client_id == client.id, Meter.status == MeterStatus.INSTALLED).order_by(Meter.id))
        if m.factory_number in data.PREVIOUS_MONTH_USE]
    demo = {m.factory_number: m for c in data.CLIENTS for m in c.meters}
    # Where the closed month started: its last reading less its use.
    ends = {m.id: [last - use for last, use in zip(
        demo[m.factory_number].previous, data.PREVIOUS_MONTH_USE[m.factory_number or ""],
        strict=True)] for m in meters if m.factory_number in demo}
    months = []
    for k in range(1, MONTHS + 1):
        year, month = _month_before(closed.year, closed.month, k)
        rows = []
        for meter in meters:
            if meter.id not in ends:
                continue
            uses = _uses(meter.factory_number or "", k)
            starts = [end - use for end, use in zip(ends[meter.id], uses, strict=True)]
            if any(s < 0 for s in starts):
                continue  # the register would go below zero: the meter is younger than that
            rows += [(meter, zone, start, end) for zone, start, end in
                     zip(meter.zone_list, starts, ends[meter.id], strict=True)]
            ends[meter.id] = starts
        if not rows:
            break
        months.append((year, month, rows))
    return list(reversed(months))


def seed_demo_history(session: DbSession, store: FileStore, *, manifest: Manifest,
                      key: SupplierKey, settings: InvoicingSettings) -> int:
    """Calculate the demo's months before the closed one. Returns how many client-months
    were invoiced."""
    closed = session.scalars(select(BillingPeriod).where(BillingPeriod.status == PeriodStatus.CLOSED)
                             .order_by(BillingPeriod.year.desc(), BillingPeriod.month.desc())
                             .limit(1)).first()
    supplier = session.scalars(select(SupplierSettings).limit(1)).first()
    if closed is None or supplier is None:
        return 0
    done = 0
    calculated: dict[int, BillingPeriod] = {}
    for identity in manifest.by_role("client"):
        client = session.scalars(select(Client).where(
            Client.contract_number == identity.client_contract)).first()
        if client is None or identity.client_contract == data.CLIENTS[2].contract_number:
            continue  # the third client has no users yet (it registers with a code)
        signer = load_pkcs12_identity(identity.p12, identity.password)  # once per client
        for year, month, rows in _client_months(session, client, closed):
            if year < closed.year:
                _tariffs_for(session, year)
            period = _period(session, year, month)
            if month_invoice(session, client.id, period.id) is not None:
                continue
            act_data = _act_data(client, period, supplier, rows, settings.base_url)
            if not calculate_demo_act(session, store, act_data, client=client, period=period,
                                      signer=signer, key=key, settings=settings):
                continue
            done += 1
            calculated[period.id] = period
    for period in calculated.values():
        record_calculated(session, period, actor=ACTOR)
    return done


def seed_demo_history_from_config(session: DbSession, config: Mapping[str, Any],
                                  manifest: Manifest) -> str | None:
    """The demo seeder: what ``lk demo`` prints while it runs."""
    done = seed_demo_history(session, FileStore(Path(str(config["LK_STORAGE_DIR"]))),
                             manifest=manifest, key=SupplierKey.from_config(config),
                             settings=InvoicingSettings.from_config(config))
    return (f"Calculated {done} earlier client-months for the reading history."
            if done else None)
