"""Session fixtures for the signing tests, shared with ``tests/signing/validation``.

- ``demo_pki``: the demo PKI generated once per session by the real ``init_pki``,
  with certificates pointing at ``pki_base_url`` (a free loopback port).
- ``pki_services``: the real CRL/OCSP/TSA server on that port, for the session.
- ``nss_db``: an NSS database trusting the demo root (``pdfsig -nssdir``).
- ``sample_pdf``: a one-page PDF with Cyrillic text.
- ``sign_sample``: a function signing ``sample_pdf`` (or given bytes) at a level.
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lk_corporate.pki import IdentityInfo, Manifest, ServicesHandle, init_pki, start_services
from tests.signing.helpers import make_sample_pdf


@dataclass(frozen=True)
class DemoPki:
    """The session's demo PKI: where it is, its manifest, identities by role."""

    directory: Path
    manifest: Manifest
    root_pem: Path
    base_url: str

    @property
    def supplier(self) -> IdentityInfo:
        return self.manifest.by_role("supplier")[0]

    @property
    def client(self) -> IdentityInfo:
        """The first demo client (ООО «Ромашка», RSA)."""
        return self.manifest.by_role("client")[0]

    def identity(self, name: str) -> IdentityInfo:
        return self.manifest.identity(name)

    def by_role(self, role: str) -> tuple[IdentityInfo, ...]:
        return self.manifest.by_role(role)

    @property
    def tsa_url(self) -> str:
        return self.manifest.tsa_url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pki_base_url() -> str:
    return f"http://127.0.0.1:{_free_port()}"


@pytest.fixture(scope="session")
def demo_pki(tmp_path_factory: pytest.TempPathFactory, pki_base_url: str) -> DemoPki:
    directory = tmp_path_factory.mktemp("demo-pki")
    manifest = init_pki(directory, pki_base_url)
    return DemoPki(directory, manifest, manifest.trust_anchor, pki_base_url)


@pytest.fixture(scope="session")
def pki_services(demo_pki: DemoPki) -> Iterator[ServicesHandle]:
    port = int(demo_pki.base_url.rsplit(":", 1)[1])
    handle = start_services(demo_pki.directory, "127.0.0.1", port)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="session")
def nss_db(tmp_path_factory: pytest.TempPathFactory, demo_pki: DemoPki) -> str:
    """``sql:DIR`` of an NSS database that trusts the demo root for signing."""
    d = tmp_path_factory.mktemp("nssdb")
    subprocess.run(["certutil", "-N", "-d", f"sql:{d}", "--empty-password"], check=True,
                   capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{d}", "-n", "demo-root", "-t", "CT,C,C",
                    "-i", str(demo_pki.root_pem)], check=True, capture_output=True)
    return f"sql:{d}"


@pytest.fixture(scope="session")
def sample_pdf() -> bytes:
    return make_sample_pdf()


SignSample = Callable[..., bytes]


@pytest.fixture(scope="session")
def sign_sample(demo_pki: DemoPki, pki_services: ServicesHandle, sample_pdf: bytes) -> SignSample:
    """``sign_sample(level="B-T", identity="supplier", pdf=None, **options) -> bytes``.

    Signs with the real ``signing.sign_pdf`` (PKCS#12 identity of the demo PKI,
    the session's TSA, the demo root as trust anchor); options go to
    ``SigningOptions`` (``certify=True``, ``add_empty_fields=("Client",)``,
    ``field_name="Client"``…). To countersign, pass the signed bytes as ``pdf``.
    """
    from signing import Level, SigningOptions, load_pkcs12_identity, sign_pdf

    def _sign(level: str = "B-T", identity: str = "supplier", pdf: bytes | None = None,
              **options: object) -> bytes:
        ident = demo_pki.identity(identity)
        signer = load_pkcs12_identity(ident.p12, ident.password)
        opts = SigningOptions(level=Level(level), tsa_url=demo_pki.tsa_url,
                              trust_roots=(demo_pki.root_pem,), **options)  # type: ignore[arg-type]
        return sign_pdf(pdf if pdf is not None else sample_pdf, signer, opts).pdf

    return _sign
