"""How the portal validates a signed PDF: never a network fetch while a page waits.

Revocation comes from the CRL index the revocation job keeps (and whatever the file embeds);
trust from ``LK_TRUST_ROOTS``. Used for uploads, the browser signing flow and the public
verification page alike.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509

from signing.validation import CrlIndex, ValidationSettings
from signing.validation.trust import load_trust_roots


@functools.lru_cache(maxsize=8)
def _roots(paths: tuple[str, ...], _stamps: tuple[int, ...]) -> tuple[asn1_x509.Certificate, ...]:
    return load_trust_roots(paths)


def trust_roots(paths: Iterable[str]) -> tuple[asn1_x509.Certificate, ...]:
    existing = tuple(p for p in paths if p and Path(p).is_file())
    stamps = tuple(Path(p).stat().st_mtime_ns for p in existing)
    return _roots(existing, stamps) if existing else ()


def portal_validation_settings(config: Mapping[str, Any], *, expected_tax_id: str | None = None,
                               registered_fingerprints: Iterable[str] = ()) -> ValidationSettings:
    roots = trust_roots(str(config.get("LK_TRUST_ROOTS") or "").split(":"))
    index_path = Path(config.get("LK_CRL_INDEX") or Path(config["LK_PKI_DIR"]) / "crl-index.sqlite3")
    crl_index = CrlIndex(index_path) if index_path.exists() else None
    return ValidationSettings(trust_roots=roots, crl_index=crl_index, allow_fetch=False,
                              expected_tax_id=expected_tax_id,
                              registered_fingerprints=frozenset(registered_fingerprints))
