"""The supplier's signature on documents the portal issues or accepts, server-side.

``SupplierKey.from_config`` reads ``LK_SUPPLIER_P12`` / ``LK_SUPPLIER_P12_PASSWORD_FILE``
(the running demo, which names no key, falls back to the demo PKI's supplier identity), the
TSA and the trust roots; ``sign_as_supplier`` signs at the configured level, degrading to
B-B with ``upgrade_pending`` when the TSA is down (nothing is lost: ``signing.upgrade``
completes it later). The identity is loaded once per process. A document the portal rendered
itself, signed in its own box, takes ``signing.direct``'s fast path (the same signature,
written without pyHanko's object graph); anything else goes through ``signing.sign_pdf``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lk_corporate.pki.manifest import demo_supplier_key
from signing import (
    Level,
    SigningIdentity,
    SigningOptions,
    SigningResult,
    load_pkcs12_identity,
)
from signing.direct import sign_document


class SupplierKeyMissing(RuntimeError):
    """No supplier key is configured (or it cannot be read)."""


@dataclass(frozen=True)
class SupplierKey:
    p12: Path
    password_file: Path
    tsa_url: str
    trust_roots: tuple[Path, ...]
    level: Level = Level.B_T
    timeout: float = 5.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SupplierKey:
        p12 = config.get("LK_SUPPLIER_P12") or ""
        password = config.get("LK_SUPPLIER_P12_PASSWORD_FILE") or ""
        demo = demo_supplier_key(config)
        if demo is not None:
            p12, password = str(demo[0]), str(demo[1])
        if not p12 or not password:
            raise SupplierKeyMissing("no supplier key: set LK_SUPPLIER_P12 and "
                                     "LK_SUPPLIER_P12_PASSWORD_FILE")
        return cls(p12=Path(p12), password_file=Path(password),
                   tsa_url=str(config.get("LK_TSA_URL") or ""),
                   trust_roots=tuple(Path(p) for p in str(config.get("LK_TRUST_ROOTS") or "")
                                     .split(":") if p),
                   level=Level(config.get("LK_SUPPLIER_SIGNATURE_LEVEL") or "B-T"))

    def identity(self) -> SigningIdentity:
        try:
            stamp = self.p12.stat().st_mtime_ns
        except OSError as exc:
            raise SupplierKeyMissing(f"cannot read the supplier key {self.p12}: {exc}") from exc
        return _load(self.p12, self.password_file, stamp)


@functools.lru_cache(maxsize=4)
def _load(p12: Path, password_file: Path, _mtime: int) -> SigningIdentity:
    try:
        text = password_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SupplierKeyMissing(f"cannot read {password_file}: {exc}") from exc
    return load_pkcs12_identity(p12, text.splitlines()[0] if text else "")


def sign_as_supplier(pdf: bytes, key: SupplierKey, *, field: str | None,
                     certify: bool = False, add_empty_fields: tuple[str, ...] = (),
                     reason: str | None = None, level: Level | None = None,
                     visible: bool = True) -> SigningResult:
    """Sign ``pdf`` in ``field`` with the supplier's key (B-T by default, degrading);
    ``visible=False`` for a new field on a document with its own signature boxes."""
    options = SigningOptions(level=level or key.level, tsa_url=key.tsa_url or None,
                             trust_roots=key.trust_roots, field_name=field, certify=certify,
                             add_empty_fields=add_empty_fields, reason=reason, visible=visible,
                             service_timeout=key.timeout, degrade=True)
    return sign_document(pdf, key.identity(), options)
