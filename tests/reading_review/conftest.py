"""The reading acts' fixtures (the demo PKI, the CRL index, the app configured like the demo)
and an accepted act of ООО «Ромашка» to review."""

from __future__ import annotations

from typing import Any

import pytest

from tests.reading_acts.conftest import (
    crl_index,
    demo_pki,
    nss_db,
    pki_app,
    pki_base_url,
    pki_services,
)
from tests.reading_review.helpers import accepted_world

__all__ = ["accepted", "crl_index", "demo_pki", "nss_db", "pki_app", "pki_base_url",
           "pki_services"]


@pytest.fixture()
def accepted(pki_app: Any, demo_pki: Any, tmp_path: Any) -> Any:
    """ООО «Ромашка»'s act of 11.2026, signed by its director and accepted at once."""
    return accepted_world(demo_pki, tmp_path)
