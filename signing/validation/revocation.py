"""Revocation status of a certificate: embedded data, the CRL index, and (if allowed) the network.

Sources are consulted in this order and the source of the answer is reported:

1. data embedded in the document: OCSP responses and CRLs from the DSS, the CMS
   ``adbe-revocationInfoArchival`` attribute and the CMS ``crls`` field;
2. CRL files supplied by the caller (``lk verify --crl``);
3. the CRL index: a small SQLite file filled by :func:`refresh_crl_index`, a periodic job run
   *off* the request path. The job downloads each CA's CRL, verifies its signature against
   the issuer and stores the revoked serials keyed by the issuer's key hash, so that a lookup
   during validation is one B-tree probe whatever the size of the CRL;
4. only when the caller allows it (``allow_fetch``; the CLI does, a web request must not): a
   live OCSP request, then a CRL download. Each request ends within ``fetch_timeout`` seconds
   of real time whatever the clock does (:func:`.deadline.call_within`); a certificate gets
   at most :data:`MAX_URLS` URLs of each kind tried, and one validation at most
   :data:`MAX_FETCHES` requests (:class:`FetchBudget`), so its time on the network is bounded.

Every OCSP response and CRL is verified (issuer name and key, signature, delegated OCSP
responder authorised by the issuer) before it is believed.

Freshness: data from the index or the network must be current (``nextUpdate`` not passed);
embedded data must have been issued after the signature's proven time, or still have been
current at that time. A revocation dated after the proven signing time does not invalidate
the signature; it is reported.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp as cocsp
from pyhanko_certvalidator.sig_validate import DefaultSignatureValidator

from .deadline import call_within
from .errors import RevocationIndexError, TrustConfigurationError
from .report import RevocationReport, RevocationSource, RevocationStatus

__all__ = [
    "CrlIndex",
    "FetchBudget",
    "Fetcher",
    "IndexHit",
    "RefreshReport",
    "RevocationSources",
    "check_revocation",
    "issuer_key_hash",
    "load_crl",
    "refresh_crl_index",
]

GRACE = timedelta(minutes=5)
MAX_FETCH_BYTES = 32 * 1024 * 1024
#: network requests (OCSP or CRL) one validation may make
MAX_FETCHES = 16
#: OCSP URLs, and CRL URLs, tried per certificate (a certificate may name any number)
MAX_URLS = 2

Fetcher = Callable[[str, float, bytes | None], bytes]
"""``fetch(url, timeout, body)``: GET (body None) or POST an OCSP request; returns the body."""


def issuer_key_hash(cert: asn1_x509.Certificate) -> str:
    """SHA-256 of the certificate's SubjectPublicKeyInfo: the index key of its CRL."""
    return hashlib.sha256(cert.public_key.dump()).hexdigest()


def load_crl(data: bytes) -> bytes:
    """A CRL file (DER or PEM) as DER bytes; raises :class:`TrustConfigurationError`."""
    if pem.detect(data):
        for typ, _h, der in pem.unarmor(data, multiple=True):
            if typ == "X509 CRL":
                data = der
                break
        else:
            raise TrustConfigurationError("no X509 CRL block in the PEM file")
    try:
        cx509.load_der_x509_crl(data)
    except ValueError as e:
        raise TrustConfigurationError(f"not a CRL: {e}") from None
    return data


# -- verified CRL cache ----------------------------------------------------------------------

_CRL_CACHE: OrderedDict[tuple[str, str], cx509.CertificateRevocationList | None] = OrderedDict()
_CRL_CACHE_LOCK = threading.Lock()
_CERT_CACHE: OrderedDict[bytes, cx509.Certificate] = OrderedDict()


def _to_crypto(cert: asn1_x509.Certificate) -> cx509.Certificate:
    der = cert.dump()
    key = hashlib.sha256(der).digest()
    hit = _CERT_CACHE.get(key)
    if hit is None:
        hit = cx509.load_der_x509_certificate(der)
        _CERT_CACHE[key] = hit
        if len(_CERT_CACHE) > 256:
            _CERT_CACHE.popitem(last=False)
    return hit


