"""The demo PKI and its CRL/OCSP/TSA server on loopback (the signing tests' fixtures), for the
audit checkpoints, which the supplier's demo key signs and the demo TSA timestamps."""

from tests.signing.conftest import demo_pki, pki_base_url, pki_services

__all__ = ["demo_pki", "pki_base_url", "pki_services"]
