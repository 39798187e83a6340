"""Fixtures of the signing tests (API and browser): the demo PKI with its CRL/OCSP/TSA, a CRL
index the revocation job filled, the app configured for them, reading acts the supplier signed
and certified, PKCS#12 files as real tools export them, and keys the test holds.

Import the fixtures into a ``conftest.py`` (``tests/docsign``, ``tests/browser``).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from lk_corporate.core.audit import Actor
from lk_corporate.core.storage import FileStore
from lk_corporate.core.uow import unit_of_work
from lk_corporate.docflow.models import Document, DocumentKind
from lk_corporate.docflow.operations import issue_document
from lk_corporate.pki import ServicesHandle
from signing.remote import Scheme
from tests.signing.conftest import DemoPki, demo_pki, pki_base_url, pki_services

__all__ = [
    "GP5",
    "ROMASHKA",
    "ZMK",
    "browser_sign",
    "client_key",
    "crl_index",
    "demo_pki",
    "in_thread",
    "issue_act",
    "p12_variants",
    "pki_base_url",
    "pki_services",
    "signing_config",
    "supplier_act",
]

ROMASHKA = "7712345671"  # ООО «Ромашка»: the demo PKI's RSA client
GP5 = "7703456784"  # ГБУЗ «ГП № 5»: the ECDSA P-256 client
ZMK = "5029012343"  # АО «ЗМК»
T = TypeVar("T")


def in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn`` in a thread of its own. pyHanko signs and validates with ``asyncio.run``,
    which fails in the main thread while Playwright's sync API keeps its event loop there."""
    result: list[Any] = []

    def run() -> None:
        try:
            result.append((True, fn(*args, **kwargs)))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            result.append((False, exc))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    ok, value = result[0]
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def crl_index(demo_pki: DemoPki, pki_services: ServicesHandle,
              tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The CRL index as the revocation job leaves it (the revoked demo certificate in it)."""
    from signing.validation.revocation import CrlIndex, refresh_crl_index
    from signing.validation.trust import load_certificates

    path = tmp_path_factory.mktemp("crl") / "crl-index.sqlite3"
    certs = load_certificates(demo_pki.manifest.ca_chain.read_bytes())
    report = refresh_crl_index(CrlIndex(path), certs, urls=list(demo_pki.manifest.crl_urls.values()))
    assert report is not None
    return path


def _supplier_act(demo_pki: DemoPki) -> bytes:
    from documents import SUPPLIER, render_reading_act
    from lk_corporate.demo.samples import sample_reading_act
    from signing import Level, SigningOptions, load_pkcs12_identity, sign_pdf

    supplier = demo_pki.supplier
    identity = load_pkcs12_identity(supplier.p12, supplier.password)
    options = SigningOptions(level=Level.B_T, tsa_url=demo_pki.tsa_url,
                             trust_roots=(demo_pki.root_pem,), field_name=SUPPLIER, certify=True)
    return sign_pdf(render_reading_act(sample_reading_act()), identity, options).pdf


@pytest.fixture(scope="session")
def supplier_act(demo_pki: DemoPki, pki_services: ServicesHandle) -> bytes:
    """A reading act as the portal issues it: signed and certified by the supplier (B-T),
    the client's field ``client`` empty."""
    return in_thread(_supplier_act, demo_pki)


def configure(config: Any, demo_pki: DemoPki, crl_index: Path, monkeypatch: pytest.MonkeyPatch,
              **extra: Any) -> None:
    """Point the portal's signing and validation at the demo PKI (trust, TSA, CRL index)."""
    for key, value in {"LK_TRUST_ROOTS": str(demo_pki.root_pem), "LK_TSA_URL": demo_pki.tsa_url,
                       "LK_CRL_INDEX": str(crl_index),
                       "LK_CA_CHAIN": str(demo_pki.manifest.ca_chain),
                       "LK_CLIENT_SIGNATURE_LEVEL": "B-T", **extra}.items():
        monkeypatch.setitem(config, key, value)


@pytest.fixture()
def signing_config(app: Any, demo_pki: DemoPki, pki_services: ServicesHandle, crl_index: Path,
                   monkeypatch: pytest.MonkeyPatch) -> Any:
    configure(app.config, demo_pki, crl_index, monkeypatch)
    return app.config


def issue_act(app: Any, client_id: int, pdf: bytes, number: str,
              kind: DocumentKind = DocumentKind.RECONCILIATION_ACT) -> int:
    """A document of ``client_id`` awaiting its signature (by default a reconciliation act, sent
    by docsign's own rules; reading acts have theirs, tests/reading_acts); its id."""
    store = FileStore(Path(app.config["LK_STORAGE_DIR"]))
    with unit_of_work() as session:
        issued = issue_document(session, store, kind=kind, number=number,
                                  client_id=client_id, period_id=None, date=dt.date(2026, 10, 31),
                                  pdf=pdf, actor=Actor.system("tests"))
        return int(issued.document.id)


def document_state(session: Any, document_id: int) -> tuple[str, str, int]:
    session.expire_all()
    d = session.get(Document, document_id)
    return d.status.value, d.sha256, len(d.revisions)


# --- keys the test holds (the API's callers: accounting software) ---------------------------------

def client_key(demo_pki: DemoPki, name: str) -> tuple[Any, tuple[bytes, ...]]:
    ident = demo_pki.identity(name)
    key, cert, extra = pkcs12.load_key_and_certificates(ident.p12.read_bytes(),
                                                        ident.password.encode())
    assert cert is not None
    return key, tuple(c.public_bytes(serialization.Encoding.DER) for c in [cert, *extra])


def browser_sign(key: Any, data: bytes, scheme: str) -> bytes:
    """What WebCrypto gives: PKCS#1 v1.5, PSS with a 32-byte salt, ECDSA as raw r||s."""
    if scheme == Scheme.RSA_PKCS1:
        return bytes(key.sign(data, padding.PKCS1v15(), hashes.SHA256()))
    if scheme == Scheme.RSA_PSS:
        return bytes(key.sign(data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                              hashes.SHA256()))
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


# --- PKCS#12 files as CAs and tools export them -----------------------------------------------------

@dataclass(frozen=True)
class P12:
    path: Path
    password: str
    tax_id: str
    """The client this key signs for."""


def _pem_files(demo_pki: DemoPki, name: str, folder: Path) -> tuple[Path, Path, Path]:
    key, chain = client_key(demo_pki, name)
    key_pem = folder / f"{name}.key.pem"
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    leaf = folder / f"{name}.crt.pem"
    leaf.write_bytes(x509.load_der_x509_certificate(chain[0]).public_bytes(serialization.Encoding.PEM))
    cas = folder / f"{name}.cas.pem"
    cas.write_bytes(b"".join(x509.load_der_x509_certificate(c).public_bytes(serialization.Encoding.PEM)
                             for c in chain[1:]))
    return key_pem, leaf, cas


def _p384_identity(demo_pki: DemoPki, folder: Path) -> tuple[Path, Path]:
    """An ECDSA P-384 key certified by the demo issuing CA for Ромашка: a key the browser
    signing cannot use (only P-256 is supported), refused with its reason."""
    ca = demo_pki.manifest.authority("issuing-ca")
    ca_cert = x509.load_pem_x509_certificate(ca.cert.read_bytes())
    ca_key = serialization.load_pem_private_key(ca.key.read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP384R1())
    now = dt.datetime.now(dt.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Иванова Мария Сергеевна"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ООО «Ромашка»"),
                         x509.NameAttribute(x509.ObjectIdentifier("1.2.643.100.4"), ROMASHKA)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=90))
            .sign(ca_key, hashes.SHA256()))  # type: ignore[arg-type]
    key_pem = folder / "p384.key.pem"
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    crt = folder / "p384.crt.pem"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_pem, crt


