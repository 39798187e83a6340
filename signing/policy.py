"""PAdES levels and the frozen settings and results of a signing operation.

Levels follow ETSI EN 319 142-1: B-B (CMS signature only), B-T (plus a trusted
time: a signature timestamp, or a document timestamp in a later revision), B-LT
(plus the certificates and revocation data needed to validate offline, in the
DSS) and B-LTA (plus a document timestamp over the DSS, renewable before the
TSA certificate expires).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_TSA_URL",
    "Level",
    "SigningOptions",
    "SigningResult",
]

DEFAULT_TSA_URL = "http://127.0.0.1:8765/tsa"


class Level(str, enum.Enum):
    """A PAdES baseline level; ``Level("B-T")`` parses the usual spelling."""

    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"
    B_LTA = "B-LTA"

    @property
    def rank(self) -> int:
        """0 for B-B … 3 for B-LTA, for comparisons."""
        return list(Level).index(self)

    @property
    def needs_timestamp(self) -> bool:
        return self.rank >= Level.B_T.rank

    @property
    def needs_revocation_data(self) -> bool:
        return self.rank >= Level.B_LT.rank

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class SigningOptions:
    """How to sign. Defaults give a visible B-T signature in a new field."""

    level: Level = Level.B_T
    """Target PAdES level."""

    tsa_url: str | None = DEFAULT_TSA_URL
    """RFC 3161 time-stamping authority, needed from B-T up."""

    trust_roots: tuple[Path, ...] = ()
    """PEM/DER roots used to build the chain whose revocation data B-LT embeds.
    Empty: the self-signed certificates shipped with the signing identity."""

    field_name: str | None = None
    """Field to sign: an existing empty field is filled (the stamp in its widget), a missing
    one is created (refused, if visible, on a document with its own signature boxes).
    ``None``: the one empty field not listed in ``add_empty_fields`` (several: refused),
    else a fresh ``Signature<N>``. See :mod:`signing.fields`."""

    certify: bool = False
    """Make this a certification signature (DocMDP P=2: only form filling and further
    signatures allowed afterwards)."""

    add_empty_fields: tuple[str, ...] = ()
    """Empty signature fields for later signers, created in this revision *before*
    signing so that a certified document can still be countersigned. A name that already
    exists as an empty field keeps that field (a signed one is refused)."""

    visible: bool = True
    """Draw the Russian stamp (signer, organisation, tax ID, certificate, time)."""

    page: int = -1
    """Page of new visible fields (0-based; negative counts from the end)."""

    reason: str | None = None
    location: str | None = None

    service_timeout: float = 5.0
    """Seconds to wait for the TSA and each OCSP/CRL request."""

    degrade: bool = True
    """If the TSA or revocation endpoints are unreachable, sign at a lower level and
    report ``upgrade_pending`` rather than failing (nothing is lost: see
    :func:`signing.upgrade.upgrade`)."""

    check_validity: bool = True
    """Refuse an expired or not-yet-valid signing certificate before signing."""


@dataclass(frozen=True)
class SigningResult:
    """A signed PDF and what was achieved."""

    pdf: bytes
    """The signed document (the input plus one or more incremental revisions)."""

    level_reached: Level
    """The PAdES level the new signature has now."""

    target_level: Level
    """The level that was asked for."""

    field_name: str
    """The signature field that holds the new signature."""

    upgrade_pending: bool = False
    """True when ``level_reached`` is below ``target_level`` (service outage):
    call :func:`signing.upgrade.upgrade` later."""

    reason: str | None = None
    """Why the level was not reached (which service failed), for the audit log."""
