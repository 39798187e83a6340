"""A small RFC 3161 client for signing in bulk: one kept-alive HTTP connection per thread.

pyHanko's ``RequestsHTTPTimeStamper`` opens a new connection for every token and runs
``requests`` in an executor thread under a fresh event loop; for a month-end batch (two
tokens per client) that overhead is more than the TSA's own work. This client posts the
TimeStampReq on a connection it keeps per thread (reconnecting when the server closed it),
and checks what comes back: status granted, the token's message imprint and nonce equal to
what was asked. The token's signature and the TSA's certificate are checked where every
signature is checked, by the validator (``signing.validation``).

Any failure — refused connection, timeout, HTTP error, a rejection, a token for something
else — is a :class:`~signing.errors.TimestampError`, so a signer can degrade to B-B.
"""

from __future__ import annotations

import functools
import hashlib
import http.client
import secrets
import threading
from urllib.parse import urlsplit

from asn1crypto import algos, tsp

from signing.errors import InvalidInputError, TimestampError

__all__ = ["TsaClient"]


def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    length = bytes([n]) if n < 0x80 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + \
        n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag]) + length + content


@functools.lru_cache(maxsize=8)
def _algorithm(digest_algorithm: str) -> bytes:
    der: bytes = algos.DigestAlgorithm({"algorithm": digest_algorithm}).dump()
    return der


