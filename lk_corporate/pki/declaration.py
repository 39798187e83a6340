"""Read the demo PKI declaration (``certs/demo-pki.yml``) into frozen dataclasses.

The declaration says *what* the PKI contains (organisations, authorities, service
certificates, signing identities); :mod:`lk_corporate.pki.generate` turns it into keys and
certificates. Identities reference an organisation of the same file by key (``supplier`` or
``client:<tax ID>``). The organisations are the demo's, but the PKI does not import the
demo: it is the lower layer (the demo uses the PKI), and a declaration of its own may name
other organisations; a test keeps the shipped one equal to ``lk_corporate.demo.data``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_DECLARATION = Path(__file__).resolve().parents[2] / "certs" / "demo-pki.yml"

ROLES = ("supplier", "client", "revoked", "expired", "untrusted")
KEY_TYPES = ("rsa-2048", "rsa-3072", "ec-p256")
REVOCATION_REASONS = ("unspecified", "key_compromise", "affiliation_changed", "superseded",
                      "cessation_of_operation")


class DeclarationError(ValueError):
    """The PKI declaration file is malformed or refers to something that does not exist."""


@dataclass(frozen=True)
class Organization:
    """The organisation a signing certificate belongs to."""

    name: str
    short_name: str
    tax_id: str
    ogrn: str
    locality: str
    region: str | None = None
    contract: str | None = None
    """The client's contract number in the portal (``client_contract`` in the manifest)."""


@dataclass(frozen=True)
class AuthorityDecl:
    """A certification authority: a root (no ``issuer``) or an intermediate."""

    id: str
    subject: dict[str, str]
    key: str
    valid_from_days: int
    valid_days: int
    issuer: str | None = None
    trusted: bool = False
    path_length: int | None = None
    ocsp_responder: str | None = None


@dataclass(frozen=True)
class ServiceDecl:
    """A service certificate: the TSA or the delegated OCSP responder."""

    id: str
    issuer: str
    subject: dict[str, str]
    key: str
    valid_from_days: int
    valid_days: int
    usage: str  # "timestamping" | "ocsp_signing"


@dataclass(frozen=True)
class IdentityDecl:
    """A person signing for an organisation, with the role the demo gives it."""

    name: str
    role: str
    issuer: str
    organization: Organization
    person: str
    title: str
    key: str
    valid_from_days: int
    valid_days: int
    revoked_days_ago: int | None = None
    revocation_reason: str = "unspecified"


@dataclass(frozen=True)
class PkiDeclaration:
    """The whole demo PKI as declared."""

    authorities: tuple[AuthorityDecl, ...]
    services: tuple[ServiceDecl, ...]
    identities: tuple[IdentityDecl, ...]
    pkcs12_kdf_rounds: int


def _organizations(raw: Any) -> dict[str, Organization]:
    if not isinstance(raw, dict):
        raise DeclarationError("organizations: expected a mapping of key -> organisation")
    out = {}
    for key, item in raw.items():
        where = f"organization {key!r}"
        if not isinstance(item, dict):
            raise DeclarationError(f"{where}: expected a mapping")
        contract = item.get("contract")
        out[str(key)] = Organization(
            name=str(_req(item, "name", where)),
            short_name=str(_req(item, "short_name", where)),
            tax_id=str(_req(item, "tax_id", where)),
            ogrn=str(_req(item, "ogrn", where)),
            locality=str(_req(item, "locality", where)),
            region=str(item["region"]) if item.get("region") else None,
            contract=str(contract) if contract is not None else None,
        )
    return out


def _organization(organizations: dict[str, Organization], ref: str, where: str) -> Organization:
    try:
        return organizations[ref]
    except KeyError:
        raise DeclarationError(f"{where}: unknown organization {ref!r} "
                               f"(declared: {', '.join(organizations) or 'none'})") from None


def _req(item: dict[str, Any], key: str, where: str) -> Any:
    if key not in item:
        raise DeclarationError(f"{where}: missing {key!r}")
    return item[key]


