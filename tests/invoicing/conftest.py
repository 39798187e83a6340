"""Fixtures of the invoicing tests: the demo PKI with its TSA (the supplier's key signs every
invoice), a file store, and a supplier with a billing period, tariffs and clients."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lk_corporate.clients.models import Client, Meter, Service
from lk_corporate.core.extensions import db
from lk_corporate.core.storage import FileStore
from lk_corporate.demo import data
from lk_corporate.invoicing.settings import InvoicingSettings
from lk_corporate.periods.models import BillingPeriod, PeriodStatus
from lk_corporate.signatures.supplier import SupplierKey
from lk_corporate.supplier.models import SupplierSettings
from lk_corporate.tariffs.models import Tariff
from signing import Level
from tests.signing.conftest import demo_pki, nss_db, pki_base_url, pki_services
from tests.support.factories import create_client, create_meter

__all__ = ["demo_pki", "nss_db", "pki_base_url", "pki_services"]

TODAY = dt.date(2026, 11, 3)


@pytest.fixture()
def store(clean_app: Any) -> FileStore:
    return FileStore(Path(clean_app.config["LK_STORAGE_DIR"]))


@pytest.fixture()
def settings() -> InvoicingSettings:
    return InvoicingSettings(base_url="https://lk.example", payment_days=10)


@pytest.fixture()
def supplier_key(demo_pki: Any, pki_services: Any) -> SupplierKey:
    s = demo_pki.supplier
    return SupplierKey(p12=s.p12, password_file=s.password_file, tsa_url=demo_pki.tsa_url,
                       trust_roots=(demo_pki.root_pem,), level=Level.B_T)


@pytest.fixture()
def supplier_config(clean_app: Any, demo_pki: Any, pki_services: Any,
                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's jobs sign with the demo PKI's supplier key and its TSA."""
    for key, value in (("LK_SUPPLIER_P12", str(demo_pki.supplier.p12)),
                       ("LK_SUPPLIER_P12_PASSWORD_FILE", str(demo_pki.supplier.password_file)),
                       ("LK_TSA_URL", demo_pki.tsa_url),
                       ("LK_TRUST_ROOTS", str(demo_pki.root_pem))):
        monkeypatch.setitem(clean_app.config, key, value)


@dataclass
class Billing:
    supplier: SupplierSettings
    period: BillingPeriod

    def client(self, **overrides: Any) -> Client:
        values = {"address": "г. Москва, ул. Тестовая, д. 1", "contract_date": dt.date(2020, 1, 15)}
        values.update(overrides)
        return create_client(**values)

    def meter(self, client: Client, **overrides: Any) -> Meter:
        return create_meter(client, **overrides)


def make_supplier() -> SupplierSettings:
    s = data.SUPPLIER
    supplier = SupplierSettings(
        name=s.name, short_name=s.short_name, tax_id=s.tax_id, kpp=s.kpp, ogrn=s.ogrn,
        address=s.address, phone=s.phone, email=s.email, bank_name=s.bank.name,
        bank_bik=s.bank.bik, bank_account=s.bank.account,
        bank_correspondent_account=s.bank.correspondent_account, vat_rate=Decimal(20),
        currency="RUB", login_prefix="vk", director=s.director,
        chief_accountant=s.chief_accountant)
    db.session.add(supplier)
    db.session.commit()
    return supplier


def make_period(year: int = 2026, month: int = 10) -> BillingPeriod:
    period = BillingPeriod(year=year, month=month, calculation_date=dt.date(year, month, 28),
                           status=PeriodStatus.OPEN)
    db.session.add(period)
    db.session.commit()
    return period


def add_tariff(zone: str, price: str, *, service: Service = Service.ELECTRICITY,
               unit: str = "кВт·ч", valid_from: dt.date = dt.date(2026, 1, 1),
               valid_to: dt.date | None = None) -> Tariff:
    t = Tariff(service=service, zone=zone, unit=unit, price=Decimal(price),
               valid_from=valid_from, valid_to=valid_to, tariff_group="")
    db.session.add(t)
    db.session.commit()
    return t


@pytest.fixture()
def billing(session: Any) -> Billing:
    """The supplier (the demo's requisites, VAT 20 %), period 10.2026 and tariffs:
    electricity 5,4321 by day, 2,7654 by night, 4,85 round the clock."""
    supplier = make_supplier()
    period = make_period()
    add_tariff("day", "5.4321")
    add_tariff("night", "2.7654")
    add_tariff("single", "4.85")
    return Billing(supplier, period)
