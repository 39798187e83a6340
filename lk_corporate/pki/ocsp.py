"""The demo OCSP responder (RFC 6960): DER request in, DER response out.

One responder answers for every authority of the demo PKI: it finds the CA by
the issuer key hash in the request. The issuing CA delegates signing to the
OCSP service certificate (id-kp-OCSPSigning + ocsp-nocheck); other CAs sign
their own responses.

All times are whole seconds: NSS (hence pdfsig and Firefox) rejects responses
whose GeneralizedTime values carry fractional seconds.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from lk_corporate.pki.authority import LoadedPki
from lk_corporate.pki.crl import REASONS

_HASH_NAMES = {"sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}

RESPONSE_VALIDITY = dt.timedelta(hours=12)


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER)


def respond(pki: LoadedPki, request_der: bytes, *, now: dt.datetime | None = None) -> bytes:
    """Answer one OCSP request: good, revoked (with time and reason) or unknown."""
    try:
        request = ocsp.load_der_ocsp_request(request_der)
    except ValueError:
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)

    algorithm = request.hash_algorithm
    algo_name = _HASH_NAMES.get(algorithm.name)
    if algo_name is None:
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    ca = pki.authority_by_key_hash(algo_name, request.issuer_key_hash)
    if ca is None or ca.name_hashes[algo_name] != request.issuer_name_hash:
        return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)

    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    serial = request.serial_number
    revocation = ca.revocation(serial)
    if revocation is not None and revocation.revoked_at <= now:
        status = ocsp.OCSPCertStatus.REVOKED
        rev_time: dt.datetime | None = revocation.revoked_at.replace(microsecond=0)
        rev_reason: x509.ReasonFlags | None = REASONS[revocation.reason]
    elif serial in ca.issued:
        status, rev_time, rev_reason = ocsp.OCSPCertStatus.GOOD, None, None
    else:
        status, rev_time, rev_reason = ocsp.OCSPCertStatus.UNKNOWN, None, None

    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=request.issuer_name_hash,
        issuer_key_hash=request.issuer_key_hash,
        serial_number=serial,
        algorithm=algorithm,
        cert_status=status,
        this_update=now,
        next_update=now + RESPONSE_VALIDITY,
        revocation_time=rev_time,
        revocation_reason=rev_reason,
    ).responder_id(ocsp.OCSPResponderEncoding.HASH, ca.ocsp_cert)
    if ca.ocsp_delegated:
        builder = builder.certificates([ca.ocsp_cert])
    try:
        nonce = request.extensions.get_extension_for_class(x509.OCSPNonce).value
        builder = builder.add_extension(nonce, critical=False)
    except x509.ExtensionNotFound:
        pass
    response = builder.sign(ca.ocsp_key, hashes.SHA256())
    return response.public_bytes(serialization.Encoding.DER)
