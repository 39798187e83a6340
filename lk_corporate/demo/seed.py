"""Fill an empty database with the demo: the supplier, three clients with their meters,
tariffs, an open billing period and a user for every role of SPEC.md.

The rows come from ``lk_corporate.demo.data`` (the same constants the demo PKI and the
sample documents use). Seeding is idempotent: a database that already has a supplier is
left as it is, so ``lk demo`` can be run again without duplicating anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from lk_corporate.accounts.models import Membership, MembershipRole, User
from lk_corporate.accounts.operations import ensure_builtin_roles, issue_activation_code
from lk_corporate.accounts.passwords import hash_password
from lk_corporate.clients.models import (
    Client,
    Meter,
    MeteringPoint,
    MeterInstallationReading,
    MeterStatus,
    Service,
)
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.rights import (
    CLIENT_ACCOUNTANT,
    CLIENT_SIGNER,
    SUPPLIER_ADMIN,
    SUPPLIER_ENGINEER,
    SUPPLIER_OPERATOR,
    SUPPLIER_SIGNER,
)
from lk_corporate.core.storage import FileStore
from lk_corporate.demo import data
from lk_corporate.demo.correspondence import seed_correspondence
from lk_corporate.periods.models import BillingPeriod, PeriodStatus
from lk_corporate.supplier.models import SupplierSettings
from lk_corporate.tariffs.models import Tariff


@dataclass(frozen=True)
class DemoLogin:
    login: str
    password: str
    role: str
    acts_for: str


@dataclass(frozen=True)
class DemoSeed:
    created: bool
    logins: tuple[DemoLogin, ...]
    activation_code: str | None
    activation_contract: str
    activation_tax_id: str


# (login, password, role label, client contract numbers or None for staff, role codes)
DEMO_USERS: tuple[tuple[str, str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("vk123", "Romashka-2026", "бухгалтер и подписант клиента", ("123", "4587"),
     (CLIENT_ACCOUNTANT, CLIENT_SIGNER)),
    ("vk4587", "Zavod-2026", "бухгалтер клиента", ("4587",), (CLIENT_ACCOUNTANT,)),
    ("zmk.signer", "Signer-2026", "подписант клиента", ("4587",), (CLIENT_SIGNER,)),
    ("operator", "Operator-2026", "оператор поставщика", (), (SUPPLIER_OPERATOR,)),
    ("signer", "Countersign-2026", "подписант поставщика", (), (SUPPLIER_SIGNER,)),
    ("engineer", "Engineer-2026", "инженер поставщика", (), (SUPPLIER_ENGINEER,)),
    ("admin", "Admin-2026", "администратор поставщика", (), (SUPPLIER_ADMIN,)),
)
@dataclass(frozen=True)
class DemoWorld:
    """What a package adding to the demo gets: the seeded clients by contract number, the
    closed previous period and the open one, the seeding actor and "today"."""

    clients: dict[str, Client]
    previous_period: BillingPeriod
    open_period: BillingPeriod
    actor: Actor
    today: dt.date


DemoExtra = Callable[[DbSession, DemoWorld], None]
_EXTRAS: list[DemoExtra] = []


def register_demo_extra(extra: DemoExtra) -> None:
    """Packages above this one add their demo rows (e.g. the readings' history) without the
    demo importing them: ``extra(session, world)`` runs at the end of a first seeding."""
    if extra not in _EXTRAS:
        _EXTRAS.append(extra)


# The third client has no users: the demo prints an activation code for it, so that a
# visitor can try the registration as a new client would.
UNREGISTERED_CONTRACT = data.CLIENTS[2].contract_number


def _date(iso: str | None) -> dt.date | None:
    return dt.date.fromisoformat(iso) if iso else None


def seed_demo(session: DbSession, *, today: dt.date | None = None,
              store: FileStore | None = None) -> DemoSeed:
    """Seed the demo into an empty database; report the logins either way. ``store``: where
    the attachments of the demo's correspondence go (default: the app's LK_STORAGE_DIR)."""
    today = today or dt.date.today()
    logins = tuple(DemoLogin(u[0], u[1], u[2], ", ".join(u[3]) or "—") for u in DEMO_USERS)
    third = data.CLIENTS[2]
    if session.scalars(select(SupplierSettings).limit(1)).first() is not None:
        return DemoSeed(False, logins, _fresh_code_if_unregistered(session, third.contract_number),
                        third.contract_number, third.tax_id)

    actor = Actor.system("demo")
    s = data.SUPPLIER
    session.add(SupplierSettings(
        name=s.name, short_name=s.short_name, tax_id=s.tax_id, kpp=s.kpp, ogrn=s.ogrn,
        address=s.address, phone=s.phone, email=s.email, bank_name=s.bank.name,
        bank_bik=s.bank.bik, bank_account=s.bank.account,
        bank_correspondent_account=s.bank.correspondent_account, vat_rate=s.vat_rate,
        currency=s.currency, login_prefix=s.login_prefix, director=s.director,
        chief_accountant=s.chief_accountant))
    roles = ensure_builtin_roles(session)
    # Staff logins from this machine only: the demo shows the allow-list at work.
    for code in (SUPPLIER_OPERATOR, SUPPLIER_SIGNER, SUPPLIER_ENGINEER, SUPPLIER_ADMIN):
        roles[code].ip_allowlist = "127.0.0.0/8\n::1/128"

    clients: dict[str, Client] = {}
    for c in data.CLIENTS:
        client = Client(
            name=c.name, short_name=c.short_name, tax_id=c.tax_id, kpp=c.kpp, ogrn=c.ogrn,
            contract_number=c.contract_number, contract_date=_date(c.contract_date),
            address=c.address, email=c.email, bank_name=c.bank.name, bank_bik=c.bank.bik,
            bank_account=c.bank.account, bank_correspondent_account=c.bank.correspondent_account)
        session.add(client)
        session.flush()
        clients[c.contract_number] = client
        points: dict[str, MeteringPoint] = {}
        for m in c.meters:
            point = points.get(m.point_name)
            if point is None:
                point = MeteringPoint(client_id=client.id, name=m.point_name, address=m.point_address)
                session.add(point)
                session.flush()
                points[m.point_name] = point
            meter = Meter(
                point_id=point.id, client_id=client.id, service=Service(m.service),
                factory_number=m.factory_number, verification_date=_date(m.verification_date),
                status=MeterStatus(m.status), digits=m.digits,
                decimals=_decimals(m.previous),
                ct_ratio=m.ct_ratio, vt_ratio=m.vt_ratio, zones=",".join(m.zones),
                max_consumption=m.max_consumption, installed_on=_date(c.contract_date),
                removed_on=_date(m.previous_date) if m.status == "removed" else None)
            # The register started from zero when the meter was installed with the contract.
            meter.installation_readings = [MeterInstallationReading(zone=zone, value=Decimal(0))
                                           for zone in m.zones]
            session.add(meter)
        record(session, "client.created", actor=actor, object_type="client", object_id=client.id,
               details={"contract_number": client.contract_number})

    valid_from = dt.date(today.year, 1, 1)
    for service, zone, unit, price in data.TARIFFS:
        session.add(Tariff(service=Service(service), zone=zone, unit=unit, price=price,
                           valid_from=valid_from, tariff_group="3"))

    month_start = today.replace(day=1)
    previous_month = (month_start - dt.timedelta(days=1)).replace(day=1)
    closed = BillingPeriod(year=previous_month.year, month=previous_month.month,
                           calculation_date=month_start - dt.timedelta(days=5),
                           status=PeriodStatus.CLOSED, opened_at=utcnow(), closed_at=utcnow())
    # Open since yesterday at the latest: the reading window is open today.
    open_ = BillingPeriod(year=today.year, month=today.month,
                          calculation_date=max(month_start, today - dt.timedelta(days=1)),
                          status=PeriodStatus.OPEN, opened_at=utcnow())
    session.add_all([closed, open_])

    users: dict[str, User] = {}
    for login, password, _label, contracts, role_codes in DEMO_USERS:
        user = User(login=login, email=f"{login.replace('.', '-')}@demo.lk.example",
                    password_hash=hash_password(password), email_confirmed_at=utcnow(),
                    full_name=_demo_name(login), created_at=utcnow())
        if not contracts:
            user.staff_role_id = roles[role_codes[0]].id
        session.add(user)
        session.flush()
        users[login] = user
        for number in contracts:
            membership = Membership(user_id=user.id, client_id=clients[number].id)
            membership.roles = [MembershipRole(role_id=roles[r].id) for r in role_codes]
            session.add(membership)
        record(session, "demo.user_created", actor=actor, object_type="user", object_id=user.id,
               details={"login": login, "roles": list(role_codes)})

    session.flush()
    seed_correspondence(session, store or FileStore(Path(current_app.config["LK_STORAGE_DIR"])),
                        clients=clients, users=users, today=today)
    issued = issue_activation_code(session, clients[UNREGISTERED_CONTRACT], actor=actor, days=365)
    session.flush()
    world = DemoWorld(clients, closed, open_, actor, today)
    for extra in _EXTRAS:
        extra(session, world)
    session.flush()
    return DemoSeed(True, logins, issued.plain, third.contract_number, third.tax_id)


DemoSeeder = Callable[[DbSession, Mapping[str, Any], Any], "str | None"]
"""``seeder(session, app_config, manifest) -> message``: more demo data a package adds once
the reference data is in (e.g. invoicing's previously calculated month), run by ``lk demo``
on a fresh database; the demo package itself knows none of those packages."""

_SEEDERS: dict[str, DemoSeeder] = {}


def register_demo_seeder(name: str, seeder: DemoSeeder) -> None:
    _SEEDERS[name] = seeder


def demo_seeders() -> list[DemoSeeder]:
    return list(_SEEDERS.values())


def _fresh_code_if_unregistered(session: DbSession, contract_number: str) -> str | None:
    """On a later start, a new code for the third client while nobody has registered it
    (only hashes are stored, so the first run's code cannot be shown again)."""
    client = session.scalars(select(Client).where(Client.contract_number == contract_number)).first()
    if client is None:
        return None
    if session.scalars(select(Membership).where(Membership.client_id == client.id).limit(1)).first():
        return None
    return issue_activation_code(session, client, actor=Actor.system("demo"), days=365).plain


def _demo_name(login: str) -> str:
    return {
        "vk123": "Иванова Мария Сергеевна",
        "vk4587": "Петров Игорь Николаевич",
        "zmk.signer": "Соколов Андрей Викторович",
        "operator": "Кузнецова Анна Павловна",
        "signer": "Смирнов Алексей Викторович",
        "admin": "Васильев Дмитрий Олегович",
    }.get(login, "")


def _decimals(values: tuple[Decimal, ...]) -> int:
    """Digits after the separator: as many as the last readings show, at least one."""
    exponents = [v.as_tuple().exponent for v in values]
    return max([1] + [-e for e in exponents if isinstance(e, int)])