def _verified_crl(der: bytes, issuer: asn1_x509.Certificate) -> cx509.CertificateRevocationList | None:
    """The CRL if it is issued *and signed* by ``issuer``, else None (cached per process)."""
    key = (hashlib.sha256(der).hexdigest(), issuer_key_hash(issuer))
    with _CRL_CACHE_LOCK:
        if key in _CRL_CACHE:
            _CRL_CACHE.move_to_end(key)
            return _CRL_CACHE[key]
    result: cx509.CertificateRevocationList | None
    try:
        crl = cx509.load_der_x509_crl(der)
        icert = _to_crypto(issuer)
        ok = crl.issuer == icert.subject and crl.is_signature_valid(icert.public_key())  # type: ignore[arg-type]
        if ok:
            try:
                crl.extensions.get_extension_for_class(cx509.DeltaCRLIndicator)
                ok = False  # delta CRLs are not supported: ignore rather than misread
            except cx509.ExtensionNotFound:
                pass
        result = crl if ok else None
    except (ValueError, TypeError):
        result = None
    with _CRL_CACHE_LOCK:
        _CRL_CACHE[key] = result
        if len(_CRL_CACHE) > 64:
            _CRL_CACHE.popitem(last=False)
    return result


def _crl_applies(crl: cx509.CertificateRevocationList, cert: asn1_x509.Certificate) -> bool:
    try:
        idp = crl.extensions.get_extension_for_class(cx509.IssuingDistributionPoint).value
    except cx509.ExtensionNotFound:
        return True
    if idp.indirect_crl or idp.only_some_reasons or idp.only_contains_attribute_certs:
        return False
    is_ca = cert.ca
    if idp.only_contains_user_certs and is_ca:
        return False
    return not (idp.only_contains_ca_certs and not is_ca)


def _reason_text(rc: cx509.RevokedCertificate) -> str | None:
    try:
        return str(rc.extensions.get_extension_for_class(cx509.CRLReason).value.reason.value)
    except cx509.ExtensionNotFound:
        return None


@dataclass(frozen=True)
class _Info:
    status: RevocationStatus
    source: RevocationSource
    revoked_at: datetime | None = None
    reason: str | None = None
    this_update: datetime | None = None
    next_update: datetime | None = None
    detail: str | None = None


def _from_crl(der: bytes, cert: asn1_x509.Certificate, issuer: asn1_x509.Certificate,
              source: RevocationSource) -> _Info | None:
    crl = _verified_crl(der, issuer)
    if crl is None or not _crl_applies(crl, cert):
        return None
    rc = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    if rc is None:
        return _Info(RevocationStatus.GOOD, source, this_update=crl.last_update_utc,
                     next_update=crl.next_update_utc)
    return _Info(RevocationStatus.REVOKED, source, revoked_at=rc.revocation_date_utc,
                 reason=_reason_text(rc), this_update=crl.last_update_utc,
                 next_update=crl.next_update_utc)


# -- OCSP --------------------------------------------------------------------------------------

_SIG = DefaultSignatureValidator()


def _hash(algo: str, data: bytes) -> bytes:
    return hashlib.new(algo, data).digest()


