"""Degraded mode: TSA and OCSP down while signing, upgrade later, nothing lost.

Uses its own demo PKI whose services are *not* running at first (the session's
services stay up for the other tests), then starts them and upgrades.
"""

from __future__ import annotations

import socket
import subprocess

import pytest

from lk_corporate.pki import init_pki, start_services
from signing import (
    Level,
    ServiceUnavailableError,
    SigningOptions,
    TimestampError,
    load_pkcs12_identity,
    sign_pdf,
    signature_level,
    upgrade,
)
from tests.signing.helpers import assert_pdfsig_all_valid, pyhanko_validate_all


@pytest.fixture(scope="module")
def offline_pki(tmp_path_factory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    directory = tmp_path_factory.mktemp("offline-pki")
    manifest = init_pki(directory, f"http://127.0.0.1:{port}")
    nss = tmp_path_factory.mktemp("offline-nss")
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True,
                   capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "root", "-t", "CT,C,C", "-i",
                    str(manifest.trust_anchor)], check=True, capture_output=True)
    return manifest, port, f"sql:{nss}"


def _options(manifest, level, **kw):
    return SigningOptions(level=level, tsa_url=manifest.tsa_url,
                          trust_roots=(manifest.trust_anchor,), service_timeout=2, **kw)


@pytest.mark.parametrize("target", [Level.B_T, Level.B_LT, Level.B_LTA])
def test_sign_while_down_then_upgrade(offline_pki, sample_pdf, tmp_path, target):
    manifest, port, nss = offline_pki
    ident = manifest.identity("supplier")
    identity = load_pkcs12_identity(ident.p12, ident.password)

    degraded = sign_pdf(sample_pdf, identity, _options(manifest, target, certify=True,
                                                       add_empty_fields=("Client",)))
    assert degraded.level_reached is Level.B_B
    assert degraded.upgrade_pending and degraded.target_level is target
    assert "time-stamping" in (degraded.reason or "")
    assert signature_level(degraded.pdf).level is Level.B_B

    with pytest.raises(ServiceUnavailableError):  # still down: nothing to gain, say so
        upgrade(degraded.pdf, target, tsa_url=manifest.tsa_url,
                trust_roots=(manifest.trust_anchor,), timeout=2)

    with start_services(manifest.directory, "127.0.0.1", port):
        upgraded = upgrade(degraded.pdf, target, tsa_url=manifest.tsa_url,
                           trust_roots=(manifest.trust_anchor,))
        assert upgraded.level_reached is target and not upgraded.upgrade_pending
        assert upgraded.pdf.startswith(degraded.pdf)  # the signature itself is untouched
        assert signature_level(upgraded.pdf).level is target
        path = tmp_path / "upgraded.pdf"
        path.write_bytes(upgraded.pdf)
        assert_pdfsig_all_valid(path, nss, expected=1)
        outcomes = pyhanko_validate_all(upgraded.pdf, manifest.trust_anchor,
                                        offline=target.needs_revocation_data)
        assert all(o.ok for o in outcomes), [o.details() for o in outcomes]


def test_degrade_off_raises(offline_pki, sample_pdf):
    manifest, _, _ = offline_pki
    ident = manifest.identity("supplier")
    identity = load_pkcs12_identity(ident.p12, ident.password)
    with pytest.raises(TimestampError):
        sign_pdf(sample_pdf, identity, _options(manifest, Level.B_T, degrade=False))


def test_ocsp_down_tsa_up_gives_b_t(offline_pki, demo_pki, pki_services, sample_pdf):
    # The offline PKI's OCSP is down, but the session's TSA answers: B-T, LT pending.
    manifest, _, _ = offline_pki
    ident = manifest.identity("supplier")
    identity = load_pkcs12_identity(ident.p12, ident.password)
    options = SigningOptions(level=Level.B_LT, tsa_url=demo_pki.tsa_url,
                             trust_roots=(manifest.trust_anchor,), service_timeout=2)
    result = sign_pdf(sample_pdf, identity, options)
    assert result.level_reached is Level.B_T and result.upgrade_pending
    assert "revocation" in (result.reason or "")
