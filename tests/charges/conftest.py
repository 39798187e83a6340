"""Fixtures of the charges-breakdown tests: the invoicing tests' supplier, period 10.2026,
tariffs and signing key (the demo PKI with its TSA), and a client whose October is
calculated by the real engine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal as D
from typing import Any

import pytest

from lk_corporate.clients.models import Client, Meter
from lk_corporate.core.audit import Actor
from lk_corporate.core.uow import unit_of_work
from lk_corporate.docflow.models import Document
from lk_corporate.invoicing.operations import issue_invoices_for_act
from tests.invoicing.conftest import (
    billing,
    demo_pki,
    nss_db,
    pki_base_url,
    pki_services,
    settings,
    store,
    supplier_key,
)
from tests.support.acts import Row, accepted_act

__all__ = ["billing", "demo_pki", "nss_db", "pki_base_url", "pki_services", "settings", "store",
           "supplier_key"]

ACTOR = Actor.system("tests")


def issue(store: Any, act: Document, key: Any, settings: Any,
          today: dt.date = dt.date(2026, 11, 3)) -> int:
    """Calculate ``act`` with the real engine; the invoice's id."""
    with unit_of_work() as s:
        pair = issue_invoices_for_act(s, store, s.get(Document, act.id), actor=ACTOR,
                                      supplier_key=key, settings=settings, today=today)
        return pair.invoice.id


@dataclass
class October:
    firm: Client
    two_zone: Meter
    single: Meter
    invoice_id: int
    period_id: int


@pytest.fixture()
def october(billing: Any, store: Any, supplier_key: Any, settings: Any) -> October:
    """A client with a day/night meter (CT 2) and a single-rate one, October calculated:

    * day: (350 − 200) × 2 = 300 kWh × 5,4321 = 1 629,63; VAT 325,93; 1 955,56
    * night: (80 − 50) × 2 = 60 kWh × 2,7654 = 165,92; VAT 33,18; 199,10
    * single: 100 kWh × 4,85 = 485,00; VAT 97,00; 582,00

    net 2 280,55, VAT 456,11, total 2 736,66.
    """
    firm = billing.client(name="ООО «Гамма»", short_name="ООО «Гамма»", contract_number="G-77",
                          email="gamma@example.com")
    two_zone = billing.meter(firm, zones="day,night", ct_ratio=D(2))
    single = billing.meter(firm)
    act = accepted_act(store, billing.supplier, firm, billing.period, [
        Row(two_zone, D(200), D(350), zone="day"), Row(two_zone, D(50), D(80), zone="night"),
        Row(single, D(100), D(200))])
    return October(firm, two_zone, single, issue(store, act, supplier_key, settings),
                   billing.period.id)
