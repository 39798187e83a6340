"""Key generation and loading for the demo PKI (RSA and ECDSA P-256)."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def generate_key(kind: str) -> PrivateKey:
    """``rsa-2048`` | ``rsa-3072`` | ``ec-p256`` → a fresh private key."""
    if kind == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind in ("rsa-2048", "rsa-3072"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[4:]))
    raise ValueError(f"unsupported key type {kind!r}")


def signature_hash(key: PrivateKey) -> hashes.SHA256:
    """The digest the PKI signs with: SHA-256 everywhere (P-256 and RSA-2048/3072)."""
    return hashes.SHA256()


def write_key(path: Path, key: PrivateKey) -> None:
    """Write an unencrypted PKCS#8 PEM readable by the owner only (demo material)."""
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)


def load_key(path: Path) -> PrivateKey:
    """Load a key written by :func:`write_key`."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise TypeError(f"{path}: not an RSA or EC key")
    return key
