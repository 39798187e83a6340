"""Fixtures of the payment tests: the demo PKI (the supplier signs reconciliation acts, the
client signs them with its key) and the app configured for it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.docsign.fixtures import configure, crl_index, demo_pki, pki_base_url, pki_services
from tests.signing.conftest import nss_db

__all__ = ["crl_index", "demo_pki", "nss_db", "pki_base_url", "pki_services"]


@pytest.fixture()
def money_config(clean_app: Any, demo_pki: Any, pki_services: Any, crl_index: Any,
                 monkeypatch: pytest.MonkeyPatch) -> Any:
    """Signing with the demo PKI's supplier key and TSA; client signatures validated by it."""
    configure(clean_app.config, demo_pki, crl_index, monkeypatch,
              LK_SUPPLIER_P12=str(demo_pki.supplier.p12),
              LK_SUPPLIER_P12_PASSWORD_FILE=str(demo_pki.supplier.password_file))
    return clean_app.config
