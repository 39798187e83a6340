"""A month of many clients at once, for the month-end batch: N clients with three meters each
and an accepted, client-signed reading act each (the fault tests and
``bench/bench_month_end.py``).

Rows go in with bulk inserts, and the acts are rendered and signed (``signing.sign_pdf``,
B-B, the demo client's key, into the ``client`` field) in a process pool that writes the
files straight into the content-addressed store; only the hashes come back. No audit entries
are written for the seeding itself: the batch does not read them.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from documents import (
    CLIENT,
    BankAccount,
    MeterReading,
    Party,
    ReadingActData,
    render_reading_act,
)
from lk_corporate.calculation.engine import SERVICE_NAMES, ZONE_NAMES
from lk_corporate.clients.models import Client, Meter, MeteringPoint, MeterStatus, Service
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.storage import FileStore
from lk_corporate.demo import data
from lk_corporate.docflow.models import (
    Document,
    DocumentKind,
    DocumentRevision,
    DocumentStatus,
    RevisionSource,
)
from lk_corporate.periods.models import BillingPeriod, PeriodStatus
from lk_corporate.supplier.models import SupplierSettings
from lk_corporate.tariffs.models import Tariff

# (service, zone, unit, price): what the three meters of every client are charged at.
TARIFFS = (
    (Service.ELECTRICITY, "day", "кВт·ч", Decimal("5.4321")),
    (Service.ELECTRICITY, "night", "кВт·ч", Decimal("2.7654")),
    (Service.ELECTRICITY, "single", "кВт·ч", Decimal("4.85")),
    (Service.COLD_WATER, "single", "м³", Decimal("48.77")),
)
UNITS = {Service.ELECTRICITY: "кВт·ч", Service.COLD_WATER: "м³"}


@dataclass(frozen=True)
class MonthSetup:
    period_id: int
    client_ids: tuple[int, ...]
    act_ids: tuple[int, ...]


def supplier_row() -> dict[str, Any]:
    s = data.SUPPLIER
    return {"name": s.name, "short_name": s.short_name, "tax_id": s.tax_id, "kpp": s.kpp, "ogrn": s.ogrn,
                "address": s.address, "phone": s.phone, "email": s.email, "bank_name": s.bank.name,
                "bank_bik": s.bank.bik, "bank_account": s.bank.account,
                "bank_correspondent_account": s.bank.correspondent_account,
                "vat_rate": Decimal(20), "currency": "RUB", "login_prefix": "vk", "director": s.director,
                "chief_accountant": s.chief_accountant}


def _inn(n: int) -> str:
    """A 10-digit ИНН with a valid check digit (FNS weights)."""
    digits = f"77{n:07d}"
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    return digits + str(sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)


# (service, zones, CT, VT, previous per zone, consumption per zone on the register)
METERS = (
    (Service.ELECTRICITY, ("day", "night"), Decimal(1), Decimal(1),
     (Decimal("12345.67"), Decimal("4567.89")), (Decimal("641.76"), Decimal("233.13"))),
    (Service.ELECTRICITY, ("single",), Decimal(40), Decimal(100), (Decimal("123.45"),),
     (Decimal("2.25"),)),
    (Service.COLD_WATER, ("single",), Decimal(1), Decimal(1), (Decimal("981.114"),),
     (Decimal("37.5"),)),
)


def _act_job(args: tuple[Any, ...]) -> tuple[int, str, int, str, int]:
    """In a pool process: render and sign one act, store both files; their hashes."""
    index, act, store_root, p12, password = args
    from signing import Level, SigningOptions, load_pkcs12_identity, sign_pdf

    store = FileStore(Path(store_root))
    issued = render_reading_act(act)
    identity = load_pkcs12_identity(p12, password)
    signed = sign_pdf(issued, identity, SigningOptions(level=Level.B_B, field_name=CLIENT,
                                                       tsa_url=None)).pdf
    return index, store.put(issued), len(issued), store.put(signed), len(signed)


def seed_month(session: DbSession, store: FileStore, *, clients: int, signer: Any,
               year: int = 2026, month: int = 10, processes: int = 2,
               supplier: bool = True) -> MonthSetup:
    """The supplier (unless there is one), tariffs, the open period ``year-month`` and
    ``clients`` clients with three meters and an accepted act each; committed."""
    if supplier:
        session.execute(insert(SupplierSettings), [supplier_row()])
    start = dt.date(year, 1, 1)
    session.execute(insert(Tariff), [
        {"service": s, "zone": z, "unit": u, "price": p, "valid_from": start,
         "valid_to": None, "tariff_group": ""} for s, z, u, p in TARIFFS])
    calc_date = dt.date(year, month, 28)
    session.execute(insert(BillingPeriod), [{"year": year, "month": month,
                                             "calculation_date": calc_date,
                                             "status": PeriodStatus.OPEN,
                                             "opened_at": utcnow(), "created_at": utcnow()}])
    period = session.scalars(select(BillingPeriod).where(BillingPeriod.year == year,
                                                         BillingPeriod.month == month)).one()
    base = (session.scalar(select(Client.id).order_by(Client.id.desc()).limit(1)) or 0) + 1
    now = utcnow()
    bank = data.CLIENTS[0].bank
    session.execute(insert(Client), [
        {"name": f"Общество с ограниченной ответственностью «Потребитель {base + i}»",
         "short_name": f"ООО «Потребитель {base + i}»", "tax_id": _inn(base + i), "kpp": "770101001",
         "contract_number": f"M-{base + i}", "contract_date": dt.date(2021, 3, 1),
         "address": f"г. Москва, ул. Заводская, д. {i % 200 + 1}", "email": f"c{base + i}@example.com",
         "bank_name": bank.name, "bank_bik": bank.bik, "bank_account": bank.account,
         "bank_correspondent_account": bank.correspondent_account, "is_active": True,
         "created_at": now, "phone": "", "ogrn": ""} for i in range(clients)])
    rows = session.execute(select(Client).where(Client.contract_number.like("M-%"),
                                                Client.id >= base).order_by(Client.id)
                           ).scalars().all()
    session.execute(insert(MeteringPoint), [
        {"client_id": c.id, "name": f"ТП-{c.id % 97 + 1}, ввод {k + 1}", "address": ""}
        for c in rows for k in range(len(METERS))])
    points = session.execute(select(MeteringPoint.id, MeteringPoint.client_id)
                             .where(MeteringPoint.client_id >= base)
                             .order_by(MeteringPoint.id)).all()
    meter_rows = []
    for n, (point_id, client_id) in enumerate(points):
        service, zones, ct, vt, _prev, _used = METERS[n % len(METERS)]
        meter_rows.append({
            "point_id": point_id, "client_id": client_id, "service": service,
            "factory_number": f"{client_id:07d}{n % len(METERS)}", "status": MeterStatus.INSTALLED,
            "digits": 6, "decimals": 3, "ct_ratio": ct, "vt_ratio": vt, "zones": ",".join(zones),
            "max_consumption": Decimal(100000), "verification_date": dt.date(2030, 1, 1),
            "notes": ""})
    session.execute(insert(Meter), meter_rows)
    session.commit()

    supplier_party = _party(session.scalars(select(SupplierSettings).limit(1)).one())
    jobs = []
    for index, c in enumerate(rows):
        readings = []
        for k, (service, zones, ct, vt, previous, used) in enumerate(METERS):
            for zone, prev, delta in zip(zones, previous, used, strict=True):
                readings.append(MeterReading(
                    service=service.value, service_name=SERVICE_NAMES[service.value],
                    point_name=f"ТП-{c.id % 97 + 1}, ввод {k + 1}",
                    factory_number=f"{c.id:07d}{k}", verification_date=dt.date(2030, 1, 1),
                    zone=zone, zone_name=ZONE_NAMES[zone], unit=UNITS[service],
                    previous_value=prev, previous_date=dt.date(year, month, 1) - dt.timedelta(days=1),
                    current_value=prev + delta, current_date=calc_date, ct_ratio=ct, vt_ratio=vt,
                    consumption=delta * ct * vt))
        act = ReadingActData(
            number=f"АП-{c.contract_number}-{year}-{month:02d}", date=calc_date, year=year,
            month=month, supplier=supplier_party, client=_party(c),
            contract_number=c.contract_number, contract_date=dt.date(2021, 3, 1),
            submitted_at=dt.datetime.combine(calc_date, dt.time(9, 30), tzinfo=dt.UTC),
            readings=tuple(readings), verify_url=f"https://lk.example/verify/act/{c.id}")
        jobs.append((index, act, str(store.root), str(signer.p12), signer.password))
    results: list[tuple[int, str, int, str, int]]
    if processes > 1:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            results = pool.map(_act_job, jobs, chunksize=16)
    else:
        results = [_act_job(j) for j in jobs]
    results.sort()
    docs = [{"kind": DocumentKind.READING_ACT, "number": jobs[i][1].number, "client_id": rows[i].id,
             "period_id": period.id, "status": DocumentStatus.ACCEPTED, "date": calc_date,
             "sha256": signed, "status_reason": "", "created_at": now, "updated_at": now}
            for i, _issued, _isize, signed, _ssize in results]
    session.execute(insert(Document), docs)
    act_ids = session.scalars(select(Document.id).where(
        Document.kind == DocumentKind.READING_ACT, Document.period_id == period.id)
        .order_by(Document.client_id)).all()
    revisions = []
    for act_id, (_i, issued, isize, signed, ssize) in zip(act_ids, results, strict=True):
        revisions.append({"document_id": act_id, "seq": 1, "sha256": issued, "size": isize,
                          "source": RevisionSource.ISSUED, "actor": "seed", "note": "",
                          "verdict": "", "report": "", "created_at": now})
        revisions.append({"document_id": act_id, "seq": 2, "sha256": signed, "size": ssize,
                          "source": RevisionSource.CLIENT_SIGNATURE, "actor": "seed",
                          "note": "", "verdict": "TOTAL-PASSED", "report": "{}",
                          "created_at": now})
    session.execute(insert(DocumentRevision), revisions)
    session.commit()
    return MonthSetup(period.id, tuple(c.id for c in rows), tuple(act_ids))


def _party(holder: SupplierSettings | Client) -> Party:
    r = holder.requisites
    bank = (BankAccount(r.bank_name, r.bank_bik, r.bank_account, r.bank_correspondent_account)
            if r.bank_account else None)
    return Party(name=r.name, tax_id=r.tax_id, address=r.address or "—", kpp=r.kpp or None,
                 short_name=r.short_name or None, bank=bank)


# Per client, by hand: day 641,76 × 5,4321 = 3 486,10 (VAT 697,22); night 233,13 × 2,7654 =
# 644,70 (128,94); CT 40 × VT 100: 2,25 × 4 000 = 9 000 kWh × 4,85 = 43 650,00 (8 730,00);
# water 37,5 m³ × 48,77 = 1 828,875 → 1 828,88 (365,78). Net 49 609,68, VAT 9 921,94,
# total 59 531,62.
CLIENT_NET, CLIENT_VAT, CLIENT_TOTAL = Decimal("49609.68"), Decimal("9921.94"), Decimal("59531.62")
