"""The TSA client and the validation context used to collect revocation data.

Both talk to the network with short timeouts: signing is not on a page-view
path, but a dead endpoint must fail fast so that signing can degrade to B-B
(see :mod:`signing.server`) instead of hanging a worker.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from pyhanko.keys import load_certs_from_pemder
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

from signing.errors import IdentityError, InvalidInputError

__all__ = ["load_roots", "make_timestamper", "make_validation_context"]


def make_timestamper(url: str | None, timeout: float) -> TimeStamper:
    """An RFC 3161 client for ``url`` (HTTP POST, ``timeout`` seconds)."""
    if not url:
        raise InvalidInputError("a time-stamping authority URL is needed from level B-T up")
    if not url.startswith(("http://", "https://")):
        raise InvalidInputError(f"the TSA URL must be http(s): {url!r}")
    return RequestsHTTPTimeStamper(url, timeout=timeout)


def load_roots(paths: Iterable[Path]) -> list[asn1_x509.Certificate]:
    """Certificates from PEM or DER files (trust anchors)."""
    try:
        return list(load_certs_from_pemder([str(p) for p in paths]))
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"cannot read trust roots: {exc}") from exc


def make_validation_context(roots: list[asn1_x509.Certificate],
                            other_certs: Iterable[asn1_x509.Certificate],
                            timeout: float) -> ValidationContext:
    """A context that fetches OCSP/CRLs and fails hard when none can be obtained.

    ``hard-fail`` matters: with soft-fail an unreachable responder silently gives
    a "B-LT" file without revocation data, which would not validate offline.
    """
    if not roots:
        raise IdentityError("no trust root to build the chain for revocation data")
    return ValidationContext(
        trust_roots=roots,
        other_certs=list(other_certs),
        allow_fetching=True,
        revocation_mode="hard-fail",
        fetcher_backend=RequestsFetcherBackend(per_request_timeout=timeout),
    )
