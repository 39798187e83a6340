"""The signing tests' fixtures (tests/docsign/fixtures.py), shared with tests/browser."""

from tests.docsign.fixtures import (
    crl_index,
    demo_pki,
    p12_variants,
    pki_base_url,
    pki_services,
    signing_config,
    supplier_act,
)
from tests.signing.conftest import nss_db

__all__ = [
    "crl_index",
    "demo_pki",
    "nss_db",
    "p12_variants",
    "pki_base_url",
    "pki_services",
    "signing_config",
    "supplier_act",
]
