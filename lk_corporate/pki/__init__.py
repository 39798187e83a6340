"""The demo PKI: `lk pki init` generates it, `lk pki serve` serves its CRL, OCSP and TSA.

Public API (what ``lk demo`` and the tests use)::

    init_pki(dir, base_url) -> Manifest          generate a fresh PKI into dir
    ensure_demo_pki(dir, base_url) -> Manifest   load it, generating it if absent
                                                 (PkiBaseUrlMismatch: made for another URL)
    load_manifest(dir) -> Manifest               read DIR/manifest.json
    start_services(dir, host, port) -> ServicesHandle   CRL/OCSP/TSA in a thread (.stop())
    port_is_free(host, port) -> bool             nothing listens there yet
    serves_pki(manifest, host, port) -> bool     host:port serves this very PKI
"""

from lk_corporate.pki.generate import (
    DEFAULT_BASE_URL,
    PkiBaseUrlMismatch,
    PkiGenerationError,
    ensure_demo_pki,
    init_pki,
)
from lk_corporate.pki.manifest import IdentityInfo, Manifest, ManifestError, load_manifest
from lk_corporate.pki.server import (
    PortInUseError,
    ServicesHandle,
    port_is_free,
    serves_pki,
    start_services,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "IdentityInfo",
    "Manifest",
    "ManifestError",
    "PkiBaseUrlMismatch",
    "PkiGenerationError",
    "PortInUseError",
    "ServicesHandle",
    "ensure_demo_pki",
    "init_pki",
    "load_manifest",
    "port_is_free",
    "serves_pki",
    "start_services",
]
