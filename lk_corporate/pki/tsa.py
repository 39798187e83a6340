"""The demo time-stamping authority (RFC 3161): TimeStampReq in, TimeStampResp out.

Tokens are CMS SignedData over a TSTInfo, signed by the TSA service
certificate (EKU id-kp-timeStamping, critical) with an ESS signing-certificate-v2
attribute as RFC 5816 asks. The time is whole seconds with a one-second accuracy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import secrets

from asn1crypto import algos, cms, core, tsp
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


def respond(pki: LoadedPki, request_der: bytes, *, now: dt.datetime | None = None) -> bytes:
    """Time-stamp the message imprint of one request (SHA-256/384/512 only)."""
    try:
        req = tsp.TimeStampReq.load(request_der)
        imprint = req["message_imprint"]
        algo = imprint["hash_algorithm"]["algorithm"].native
        _ = imprint["hashed_message"].native  # force parsing: malformed requests fail here
    except (ValueError, TypeError):
        return _rejection("bad_data_format", "malformed TimeStampReq")
    if algo not in _DIGESTS:
        return _rejection("bad_alg", f"unsupported hash algorithm {algo}")
    if len(imprint["hashed_message"].native) != _DIGESTS[algo].digest_size:
        return _rejection("bad_data_format", "message imprint has the wrong length")

    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    tsa_cert = asn1_x509.Certificate.load(pki.tsa_cert.public_bytes(serialization.Encoding.DER))
    tst_info = {
        "version": "v1",
        "policy": req["req_policy"].native or TSA_POLICY_OID,
        "message_imprint": imprint,
        "serial_number": next(_serials),
        "gen_time": now,
        "accuracy": {"seconds": 1},
        "ordering": False,
        "tsa": asn1_x509.GeneralName(name="directory_name", value=tsa_cert.subject),
    }
    if req["nonce"].native is not None:
        tst_info["nonce"] = req["nonce"].native
    tst_der = tsp.TSTInfo(tst_info).dump()

    cert_hash = hashlib.sha256(tsa_cert.dump()).digest()
    signing_cert_v2 = tsp.SigningCertificateV2({"certs": [{
        "hash_algorithm": {"algorithm": "sha256"},
        "cert_hash": cert_hash,
        "issuer_serial": {
            "issuer": [asn1_x509.GeneralName(name="directory_name", value=tsa_cert.issuer)],
            "serial_number": tsa_cert.serial_number,
        },
    }]})
    signed_attrs = cms.CMSAttributes([
        cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
        cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": now})]}),
        cms.CMSAttribute({"type": "message_digest",
                          "values": [hashlib.sha256(tst_der).digest()]}),
        cms.CMSAttribute({"type": "signing_certificate_v2", "values": [signing_cert_v2]}),
    ])
    key = pki.tsa_key
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(signed_attrs.dump(), padding.PKCS1v15(), hashes.SHA256())
        sig_algo = "sha256_rsa"
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(signed_attrs.dump(), ec.ECDSA(hashes.SHA256()))
        sig_algo = "sha256_ecdsa"
    else:  # pragma: no cover - the declaration only allows RSA and EC keys
        raise TypeError(type(key))

    certificates = []
    if req["cert_req"].native:
        certificates = [tsa_cert] + [
            asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
            for c in pki.tsa_chain
        ]
    signed_data_fields = {
        "version": "v3",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
        "encap_content_info": {"content_type": "tst_info",
                               "content": core.ParsableOctetString(tst_der)},
        "signer_infos": [cms.SignerInfo({
            "version": "v1",
            "sid": cms.SignerIdentifier({"issuer_and_serial_number": {
                "issuer": tsa_cert.issuer, "serial_number": tsa_cert.serial_number}}),
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": signed_attrs,
            "signature_algorithm": {"algorithm": sig_algo},
            "signature": signature,
        })],
    }
    if certificates:
        signed_data_fields["certificates"] = certificates
    signed_data = cms.SignedData(signed_data_fields)
    token = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()
