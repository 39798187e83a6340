"""The signing tests' demo PKI fixtures, for the verification pages too."""

from tests.signing.conftest import (  # noqa: F401
    demo_pki,
    pki_base_url,
    pki_services,
    sample_pdf,
    sign_sample,
)
