"""The demo PKI: `lk pki init` generates it, `lk pki serve` serves its CRL, OCSP and TSA.

Public API (what ``lk demo`` and the tests use)::

    init_pki(dir, base_url) -> Manifest          generate a fresh PKI into dir
    ensure_demo_pki(dir, base_url) -> Manifest   load it, generating it if absent
    load_manifest(dir) -> Manifest               read DIR/manifest.json
    start_services(dir, host, port) -> ServicesHandle   CRL/OCSP/TSA in a thread (.stop())
"""

from lk_corporate.pki.generate import (
    DEFAULT_BASE_URL,
    PkiGenerationError,
    ensure_demo_pki,
    init_pki,
)
from lk_corporate.pki.manifest import IdentityInfo, Manifest, ManifestError, load_manifest
from lk_corporate.pki.server import ServicesHandle, start_services

__all__ = [
    "DEFAULT_BASE_URL",
    "IdentityInfo",
    "Manifest",
    "ManifestError",
    "PkiGenerationError",
    "ServicesHandle",
    "ensure_demo_pki",
    "init_pki",
    "load_manifest",
    "start_services",
]
