"""Generate the demo PKI into a directory (``lk pki init``).

Everything is created fresh from the declaration (``certs/demo-pki.yml``):
keys, certificates, password-protected PKCS#12 files for the signing
identities, initial CRLs, and ``manifest.json`` describing it all with paths
relative to the directory. Nothing generated here is ever committed.

Layout of DIR::

    root-ca.pem             the trust anchor (what a verifier must trust)
    ca-chain.pem            issuing CA + root, what the portal publishes
    manifest.json           see :mod:`lk_corporate.pki.manifest`
    ca/<id>.pem|.crt|.key   authorities (PEM, DER, private key)
    services/<id>.pem|.key  TSA and OCSP responder
    identities/<name>.p12   signing identities (AES-256 PKCS#12)
    identities/<name>.pem   their certificates; <name>.password the password
    crl/<id>.crl            initial CRLs (the service issues fresh ones)
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from lk_corporate.pki.crl import build_crl
from lk_corporate.pki.declaration import (
    DEFAULT_DECLARATION,
    AuthorityDecl,
    IdentityDecl,
    PkiDeclaration,
    ServiceDecl,
    load_declaration,
)
from lk_corporate.pki.keys import PrivateKey, generate_key, signature_hash, write_key
from lk_corporate.pki.manifest import MANIFEST_NAME, Manifest, load_manifest

DEFAULT_BASE_URL = "http://127.0.0.1:8765"

# Russian qualified-certificate attributes (order No. 795 of the FSB): ИНН and ИНН ЮЛ, ОГРН.
OID_INN = x509.ObjectIdentifier("1.2.643.3.131.1.1")
OID_INNLE = x509.ObjectIdentifier("1.2.643.100.4")
OID_OGRN = x509.ObjectIdentifier("1.2.643.100.1")
# id-kp-documentSigning (RFC 9336).
OID_DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")

_SHORT_NAMES = {
    "CN": NameOID.COMMON_NAME,
    "O": NameOID.ORGANIZATION_NAME,
    "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "C": NameOID.COUNTRY_NAME,
    "L": NameOID.LOCALITY_NAME,
    "ST": NameOID.STATE_OR_PROVINCE_NAME,
}


class PkiGenerationError(RuntimeError):
    """The target directory cannot hold a new PKI (e.g. it already contains one)."""


class PkiBaseUrlMismatch(PkiGenerationError):
    """The directory holds a PKI generated for another base URL than the one asked for."""

    def __init__(self, manifest: Manifest, wanted: str):
        super().__init__(f"{manifest.directory} holds a PKI generated for {manifest.base_url}, "
                         f"not {wanted}")
        self.manifest = manifest
        self.wanted = wanted


@dataclass(frozen=True)
class _Issued:
    cert: x509.Certificate
    key: PrivateKey


def _attr(oid: x509.ObjectIdentifier, value: str,
          string_type: _ASN1Type | None = None) -> x509.NameAttribute:
    # Note: cryptography checks the RFC 5280 upper bound (64) in UTF-8 bytes, and warns
    # about longer values even when reading them, so Cyrillic names in the declaration
    # are kept to about 30 characters.
    if string_type is None:
        return x509.NameAttribute(oid, value)
    return x509.NameAttribute(oid, value, _type=string_type)


def _name(subject: dict[str, str]) -> x509.Name:
    # Country first, CN last: the conventional order for readers that show the DN as is.
    order = ["C", "ST", "L", "O", "OU", "CN"]
    return x509.Name([_attr(_SHORT_NAMES[k], subject[k]) for k in order if k in subject])


def identity_subject(decl: IdentityDecl) -> x509.Name:
    """CN = the person, O = the organisation's short name, title, ИНН, organizationIdentifier…

    The tax ID is carried three ways so that every consumer finds it: the Russian
    ИНН attribute (1.2.643.3.131.1.1, NumericString, the 10-digit legal-entity
    ИНН as given), ИНН ЮЛ (1.2.643.100.4) and the ETSI EN 319 412-1
    organizationIdentifier ``VATRU-<tax ID>``.
    """
    org = decl.organization
    surname, _, given = decl.person.partition(" ")
    attrs = [
        _attr(NameOID.COUNTRY_NAME, "RU"),
    ]
    if org.region:
        attrs.append(_attr(NameOID.STATE_OR_PROVINCE_NAME, org.region))
    attrs += [
        _attr(NameOID.LOCALITY_NAME, org.locality),
        _attr(NameOID.ORGANIZATION_NAME, org.short_name),
    ]
    if decl.title:
        attrs.append(_attr(NameOID.TITLE, decl.title))
    attrs += [
        _attr(OID_OGRN, org.ogrn, _ASN1Type.NumericString),
        _attr(OID_INN, org.tax_id, _ASN1Type.NumericString),
        _attr(OID_INNLE, org.tax_id, _ASN1Type.NumericString),
        _attr(NameOID.ORGANIZATION_IDENTIFIER, f"VATRU-{org.tax_id}"),
        _attr(NameOID.SURNAME, surname),
    ]
    if given:
        attrs.append(_attr(NameOID.GIVEN_NAME, given))
    attrs.append(_attr(NameOID.COMMON_NAME, decl.person))
    return x509.Name(attrs)


class _Generator:
    def __init__(self, decl: PkiDeclaration, out: Path, base_url: str, now: dt.datetime):
        self.decl = decl
        self.out = out
        self.base = base_url.rstrip("/")
        self.now = now.replace(microsecond=0)
        self.cas: dict[str, _Issued] = {}
        self.ca_decls = {ca.id: ca for ca in decl.authorities}

    # -- URLs -------------------------------------------------------------------------------
    def crl_url(self, ca_id: str) -> str:
        return f"{self.base}/crl/{ca_id}.crl"

    def ca_issuer_url(self, ca_id: str) -> str:
        return f"{self.base}/certs/{ca_id}.crt"

    @property
    def ocsp_url(self) -> str:
        return f"{self.base}/ocsp"

    @property
    def tsa_url(self) -> str:
        return f"{self.base}/tsa"

    # -- certificate building ---------------------------------------------------------------
    def _builder(self, subject: x509.Name, key: PrivateKey, issuer_id: str | None,
                 valid_from_days: int, valid_days: int) -> x509.CertificateBuilder:
        not_before = self.now + dt.timedelta(days=valid_from_days)
        issuer_name = subject if issuer_id is None else self.cas[issuer_id].cert.subject
        issuer_pub = key.public_key() if issuer_id is None else self.cas[issuer_id].key.public_key()
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_before + dt.timedelta(days=valid_days))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_pub),
                           critical=False)
        )

    def _revocation_pointers(self, builder: x509.CertificateBuilder, issuer_id: str,
                             with_ocsp: bool) -> x509.CertificateBuilder:
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(self.crl_url(issuer_id))],
            relative_name=None, reasons=None, crl_issuer=None)]), critical=False)
        access = [x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS,
                                         x509.UniformResourceIdentifier(
                                             self.ca_issuer_url(issuer_id)))]
        if with_ocsp:
            access.insert(0, x509.AccessDescription(AuthorityInformationAccessOID.OCSP,
                                                    x509.UniformResourceIdentifier(self.ocsp_url)))
        return builder.add_extension(x509.AuthorityInformationAccess(access), critical=False)

    def _sign(self, builder: x509.CertificateBuilder, issuer_id: str | None,
              own_key: PrivateKey) -> x509.Certificate:
        signer = own_key if issuer_id is None else self.cas[issuer_id].key
        return builder.sign(signer, signature_hash(signer))

    def make_authority(self, ca: AuthorityDecl) -> None:
        if ca.issuer is not None and ca.issuer not in self.cas:
            self.make_authority(self.ca_decls[ca.issuer])
        if ca.id in self.cas:
            return
        key = generate_key(ca.key)
        builder = self._builder(_name(ca.subject), key, ca.issuer, ca.valid_from_days,
                                ca.valid_days)
        builder = builder.add_extension(
            x509.BasicConstraints(ca=True, path_length=ca.path_length), critical=True
        ).add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        if ca.issuer is not None:
            # Intermediates point at their issuer's CRL; no OCSP for CA certificates.
            builder = self._revocation_pointers(builder, ca.issuer, with_ocsp=False)
        self.cas[ca.id] = _Issued(self._sign(builder, ca.issuer, key), key)

    def make_service(self, svc: ServiceDecl) -> _Issued:
        key = generate_key(svc.key)
        builder = self._builder(_name(svc.subject), key, svc.issuer, svc.valid_from_days,
                                svc.valid_days)
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None),
                                        critical=True)
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=svc.usage == "timestamping",
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False),
            critical=True)
        if svc.usage == "timestamping":
            # RFC 3161 §2.3: the TSA certificate has exactly this EKU, critical.
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            builder = self._revocation_pointers(builder, svc.issuer, with_ocsp=True)
        elif svc.usage == "ocsp_signing":
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
            # RFC 6960 §4.2.2.2.1: the responder's own status is not checked.
            builder = builder.add_extension(x509.OCSPNoCheck(), critical=False)
        else:
            raise PkiGenerationError(f"{svc.id}: unknown usage {svc.usage!r}")
        return _Issued(self._sign(builder, svc.issuer, key), key)

    def make_identity(self, ident: IdentityDecl) -> _Issued:
        key = generate_key(ident.key)
        builder = self._builder(identity_subject(ident), key, ident.issuer,
                                ident.valid_from_days, ident.valid_days)
        builder = (
            builder.add_extension(x509.BasicConstraints(ca=False, path_length=None),
                                  critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            # emailProtection: NSS (pdfsig, Firefox) checks signers for the e-mail signer usage.
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION,
                                                  OID_DOCUMENT_SIGNING]), critical=False)
        )
        builder = self._revocation_pointers(builder, ident.issuer, with_ocsp=True)
        return _Issued(self._sign(builder, ident.issuer, key), key)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _pkcs12(name: str, issued: _Issued, chain: list[x509.Certificate], password: bytes,
            rounds: int) -> bytes:
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(rounds)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password)
    )
    return pkcs12.serialize_key_and_certificates(name.encode(), issued.key, issued.cert, chain,
                                                 encryption)


def _chain(gen: _Generator, issuer_id: str) -> list[x509.Certificate]:
    """Issuer first, up to the root: the certificates a signer embeds after its own."""
    chain = []
    current: str | None = issuer_id
    while current is not None:
        chain.append(gen.cas[current].cert)
        current = gen.ca_decls[current].issuer
    return chain


def init_pki(out_dir: Path, base_url: str = DEFAULT_BASE_URL, *,
             declaration: PkiDeclaration | None = None,
             now: dt.datetime | None = None) -> Manifest:
    """Generate the whole demo PKI into ``out_dir`` (created; must not hold a PKI yet)."""
    decl = declaration or load_declaration(DEFAULT_DECLARATION)
    out_dir = Path(out_dir)
    if (out_dir / MANIFEST_NAME).exists():
        raise PkiGenerationError(f"{out_dir} already contains a PKI ({MANIFEST_NAME})")
    gen = _Generator(decl, out_dir, base_url, now or dt.datetime.now(dt.UTC))
    for sub in ("ca", "services", "identities", "crl"):
        (out_dir / sub).mkdir(parents=True, exist_ok=True)

    for ca in decl.authorities:
        gen.make_authority(ca)
    services = {svc.id: gen.make_service(svc) for svc in decl.services}

    manifest: dict = {
        "version": 1,
        "generated_at": gen.now.isoformat(),
        "base_url": gen.base,
        "tsa_url": gen.tsa_url,
        "ocsp_url": gen.ocsp_url,
        "trust_anchor": "root-ca.pem",
        "ca_chain": "ca-chain.pem",
        "crl_urls": {ca.id: gen.crl_url(ca.id) for ca in decl.authorities},
        "authorities": [],
        "services": {},
        "identities": [],
        "revocations": [],
    }
    trusted = next(ca for ca in decl.authorities if ca.trusted)
    for ca in decl.authorities:
        issued = gen.cas[ca.id]
        (out_dir / "ca" / f"{ca.id}.pem").write_bytes(_pem(issued.cert))
        (out_dir / "ca" / f"{ca.id}.crt").write_bytes(
            issued.cert.public_bytes(serialization.Encoding.DER))
        write_key(out_dir / "ca" / f"{ca.id}.key", issued.key)
        manifest["authorities"].append({
            "id": ca.id, "cert": f"ca/{ca.id}.pem", "key": f"ca/{ca.id}.key",
            "issuer": ca.issuer, "trusted": ca.trusted, "crl_url": gen.crl_url(ca.id),
            "ocsp_responder": ca.ocsp_responder,
        })
    (out_dir / "root-ca.pem").write_bytes(_pem(gen.cas[trusted.id].cert))
    trusted_chain = [gen.cas[ca.id].cert for ca in decl.authorities
                     if ca.id == trusted.id or ca.issuer == trusted.id]
    (out_dir / "ca-chain.pem").write_bytes(b"".join(_pem(c) for c in reversed(trusted_chain)))

    for svc in decl.services:
        issued = services[svc.id]
        (out_dir / "services" / f"{svc.id}.pem").write_bytes(_pem(issued.cert))
        write_key(out_dir / "services" / f"{svc.id}.key", issued.key)
        manifest["services"][svc.id] = {
            "cert": f"services/{svc.id}.pem", "key": f"services/{svc.id}.key",
            "issuer": svc.issuer, "usage": svc.usage,
            "chain": [f"ca/{c}.pem" for c in _chain_ids(gen, svc.issuer)],
        }

    for ident in decl.identities:
        issued = gen.make_identity(ident)
        password = secrets.token_urlsafe(12)
        chain = _chain(gen, ident.issuer)
        (out_dir / "identities" / f"{ident.name}.p12").write_bytes(
            _pkcs12(ident.person, issued, chain, password.encode(), decl.pkcs12_kdf_rounds))
        (out_dir / "identities" / f"{ident.name}.pem").write_bytes(_pem(issued.cert))
        pw_file = out_dir / "identities" / f"{ident.name}.password"
        pw_file.write_text(password + "\n", encoding="ascii")
        pw_file.chmod(0o600)
        entry = {
            "name": ident.name,
            "role": ident.role,
            "tax_id": ident.organization.tax_id,
            "organization": ident.organization.short_name,
            "person": ident.person,
            "title": ident.title,
            "key_type": ident.key,
            "p12": f"identities/{ident.name}.p12",
            "password": password,
            "password_file": f"identities/{ident.name}.password",
            "cert": f"identities/{ident.name}.pem",
            "issuer": ident.issuer,
            "serial": format(issued.cert.serial_number, "x"),
            "not_before": issued.cert.not_valid_before_utc.isoformat(),
            "not_after": issued.cert.not_valid_after_utc.isoformat(),
        }
        if ident.organization.contract is not None:
            entry["client_contract"] = ident.organization.contract
        manifest["identities"].append(entry)
        if ident.revoked_days_ago is not None:
            manifest["revocations"].append({
                "issuer": ident.issuer,
                "serial": format(issued.cert.serial_number, "x"),
                "revoked_at": (gen.now - dt.timedelta(days=ident.revoked_days_ago)).isoformat(),
                "reason": ident.revocation_reason,
            })

    loaded = Manifest.from_json(out_dir, manifest)
    for ca in decl.authorities:
        crl = build_crl(gen.cas[ca.id].cert, gen.cas[ca.id].key,
                        [r for r in loaded.revocations if r.issuer == ca.id], now=gen.now)
        (out_dir / "crl" / f"{ca.id}.crl").write_bytes(crl)
    # The manifest goes last: its presence means the PKI is complete.
    (out_dir / MANIFEST_NAME).write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                         encoding="utf-8")
    return loaded


def _chain_ids(gen: _Generator, issuer_id: str) -> list[str]:
    ids = []
    current: str | None = issuer_id
    while current is not None:
        ids.append(current)
        current = gen.ca_decls[current].issuer
    return ids


def ensure_demo_pki(pki_dir: Path, base_url: str = DEFAULT_BASE_URL) -> Manifest:
    """Load the PKI in ``pki_dir``, generating it first if there is none.

    An existing PKI generated for another base URL raises :class:`PkiBaseUrlMismatch`
    rather than being served where its certificates do not point (their CRL, OCSP and
    CA-issuer URLs are signed into them) or silently replaced (its root may be trusted in
    readers, and documents signed with it chain to it).
    """
    pki_dir = Path(pki_dir)
    if (pki_dir / MANIFEST_NAME).exists():
        manifest = load_manifest(pki_dir)
        if manifest.base_url.rstrip("/") != base_url.rstrip("/"):
            raise PkiBaseUrlMismatch(manifest, base_url.rstrip("/"))
        return manifest
    return init_pki(pki_dir, base_url)
