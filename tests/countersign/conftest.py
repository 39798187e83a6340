"""The demo PKI with its CRL/OCSP/TSA and the app configured with the supplier's key (the
reading-act tests' fixtures), and NSS trust for pdfsig."""

from tests.reading_acts.conftest import crl_index, demo_pki, pki_app, pki_base_url, pki_services
from tests.signing.conftest import nss_db

__all__ = ["crl_index", "demo_pki", "nss_db", "pki_app", "pki_base_url", "pki_services"]
