"""The demo PKI (tests/signing's fixtures: CRL, OCSP and TSA on loopback), the CRL index the
portal validates with, and the app configured the way ``lk demo`` configures it: trust roots,
CRL index, TSA and the supplier's key for the acceptance signature."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lk_corporate.verification.jobs import refresh_revocation_index
from tests.signing.conftest import demo_pki, nss_db, pki_base_url, pki_services

__all__ = ["crl_index", "demo_pki", "nss_db", "pki_app", "pki_base_url", "pki_config",
           "pki_services"]


def pki_config(demo_pki: Any, index: Path, storage: Path) -> dict[str, Any]:
    supplier = demo_pki.supplier
    return {
        "LK_PKI_DIR": str(demo_pki.directory),
        "LK_TRUST_ROOTS": str(demo_pki.root_pem),
        "LK_CRL_INDEX": str(index),
        "LK_TSA_URL": demo_pki.tsa_url,
        "LK_SUPPLIER_P12": str(supplier.p12),
        "LK_SUPPLIER_P12_PASSWORD_FILE": str(supplier.password_file),
        "LK_STORAGE_DIR": str(storage),
    }


@pytest.fixture(scope="session")
def crl_index(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
              app: Any) -> Path:
    """The CRL index, filled once by the portal's own revocation job (the PKI's services
    running)."""
    pki = request.getfixturevalue("demo_pki")
    request.getfixturevalue("pki_services")
    index = tmp_path_factory.mktemp("crl") / "crl-index.sqlite3"
    saved = dict(app.config)
    app.config.update(pki_config(pki, index, index.parent / "files"))
    try:
        report = refresh_revocation_index(app, timeout=10)
    finally:
        app.config.clear()
        app.config.update(saved)
    # the untrusted CA's CRL is refused (nobody trusted signed it): as it should be
    assert report.updated and all("untrusted-ca" in e for e in report.errors), report
    return index


@pytest.fixture()
def pki_app(request: pytest.FixtureRequest, clean_app: Any, crl_index: Path, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``clean_app`` with the demo PKI configured (per test: the config is the session's)."""
    pki = request.getfixturevalue("demo_pki")
    for key, value in pki_config(pki, crl_index, tmp_path / "files").items():
        monkeypatch.setitem(clean_app.config, key, value)
    yield clean_app