def _signed_by(cert: asn1_x509.Certificate, issuer: asn1_x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        _SIG.validate_signature(
            cert["signature_value"].native,
            cert["tbs_certificate"].dump(),
            issuer.public_key,
            cert["signature_algorithm"],
        )
        return True
    except Exception:  # noqa: BLE001 - any failure means "not signed by"
        return False


_OCSP_CACHE: OrderedDict[tuple[str, int, str], _Info | None] = OrderedDict()


def _from_ocsp(
    der: bytes,
    cert: asn1_x509.Certificate,
    issuer: asn1_x509.Certificate,
    source: RevocationSource,
) -> _Info | None:
    """The status an OCSP response gives for ``cert``, if the response is verified.

    Results are cached per process by (response hash, serial, issuer key): verifying the same
    bytes for the same certificate always gives the same answer."""
    key = (hashlib.sha256(der).hexdigest(), cert.serial_number, issuer_key_hash(issuer))
    with _CRL_CACHE_LOCK:
        if key in _OCSP_CACHE:
            _OCSP_CACHE.move_to_end(key)
            hit = _OCSP_CACHE[key]
            return None if hit is None else _Info(**{**hit.__dict__, "source": source})
    info = _verify_ocsp(der, cert, issuer, source)
    with _CRL_CACHE_LOCK:
        _OCSP_CACHE[key] = info
        if len(_OCSP_CACHE) > 256:
            _OCSP_CACHE.popitem(last=False)
    return info


def _verify_ocsp(
    der: bytes,
    cert: asn1_x509.Certificate,
    issuer: asn1_x509.Certificate,
    source: RevocationSource,
) -> _Info | None:
    try:
        resp = asn1_ocsp.OCSPResponse.load(der)
        if resp["response_status"].native != "successful":
            return None
        basic = resp.basic_ocsp_response
        tbs = basic["tbs_response_data"]
        single = None
        for sr in tbs["responses"]:
            cid = sr["cert_id"]
            algo = cid["hash_algorithm"]["algorithm"].native
            if cid["serial_number"].native != cert.serial_number:
                continue
            if cid["issuer_name_hash"].native != _hash(algo, issuer.subject.dump()):
                continue
            if cid["issuer_key_hash"].native != _hash(algo, issuer.public_key["public_key"].contents[1:]):
                continue
            single = sr
            break
        if single is None:
            return None
        produced_at = tbs["produced_at"].native
        rid = tbs["responder_id"]
        embedded = [c for c in (basic["certs"] or []) if isinstance(c, asn1_x509.Certificate)]
        responder = None
        for cand in [issuer] + embedded:
            if rid.name == "by_name":
                if cand.subject != rid.chosen:
                    continue
            elif cand.public_key.sha1 != rid.chosen.native:
                continue
            if cand is issuer or (
                _signed_by(cand, issuer)
                and "ocsp_signing" in (cand.extended_key_usage_value.native if cand.extended_key_usage_value else [])
                and cand.not_valid_before - GRACE <= produced_at <= cand.not_valid_after + GRACE
            ):
                responder = cand
                break
        if responder is None:
            return None
        _SIG.validate_signature(
            basic["signature"].native, tbs.dump(), responder.public_key, basic["signature_algorithm"]
        )
    except Exception:  # noqa: BLE001 - malformed or unverifiable: not usable
        return None
    status = single["cert_status"]
    this_update: datetime | None = single["this_update"].native
    next_update: datetime | None = single["next_update"].native
    if status.name == "good":
        return _Info(RevocationStatus.GOOD, source, this_update=this_update, next_update=next_update)
    if status.name == "revoked":
        info = status.chosen
        revoked_at: datetime = info["revocation_time"].native
        reason: str | None = info["revocation_reason"].native or None
        return _Info(RevocationStatus.REVOKED, source, revoked_at=revoked_at, reason=reason,
                     this_update=this_update, next_update=next_update)
    return None


# -- the CRL index -----------------------------------------------------------------------------

@dataclass(frozen=True)
class IndexHit:
    revoked: bool
    revoked_at: datetime | None
    reason: str | None
    this_update: datetime
    next_update: datetime | None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS crl (
    issuer_key TEXT PRIMARY KEY,
    issuer_name TEXT NOT NULL,
    this_update TEXT NOT NULL,
    next_update TEXT,
    crl_number TEXT,
    url TEXT,
    fetched_at TEXT NOT NULL,
    revoked_count INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS revoked (
    issuer_key TEXT NOT NULL,
    serial TEXT NOT NULL,
    revoked_at TEXT NOT NULL,
    reason TEXT,
    PRIMARY KEY (issuer_key, serial)
) WITHOUT ROWID;
"""


class CrlIndex:
    """Revoked serials per issuing CA in a SQLite file (Flask-free, safe across processes).

    The refresh job replaces one CA's entries in a single transaction; readers see either the
    old or the new CRL. A lookup is one primary-key probe.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"CrlIndex({str(self.path)!r})"

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(str(self.path), timeout=10, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
            except (sqlite3.Error, OSError) as e:
                raise RevocationIndexError(f"cannot open the CRL index {self.path}: {e}") from None
            self._local.conn = conn
        return conn

    def lookup(self, issuer_key: str, serial: int) -> IndexHit | None:
        """Status of ``serial`` per the indexed CRL of the issuer, or None if no CRL is indexed."""
        try:
            conn = self._conn()
            row = conn.execute(
                "SELECT this_update, next_update FROM crl WHERE issuer_key = ?", (issuer_key,)
            ).fetchone()
            if row is None:
                return None
            rev = conn.execute(
                "SELECT revoked_at, reason FROM revoked WHERE issuer_key = ? AND serial = ?",
                (issuer_key, format(serial, "x")),
            ).fetchone()
        except sqlite3.Error as e:
            raise RevocationIndexError(f"CRL index lookup failed: {e}") from None
        this_update = datetime.fromisoformat(row[0])
        next_update = datetime.fromisoformat(row[1]) if row[1] else None
        if rev is None:
            return IndexHit(False, None, None, this_update, next_update)
        return IndexHit(True, datetime.fromisoformat(rev[0]), rev[1], this_update, next_update)

    def store(self, issuer: asn1_x509.Certificate, crl_der: bytes, url: str | None = None,
              now: datetime | None = None) -> int:
        """Verify ``crl_der`` against ``issuer`` and replace that issuer's entries.

        Returns the number of revoked serials stored. A CRL older than the stored one (lower
        CRL number or earlier thisUpdate) is refused, so a replayed old CRL cannot un-revoke.
        """
        crl = _verified_crl(crl_der, issuer)
        if crl is None:
            raise RevocationIndexError(f"CRL from {url or 'file'} is not signed by {issuer.subject.human_friendly}")
        key = issuer_key_hash(issuer)
        try:
            number = str(crl.extensions.get_extension_for_class(cx509.CRLNumber).value.crl_number)
        except cx509.ExtensionNotFound:
            number = None
        rows = [
            (key, format(rc.serial_number, "x"), rc.revocation_date_utc.isoformat(), _reason_text(rc))
            for rc in crl
        ]
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
            old = conn.execute("SELECT this_update, crl_number FROM crl WHERE issuer_key = ?", (key,)).fetchone()
            if old is not None and (
                datetime.fromisoformat(old[0]) > crl.last_update_utc
                or (old[1] is not None and number is not None and int(old[1]) > int(number))
            ):
                conn.execute("ROLLBACK")
                return -1
            conn.execute("DELETE FROM revoked WHERE issuer_key = ?", (key,))
            conn.executemany("INSERT OR REPLACE INTO revoked VALUES (?, ?, ?, ?)", rows)
            conn.execute(
                "INSERT OR REPLACE INTO crl VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    issuer.subject.human_friendly,
                    crl.last_update_utc.isoformat(),
                    crl.next_update_utc.isoformat() if crl.next_update_utc else None,
                    number,
                    url,
                    (now or datetime.now(UTC)).isoformat(),
                    len(rows),
                ),
            )
            conn.execute("COMMIT")
        except sqlite3.Error as e:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            raise RevocationIndexError(f"CRL index update failed: {e}") from None
        return len(rows)

    def issuers(self) -> list[tuple[str, str, datetime, datetime | None, int]]:
        """(issuer key, issuer name, thisUpdate, nextUpdate, revoked count) per indexed CRL."""
        rows = self._conn().execute(
            "SELECT issuer_key, issuer_name, this_update, next_update, revoked_count FROM crl"
        ).fetchall()
        return [
            (r[0], r[1], datetime.fromisoformat(r[2]), datetime.fromisoformat(r[3]) if r[3] else None, r[4])
            for r in rows
        ]


@dataclass(frozen=True)
class RefreshReport:
    updated: tuple[str, ...]  # "issuer name: N serials from URL"
    errors: tuple[str, ...]


def _default_fetch(url: str, timeout: float, body: bytes | None) -> bytes:
    """GET ``url`` (or POST an OCSP request) with ``timeout`` per socket operation and for
    the whole response (on the monotonic clock, checked after every read of what has
    arrived): a server that trickles bytes is cut off, not waited for."""
    import requests

    deadline = time.monotonic() + timeout
    if body is None:
        r = requests.get(url, timeout=timeout, stream=True)
    else:
        r = requests.post(url, data=body, timeout=timeout, stream=True,
                          headers={"Content-Type": "application/ocsp-request"})
    with r:
        r.raise_for_status()
        chunks, total = [], 0
        while chunk := r.raw.read1(65536):  # what has arrived, not a full 64 KiB
            total += len(chunk)
            if total > MAX_FETCH_BYTES:
                raise ValueError(f"response from {url} is larger than {MAX_FETCH_BYTES} bytes")
            if time.monotonic() > deadline:
                raise TimeoutError(f"response from {url} took more than {timeout:g} s")
            chunks.append(chunk)
    return b"".join(chunks)


def _bounded(fetch: Fetcher, url: str, timeout: float, body: bytes | None) -> bytes:
    """``fetch(url, timeout, body)``, given up after ``timeout`` seconds of real time.

    The fetcher's own timeouts (socket operations; the total, on the monotonic clock) end
    its work in the ordinary case; this bound holds when they cannot: a frozen or faked
    clock, a name lookup that hangs, a fetcher without timeouts.
    """
    return call_within(lambda: fetch(url, timeout, body), timeout, name=f"lk-fetch {url}")


def _cdp_urls(cert: asn1_x509.Certificate) -> list[str]:
    out = []
    for dp in cert.crl_distribution_points or []:
        name = dp["distribution_point"]
        if name.name == "full_name":
            for gn in name.chosen:
                if gn.name == "uniform_resource_identifier" and gn.native.startswith(("http://", "https://")):
                    out.append(gn.native)
    return out


def _ocsp_urls(cert: asn1_x509.Certificate) -> list[str]:
    return [u for u in cert.ocsp_urls if u.startswith(("http://", "https://"))]


def refresh_crl_index(
    index: CrlIndex | str | Path,
    certificates: Iterable[asn1_x509.Certificate],
    *,
    urls: Iterable[str] = (),
    timeout: float = 10.0,
    fetch: Fetcher | None = None,
    now: datetime | None = None,
) -> RefreshReport:
    """The periodic job: download the CRLs of the known CAs and index them.

    ``certificates``: the CA certificates (trust anchors and intermediates) and any other
    certificate the portal knows (registered client certificates...): every CRL distribution
    point they name is fetched, plus ``urls``. Each CRL is stored under the CA (among the given
    certificates) that issued *and signed* it; a CRL nobody known signed is reported as an
    error and ignored. Never raises for one bad URL: errors are collected in the report.
    """
    idx = index if isinstance(index, CrlIndex) else CrlIndex(index)
    fetch = fetch or _default_fetch
    certs = list(certificates)
    cas = [c for c in certs if c.ca]
    wanted: dict[str, None] = dict.fromkeys(urls)
    for c in certs:
        wanted.update(dict.fromkeys(_cdp_urls(c)))
    updated: list[str] = []
    errors: list[str] = []
    for url in wanted:
        try:
            der = load_crl(_bounded(fetch, url, timeout, None))
        except Exception as e:  # noqa: BLE001 - one bad URL must not stop the job
            errors.append(f"{url}: {e}")
            continue
        crl = cx509.load_der_x509_crl(der)
        stored = False
        for ca in cas:
            if _to_crypto(ca).subject != crl.issuer:
                continue
            try:
                n = idx.store(ca, der, url, now=now)
            except RevocationIndexError:
                continue
            stored = True
            if n >= 0:
                updated.append(f"{ca.subject.human_friendly}: {n} revoked serials from {url}")
            break
        if not stored:
            errors.append(f"{url}: CRL not issued and signed by a known CA")
    return RefreshReport(tuple(updated), tuple(errors))


# -- the decision --------------------------------------------------------------------------------

class FetchBudget:
    """The network requests one validation may still make, and the answers it had.

    Counting requests rather than seconds bounds a validation's time on the network whatever
    the clock does: each request ends within its timeout (:func:`_bounded`), so the whole
    validation waits at most ``requests × timeout``. Answers are kept per request, so one CRL
    serves every certificate of its CA and every signature of the document.
    Not thread-safe: one per validation.
    """

    def __init__(self, requests: int = MAX_FETCHES) -> None:
        self.remaining = requests
        self._answers: dict[tuple[str, bytes | None], bytes | None] = {}

    def fetch(self, fetch: Fetcher, url: str, timeout: float, body: bytes | None) -> bytes | None:
        """The body ``url`` answers, or None when it fails, times out or the budget is spent."""
        key = (url, body)
        if key in self._answers:
            return self._answers[key]
        if self.remaining <= 0:
            return None
        self.remaining -= 1
        try:
            answer: bytes | None = _bounded(fetch, url, timeout, body)
        except Exception:  # noqa: BLE001 - an unreachable responder: the next source is tried
            answer = None
        self._answers[key] = answer
        return answer


@dataclass(frozen=True)
class RevocationSources:
    """Where :func:`check_revocation` may look, in order."""

    embedded_ocsps: tuple[bytes, ...] = ()
    embedded_crls: tuple[bytes, ...] = ()
    supplied_crls: tuple[bytes, ...] = ()
    index: CrlIndex | None = None
    allow_fetch: bool = False
    fetch_timeout: float = 3.0
    fetch: Fetcher | None = field(default=None, compare=False)
    #: shared by the checks of one validation; None: a budget of its own for each check
    budget: FetchBudget | None = field(default=None, compare=False)


def _fetch_live(cert: asn1_x509.Certificate, issuer: asn1_x509.Certificate,
                sources: RevocationSources) -> list[_Info]:
    fetch = sources.fetch or _default_fetch
    budget = sources.budget if sources.budget is not None else FetchBudget()
    out: list[_Info] = []
    for url in _ocsp_urls(cert)[:MAX_URLS]:
        try:
            req = (
                cocsp.OCSPRequestBuilder()
                .add_certificate(_to_crypto(cert), _to_crypto(issuer), hashes.SHA256())
                .build()
                .public_bytes(serialization.Encoding.DER)
            )
            answer = budget.fetch(fetch, url, sources.fetch_timeout, req)
            info = None if answer is None else _from_ocsp(answer, cert, issuer,
                                                           RevocationSource.FETCHED_OCSP)
        except Exception:  # noqa: BLE001 - an unusable answer: try the next source
            info = None
        if info is not None:
            out.append(info)
            return out
    for url in _cdp_urls(cert)[:MAX_URLS]:
        try:
            answer = budget.fetch(fetch, url, sources.fetch_timeout, None)
            info = None if answer is None else _from_crl(load_crl(answer), cert, issuer,
                                                         RevocationSource.FETCHED_CRL)
        except Exception:  # noqa: BLE001
            info = None
        if info is not None:
            out.append(info)
            return out
    return out


def check_revocation(
    cert: asn1_x509.Certificate,
    issuer: asn1_x509.Certificate,
    proven_time: datetime,
    now: datetime,
    sources: RevocationSources,
    *,
    extra_ocsps: Sequence[bytes] = (),
) -> RevocationReport:
    """Revocation status of ``cert`` for a signature proven to exist at ``proven_time``.

    ``REVOKED`` means revoked at or before ``proven_time`` (the caller decides whether that
    proof is a timestamp or merely "now"); a later revocation yields ``GOOD`` with the
    revocation reported in ``revoked_at`` and ``detail``.
    """
    infos: list[_Info] = []
    for der in tuple(sources.embedded_ocsps) + tuple(extra_ocsps):
        i = _from_ocsp(der, cert, issuer, RevocationSource.EMBEDDED_OCSP)
        if i is not None:
            infos.append(i)
    for der in sources.embedded_crls:
        i = _from_crl(der, cert, issuer, RevocationSource.EMBEDDED_CRL)
        if i is not None:
            infos.append(i)
    for der in sources.supplied_crls:
        i = _from_crl(der, cert, issuer, RevocationSource.SUPPLIED_CRL)
        if i is not None:
            infos.append(i)
    if sources.index is not None:
        hit = sources.index.lookup(issuer_key_hash(issuer), cert.serial_number)
        if hit is not None:
            infos.append(_Info(
                RevocationStatus.REVOKED if hit.revoked else RevocationStatus.GOOD,
                RevocationSource.INDEX_CRL, hit.revoked_at, hit.reason, hit.this_update, hit.next_update,
            ))
    decided = _decide(cert, infos, proven_time, now)
    if decided.status is RevocationStatus.UNKNOWN and sources.allow_fetch:
        infos.extend(_fetch_live(cert, issuer, sources))
        decided = _decide(cert, infos, proven_time, now)
    return decided


_LIVE = frozenset({RevocationSource.INDEX_CRL, RevocationSource.FETCHED_CRL,
                   RevocationSource.FETCHED_OCSP, RevocationSource.SUPPLIED_CRL})


def _usable_good(i: _Info, proven_time: datetime, now: datetime) -> bool:
    if i.this_update is not None and i.this_update > now + GRACE:
        return False  # issued in the future: a clock or forgery problem
    if i.source in _LIVE:
        # current data: its nextUpdate has not passed
        return i.next_update is None or now <= i.next_update + GRACE
    # embedded: issued after the proven signing time, or still current at that time
    if i.this_update is not None and i.this_update >= proven_time - GRACE:
        return True
    return i.next_update is not None and i.next_update >= proven_time


def _decide(cert: asn1_x509.Certificate, infos: list[_Info], proven_time: datetime, now: datetime) -> RevocationReport:
    subject = cert.subject.human_friendly
    serial = format(cert.serial_number, "x")
    revoked = sorted((i for i in infos if i.status is RevocationStatus.REVOKED and i.revoked_at),
                     key=lambda i: i.revoked_at)  # type: ignore[arg-type,return-value]
    if revoked:
        r = revoked[0]
        assert r.revoked_at is not None
        if r.revoked_at <= proven_time:
            return RevocationReport(subject, serial, RevocationStatus.REVOKED, r.source, r.revoked_at,
                                    r.reason, r.this_update, r.next_update,
                                    f"revoked on {r.revoked_at.isoformat()}")
        return RevocationReport(
            subject, serial, RevocationStatus.GOOD, r.source, r.revoked_at, r.reason,
            r.this_update, r.next_update,
            f"revoked on {r.revoked_at.isoformat()}, after the proven signing time "
            f"{proven_time.isoformat()}",
        )
    good = [i for i in infos if i.status is RevocationStatus.GOOD]
    for i in good:
        if _usable_good(i, proven_time, now):
            return RevocationReport(subject, serial, RevocationStatus.GOOD, i.source, None, None,
                                    i.this_update, i.next_update, None)
    if good:
        i = good[0]
        return RevocationReport(subject, serial, RevocationStatus.UNKNOWN, i.source, None, None,
                                i.this_update, i.next_update,
                                "revocation information is stale (past its nextUpdate)")
    return RevocationReport(subject, serial, RevocationStatus.UNKNOWN, RevocationSource.NONE,
                            detail="no revocation information")
