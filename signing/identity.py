"""Signing identities: a private key (PKCS#12 file or PKCS#11 token) and its chain.

Loading is the expensive part of server signing (PBKDF2 with 100 000 rounds for
a PKCS#12 file, an RSA key consistency check when the key is parsed), so an
identity is loaded once and cached, and the parsed key object is kept: pyHanko's
``SimpleSigner`` re-parses the DER key for every signature, which costs about
a hundred raw signatures each time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from signing.certinfo import CertificateSummary, describe_certificate
from signing.errors import (
    CertificateValidityError,
    IdentityFileError,
    TokenError,
    WrongPasswordError,
)

__all__ = [
    "SigningIdentity",
    "check_certificate_validity",
    "clear_identity_cache",
    "load_pkcs11_identity",
    "load_pkcs12_identity",
]

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class SigningIdentity:
    """A ready-to-use signer: pyHanko ``Signer``, its certificate and chain, who it is."""

    signer: signers.Signer
    certificate: asn1_x509.Certificate
    chain: tuple[asn1_x509.Certificate, ...]
    """The other certificates shipped with the key (issuers up to the root), if any."""
    summary: CertificateSummary
    source: str
    """Where it came from (``pkcs12:/path`` or ``pkcs11:<token>/<label>``), for logs."""

    @property
    def self_signed_roots(self) -> tuple[asn1_x509.Certificate, ...]:
        """Self-signed certificates of the chain (default anchors to collect revocation data)."""
        return tuple(c for c in self.chain if c.self_signed == "maybe" or c.self_signed == "yes")


class LoadedKeySigner(signers.SimpleSigner):
    """A pyHanko ``SimpleSigner`` that keeps the parsed private key.

    Same CMS output as ``SimpleSigner``; only ``sign_raw`` differs: it uses the key
    object parsed once at load time.
    """

    def __init__(self, signing_cert: asn1_x509.Certificate, private_key: PrivateKey,
                 cert_registry: SimpleCertificateStore, *, prefer_pss: bool = False):
        key_info = asn1_keys.PrivateKeyInfo.load(private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        super().__init__(signing_cert=signing_cert, signing_key=key_info,
                         cert_registry=cert_registry, prefer_pss=prefer_pss)
        self._private_key = private_key
        self._template: Any = None  # signing.cms.CmsTemplate, built on first use
        # pyHanko works the mechanism out again for every signature: once per digest is enough
        self._mechanisms: dict[str, Any] = {}

    async def async_sign_raw(self, data: bytes, digest_algorithm: str,
                             dry_run: bool = False) -> bytes:
        return self.sign_raw(data, digest_algorithm)

    async def async_sign(self, data_digest: bytes, digest_algorithm: str, dry_run: bool = False,
                         use_pades: bool = False, timestamper: Any = None,
                         signed_attr_settings: Any = None, is_pdf_sig: bool = True,
                         encap_content_info: Any = None) -> Any:
        """PAdES CMS for ``data_digest``: the fast path of :mod:`signing.cms` for the
        usual case, pyHanko's general implementation for anything else."""
        settings_plain = signed_attr_settings is None or (
            signed_attr_settings.cades_signed_attrs is None
            and signed_attr_settings.adobe_revinfo_attr is None)
        if (dry_run or not use_pades or not is_pdf_sig or encap_content_info is not None
                or digest_algorithm != "sha256" or not settings_plain or self.attribute_certs):
            return await super().async_sign(
                data_digest, digest_algorithm, dry_run=dry_run, use_pades=use_pades,
                timestamper=timestamper, signed_attr_settings=signed_attr_settings,
                is_pdf_sig=is_pdf_sig, encap_content_info=encap_content_info)
        from signing import cms as fast_cms

        if self._template is None:
            self._template = fast_cms.build_template(
                self.signing_cert, list(self.cert_registry),
                self.get_signature_mechanism_for_digest("sha256"))
        attrs = fast_cms.signed_attributes(self._template, data_digest)
        signature = self.sign_raw(attrs, "sha256")
        token = None
        if timestamper is not None:
            token = await timestamper.async_timestamp(fast_cms.message_imprint_of(signature),
                                                      "sha256")
        return fast_cms.signed_data(self._template, attrs, signature, token)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self._mechanisms.get(digest_algorithm)
        if mechanism is None:
            mechanism = self._mechanisms[digest_algorithm] = \
                self.get_signature_mechanism_for_digest(digest_algorithm)
        algo = mechanism.signature_algo
        key = self._private_key
        if algo == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if algo == "rsassa_pss" and isinstance(key, rsa.RSAPrivateKey):
            from pyhanko_certvalidator.util import process_pss_params

            pss, hash_algo = process_pss_params(mechanism["parameters"])
            return key.sign(data, pss, hash_algo)
        if algo == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        raise TokenError(f"signature mechanism {algo} does not fit the key")


_cache: dict[tuple[Any, ...], SigningIdentity] = {}
_cache_lock = threading.Lock()


def clear_identity_cache() -> None:
    """Forget every cached identity (tests; key rotation)."""
    with _cache_lock:
        _cache.clear()


