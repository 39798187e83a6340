"""The demo time-stamping authority (RFC 3161): TimeStampReq in, TimeStampResp out.

Tokens are CMS SignedData over a TSTInfo, signed by the TSA service
certificate (EKU id-kp-timeStamping, critical) with an ESS signing-certificate-v2
attribute as RFC 5816 asks. The time is whole seconds with a one-second accuracy.

Speed: a month-end batch asks for two tokens per client (an invoice and a tax invoice), so
the response is assembled from DER parts encoded once per PKI (the TSA certificate and
chain, the signer identifier, the signing-certificate-v2 attribute, the algorithm
identifiers); per request only the TSTInfo, the signed attributes and the signature are
encoded — the same bytes asn1crypto's object graph gave (``tests/signing/test_pki.py``
compares them), about twenty times faster, since re-serialising the certificates was most
of the time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import secrets
import threading
from dataclasses import dataclass
from functools import lru_cache

from asn1crypto import algos, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from lk_corporate.pki.authority import LoadedPki

# A policy OID under the UUID arc (ITU-T X.667): unique without registration.
TSA_POLICY_OID = "2.25.255839431826960424584651281632367431757"

_DIGESTS = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}
_serials = itertools.count(secrets.randbits(40) << 16)


def _rejection(failure: str, text: str) -> bytes:
    return tsp.TimeStampResp({
        "status": tsp.PKIStatusInfo({
            "status": "rejection",
            "status_string": [text],
            "fail_info": tsp.PKIFailureInfo({failure}),
        })
    }).dump()


# --- DER -------------------------------------------------------------------------------------

def _len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _len(len(content)) + content


def _int(value: int) -> bytes:
    """A DER INTEGER: two's complement in the fewest bytes (asn1crypto's bytes, a tenth of
    its time: a token has six integers)."""
    magnitude = value if value >= 0 else ~value  # the bits beside the sign bit
    return _tlv(0x02, value.to_bytes((magnitude.bit_length() + 8) // 8, "big", signed=True))


@lru_cache(maxsize=64)
def _oid(dotted: str) -> bytes:
    """Encoded once each: a token names the same half-dozen (the policy a request asks for
    is one of few; the cache is bounded all the same)."""
    return core.ObjectIdentifier(dotted).dump()  # type: ignore[no-any-return]


def _attribute(oid: str, value: bytes) -> bytes:
    return _tlv(0x30, _oid(oid) + _tlv(0x31, value))


@dataclass(frozen=True)
class _Template:
    """What every token of this TSA shares, DER-encoded once."""

    tsa_name: bytes  # [0] EXPLICIT GeneralName (directoryName)
    signing_cert_attr: bytes
    content_type_attr: bytes
    sid: bytes
    digest_algorithm: bytes
    signature_algorithm: bytes
    certificates: bytes  # [0] IMPLICIT SET OF Certificate
    is_rsa: bool


_templates: dict[int, tuple[LoadedPki, _Template]] = {}
_templates_lock = threading.Lock()


def _template(pki: LoadedPki) -> _Template:
    with _templates_lock:
        hit = _templates.get(id(pki))
        if hit is not None and hit[0] is pki:
            return hit[1]
    cert_der = pki.tsa_cert.public_bytes(serialization.Encoding.DER)
    cert = asn1_x509.Certificate.load(cert_der)
    signing_cert_v2 = tsp.SigningCertificateV2({"certs": [{
        "hash_algorithm": {"algorithm": "sha256"},
        "cert_hash": hashlib.sha256(cert_der).digest(),
        "issuer_serial": {
            "issuer": [asn1_x509.GeneralName(name="directory_name", value=cert.issuer)],
            "serial_number": cert.serial_number,
        },
    }]}).dump()
    is_rsa = isinstance(pki.tsa_key, rsa.RSAPrivateKey)
    if not is_rsa and not isinstance(pki.tsa_key, ec.EllipticCurvePrivateKey):
        raise TypeError(type(pki.tsa_key))  # pragma: no cover - RSA and EC keys only
    chain = [cert_der] + [c.public_bytes(serialization.Encoding.DER) for c in pki.tsa_chain]
    template = _Template(
        tsa_name=_tlv(0xA0, asn1_x509.GeneralName(name="directory_name",
                                                  value=cert.subject).dump()),
        signing_cert_attr=_attribute("1.2.840.113549.1.9.16.2.47", signing_cert_v2),
        content_type_attr=_attribute("1.2.840.113549.1.9.3",
                                     _oid("1.2.840.113549.1.9.16.1.4")),
        sid=_tlv(0x30, cert.issuer.dump() + _int(cert.serial_number)),
        digest_algorithm=algos.DigestAlgorithm({"algorithm": "sha256"}).dump(),
        signature_algorithm=algos.SignedDigestAlgorithm(
            {"algorithm": "sha256_rsa" if is_rsa else "sha256_ecdsa"}).dump(),
        # DER: a SET OF in the order of its encodings
        certificates=_tlv(0xA0, b"".join(sorted(chain))),
        is_rsa=is_rsa)
    with _templates_lock:
        _templates[id(pki)] = (pki, template)
    return template


def _generalized_time(moment: dt.datetime) -> bytes:
    return _tlv(0x18, moment.strftime("%Y%m%d%H%M%SZ").encode())


def _utc_time(moment: dt.datetime) -> bytes:
    return _tlv(0x17, moment.strftime("%y%m%d%H%M%SZ").encode())


def respond(pki: LoadedPki, request_der: bytes, *, now: dt.datetime | None = None,
            serial: int | None = None) -> bytes:
    """Time-stamp the message imprint of one request (SHA-256/384/512 only)."""
    try:
        req = tsp.TimeStampReq.load(request_der)
        imprint = req["message_imprint"]
        algo = imprint["hash_algorithm"]["algorithm"].native
        hashed = imprint["hashed_message"].native  # force parsing: malformed requests fail here
        policy = req["req_policy"].native
        nonce = req["nonce"].native
        cert_req = bool(req["cert_req"].native)
    except (ValueError, TypeError):
        return _rejection("bad_data_format", "malformed TimeStampReq")
    if algo not in _DIGESTS:
        return _rejection("bad_alg", f"unsupported hash algorithm {algo}")
    if len(hashed) != _DIGESTS[algo].digest_size:
        return _rejection("bad_data_format", "message imprint has the wrong length")

    t = _template(pki)
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    tst_der = _tlv(0x30, b"".join((
        _int(1),
        _oid(policy or TSA_POLICY_OID),
        imprint.dump(),
        _int(next(_serials) if serial is None else serial),
        _generalized_time(now),
        _tlv(0x30, _int(1)),  # accuracy: one second
        # ordering FALSE is the default: DER leaves it out
        _int(nonce) if nonce is not None else b"",
        t.tsa_name,
    )))
    message_digest = _attribute("1.2.840.113549.1.9.4",
                                _tlv(0x04, hashlib.sha256(tst_der).digest()))
    signing_time = _attribute("1.2.840.113549.1.9.5", _utc_time(now))
    # The attributes in the order asn1crypto wrote them (as given, not sorted).
    attrs = b"".join((t.content_type_attr, signing_time, message_digest, t.signing_cert_attr))
    key = pki.tsa_key
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(_tlv(0x31, attrs), padding.PKCS1v15(), hashes.SHA256())
    else:
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        # RFC 6979: the nonce derived from the key and the message, not drawn at random, so
        # one request at one moment gets one token (and no weak random number can leak the
        # key)
        signature = key.sign(_tlv(0x31, attrs),
                             ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    signer_info = _tlv(0x30, b"".join((
        _int(1), t.sid, t.digest_algorithm, _tlv(0xA0, attrs), t.signature_algorithm,
        _tlv(0x04, signature))))
    signed_data = _tlv(0x30, b"".join((
        _int(3), _tlv(0x31, t.digest_algorithm),
        _tlv(0x30, _oid("1.2.840.113549.1.9.16.1.4") + _tlv(0xA0, _tlv(0x04, tst_der))),
        t.certificates if cert_req else b"",
        _tlv(0x31, signer_info))))
    token = _tlv(0x30, _oid("1.2.840.113549.1.7.2") + _tlv(0xA0, signed_data))
    status = _tlv(0x30, _int(0))  # PKIStatusInfo { status granted }
    return _tlv(0x30, status + token)
