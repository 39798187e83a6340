"""The demo PKI loaded for serving: CA keys, issued serials, revocations.

:class:`LoadedPki` is what the OCSP responder, the CRL endpoint and the TSA
work from. It reads the generated directory once (through the manifest) so
that each request is only a lookup and a signature.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509

from lk_corporate.pki.crl import Revocation
from lk_corporate.pki.keys import PrivateKey, load_key
from lk_corporate.pki.manifest import Manifest, load_manifest


@dataclass(frozen=True)
class LoadedAuthority:
    """A CA with its key, who signs its OCSP responses, and what it issued."""

    id: str
    cert: x509.Certificate
    key: PrivateKey
    der: bytes
    name_hashes: dict[str, bytes]  # hash algorithm name → hash of the DER subject
    key_hashes: dict[str, bytes]  # hash algorithm name → hash of the public key bits
    ocsp_cert: x509.Certificate
    ocsp_key: PrivateKey
    ocsp_delegated: bool
    issued: frozenset[int]
    revocations: tuple[Revocation, ...]

    def revocation(self, serial: int) -> Revocation | None:
        for rev in self.revocations:
            if rev.serial == serial:
                return rev
        return None


@dataclass(frozen=True)
class LoadedPki:
    """Everything the loopback services need, read once from DIR."""

    manifest: Manifest
    authorities: dict[str, LoadedAuthority]
    tsa_cert: x509.Certificate
    tsa_key: PrivateKey
    tsa_chain: tuple[x509.Certificate, ...]
    loaded_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def authority_by_key_hash(self, algorithm: str, key_hash: bytes) -> LoadedAuthority | None:
        """The CA whose public key hashes (with ``algorithm``) to ``key_hash``, if any."""
        for ca in self.authorities.values():
            if ca.key_hashes.get(algorithm) == key_hash:
                return ca
        return None


def _hashes(cert_der: bytes) -> tuple[dict[str, bytes], dict[str, bytes]]:
    import hashlib

    parsed = asn1_x509.Certificate.load(cert_der)
    subject = parsed.subject.dump()
    key_bits = parsed.public_key["public_key"].contents[1:]  # drop the unused-bits byte
    algos = ("sha1", "sha256", "sha384", "sha512")
    return ({a: hashlib.new(a, subject).digest() for a in algos},
            {a: hashlib.new(a, key_bits).digest() for a in algos})


def _read_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def load_pki(pki_dir: Path) -> LoadedPki:
    """Load the PKI generated in ``pki_dir`` (raises ``ManifestError`` if there is none)."""
    from cryptography.hazmat.primitives.serialization import Encoding

    manifest = load_manifest(pki_dir)
    issued: dict[str, set[int]] = {ca.id: set() for ca in manifest.authorities}
    for ident in manifest.identities:
        issued[ident.issuer].add(ident.serial)
    for svc in manifest.services.values():
        issued[svc.issuer].add(_read_cert(svc.cert).serial_number)
    for ca_info in manifest.authorities:
        if ca_info.issuer is not None:
            issued[ca_info.issuer].add(_read_cert(ca_info.cert).serial_number)

    authorities = {}
    for ca_info in manifest.authorities:
        cert = _read_cert(ca_info.cert)
        key = load_key(ca_info.key)
        der = cert.public_bytes(Encoding.DER)
        name_hashes, key_hashes = _hashes(der)
        if ca_info.ocsp_responder is not None:
            svc = manifest.services[ca_info.ocsp_responder]
            ocsp_cert, ocsp_key, delegated = _read_cert(svc.cert), load_key(svc.key), True
        else:
            # No delegated responder: the CA signs its OCSP responses itself.
            ocsp_cert, ocsp_key, delegated = cert, key, False
        authorities[ca_info.id] = LoadedAuthority(
            id=ca_info.id, cert=cert, key=key, der=der, name_hashes=name_hashes,
            key_hashes=key_hashes, ocsp_cert=ocsp_cert, ocsp_key=ocsp_key,
            ocsp_delegated=delegated, issued=frozenset(issued[ca_info.id]),
            revocations=tuple(r for r in manifest.revocations if r.issuer == ca_info.id),
        )

    tsa = next(s for s in manifest.services.values() if s.usage == "timestamping")
    return LoadedPki(
        manifest=manifest,
        authorities=authorities,
        tsa_cert=_read_cert(tsa.cert),
        tsa_key=load_key(tsa.key),
        tsa_chain=tuple(_read_cert(p) for p in tsa.chain),
    )