def _to_asn1(cert: Any) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def load_pkcs12_identity(path: Path | str, password: bytes | str, *,
                         prefer_pss: bool = False) -> SigningIdentity:
    """Open a password-protected PKCS#12 file (cached per file version and password).

    Raises :class:`IdentityFileError` if the file is missing or not PKCS#12 and
    :class:`WrongPasswordError` if the password does not open it.
    """
    path = Path(path)
    pw = password.encode("utf-8") if isinstance(password, str) else password
    try:
        stat = path.stat()
        data = path.read_bytes()
    except OSError as exc:
        raise IdentityFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    key = ("pkcs12", str(path.resolve()), stat.st_mtime_ns, stat.st_size,
           hashlib.sha256(pw).hexdigest(), prefer_pss)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    identity = load_pkcs12_bytes(data, pw, source=f"pkcs12:{path}", prefer_pss=prefer_pss)
    with _cache_lock:
        _cache[key] = identity
    return identity


def load_pkcs12_bytes(data: bytes, password: bytes, *, source: str = "pkcs12",
                      prefer_pss: bool = False) -> SigningIdentity:
    """Like :func:`load_pkcs12_identity` for in-memory PKCS#12 data (not cached)."""
    try:
        private_key, cert, extra = pkcs12.load_key_and_certificates(data, password)
    except ValueError as exc:
        # Both a wrong password and garbage raise ValueError; tell them apart by
        # whether the outer PFX structure parses.
        try:
            asn1_pkcs12.Pfx.load(data)["auth_safe"].native  # noqa: B018 - forces parsing
        except (ValueError, TypeError):
            raise IdentityFileError(f"{source}: not a PKCS#12 file") from exc
        raise WrongPasswordError(f"{source}: wrong password") from exc
    if private_key is None or cert is None:
        raise IdentityFileError(f"{source}: the PKCS#12 file holds no key and certificate")
    if not isinstance(private_key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise IdentityFileError(f"{source}: only RSA and ECDSA keys are supported")
    signing_cert = _to_asn1(cert)
    chain = tuple(_to_asn1(c) for c in extra)
    registry = SimpleCertificateStore.from_certs([signing_cert, *chain])
    signer = LoadedKeySigner(signing_cert, private_key, registry, prefer_pss=prefer_pss)
    return SigningIdentity(signer, signing_cert, chain, describe_certificate(signing_cert), source)


def load_pkcs11_identity(module: Path | str, *, token_label: str, pin: str,
                         key_label: str, cert_label: str | None = None,
                         other_certs: tuple[Path, ...] = ()) -> SigningIdentity:
    """Open a PKCS#11 token (an HSM, SoftHSM2…) and use the key called ``key_label``.

    The session stays open for the life of the process (cached), so that each
    signature is one C_Sign call. ``other_certs`` are PEM/DER issuer certificates
    to embed when the token holds only the signer's certificate.
    """
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.keys import load_certs_from_pemder
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    cert_label = cert_label or key_label
    key = ("pkcs11", str(module), token_label, hashlib.sha256(pin.encode()).hexdigest(),
           key_label, cert_label, tuple(str(p) for p in other_certs))
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    import pkcs11.exceptions as p11_exc  # python-pkcs11

    source = f"pkcs11:{token_label}/{key_label}"
    try:
        session = open_pkcs11_session(str(module), token_criteria=TokenCriteria(label=token_label),
                                      user_pin=pin)
    except p11_exc.PinIncorrect as exc:
        raise WrongPasswordError(f"{source}: wrong PIN") from exc
    except (p11_exc.PKCS11Error, PyHankoSigningError, OSError, RuntimeError) as exc:
        raise TokenError(f"{source}: cannot open the token: {exc!r}") from exc
    try:
        extra = list(load_certs_from_pemder([str(p) for p in other_certs]))
        signer = PKCS11Signer(session, cert_label=cert_label, key_label=key_label,
                              other_certs_to_pull=(), ca_chain=extra)
        cert = signer.signing_cert
    except (p11_exc.PKCS11Error, PyHankoSigningError, KeyError, ValueError) as exc:
        # Close the session: the token stays logged in while any session is open.
        session.close()
        raise TokenError(f"{source}: key or certificate not found on the token ({exc!r})") \
            from exc
    if cert is None:
        session.close()
        raise TokenError(f"{source}: no certificate labelled {cert_label!r}")
    if cert.public_key.algorithm == "ec":
        # Hash here, sign the digest with plain CKM_ECDSA: tokens (SoftHSM2 among them)
        # often lack the hash-and-sign ECDSA mechanisms, every one has CKM_ECDSA.
        signer.use_raw_mechanism = True
    identity = SigningIdentity(signer, cert, tuple(extra), describe_certificate(cert), source)
    with _cache_lock:
        _cache[key] = identity
    return identity


def check_certificate_validity(identity: SigningIdentity, when: dt.datetime) -> None:
    """Raise :class:`CertificateValidityError` if the certificate is not valid at ``when``."""
    s = identity.summary
    if when < s.not_before:
        raise CertificateValidityError(
            f"the certificate of {s.person} is not valid before {s.not_before:%Y-%m-%d %H:%M} UTC")
    if when > s.not_after:
        raise CertificateValidityError(
            f"the certificate of {s.person} expired on {s.not_after:%Y-%m-%d %H:%M} UTC")
