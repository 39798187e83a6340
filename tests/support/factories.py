"""Factories for the rows most tests need, built through the real operations where one exists.

``create_client(...)``, ``create_client_user(...)``, ``create_staff_user(...)`` return
committed rows; ``login(client, login, password)`` logs a test client in through the real
form (with its CSRF token); ``post_form(client, url, data)`` posts any form the same way.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from decimal import Decimal
from typing import Any

import pytest

from lk_corporate.accounts.models import Membership, MembershipRole, User
from lk_corporate.accounts.operations import ensure_builtin_roles, role_by_code
from lk_corporate.accounts.passwords import hash_password
from lk_corporate.clients.models import Client, Meter, MeteringPoint, MeterStatus, Service
from lk_corporate.core.audit import Actor
from lk_corporate.core.db import utcnow
from lk_corporate.core.extensions import db
from lk_corporate.core.rights import CLIENT_ACCOUNTANT, CLIENT_SIGNER
from lk_corporate.staff.operations import create_staff_user as _create_staff_user
from lk_corporate.supplier.models import SupplierSettings

PASSWORD = "Secret-pass-2026"
_seq = itertools.count(1)


def create_supplier(**overrides: Any) -> SupplierSettings:
    values: dict[str, Any] = {
        "name": "АО «Тестэнергосбыт»", "short_name": "АО «ТЭС»", "tax_id": "7701234560",
        "kpp": "770101001", "address": "г. Москва", "vat_rate": Decimal(20), "currency": "RUB",
        "login_prefix": "vk",
    }
    values.update(overrides)
    s = SupplierSettings(**values)
    db.session.add(s)
    db.session.commit()
    return s


def create_client(**overrides: Any) -> Client:
    n = next(_seq)
    values: dict[str, Any] = {
        "name": f"ООО «Клиент {n}»", "short_name": f"ООО «К{n}»", "tax_id": f"77{n:08d}",
        "contract_number": f"T-{n}", "contract_date": dt.date(2024, 1, 15),
        "address": "127055, г. Москва, ул. Новослободская, д. 23",
        "email": f"client{n}@example.com",
    }
    values.update(overrides)
    c = Client(**values)
    db.session.add(c)
    db.session.commit()
    return c


def create_meter(client: Client, **overrides: Any) -> Meter:
    point = MeteringPoint(client_id=client.id, name=f"Ввод {next(_seq)}")
    db.session.add(point)
    db.session.flush()
    values: dict[str, Any] = {
        "point_id": point.id, "client_id": client.id, "service": Service.ELECTRICITY,
        "factory_number": f"F{next(_seq):08d}", "status": MeterStatus.INSTALLED, "digits": 6,
        "decimals": 2, "ct_ratio": Decimal(1), "vt_ratio": Decimal(1), "zones": "single",
        "max_consumption": Decimal(10000),
    }
    values.update(overrides)
    m = Meter(**values)
    db.session.add(m)
    db.session.commit()
    return m


def create_client_user(client: Client, *, login: str | None = None, email: str | None = None,
                       password: str = PASSWORD, roles: tuple[str, ...] = (CLIENT_ACCOUNTANT, CLIENT_SIGNER),
                       confirmed: bool = True, locale: str = "ru") -> User:
    ensure_builtin_roles(db.session)
    n = next(_seq)
    user = User(login=login or f"user{n}", email=email or f"user{n}@example.com",
                password_hash=hash_password(password),
                email_confirmed_at=utcnow() if confirmed else None, locale=locale)
    db.session.add(user)
    db.session.flush()
    add_membership(user, client, roles=roles, commit=False)
    db.session.commit()
    return user


def add_membership(user: User, client: Client, *, roles: tuple[str, ...] = (CLIENT_ACCOUNTANT, CLIENT_SIGNER),
                   commit: bool = True) -> Membership:
    m = Membership(user_id=user.id, client_id=client.id)
    m.roles = [MembershipRole(role_id=role_by_code(db.session, r).id) for r in roles]
    db.session.add(m)
    if commit:
        db.session.commit()
    db.session.refresh(user)
    return m


def create_staff_user(role_code: str, *, login: str | None = None, password: str = PASSWORD,
                      ip_allowlist: str | None = None) -> User:
    roles = ensure_builtin_roles(db.session)
    role = roles[role_code]
    if ip_allowlist is not None:
        role.ip_allowlist = ip_allowlist
    n = next(_seq)
    user = _create_staff_user(db.session, login=login or f"staff{n}", email=f"staff{n}@example.com",
                              full_name=f"Сотрудник {n}", role=role, password=password,
                              actor=Actor.system("tests"))
    db.session.commit()
    return user


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(client: Any, url: str) -> str:
    page = client.get(url)
    m = _CSRF.search(page.get_data(as_text=True))
    if not m:
        raise AssertionError(f"no csrf_token on {url} (status {page.status_code})")
    return m.group(1) or m.group(2)


def post_form(client: Any, url: str, data: dict[str, Any], *, form_url: str | None = None,
              **kwargs: Any) -> Any:
    """POST ``data`` to ``url`` with the CSRF token of the form page (``form_url`` or ``url``)."""
    payload = dict(data)
    payload["csrf_token"] = csrf_token(client, form_url or url)
    return client.post(url, data=payload, **kwargs)


def login(client: Any, identifier: str, password: str = PASSWORD, **extra: Any) -> Any:
    return post_form(client, "/login", {"login": identifier, "password": password, **extra})


@pytest.fixture()
def supplier(session: Any) -> SupplierSettings:
    return create_supplier()
