"""The invoicing tests' fixtures (supplier, period 10.2026 and tariffs, the supplier's key)."""

from __future__ import annotations

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

__all__ = ["billing", "demo_pki", "nss_db", "pki_base_url", "pki_services", "settings", "store",
           "supplier_key"]
