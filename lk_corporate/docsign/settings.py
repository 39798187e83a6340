"""What the signing operations need from the configuration, read once per request.

``SigningSettings.from_config`` turns ``LK_CLIENT_SIGNATURE_LEVEL``, ``LK_TSA_URL``,
``LK_TRUST_ROOTS``, ``LK_CA_CHAIN`` and ``LK_SIGNING_SESSION_MINUTES`` into a frozen value the
operations take as an argument (they never read Flask's config).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import pem

from signing import Level


@dataclass(frozen=True)
class SigningSettings:
    level: Level = Level.B_T
    """The PAdES level of the client's signature; below it (TSA down) the signature is made
    at B-B and the upgrade job completes it."""
    tsa_url: str | None = None
    """The timestamp authority (B-T and above)."""
    trust_roots: tuple[Path, ...] = ()
    """Trust anchors, for the revocation data B-LT embeds."""
    ca_certificates: tuple[bytes, ...] = ()
    """CA certificates (DER) that complete a chain sent without its issuers."""
    session_minutes: int = 15
    """How long the handed-out signed attributes stay signable."""
    service_timeout: float = 5.0
    """Seconds to wait for the TSA (then the signature degrades to B-B)."""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SigningSettings:
        roots = tuple(Path(p) for p in str(config.get("LK_TRUST_ROOTS") or "").split(":") if p)
        chain_files = tuple(p for p in str(config.get("LK_CA_CHAIN") or "").split(":") if p)
        return cls(
            level=Level(config.get("LK_CLIENT_SIGNATURE_LEVEL") or "B-T"),
            tsa_url=str(config.get("LK_TSA_URL") or "") or None,
            trust_roots=roots,
            ca_certificates=ca_certificates(chain_files),
            session_minutes=int(config.get("LK_SIGNING_SESSION_MINUTES") or 15),
        )


def ca_certificates(paths: tuple[str, ...]) -> tuple[bytes, ...]:
    """The DER certificates of the PEM/DER files that exist among ``paths`` (re-read when a
    file changes)."""
    existing = tuple(p for p in paths if Path(p).is_file())
    return _read(existing, tuple(Path(p).stat().st_mtime_ns for p in existing))


@functools.lru_cache(maxsize=8)
def _read(paths: tuple[str, ...], _stamps: tuple[int, ...]) -> tuple[bytes, ...]:
    out: list[bytes] = []
    for path in paths:
        data = Path(path).read_bytes()
        if pem.detect(data):
            out.extend(der for kind, _headers, der in pem.unarmor(data, multiple=True)
                       if kind == "CERTIFICATE")
        else:
            out.append(data)
    return tuple(out)