def _openssl_export(out: Path, password: str, key: Path | None, cert: Path | None,
                    *extra: str) -> Path:
    args = ["openssl", "pkcs12", "-export", "-out", str(out), "-passout", f"pass:{password}"]
    if key is not None:
        args += ["-inkey", str(key)]
    else:
        args += ["-nokeys"]
    if cert is not None:
        args += ["-in", str(cert)]
    else:
        args += ["-nocerts"]
    subprocess.run(args + list(extra), check=True, capture_output=True, timeout=60)
    return out


@pytest.fixture(scope="session")
def p12_variants(demo_pki: DemoPki, tmp_path_factory: pytest.TempPathFactory) -> dict[str, P12]:
    """Key files made with ``openssl pkcs12 -export`` (OpenSSL 3) from the demo keys.

    signable: ``openssl3`` (defaults: PBES2 AES-256-CBC, PBKDF2-SHA256, SHA-256 MAC, with the
    chain), ``legacy`` (``-legacy``: RC2-40 certificates, 3DES key, SHA-1 MAC),
    ``legacy-3des`` (``-legacy -descert``), ``nomac`` (``-nomac``), ``no-chain`` (the
    signer's certificate only), ``cyrillic`` (Cyrillic friendly name and password),
    ``ecdsa`` and ``ecdsa-legacy`` (P-256); refused: ``p384`` (ECDSA P-384), ``no-key``
    (``-nokeys``), ``no-cert`` (``-nocerts``).
    """
    d = tmp_path_factory.mktemp("p12")
    key, leaf, cas = _pem_files(demo_pki, "romashka", d)
    ec_key, ec_leaf, ec_cas = _pem_files(demo_pki, "gp5", d)
    p384_key, p384_cert = _p384_identity(demo_pki, d)
    pw = "Demo-pass-2026"
    made = {
        "openssl3": (_openssl_export(d / "openssl3.p12", pw, key, leaf, "-certfile", str(cas),
                                     "-name", "romashka"), pw, ROMASHKA),
        "legacy": (_openssl_export(d / "legacy.p12", pw, key, leaf, "-certfile", str(cas),
                                   "-legacy"), pw, ROMASHKA),
        "legacy-3des": (_openssl_export(d / "legacy-3des.p12", pw, key, leaf, "-legacy",
                                        "-descert"), pw, ROMASHKA),
        "nomac": (_openssl_export(d / "nomac.p12", pw, key, leaf, "-certfile", str(cas), "-nomac"),
                  pw, ROMASHKA),
        "no-chain": (_openssl_export(d / "no-chain.p12", pw, key, leaf), pw, ROMASHKA),
        "cyrillic": (_openssl_export(d / "cyrillic.p12", "Пароль-ключа 1", key, leaf, "-certfile",
                                     str(cas), "-name", "Иванова М. С. (ООО «Ромашка»)"),
                     "Пароль-ключа 1", ROMASHKA),
        "ecdsa": (_openssl_export(d / "ecdsa.p12", pw, ec_key, ec_leaf, "-certfile", str(ec_cas)),
                  pw, GP5),
        "ecdsa-legacy": (_openssl_export(d / "ecdsa-legacy.p12", pw, ec_key, ec_leaf, "-legacy"),
                         pw, GP5),
        "p384": (_openssl_export(d / "p384.p12", pw, p384_key, p384_cert), pw, ROMASHKA),
        "no-key": (_openssl_export(d / "no-key.p12", pw, None, leaf, "-certfile", str(cas)),
                   pw, ROMASHKA),
        "no-cert": (_openssl_export(d / "no-cert.p12", pw, key, None), pw, ROMASHKA),
    }
    return {name: P12(path, password, tax_id) for name, (path, password, tax_id) in made.items()}