def _request(imprint: bytes, digest_algorithm: str, nonce: int) -> bytes:
    """TimeStampReq { v1, messageImprint, nonce, certReq TRUE } as DER — the bytes
    asn1crypto writes for it, without building its object graph per token."""
    nonce_der = _tlv(0x02, nonce.to_bytes(nonce.bit_length() // 8 + 1, "big"))
    return _tlv(0x30, b"\x02\x01\x01"
                + _tlv(0x30, _algorithm(digest_algorithm) + _tlv(0x04, imprint))
                + nonce_der + b"\x01\x01\xff")


def _der_tlv(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the definite-length DER value at ``pos``;
    ValueError for anything else (a high tag number, an indefinite or overlong length)."""
    if pos + 2 > end or data[pos] & 0x1F == 0x1F:
        raise ValueError("not a simple DER value")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if not 1 <= count <= 4 or pos + count > end:
            raise ValueError("unsupported length")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    if pos + length > end:
        raise ValueError("truncated")
    return tag, pos, pos + length


_SIGNED_DATA_OID = bytes.fromhex("2a864886f70d010702")  # 1.2.840.113549.1.7.2
_TST_INFO_OID = bytes.fromhex("2a864886f70d0109100104")  # 1.2.840.113549.1.9.16.1.4


def _granted_token(data: bytes, imprint: bytes, nonce: int) -> bytes | None:
    """The token of a DER TimeStampResp that grants exactly this request, read by walking
    its TLVs; None for any other shape (a refusal, BER, another request's token…), which the
    caller then reads with asn1crypto and judges. What a TSA returns is almost always this
    shape, and asn1crypto's object graph cost ~0.5 ms per token."""
    try:
        t, s, e = _der_tlv(data, 0, len(data))  # TimeStampResp
        t_status, s_status, e_status = _der_tlv(data, s, e)  # PKIStatusInfo
        t_int, s_int, e_int = _der_tlv(data, s_status, e_status)
        granted = data[s_int:e_int] in (b"\x00", b"\x01")  # granted, granted with mods
        if t != 0x30 or e != len(data) or t_status != 0x30 or t_int != 0x02 or not granted:
            return None
        token_start = e_status
        t, s, e = _der_tlv(data, token_start, len(data))  # ContentInfo
        if t != 0x30 or e != len(data):
            return None
        token_end = e
        t, s_oid, e_oid = _der_tlv(data, s, e)
        t0, s, e = _der_tlv(data, e_oid, e)
        if t != 0x06 or data[s_oid:e_oid] != _SIGNED_DATA_OID or t0 != 0xA0:
            return None
        t, s, e = _der_tlv(data, s, e)  # SignedData
        t_v, _, e_v = _der_tlv(data, s, e)  # version
        t_alg, _, e_alg = _der_tlv(data, e_v, e)  # digestAlgorithms
        t, s, e = _der_tlv(data, e_alg, e)  # encapContentInfo
        if t_v != 0x02 or t_alg != 0x31 or t != 0x30:
            return None
        t, s_oid, e_oid = _der_tlv(data, s, e)
        t0, s, e = _der_tlv(data, e_oid, e)
        if t != 0x06 or data[s_oid:e_oid] != _TST_INFO_OID or t0 != 0xA0:
            return None
        t, s, e = _der_tlv(data, s, e)  # OCTET STRING
        if t != 0x04:
            return None
        t, s, e = _der_tlv(data, s, e)  # TSTInfo
        t_v, _, pos = _der_tlv(data, s, e)  # version
        t_pol, _, pos = _der_tlv(data, pos, e)  # policy
        t_mi, s_mi, pos = _der_tlv(data, pos, e)  # messageImprint
        if t != 0x30 or t_v != 0x02 or t_pol != 0x06 or t_mi != 0x30:
            return None
        _t, _s, after_alg = _der_tlv(data, s_mi, pos)  # hashAlgorithm
        t_h, s_h, e_h = _der_tlv(data, after_alg, pos)
        if t_h != 0x04 or data[s_h:e_h] != imprint:
            return None
        integers = []
        while pos < e:  # serialNumber, genTime, accuracy?, ordering?, nonce?, tsa?, extensions?
            t, s_f, e_f = _der_tlv(data, pos, e)
            if t == 0x02:
                integers.append(int.from_bytes(data[s_f:e_f], "big", signed=True))
            pos = e_f
        # The first INTEGER after the imprint is the serial number, the second the nonce.
        if len(integers) != 2 or integers[1] != nonce:
            return None
        return data[token_start:token_end]
    except ValueError:
        return None


class TsaClient:
    """Timestamps from the TSA at ``url`` (``http://`` or ``https://``)."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInputError(f"the TSA URL must be http(s): {url!r}")
        self.url = url
        self.timeout = timeout
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            conn = cls(self._host, self._port, timeout=self.timeout)
            self._local.conn = conn
        return conn

    def _post(self, body: bytes) -> bytes:
        headers = {"Content-Type": "application/timestamp-query", "Connection": "keep-alive"}
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request("POST", self._path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                conn.close()  # the server closed a kept connection: once more on a new one
                if attempt == 2:
                    raise TimestampError(f"the time-stamping authority failed: {exc}") from exc
                continue
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                raise TimestampError(f"the time-stamping authority failed: {exc}") from exc
            if response.will_close:
                conn.close()
            if response.status != 200:
                raise TimestampError(f"the time-stamping authority answered HTTP "
                                     f"{response.status}")
            return data
        raise AssertionError("unreachable")  # pragma: no cover

    def timestamp(self, message_imprint: bytes, digest_algorithm: str = "sha256") -> bytes:
        """A timestamp token (DER ContentInfo) over ``message_imprint`` (a digest)."""
        if len(message_imprint) != hashlib.new(digest_algorithm).digest_size:
            raise InvalidInputError("the message imprint does not fit its digest algorithm")
        nonce = secrets.randbits(63)
        request = _request(message_imprint, digest_algorithm, nonce)
        data = self._post(request)
        token = _granted_token(data, message_imprint, nonce)
        if token is not None:
            return token
        try:
            response = tsp.TimeStampResp.load(data)
            status = response["status"]["status"].native
            token = response["time_stamp_token"]
            # (no ``.native`` on the token: that would decode every certificate in it)
            if status not in ("granted", "granted_with_mods") or not token.contents:
                raise TimestampError(f"the time-stamping authority refused: {status}")
            info = token["content"]["encap_content_info"]["content"].parsed
            if info["message_imprint"]["hashed_message"].native != message_imprint \
                    or info["nonce"].native != nonce:
                raise TimestampError("the time-stamping authority answered for another request")
            der: bytes = token.dump()
        except (ValueError, TypeError, KeyError) as exc:
            raise TimestampError(f"the time-stamping authority sent garbage: {exc}") from exc
        return der

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
