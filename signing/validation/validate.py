"""Validate every signature and document timestamp of a PDF: :func:`validate_pdf`.

For each signature, in this order (all checks run; the worst finding decides):

1. format: ``/ByteRange`` is ``[0 a b c]``, the gap is exactly this signature dictionary's
   ``/Contents`` hex string, the range ends at a revision's ``%%EOF``, the signature
   dictionary was written in that revision, ``/Contents`` is one CMS (DER or BER) plus zero
   padding;
2. integrity: message digest vs the bytes, signature value vs the signer's key, the
   signing-certificate attribute vs the signer's certificate; timestamp tokens likewise;
3. what follows the signed revision (:mod:`.structure`, :mod:`.changes`), with the signature's
   DocMDP/FieldMDP locks;
4. the signer's certificate at the claimed signing time (EXPIRED / NOT_YET_VALID);
5. the chain to a trust anchor at the proven signing time (earliest valid timestamp covering
   the signature, else now);
6. revocation of every certificate of the chain (:mod:`.revocation`).

Verdict mapping (ETSI EN 319 102-1) is documented in ``docs/validation.md``.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509

from .authorization import authorized_for
from .changes import SignatureLocks, UpdateChanges, analyse_update, judge_changes_after
from .cms import (
    CmsError,
    SignerCheck,
    TstCheck,
    check_signer_info,
    check_tst,
    decode_contents,
    find_attr,
)
from .errors import PdfStructureError, ResourceLimitError, TrustConfigurationError
from .report import (
    ChainReport,
    ChangesAfter,
    ChangesReport,
    CoverageReport,
    DocumentReport,
    Indication,
    IntegrityReport,
    PadesLevel,
    RevocationReport,
    RevocationSource,
    RevocationStatus,
    SignatureKind,
    SignatureReport,
    SubIndication,
    TimestampReport,
)
from .revocation import (
    CrlIndex,
    FetchBudget,
    Fetcher,
    RevocationSources,
    check_revocation,
    load_crl,
)
from .structure import PdfFile, Resolver, Revision
from .syntax import Name, PdfDict, PdfString, Ref, Stream, decode_stream
from .trust import PathOutcome, certificate_info, load_trust_roots, validate_path

__all__ = ["DEFAULT_MAX_FILE_SIZE", "TRUST_ROOTS_ENV", "ValidationSettings", "validate_pdf"]

DEFAULT_MAX_FILE_SIZE = 32 * 1024 * 1024
TRUST_ROOTS_ENV = "LK_TRUST_ROOTS"
TIME_ORDER_TOLERANCE = timedelta(minutes=10)
MAX_SIGNATURES = 200
_FAILED = {
    SubIndication.FORMAT_FAILURE,
    SubIndication.HASH_FAILURE,
    SubIndication.SIG_CRYPTO_FAILURE,
    SubIndication.REVOKED,
    SubIndication.EXPIRED,
    SubIndication.NOT_YET_VALID,
}


@dataclass(frozen=True)
class ValidationSettings:
    """What a validation may rely on. Build once and reuse (it is immutable and thread-safe)."""

    #: trust anchors (certificates, not names)
    trust_roots: tuple[asn1_x509.Certificate, ...] = ()
    #: the CRL index filled by :func:`~.revocation.refresh_crl_index`
    crl_index: CrlIndex | None = None
    #: CRLs (DER) supplied by the caller, e.g. ``lk verify --crl``
    supplied_crls: tuple[bytes, ...] = ()
    #: may the validator fetch OCSP/CRLs over the network? Never on a web request.
    allow_fetch: bool = False
    #: seconds of real time one OCSP/CRL request may take (whatever the clock does); a
    #: validation makes at most ``revocation.MAX_FETCHES`` requests
    fetch_timeout: float = 3.0
    #: "now" for the validation (None: the current time)
    validation_time: datetime | None = None
    #: when set, each signature's ``authorization`` says whether its signer signs for this ID
    expected_tax_id: str | None = None
    registered_fingerprints: frozenset[str] = frozenset()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    fetch: Fetcher | None = field(default=None, compare=False)

    @classmethod
    def from_files(
        cls,
        trust: Iterable[str | Path] = (),
        crls: Iterable[str | Path] = (),
        **kwargs: object,
    ) -> ValidationSettings:
        """Settings from PEM/DER trust anchor files and CRL files.

        With no ``trust`` given, the environment variable ``LK_TRUST_ROOTS`` (paths separated
        by ``os.pathsep``) is used.
        """
        trust = list(trust)
        if not trust:
            env = os.environ.get(TRUST_ROOTS_ENV, "")
            trust = [p for p in env.split(os.pathsep) if p]
        crl_ders = []
        for p in crls:
            try:
                crl_ders.append(load_crl(Path(p).read_bytes()))
            except OSError as e:
                raise TrustConfigurationError(f"cannot read CRL {p}: {e.strerror}") from None
        return cls(trust_roots=load_trust_roots(trust), supplied_crls=tuple(crl_ders), **kwargs)  # type: ignore[arg-type]


# -- discovery -------------------------------------------------------------------------------

@dataclass
class _Found:
    field_name: str
    sig_ref: Ref | None
    sig: PdfDict | None
    field_lock: PdfDict | None


def _find_signature_fields(res: Resolver) -> list[_Found]:
    af = res.dict_of(res.root.get("AcroForm"))
    if af is None:
        return []
    fields_v = res.resolve(af.get("Fields"))
    stack: list[tuple[object, str, object]] = [
        (f, "", None) for f in reversed(fields_v if isinstance(fields_v, list) else [])
    ]
    seen: set[int] = set()
    out: list[_Found] = []
    while stack:
        ref, prefix, inherited_ft = stack.pop()
        d = res.dict_of(ref)  # type: ignore[arg-type]
        if d is None:
            continue
        if isinstance(ref, Ref):
            if ref.num in seen:
                continue
            seen.add(ref.num)
        if len(seen) > 100_000:
            raise ResourceLimitError("form field tree too large")
        t = d.get("T")
        name = prefix
        if isinstance(t, PdfString):
            name = f"{prefix}.{t.text()}" if prefix else t.text()
        ft = d.get("FT", inherited_ft)
        if ft == "Sig" and "V" in d:
            v = d.get("V")
            sig = res.dict_of(v)
            if sig is not None or isinstance(v, Ref):
                lock = res.dict_of(d.get("Lock"))
                out.append(_Found(name, v if isinstance(v, Ref) else None, sig, lock))
                if len(out) > MAX_SIGNATURES:
                    raise ResourceLimitError("too many signatures")
        kids = res.resolve(d.get("Kids"))
        if isinstance(kids, list):
            for k in reversed(kids):
                stack.append((k, name, ft))
    return out


# -- per-document context -------------------------------------------------------------------

class _Doc:
    def __init__(self, data: bytes, settings: ValidationSettings, now: datetime) -> None:
        self.data = data
        self.settings = settings
        self.now = now
        self.pdf = PdfFile(data)
        self.res = self.pdf.resolver()
        self.loop = asyncio.new_event_loop()
        self._updates: dict[int, UpdateChanges] = {}
        self.dss_certs, self.dss_ocsps, self.dss_crls = self._read_dss()
        self.extra_certs: list[asn1_x509.Certificate] = list(self.dss_certs)
        self.cms_ocsps: list[bytes] = []
        self.cms_crls: list[bytes] = []
        self._paths: dict[tuple[bytes, datetime, str], PathOutcome] = {}
        self.fetch_budget = FetchBudget()

    def close(self) -> None:
        self.loop.close()

    def _read_dss(self) -> tuple[list[asn1_x509.Certificate], list[bytes], list[bytes]]:
        certs: list[asn1_x509.Certificate] = []
        ocsps: list[bytes] = []
        crls: list[bytes] = []
        try:
            dss = self.res.dict_of(self.res.root.get("DSS"))
        except PdfStructureError:
            return certs, ocsps, crls
        if dss is None:
            return certs, ocsps, crls
        for raw in self._dss_streams(dss, "Certs"):
            try:
                c = asn1_x509.Certificate.load(raw)
                c.native  # noqa: B018 - parse it all now: a broken one is skipped here
            except (ValueError, TypeError):
                continue
            certs.append(c)
        ocsps.extend(self._dss_streams(dss, "OCSPs"))
        crls.extend(self._dss_streams(dss, "CRLs"))
        return certs, ocsps, crls

    def _dss_streams(self, dss: PdfDict, key: str) -> list[bytes]:
        """The decoded streams of the DSS array ``key``; unreadable entries are skipped."""
        out: list[bytes] = []
        arr = self.res.resolve(dss.get(key))
        for item in arr if isinstance(arr, list) else []:
            try:
                s = self.res.resolve(item)
                if isinstance(s, Stream):
                    out.append(decode_stream(s))
            except (PdfStructureError, ValueError, TypeError):
                continue
        return out

    def update(self, revision: int) -> UpdateChanges:
        hit = self._updates.get(revision)
        if hit is None:
            try:
                ua = self.pdf.strict_update(revision)
                hit = analyse_update(self.pdf, ua)
            except PdfStructureError as e:
                hit = UpdateChanges(revision, False, False, False, frozenset(), frozenset(), (),
                                    (f"revision {revision}: unreadable: {e}",))
            self._updates[revision] = hit
        return hit

    def changes_after(self, rev: Revision, locks: SignatureLocks) -> ChangesReport:
        updates = [self.update(k) for k in range(rev.number + 1, len(self.pdf.revisions) + 1)]
        return judge_changes_after(updates, locks, self.pdf.trailing_garbage())

    def path(self, cert: asn1_x509.Certificate, intermediates: Sequence[asn1_x509.Certificate],
             moment: datetime, eku: frozenset[str] | None = None) -> PathOutcome:
        key = (cert.dump(), moment, ",".join(sorted(eku or ())))
        hit = self._paths.get(key)
        if hit is None:
            seen: set[bytes] = set()
            pool = []
            for c in list(intermediates) + self.extra_certs:
                der = c.dump()
                if der not in seen:
                    seen.add(der)
                    pool.append(c)
            hit = validate_path(cert, pool, self.settings.trust_roots,
                                moment, extended_key_usage=eku, loop=self.loop)
            self._paths[key] = hit
        return hit

    def sources(self) -> RevocationSources:
        s = self.settings
        return RevocationSources(
            embedded_ocsps=tuple(self.dss_ocsps + self.cms_ocsps),
            embedded_crls=tuple(self.dss_crls + self.cms_crls),
            supplied_crls=s.supplied_crls,
            index=s.crl_index,
            allow_fetch=s.allow_fetch,
            fetch_timeout=s.fetch_timeout,
            fetch=s.fetch,
            budget=self.fetch_budget,
        )


# -- helpers ---------------------------------------------------------------------------------

_PDF_DATE = re.compile(
    r"^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz+\-])(\d{2})?'?(\d{2})?'?)?"
)


def _pdf_date(value: object) -> datetime | None:
    if not isinstance(value, PdfString):
        return None
    m = _PDF_DATE.match(value.text().strip())
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) if g else dflt for g, dflt in zip(m.groups()[:6], (0, 1, 1, 0, 0, 0)))
    tz = UTC
    if m.group(7) in ("+", "-"):
        off = timedelta(hours=int(m.group(8) or 0), minutes=int(m.group(9) or 0))
        tz = timezone(off if m.group(7) == "+" else -off)
    try:
        return datetime(y, mo, d, h, mi, s, tzinfo=tz).astimezone(UTC)
    except ValueError:
        return None


@dataclass
class _Finding:
    sub: SubIndication
    message: str

    @property
    def failed(self) -> bool:
        return self.sub in _FAILED


def _verdict(findings: list[_Finding]) -> tuple[Indication, SubIndication | None]:
    for f in findings:
        if f.failed:
            return Indication.TOTAL_FAILED, f.sub
    for f in findings:
        return Indication.INDETERMINATE, f.sub
    return Indication.TOTAL_PASSED, None


def _locks(res: Resolver, found: _Found, sig: PdfDict, sig_rev: Revision, pdf: PdfFile) -> tuple[SignatureLocks, int | None]:
    docmdp: int | None = None
    action: str | None = None
    fields: set[str] = set()
    refs = res.resolve(sig.get("Reference"))
    for r in refs if isinstance(refs, list) else []:
        rd = res.dict_of(r)
        if rd is None:
            continue
        params = res.dict_of(rd.get("TransformParams")) or PdfDict()
        method = rd.get("TransformMethod")
        if method == "DocMDP":
            p = params.get("P", 2)
            docmdp = p if isinstance(p, int) and p in (1, 2, 3) else 2
        elif method == "FieldMDP":
            a = params.get("Action")
            if isinstance(a, Name):
                action = str(a)
            flds = res.resolve(params.get("Fields"))
            for f in flds if isinstance(flds, list) else []:
                if isinstance(f, PdfString):
                    fields.add(f.text())
            p = params.get("P")
            if isinstance(p, int) and p == 1:
                docmdp = 1
    certification = None
    if docmdp is not None:
        # a certification signature is the one the catalog's /Perms /DocMDP points at
        cat = pdf.resolver(sig_rev.number).root
        perms = pdf.resolver(sig_rev.number).dict_of(cat.get("Perms"))
        if perms is not None and found.sig_ref is not None and perms.get("DocMDP") == found.sig_ref:
            certification = docmdp
    lock = found.field_lock
    if lock is not None and action is None:
        a = lock.get("Action")
        if isinstance(a, Name):
            action = str(a)
            flds = res.resolve(lock.get("Fields"))
            for f in flds if isinstance(flds, list) else []:
                if isinstance(f, PdfString):
                    fields.add(f.text())
    if lock is not None and lock.get("P") == 1:
        docmdp = 1
    return SignatureLocks(docmdp, action, frozenset(fields)), certification


# -- one signature -----------------------------------------------------------------------------

@dataclass
class _Sig:
    found: _Found
    kind: SignatureKind
    sub_filter: str | None
    byte_range: tuple[int, ...] | None
    revision: Revision | None
    findings: list[_Finding]
    br_ok: bool
    ci: cms.ContentInfo | None = None
    signer: SignerCheck | None = None
    tst: TstCheck | None = None
    tst_token: cms.ContentInfo | None = None
    claimed: datetime | None = None
    end: int = 0


def _digest_of_ranges(data: bytes, br: tuple[int, ...]) -> object:
    def digest(algo: str) -> bytes:
        h = hashlib.new(algo)
        for i in range(0, len(br), 2):
            h.update(data[br[i] : br[i] + br[i + 1]])
        return h.digest()

    return digest


def _structure_of(doc: _Doc, found: _Found) -> _Sig:
    sig = found.sig
    findings: list[_Finding] = []
    kind = SignatureKind.SIGNATURE
    sub_filter = None
    if sig is not None:
        sf = sig.get("SubFilter")
        sub_filter = str(sf) if isinstance(sf, Name) else None
        if sig.get("Type") == "DocTimeStamp" or sub_filter == "ETSI.RFC3161":
            kind = SignatureKind.DOCUMENT_TIMESTAMP
    s = _Sig(found, kind, sub_filter, None, None, findings, False)

    def fail(msg: str) -> _Sig:
        findings.append(_Finding(SubIndication.FORMAT_FAILURE, msg))
        return s

    if sig is None or found.sig_ref is None:
        return fail("the signature value /V is not an indirect dictionary")
    br = sig.get("ByteRange")
    if not isinstance(br, list):
        return fail("/ByteRange is missing")
    ints = [x for x in br if isinstance(x, int) and not isinstance(x, bool) and x >= 0]
    if len(br) != 4 or len(ints) != 4:
        return fail("/ByteRange is not four non-negative integers")
    a0, l0, b0, l1 = ints
    s.byte_range = (a0, l0, b0, l1)
    data = doc.data
    if a0 != 0:
        return fail("/ByteRange does not start at offset 0")
    if not 0 < l0 < b0:
        return fail("/ByteRange ranges overlap or are empty")
    end = b0 + l1
    s.end = end
    if end > len(data):
        return fail("/ByteRange extends beyond the end of the file")
    rev = doc.pdf.revision_ending_at(end)
    if rev is None:
        return fail(f"/ByteRange ends at offset {end}, which is not the end of a revision (%%EOF)")
    s.revision = rev
    entry = doc.pdf.entries(len(doc.pdf.revisions)).get(found.sig_ref.num)
    span = sig.spans.get("Contents")
    if entry is None or entry.kind != "n":
        return fail("the signature dictionary is inside an object stream")
    if not rev.start <= entry.a < rev.eof_end:
        return fail(
            f"the signature dictionary is not part of the revision it signs (revision {rev.number})"
        )
    rev_entry = doc.pdf.entries(rev.number).get(found.sig_ref.num)
    if rev_entry != entry:
        return fail("the signature dictionary was redefined after the signed revision")
    if span is None:
        return fail("/Contents is missing")
    if span != (l0, b0) or data[l0 : l0 + 1] != b"<" or data[b0 - 1 : b0] != b">" or data[l0 + 1 : l0 + 2] == b"<":
        return fail("the /ByteRange gap is not exactly the /Contents hex string of this signature")
    contents = sig.get("Contents")
    if not isinstance(contents, PdfString):
        return fail("/Contents is not a string")
    try:
        s.ci = decode_contents(bytes(contents))
    except CmsError as e:
        return fail(str(e))
    s.br_ok = True
    return s


def _check_crypto(doc: _Doc, s: _Sig) -> None:
    assert s.ci is not None and s.byte_range is not None
    digest = _digest_of_ranges(doc.data, s.byte_range)
    if s.kind is SignatureKind.DOCUMENT_TIMESTAMP:
        s.tst = check_tst(s.ci, digest)  # type: ignore[arg-type]
        s.tst_token = s.ci
        if s.tst.failure is not None:
            s.findings.append(_Finding(s.tst.failure, s.tst.message or "document timestamp invalid"))
        doc.extra_certs.extend(s.tst.certs)
        return
    try:
        s.signer = check_signer_info(s.ci, digest, "data")  # type: ignore[arg-type]
    except CmsError as e:
        s.findings.append(_Finding(e.sub, str(e)))
        return
    sc = s.signer
    doc.extra_certs.extend(sc.certs)
    if sc.failure is not None:
        s.findings.append(_Finding(sc.failure, sc.message or sc.failure.value))
    if s.sub_filter == "ETSI.CAdES.detached" and not sc.has_signing_certificate_attr and sc.cert is not None:
        s.findings.append(_Finding(SubIndication.FORMAT_FAILURE,
                                   "PAdES signature without the signing-certificate-v2 attribute"))
    si = sc.signer_info
    st = find_attr(si["signed_attrs"], "signing_time")
    if st:
        s.claimed = st[0].native  # type: ignore[attr-defined]
    elif s.found.sig is not None:
        s.claimed = _pdf_date(s.found.sig.get("M"))
    # revocation data inside the CMS
    for v in find_attr(si["signed_attrs"], "adobe_revocation_info_archival"):
        try:
            for c in v["crl"] or []:  # type: ignore[index]
                doc.cms_crls.append(c.dump())
            for o in v["ocsp"] or []:  # type: ignore[index]
                doc.cms_ocsps.append(o.dump())
        except (ValueError, TypeError, KeyError):
            pass
    try:
        for choice in s.ci["content"]["crls"] or []:
            if choice.name == "crl":
                doc.cms_crls.append(choice.chosen.dump())
    except (ValueError, TypeError, KeyError):
        pass
    tokens = find_attr(si["unsigned_attrs"], "signature_time_stamp_token")
    if len(tokens) > 1:
        s.findings.append(_Finding(SubIndication.FORMAT_FAILURE, "more than one signature timestamp"))
    if tokens:
        token = tokens[0]
        sigval = si["signature"].native
        s.tst_token = token
        s.tst = check_tst(token, lambda algo: hashlib.new(algo, sigval).digest())
        doc.extra_certs.extend(s.tst.certs)
        if s.tst.failure is not None:
            s.findings.append(_Finding(s.tst.failure, s.tst.message or "signature timestamp invalid"))


def _chain_and_revocation(
    doc: _Doc,
    cert: asn1_x509.Certificate,
    intermediates: Sequence[asn1_x509.Certificate],
    proven: datetime | None,
    eku: frozenset[str] | None,
) -> tuple[PathOutcome, ChainReport, list[RevocationReport]]:
    moment = proven or doc.now
    outcome = doc.path(cert, intermediates, moment, eku)
    revs: list[RevocationReport] = []
    if outcome.ok:
        path = outcome.path  # anchor first
        sources = doc.sources()
        for i in range(len(path) - 1, 0, -1):
            revs.append(check_revocation(path[i], path[i - 1], moment, doc.now, sources))
    chain = ChainReport(
        trusted=outcome.ok,
        path=tuple(c.subject.human_friendly for c in reversed(outcome.path)),
        validation_time=moment,
        revocation=tuple(revs),
        detail=outcome.message,
    )
    return outcome, chain, revs


def _timestamp_report(doc: _Doc, tst: TstCheck, poe: datetime | None) -> TimestampReport:
    findings: list[_Finding] = []
    messages: list[str] = []
    chain = None
    if tst.failure is not None:
        findings.append(_Finding(tst.failure, tst.message or "timestamp invalid"))
    elif tst.cert is not None:
        outcome, chain, revs = _chain_and_revocation(doc, tst.cert, tst.certs, poe, frozenset({"time_stamping"}))
        if not outcome.ok:
            assert outcome.sub_indication is not None
            findings.append(_Finding(outcome.sub_indication, f"timestamp authority: {outcome.message}"))
        for r in revs:
            if r.status is RevocationStatus.REVOKED and r.revoked_at is not None and tst.gen_time is not None \
                    and r.revoked_at <= tst.gen_time:
                findings.append(_Finding(SubIndication.REVOKED, f"TSA certificate {r.subject} revoked"))
            elif r.detail:
                messages.append(f"TSA certificate {r.subject}: {r.detail}")
    ind, sub = _verdict(findings)
    return TimestampReport(
        time=tst.gen_time,
        tsa=certificate_info(tst.cert) if tst.cert is not None else None,
        imprint_ok=tst.imprint_ok,
        signature_ok=tst.signature_ok,
        chain=chain,
        indication=ind,
        sub_indication=sub,
        messages=tuple([f.message for f in findings] + messages),
    )


def _key_usage_ok(cert: asn1_x509.Certificate) -> bool:
    ku = cert.key_usage_value
    if ku is None:
        return True
    return bool({"digital_signature", "non_repudiation"} & set(ku.native))


def _pades_level(s: _Sig, ts_valid: bool, later_dts: bool, revs: list[RevocationReport]) -> PadesLevel:
    if s.sub_filter != "ETSI.CAdES.detached" or s.signer is None or not s.signer.has_signing_certificate_attr:
        return PadesLevel.NONE
    if not ts_valid and not later_dts:
        return PadesLevel.B_B
    embedded = {RevocationSource.EMBEDDED_OCSP, RevocationSource.EMBEDDED_CRL}
    if not revs or not all(r.status is RevocationStatus.GOOD and r.source in embedded for r in revs):
        return PadesLevel.B_T
    return PadesLevel.B_LTA if later_dts else PadesLevel.B_LT


def _report(doc: _Doc, s: _Sig, index: int, dts_after: list[tuple[int, datetime]]) -> SignatureReport:
    findings = s.findings
    messages: list[str] = []
    sig = s.found.sig or PdfDict()
    rev = s.revision
    n_revs = len(doc.pdf.revisions)
    locks, certification = SignatureLocks(), None
    if rev is not None:
        try:
            locks, certification = _locks(doc.res, s.found, sig, rev, doc.pdf)
        except PdfStructureError as e:
            messages.append(f"locks unreadable: {e}")
    if rev is not None:
        changes = doc.changes_after(rev, locks)
    else:
        changes = ChangesReport(ChangesAfter.OTHER, (), ("the signed revision cannot be identified",))
    if changes.violations:
        findings.append(_Finding(SubIndication.FORMAT_FAILURE,
                                 "modified after signing: " + "; ".join(changes.violations[:5])))
    coverage = CoverageReport(
        revision=rev.number if rev else None,
        revision_count=n_revs,
        covers_whole_revision=s.br_ok,
        covers_whole_file=s.br_ok and rev is not None and rev.number == n_revs and doc.pdf.trailing_garbage() == 0,
        signed_length=s.end,
    )
    later = [t for (r, t) in dts_after if rev is not None and r > rev.number]
    poe_for_ts = min(later) if later else None
    ts_report = _timestamp_report(doc, s.tst, poe_for_ts) if s.tst is not None else None

    signer_cert = None
    chain = None
    revs: list[RevocationReport] = []
    if s.kind is SignatureKind.DOCUMENT_TIMESTAMP:
        signer_cert = s.tst.cert if s.tst else None
        if ts_report is not None:
            chain = ts_report.chain
            if ts_report.indication is not Indication.TOTAL_PASSED and s.tst is not None and s.tst.failure is None:
                assert ts_report.sub_indication is not None
                findings.append(_Finding(ts_report.sub_indication, "; ".join(ts_report.messages)))
            messages.extend(m for m in ts_report.messages if s.tst is None or s.tst.failure is None)
        ts_valid = ts_report is not None and ts_report.valid
        level = PadesLevel.B_LTA if ts_valid else PadesLevel.NONE
    else:
        sc = s.signer
        signer_cert = sc.cert if sc else None
        ts_valid = ts_report is not None and ts_report.valid
        if ts_report is not None and not ts_valid and (s.tst is None or s.tst.failure is None):
            assert ts_report.sub_indication is not None
            findings.append(_Finding(ts_report.sub_indication,
                                     "signature timestamp not trusted: " + "; ".join(ts_report.messages)))
        poes = ([s.tst.gen_time] if ts_valid and s.tst and s.tst.gen_time else []) + later
        proven = min(poes) if poes else None
        if s.tst and s.tst.gen_time and s.claimed and s.tst.gen_time + TIME_ORDER_TOLERANCE < s.claimed:
            findings.append(_Finding(SubIndication.TIMESTAMP_ORDER_FAILURE,
                                     "the timestamp predates the claimed signing time"))
        if signer_cert is not None and sc is not None and sc.failure is None:
            claimed = s.claimed
            if claimed is not None and claimed > signer_cert.not_valid_after:
                findings.append(_Finding(SubIndication.EXPIRED,
                                         f"signed at {claimed.isoformat()}, after the certificate expired "
                                         f"({signer_cert.not_valid_after.isoformat()})"))
            elif claimed is not None and claimed < signer_cert.not_valid_before:
                findings.append(_Finding(SubIndication.NOT_YET_VALID,
                                         "signed before the certificate's validity period"))
            if not _key_usage_ok(signer_cert):
                findings.append(_Finding(SubIndication.CHAIN_CONSTRAINTS_FAILURE,
                                         "the certificate's key usage does not allow signing"))
            outcome, chain, revs = _chain_and_revocation(doc, signer_cert, sc.certs, proven, None)
            if not outcome.ok:
                assert outcome.sub_indication is not None
                sub = outcome.sub_indication
                findings.append(_Finding(sub, outcome.message or sub.value))
            for i, r in enumerate(revs):
                is_signer = i == 0
                if r.status is RevocationStatus.REVOKED:
                    assert r.revoked_at is not None
                    if proven is None and (claimed is None or claimed < r.revoked_at):
                        findings.append(_Finding(
                            SubIndication.REVOKED_NO_POE if is_signer else SubIndication.REVOKED_CA_NO_POE,
                            f"{r.subject}: revoked on {r.revoked_at.isoformat()}; no proof that the "
                            "signature existed before"))
                    else:
                        findings.append(_Finding(SubIndication.REVOKED,
                                                 f"{r.subject}: revoked on {r.revoked_at.isoformat()}"))
                elif r.status is RevocationStatus.UNKNOWN:
                    findings.append(_Finding(SubIndication.TRY_LATER, f"{r.subject}: {r.detail}"))
                elif r.revoked_at is not None:
                    messages.append(f"{r.subject}: {r.detail}")
        level = _pades_level(s, ts_valid, bool(later), revs)

    ind, sub_ind = _verdict(findings)
    authorization = None
    if doc.settings.expected_tax_id is not None and signer_cert is not None and s.kind is SignatureKind.SIGNATURE:
        authorization = authorized_for(signer_cert, doc.settings.expected_tax_id,
                                       doc.settings.registered_fingerprints)
    sc = s.signer
    integrity = IntegrityReport(
        byte_range=s.byte_range,
        byte_range_ok=s.br_ok,
        digest_ok=(sc.digest_ok if sc else bool(s.tst and s.tst.imprint_ok)),
        signature_ok=(sc.signature_ok if sc else bool(s.tst and s.tst.signature_ok)),
        signing_certificate_ok=(sc.signing_certificate_ok if sc else bool(s.tst and s.tst.cert)),
        digest_algorithm=sc.digest_algorithm if sc else None,
        signature_algorithm=sc.signature_algorithm if sc else None,
    )
    return SignatureReport(
        index=index,
        kind=s.kind,
        field_name=s.found.field_name,
        sub_filter=s.sub_filter,
        signer=certificate_info(signer_cert) if signer_cert is not None else None,
        claimed_signing_time=s.claimed,
        timestamp=ts_report,
        integrity=integrity,
        coverage=coverage,
        changes_after=changes,
        chain=chain,
        pades_level=level,
        certification_level=certification,
        locked_fields=tuple(sorted(locks.fields)) if locks.field_action != "All" else ("*",),
        indication=ind,
        sub_indication=sub_ind,
        messages=tuple(dict.fromkeys([f.message for f in findings] + messages)),
        authorization=authorization,
    )


def validate_pdf(data: bytes, settings: ValidationSettings) -> DocumentReport:
    """Validate every signature and document timestamp in ``data``.

    Never raises for a bad signature (that is a verdict). Raises
    :class:`~.errors.PdfStructureError` (or its subclasses
    :class:`~.errors.PdfSyntaxError`, :class:`~.errors.ResourceLimitError`) when the bytes are
    not a PDF whose structure can be followed, or exceed ``settings.max_file_size``.
    """
    if len(data) > settings.max_file_size:
        raise ResourceLimitError(
            f"file of {len(data)} bytes exceeds the limit of {settings.max_file_size} bytes"
        )
    now = settings.validation_time or datetime.now(UTC)
    try:
        doc = _Doc(data, settings, now)
    except RecursionError:
        raise ResourceLimitError("object structure too deep") from None
    try:
        return _validate(doc)
    except RecursionError:
        raise ResourceLimitError("object structure too deep") from None
    finally:
        doc.close()


def _validate(doc: _Doc) -> DocumentReport:
    found = _find_signature_fields(doc.res)
    sigs = [_structure_of(doc, f) for f in found]
    for s in sigs:
        if s.br_ok:
            _check_crypto(doc, s)
    sigs.sort(key=lambda s: (s.end or 0))
    # document timestamps: their times are proofs of existence for what they cover
    dts_times: list[tuple[int, datetime]] = []
    reports_by_id: dict[int, SignatureReport] = {}
    for s in sorted((x for x in sigs if x.kind is SignatureKind.DOCUMENT_TIMESTAMP), key=lambda x: -(x.end or 0)):
        rep = _report(doc, s, 0, dts_times)
        reports_by_id[id(s)] = rep
        if rep.passed and s.revision is not None and s.tst is not None and s.tst.gen_time is not None:
            dts_times.append((s.revision.number, s.tst.gen_time))
    reports: list[SignatureReport] = []
    for i, s in enumerate(sigs, start=1):
        known = reports_by_id.get(id(s))
        reports.append(replace(known, index=i) if known is not None else _report(doc, s, i, dts_times))
    findings = []
    garbage = doc.pdf.trailing_garbage()
    if garbage:
        findings.append(f"{garbage} bytes after the last %%EOF")
    return DocumentReport(
        size=len(doc.data),
        sha256=hashlib.sha256(doc.data).hexdigest(),
        revision_count=len(doc.pdf.revisions),
        validation_time=doc.now,
        signatures=tuple(reports),
        structure_findings=tuple(findings),
        messages=() if reports else ("the document has no signature",),
    )
