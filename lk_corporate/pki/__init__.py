"""The demo PKI: `lk pki init` generates it, `lk pki serve` serves its CRL, OCSP and TSA."""