def _key(item: dict[str, Any], where: str) -> str:
    key = str(item.get("key", "rsa-2048"))
    if key not in KEY_TYPES:
        raise DeclarationError(f"{where}: key must be one of {KEY_TYPES}, not {key!r}")
    return key


def load_declaration(path: Path = DEFAULT_DECLARATION) -> PkiDeclaration:
    """Parse and check the declaration; raise :class:`DeclarationError` on any mistake."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DeclarationError(f"cannot read {path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise DeclarationError(f"{path}: expected a mapping at the top level")
    organizations = _organizations(raw.get("organizations") or {})

    authorities = tuple(
        AuthorityDecl(
            id=ca_id,
            subject={str(k): str(v) for k, v in _req(item, "subject", ca_id).items()},
            key=_key(item, ca_id),
            valid_from_days=int(item.get("valid_from_days", 0)),
            valid_days=int(_req(item, "valid_days", ca_id)),
            issuer=item.get("issuer"),
            trusted=bool(item.get("trusted", False)),
            path_length=item.get("path_length"),
            ocsp_responder=item.get("ocsp_responder"),
        )
        for ca_id, item in (raw.get("authorities") or {}).items()
    )
    services = tuple(
        ServiceDecl(
            id=sid,
            issuer=str(_req(item, "issuer", sid)),
            subject={str(k): str(v) for k, v in _req(item, "subject", sid).items()},
            key=_key(item, sid),
            valid_from_days=int(item.get("valid_from_days", 0)),
            valid_days=int(_req(item, "valid_days", sid)),
            usage=str(_req(item, "usage", sid)),
        )
        for sid, item in (raw.get("services") or {}).items()
    )
    identities = []
    for item in raw.get("identities") or ():
        name = str(_req(item, "name", "identity"))
        role = str(_req(item, "role", name))
        if role not in ROLES:
            raise DeclarationError(f"{name}: role must be one of {ROLES}, not {role!r}")
        reason = str(item.get("revocation_reason", "unspecified"))
        if reason not in REVOCATION_REASONS:
            raise DeclarationError(f"{name}: unknown revocation_reason {reason!r}")
        identities.append(IdentityDecl(
            name=name,
            role=role,
            issuer=str(_req(item, "issuer", name)),
            organization=_organization(organizations, str(_req(item, "organization", name)),
                                       name),
            person=str(_req(item, "person", name)),
            title=str(item.get("title", "")),
            key=_key(item, name),
            valid_from_days=int(item.get("valid_from_days", 0)),
            valid_days=int(_req(item, "valid_days", name)),
            revoked_days_ago=item.get("revoked_days_ago"),
            revocation_reason=reason,
        ))

    decl = PkiDeclaration(authorities, services, tuple(identities),
                          int((raw.get("pkcs12") or {}).get("kdf_rounds", 100000)))
    _check_references(decl)
    return decl


def _check_references(decl: PkiDeclaration) -> None:
    ca_ids = {ca.id for ca in decl.authorities}
    service_ids = {s.id for s in decl.services}
    for ca in decl.authorities:
        if ca.issuer is not None and ca.issuer not in ca_ids:
            raise DeclarationError(f"{ca.id}: unknown issuer {ca.issuer!r}")
        if ca.ocsp_responder is not None and ca.ocsp_responder not in service_ids:
            raise DeclarationError(f"{ca.id}: unknown ocsp_responder {ca.ocsp_responder!r}")
    entities: list[Any] = [*decl.services, *decl.identities]
    for entity in entities:
        if entity.issuer not in ca_ids:
            label = getattr(entity, "id", None) or getattr(entity, "name", "?")
            raise DeclarationError(f"{label}: unknown issuer {entity.issuer!r}")
    if sum(1 for ca in decl.authorities if ca.trusted) != 1:
        raise DeclarationError("exactly one authority must be trusted (the demo root)")
    if not any(s.usage == "timestamping" for s in decl.services):
        raise DeclarationError("a service with usage: timestamping (the TSA) is required")
    names = [i.name for i in decl.identities]
    if len(set(names)) != len(names):
        raise DeclarationError("identity names must be unique")
