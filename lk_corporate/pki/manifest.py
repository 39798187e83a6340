"""``DIR/manifest.json``: what ``lk pki init`` generated, with paths relative to DIR.

The portal (``lk demo``), the tests and the CLI read the demo PKI only through
this manifest, so the layout of DIR can change without touching them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lk_corporate.pki.crl import Revocation

MANIFEST_NAME = "manifest.json"


class ManifestError(ValueError):
    """``manifest.json`` is missing or does not describe a demo PKI."""


@dataclass(frozen=True)
class IdentityInfo:
    """A signing identity: PKCS#12 file and password, and who it is."""

    name: str
    role: str  # supplier | client | revoked | expired | untrusted
    tax_id: str
    organization: str
    person: str
    title: str
    key_type: str
    p12: Path
    password: str
    password_file: Path
    cert: Path
    issuer: str
    serial: int
    not_before: dt.datetime
    not_after: dt.datetime
    client_contract: str | None


@dataclass(frozen=True)
class AuthorityInfo:
    """A CA of the demo PKI (paths absolute)."""

    id: str
    cert: Path
    key: Path
    issuer: str | None
    trusted: bool
    crl_url: str
    ocsp_responder: str | None


@dataclass(frozen=True)
class ServiceInfo:
    """The TSA or the OCSP responder certificate and key, with its chain up to the root."""

    id: str
    cert: Path
    key: Path
    issuer: str
    usage: str
    chain: tuple[Path, ...]


@dataclass(frozen=True)
class Manifest:
    """The parsed manifest; every path is absolute."""

    directory: Path
    base_url: str
    tsa_url: str
    ocsp_url: str
    trust_anchor: Path
    ca_chain: Path
    crl_urls: dict[str, str]
    authorities: tuple[AuthorityInfo, ...]
    services: dict[str, ServiceInfo]
    identities: tuple[IdentityInfo, ...]
    revocations: tuple[Revocation, ...]
    generated_at: dt.datetime

    def identity(self, name: str) -> IdentityInfo:
        """The identity called ``name`` (e.g. ``supplier``, ``romashka``)."""
        for ident in self.identities:
            if ident.name == name:
                return ident
        raise KeyError(name)

    def by_role(self, role: str) -> tuple[IdentityInfo, ...]:
        """Every identity with ``role`` in declaration order."""
        return tuple(i for i in self.identities if i.role == role)

    def authority(self, ca_id: str) -> AuthorityInfo:
        for ca in self.authorities:
            if ca.id == ca_id:
                return ca
        raise KeyError(ca_id)

    @classmethod
    def from_json(cls, directory: Path, raw: dict[str, Any]) -> Manifest:
        d = Path(directory).resolve()
        try:
            return cls(
                directory=d,
                base_url=raw["base_url"],
                tsa_url=raw["tsa_url"],
                ocsp_url=raw["ocsp_url"],
                trust_anchor=d / raw["trust_anchor"],
                ca_chain=d / raw["ca_chain"],
                crl_urls=dict(raw["crl_urls"]),
                authorities=tuple(
                    AuthorityInfo(a["id"], d / a["cert"], d / a["key"], a["issuer"],
                                  a["trusted"], a["crl_url"], a["ocsp_responder"])
                    for a in raw["authorities"]
                ),
                services={
                    sid: ServiceInfo(sid, d / s["cert"], d / s["key"], s["issuer"], s["usage"],
                                     tuple(d / c for c in s["chain"]))
                    for sid, s in raw["services"].items()
                },
                identities=tuple(
                    IdentityInfo(
                        name=i["name"], role=i["role"], tax_id=i["tax_id"],
                        organization=i["organization"], person=i["person"],
                        title=i["title"], key_type=i["key_type"], p12=d / i["p12"],
                        password=i["password"], password_file=d / i["password_file"],
                        cert=d / i["cert"], issuer=i["issuer"], serial=int(i["serial"], 16),
                        not_before=dt.datetime.fromisoformat(i["not_before"]),
                        not_after=dt.datetime.fromisoformat(i["not_after"]),
                        client_contract=i.get("client_contract"),
                    )
                    for i in raw["identities"]
                ),
                revocations=tuple(
                    Revocation(r["issuer"], int(r["serial"], 16),
                               dt.datetime.fromisoformat(r["revoked_at"]), r["reason"])
                    for r in raw["revocations"]
                ),
                generated_at=dt.datetime.fromisoformat(raw["generated_at"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ManifestError(f"{d / MANIFEST_NAME}: not a demo PKI manifest ({exc})") from exc


def load_manifest(pki_dir: Path) -> Manifest:
    """Read ``pki_dir/manifest.json``; :class:`ManifestError` if absent or malformed."""
    path = Path(pki_dir) / MANIFEST_NAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read the PKI manifest ({exc})") from exc
    return Manifest.from_json(Path(pki_dir), raw)


def demo_supplier_key(config: Mapping[str, Any]) -> tuple[Path, Path] | None:
    """The demo PKI's supplier ``.p12`` and password file, when the running demo (``LK_DEMO``)
    names no supplier key of its own; ``None`` otherwise.

    A production portal must name its key explicitly (``LK_SUPPLIER_P12``): falling back to a
    demo key there would sign real documents with a key anyone can download.
    """
    pki_dir = Path(config["LK_PKI_DIR"])
    if config.get("LK_SUPPLIER_P12") or not config.get("LK_DEMO"):
        return None
    if not (pki_dir / MANIFEST_NAME).is_file():
        return None
    supplier = load_manifest(pki_dir).by_role("supplier")[0]
    return supplier.p12, supplier.password_file
