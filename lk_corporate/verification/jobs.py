"""The revocation job: keep the CRL index fresh, off every request path.

Validation in the portal never fetches a CRL or asks an OCSP responder while a page waits;
it looks serials up in the index this job maintains (``signing.validation.CrlIndex``).
The job runs on Celery beat in production, in a background thread in the demo, and from the
command line as ``lk revocation refresh``.
"""

from __future__ import annotations

from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from flask import Flask

from signing.validation.revocation import CrlIndex, RefreshReport, refresh_crl_index


def crl_index_path(app: Flask) -> Path:
    return Path(app.config.get("LK_CRL_INDEX") or Path(app.config["LK_PKI_DIR"]) / "crl-index.sqlite3")


def _certificates(paths: list[Path]) -> list[asn1_x509.Certificate]:
    out: list[asn1_x509.Certificate] = []
    for path in paths:
        if not path.is_file():
            continue
        data = path.read_bytes()
        blobs = [der for _, _, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
        out.extend(asn1_x509.Certificate.load(der) for der in blobs)
    return out


def refresh_revocation_index(app: Flask, *, timeout: float = 10.0) -> RefreshReport:
    """Fetch the CRLs of the trusted CAs (and the demo PKI's, when there is one) and index them."""
    pki_dir = Path(app.config["LK_PKI_DIR"])
    anchors = [Path(p) for p in str(app.config["LK_TRUST_ROOTS"]).split(":") if p]
    urls: list[str] = []
    extra: list[Path] = []
    if (pki_dir / "manifest.json").is_file():
        from lk_corporate.pki.manifest import load_manifest

        manifest = load_manifest(pki_dir)
        urls = list(manifest.crl_urls.values())
        extra = [manifest.ca_chain]
    return refresh_crl_index(CrlIndex(crl_index_path(app)), _certificates(anchors + extra),
                             urls=urls, timeout=timeout)
