"""The demo PKI (the signing tests' fixtures): its certificates are what operators register."""

from tests.signing.conftest import demo_pki, pki_base_url

__all__ = ["demo_pki", "pki_base_url"]
