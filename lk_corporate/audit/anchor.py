"""Checkpoints: the audit chain's head, signed by the supplier and timestamped, kept as files.

The hash chain of :mod:`lk_corporate.core.audit` shows edits by anyone who cannot rewrite the
database; someone who can simply recomputes every hash after the entry they changed, or
deletes the last entries and lowers the id sequence. A checkpoint anchors the chain outside
the database: a small canonical JSON document naming the head (``seq`` and its ``hash``), the
entry count, the time, and the digest of the previous checkpoint (so checkpoints chain too),
with a detached CAdES signature by the supplier's key. Nobody without that key can make a
checkpoint, and nobody at all can give one an earlier time:

- the signature carries a *content* timestamp (RFC 3161, signed attribute
  id-aa-ets-contentTimestamp) whose imprint is the SHA-256 of the JSON document: the head
  existed at that time. The same token is also kept alone in ``checkpoint.tst`` so that
  ``openssl ts -verify -data checkpoint.json -in checkpoint.tst -token_in`` checks it;
- and a *signature* timestamp (CAdES-T, unsigned attribute) over the signature value: proof
  that the signature existed then, so the supplier's certificate is judged at that moment
  and an old checkpoint stays valid after the certificate expires.

Every checkpoint is one directory ``<LK_AUDIT_CHECKPOINT_DIR>/<number>/`` holding
``checkpoint.json``, ``checkpoint.p7s`` (DER CMS) and ``checkpoint.tst`` (DER token), written
under a temporary name and renamed into place: a checkpoint is complete or absent, and an
existing one is never replaced. There is no unsigned or untimestamped checkpoint: one
without either would anchor nothing, so without the key or the TSA writing fails.

:func:`verify_checkpoints` checks the files (signature by a certificate chaining to the trust
anchors and naming the supplier, both timestamps, the checkpoint chain) and that the database
agrees with each (the entry at ``seq`` has exactly that hash, as many entries up to it, the
chain at least as long as the newest checkpoint). What a checkpoint cannot vouch for: the
entries appended after the newest one, and the disappearance of the newest checkpoints
themselves, unless a copy of the directory is kept where the database's attacker cannot write.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import cms, core
from asn1crypto import x509 as asn1_x509
from flask import Flask, current_app
from sqlalchemy import func, select

from lk_corporate.core.audit import GENESIS_HASH, AuditEntry, canonical_json, verify_chain
from lk_corporate.core.db import DbSession
from lk_corporate.core.jobs import job
from lk_corporate.pki.manifest import demo_supplier_key

__all__ = [
    "AnchorConfigurationError", "AnchorReport", "AnchorSettings", "AnchorUnavailableError",
    "ChainNotAnchorableError", "Checkpoint", "CheckpointConflictError", "CheckpointError",
    "CheckpointProblem", "VerifiedCheckpoint", "WrittenCheckpoint", "checkpoint_now",
    "start_periodic_checkpoints", "verify_checkpoints", "write_checkpoint",
]

FORMAT = "lk-audit-checkpoint/1"
DOCUMENT_NAME = "checkpoint.json"
SIGNATURE_NAME = "checkpoint.p7s"
TIMESTAMP_NAME = "checkpoint.tst"
#: How far a timestamp may be from the checkpoint's own ``created_at`` (the TSA answers within
#: the request's timeout; clocks of the portal and the TSA may differ a little). Further apart,
#: the checkpoint was made later than it says: re-made, with a stolen key.
TIME_TOLERANCE = dt.timedelta(minutes=10)
OID_CONTENT_TIMESTAMP = "1.2.840.113549.1.9.16.2.20"
OID_SIGNATURE_TIMESTAMP = "1.2.840.113549.1.9.16.2.14"
#: Subject attributes that name an organisation (not a person): the signer of a checkpoint
#: must name the same organisation as the configured supplier certificate, so that a renewed
#: certificate keeps verifying old checkpoints and a client's certificate never does.
_ORGANISATION_IDS = frozenset({"INNLE", "OGRN", "organizationIdentifier", "EDRPOU"})
_NUMBER_RE = re.compile(r"^[0-9]{6,}$")


# -- errors ------------------------------------------------------------------------------------

class CheckpointError(Exception):
    """A checkpoint cannot be written."""


class AnchorUnavailableError(CheckpointError):
    """The supplier key or the time-stamping authority is missing or does not answer."""


class ChainNotAnchorableError(CheckpointError):
    """The chain is broken or disagrees with the newest checkpoint: signing its head would
    vouch for a rewritten log."""


class CheckpointConflictError(CheckpointError):
    """Another checkpoint with the same number appeared while this one was being made."""


class AnchorConfigurationError(Exception):
    """Checkpoints exist but cannot be checked: trust anchors or supplier identity unusable."""


# -- settings ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AnchorSettings:
    """Where checkpoints live and what makes and checks them (from the app config)."""

    directory: Path
    p12: Path | None
    password_file: Path | None
    tsa_url: str
    trust_roots: tuple[Path, ...]
    crl_index: Path | None = None
    timeout: float = 10.0

    @classmethod
    def from_app(cls, app: Flask, directory: Path | None = None) -> AnchorSettings:
        """``LK_AUDIT_CHECKPOINT_DIR``, ``LK_SUPPLIER_P12``, ``LK_TSA_URL``, ``LK_TRUST_ROOTS``.

        Only the running demo (``LK_DEMO``), which configures no supplier key, falls back to the
        demo PKI's supplier identity: a production portal must name its key explicitly.
        """
        c = app.config
        p12 = Path(c["LK_SUPPLIER_P12"]) if c.get("LK_SUPPLIER_P12") else None
        pw = (Path(c["LK_SUPPLIER_P12_PASSWORD_FILE"])
              if c.get("LK_SUPPLIER_P12_PASSWORD_FILE") else None)
        demo = demo_supplier_key(c)
        if demo is not None:
            p12, pw = demo
        crl_index = Path(c["LK_CRL_INDEX"]) if c.get("LK_CRL_INDEX") else None
        return cls(
            directory=directory or Path(c["LK_AUDIT_CHECKPOINT_DIR"]),
            p12=p12,
            password_file=pw,
            tsa_url=str(c["LK_TSA_URL"]),
            trust_roots=tuple(Path(p) for p in str(c["LK_TRUST_ROOTS"]).split(":") if p),
            crl_index=crl_index,
        )


def _load_identity(settings: AnchorSettings) -> Any:
    """The supplier's :class:`signing.SigningIdentity`; precise errors when it is unusable."""
    from signing import IdentityError, load_pkcs12_identity

    if settings.p12 is None:
        raise AnchorUnavailableError("no supplier key to sign checkpoints: set LK_SUPPLIER_P12 "
                                     "and LK_SUPPLIER_P12_PASSWORD_FILE")
    if settings.password_file is None:
        raise AnchorUnavailableError("LK_SUPPLIER_P12 is set but LK_SUPPLIER_P12_PASSWORD_FILE "
                                     "is not")
    try:
        text = settings.password_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AnchorUnavailableError(
            f"cannot read the supplier key's password file {settings.password_file}: {exc}"
        ) from exc
    # The first line without its line ending, as `lk sign --password-file` reads it.
    password = text.splitlines()[0] if text else ""
    try:
        return load_pkcs12_identity(settings.p12, password)
    except IdentityError as exc:
        raise AnchorUnavailableError(f"the supplier key cannot be used: {exc}") from exc


# -- the document ------------------------------------------------------------------------------

def _utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Checkpoint:
    """What a checkpoint says (the signed ``checkpoint.json``)."""

    number: int
    seq: int
    """The chain head: the last entry's ``seq`` (0 for an empty chain)."""
    hash: str
    """That entry's hash (:data:`GENESIS_HASH` for an empty chain)."""
    entries: int
    created_at: dt.datetime
    previous: str | None
    """SHA-256 (hex) of the previous checkpoint's ``checkpoint.json``; None for the first."""

    def to_json(self) -> bytes:
        return canonical_json({
            "format": FORMAT,
            "number": self.number,
            "seq": self.seq,
            "hash": self.hash,
            "entries": self.entries,
            "created_at": _utc_text(self.created_at),
            "previous": self.previous,
        }).encode("utf-8")

    @classmethod
    def parse(cls, data: bytes) -> Checkpoint:
        """Read a ``checkpoint.json``; :class:`ValueError` says what is wrong with it."""
        try:
            raw = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not JSON: {exc}") from None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} document")
        try:
            number, seq, entries = raw["number"], raw["seq"], raw["entries"]
            digest, previous = raw["hash"], raw["previous"]
            created_at = dt.datetime.strptime(raw["created_at"], "%Y-%m-%dT%H:%M:%SZ")
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"field missing or malformed: {exc}") from None
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                   for v in (number, seq, entries)):
            raise ValueError("number, seq and entries must be non-negative integers")
        if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise ValueError("hash is not a SHA-256 in hex")
        if previous is not None and (not isinstance(previous, str)
                                     or not re.fullmatch(r"[0-9a-f]{64}", previous)):
            raise ValueError("previous is not a SHA-256 in hex")
        return cls(number, seq, digest, entries, created_at.replace(tzinfo=dt.UTC), previous)


@dataclass(frozen=True)
class StoredCheckpoint:
    """The file set of one checkpoint as found on disk (nothing checked yet)."""

    number: int
    path: Path
    document: bytes
    signature: bytes | None
    token: bytes | None

    @property
    def digest(self) -> str:
        """What the next checkpoint's ``previous`` names."""
        return hashlib.sha256(self.document).hexdigest()


def checkpoint_numbers(directory: Path) -> list[int]:
    """Numbers of the checkpoint directories, ascending (temporary ``.tmp-*`` ignored)."""
    if not directory.is_dir():
        return []
    return sorted(int(p.name) for p in directory.iterdir()
                  if p.is_dir() and _NUMBER_RE.match(p.name))


def _checkpoint_path(directory: Path, number: int) -> Path:
    return directory / f"{number:06d}"


def read_stored(directory: Path, number: int) -> StoredCheckpoint:
    """The files of checkpoint ``number``; missing files become None (the JSON: empty)."""
    path = _checkpoint_path(directory, number)

    def read(name: str) -> bytes | None:
        try:
            return (path / name).read_bytes()
        except FileNotFoundError:
            return None

    return StoredCheckpoint(number, path, read(DOCUMENT_NAME) or b"", read(SIGNATURE_NAME),
                            read(TIMESTAMP_NAME))


# -- writing -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class WrittenCheckpoint:
    checkpoint: Checkpoint
    path: Path
    timestamp: dt.datetime
    """The content timestamp's time (the TSA's word for when the head existed)."""
    signer: str
    tsa: str


def _chain_head(session: DbSession) -> tuple[int, str, int]:
    """``(seq, hash, entries up to seq)`` of the chain's last entry."""
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    if last is None:
        return 0, GENESIS_HASH, 0
    # Appends only add larger seqs, so this count matches the head even while others write.
    count = session.scalar(select(func.count()).where(AuditEntry.seq <= last[0])) or 0
    return int(last[0]), str(last[1]), int(count)


async def _sign(identity: Any, document: bytes, timestamper: Any,
                signing_time: dt.datetime) -> cms.ContentInfo:
    from pyhanko.sign.ades.api import CAdESSignedAttrSpec
    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

    # pyHanko's general CAdES path: the content timestamp (signed attribute) and the
    # signature timestamp (unsigned) both come from `timestamper`.
    result: cms.ContentInfo = await identity.signer.async_sign_general_data(
        document, "sha256", detached=True, use_cades=True, timestamper=timestamper,
        signed_attr_settings=PdfCMSSignedAttributes(
            signing_time=signing_time,
            cades_signed_attrs=CAdESSignedAttrSpec(timestamp_content=True),
        ),
    )
    return result


def _attribute_values(attrs: Any, oid: str) -> list[Any]:
    if attrs is None or isinstance(attrs, core.Void):
        return []
    out: list[Any] = []
    for attr in attrs:
        if attr["type"].dotted == oid:
            out.extend(attr["values"])
    return out


def _as_token(value: Any) -> cms.ContentInfo:
    # Whether asn1crypto knows the attribute (pyHanko registers it) or not, reparse the DER.
    return cms.ContentInfo.load(value.dump())


def write_checkpoint(session: DbSession, settings: AnchorSettings, *,
                     only_if_changed: bool = False,
                     now: Callable[[], dt.datetime] | None = None) -> WrittenCheckpoint | None:
    """Sign, timestamp and store a checkpoint of the chain's current head.

    Refuses (:class:`ChainNotAnchorableError`) when the chain is broken or disagrees with the
    newest checkpoint, or that checkpoint does not verify: only the entries after it are
    re-walked, the rest it vouches for. With ``only_if_changed`` (the hourly job) nothing is
    written while the newest checkpoint already names the head. The new checkpoint is checked
    as :func:`verify_checkpoints` would before it is stored, so a TSA or a key the trust
    anchors do not cover shows now, not at the next audit.
    """
    from signing.network import make_timestamper

    identity = _load_identity(settings)
    try:
        checker = _Checker.from_settings(settings)
    except AnchorConfigurationError as exc:
        raise CheckpointError(f"checkpoints could not be checked: {exc}") from exc
    directory = settings.directory
    numbers = checkpoint_numbers(directory)
    newest: Checkpoint | None = None
    newest_digest: str | None = None
    if numbers:
        stored = read_stored(directory, numbers[-1])
        try:
            newest = Checkpoint.parse(stored.document)
        except ValueError as exc:
            raise ChainNotAnchorableError(
                f"the newest checkpoint {stored.path} is unreadable ({exc}); "
                "run `lk audit verify`") from exc
        files = (_check_files(stored.document, stored.signature, stored.token, checker)
                 if stored.signature is not None else None)
        if files is None or files.problems:
            reasons = "; ".join(files.problems) if files else f"{SIGNATURE_NAME} is missing"
            raise ChainNotAnchorableError(
                f"the newest checkpoint {stored.path} does not verify ({reasons}); "
                "run `lk audit verify`")
        newest_digest = stored.digest
    report = verify_chain(session, since=(newest.seq, newest.hash) if newest else None)
    if not report.intact:
        where = (f" after checkpoint {newest.number} (seq {newest.seq})" if newest else "")
        details = "; ".join(f"#{p.seq}: {p.message}" if p.seq is not None else p.message
                            for p in report.problems[:5])
        raise ChainNotAnchorableError(
            f"the audit chain is broken{where}, so its head is not signed: {details}; "
            "run `lk audit verify`")
    seq, head_hash, count = _chain_head(session)
    if newest is not None and seq < newest.seq:
        raise ChainNotAnchorableError(
            f"the chain ends at #{seq} but checkpoint {newest.number} anchored entries up to "
            f"#{newest.seq}; run `lk audit verify`")
    if only_if_changed and newest is not None and newest.seq == seq:
        return None
    created = (now or (lambda: dt.datetime.now(dt.UTC)))().replace(microsecond=0)
    checkpoint = Checkpoint(
        number=(newest.number + 1) if newest else 1, seq=seq, hash=head_hash, entries=count,
        created_at=created, previous=newest_digest,
    )
    document = checkpoint.to_json()
    try:
        timestamper = make_timestamper(settings.tsa_url, settings.timeout)
        signed = asyncio.run(_sign(identity, document, timestamper, created))
    except OSError as exc:  # pyHanko's TimestampRequestError and requests' errors are OSErrors
        raise AnchorUnavailableError(
            f"the time-stamping authority {settings.tsa_url} did not answer: {exc}") from exc
    except Exception as exc:  # pyHanko's signing errors have no common base
        raise CheckpointError(f"signing the checkpoint failed: {exc}") from exc
    signature = signed.dump()
    tokens = _attribute_values(signed["content"]["signer_infos"][0]["signed_attrs"],
                               OID_CONTENT_TIMESTAMP)
    if len(tokens) != 1:
        raise AnchorUnavailableError("the TSA's content timestamp is missing from the signature")
    token = _as_token(tokens[0]).dump()
    verified = _check_files(document, signature, token, checker)
    if verified.problems:
        raise CheckpointError("the new checkpoint does not verify, so it was not stored: "
                              + "; ".join(verified.problems))
    assert verified.timestamp is not None
    path = _store(directory, checkpoint.number,
                  {DOCUMENT_NAME: document, SIGNATURE_NAME: signature, TIMESTAMP_NAME: token})
    return WrittenCheckpoint(checkpoint, path, verified.timestamp, verified.signer, verified.tsa)


def _fsync_write(path: Path, data: bytes) -> None:
    with open(path, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    path.chmod(0o444)


def _store(directory: Path, number: int, files: dict[str, bytes]) -> Path:
    """Write the file set under a temporary name, then rename it into place.

    ``rename`` of a directory onto an existing non-empty one fails, so a checkpoint is never
    replaced; two writers racing for the same number leave exactly one.
    """
    directory.mkdir(parents=True, exist_ok=True)
    final = _checkpoint_path(directory, number)
    tmp = directory / f".tmp-{number:06d}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        for name, data in files.items():
            _fsync_write(tmp / name, data)
        if final.exists():
            raise CheckpointConflictError(f"checkpoint {final} was written meanwhile; try again")
        try:
            os.rename(tmp, final)
        except OSError as exc:
            raise CheckpointConflictError(
                f"checkpoint {final} was written meanwhile; try again") from exc
    except BaseException:
        for child in tmp.iterdir() if tmp.exists() else ():
            child.unlink()
        if tmp.exists():
            tmp.rmdir()
        raise
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)  # the rename itself survives a crash
    finally:
        os.close(fd)
    return final


# -- checking the files ------------------------------------------------------------------------

@dataclass(frozen=True)
class _Checker:
    """Trust anchors, the supplier organisation signers must name, the CRL index."""

    roots: tuple[asn1_x509.Certificate, ...]
    pin: frozenset[tuple[str, str]] | None
    pin_label: str | None
    crl_index: Path | None

    @classmethod
    def from_settings(cls, settings: AnchorSettings) -> _Checker:
        from signing.validation.errors import TrustConfigurationError
        from signing.validation.trust import load_trust_roots

        try:
            roots = load_trust_roots(settings.trust_roots)
        except TrustConfigurationError as exc:
            raise AnchorConfigurationError(f"LK_TRUST_ROOTS: {exc}") from exc
        if not roots:
            raise AnchorConfigurationError("LK_TRUST_ROOTS names no trust anchor")
        pin = label = None
        if settings.p12 is not None:
            try:
                identity = _load_identity(settings)
            except AnchorUnavailableError as exc:
                raise AnchorConfigurationError(
                    f"{exc} (needed to know which certificate may sign checkpoints)") from exc
            pin = _organisation(identity.certificate)
            label = identity.summary.organization or identity.summary.person
        index = settings.crl_index if settings.crl_index and settings.crl_index.is_file() else None
        return cls(roots, pin, label, index)


def _organisation(cert: asn1_x509.Certificate) -> frozenset[tuple[str, str]]:
    """The organisation identifiers in the subject, or (none there) the certificate itself."""
    ids = frozenset((k, v) for k, v in _all_ids(cert) if k in _ORGANISATION_IDS and v)
    return ids or frozenset(i for i in _all_ids(cert) if i[0] == "sha256")


@dataclass(frozen=True)
class _FileCheck:
    problems: tuple[str, ...]
    timestamp: dt.datetime | None
    signer: str
    tsa: str


def _subject(cert: asn1_x509.Certificate | None) -> str:
    """``CN (O)`` of a certificate, for messages."""
    if cert is None:
        return "?"
    try:
        name = cert.subject.native
        cn, org = name.get("common_name"), name.get("organization_name")
    except (ValueError, TypeError):
        return "?"
    if not cn:
        return str(cert.subject.human_friendly)
    return f"{cn} ({org})" if org and org != cn else str(cn)


def _check_files(document: bytes, signature: bytes, token: bytes | None,
                 checker: _Checker) -> _FileCheck:
    """Signature, both timestamps, the chains of trust, who signed; every problem found."""
    from signing.validation.cms import CmsError, check_signer_info, check_tst, decode_contents
    from signing.validation.report import RevocationStatus
    from signing.validation.revocation import CrlIndex, RevocationSources, check_revocation
    from signing.validation.trust import validate_path

    problems: list[str] = []

    def digest_of(data: bytes) -> Callable[[str], bytes]:
        return lambda algo: hashlib.new(algo, data).digest()

    try:
        ci = decode_contents(signature)
        signer = check_signer_info(ci, digest_of(document), "data")
        info = ci["content"]["signer_infos"][0]
        content_tokens = _attribute_values(info["signed_attrs"], OID_CONTENT_TIMESTAMP)
        signature_tokens = _attribute_values(info["unsigned_attrs"], OID_SIGNATURE_TIMESTAMP)
        signature_value = info["signature"].native
    except (CmsError, ValueError, TypeError, KeyError, IndexError) as exc:
        return _FileCheck((f"the signature is unreadable: {exc}",), None, "?", "?")
    if signer.failure is not None:
        problems.append(f"signature invalid: {signer.message}")

    times: dict[str, dt.datetime] = {}
    tsa = "?"
    for kind, tokens, covered in (("content", content_tokens, document),
                                  ("signature", signature_tokens, signature_value)):
        if len(tokens) != 1:
            problems.append(f"{len(tokens)} {kind} timestamps (exactly one expected)")
            continue
        try:
            parsed = _as_token(tokens[0])
        except ValueError as exc:
            problems.append(f"{kind} timestamp unreadable: {exc}")
            continue
        tst = check_tst(parsed, digest_of(covered))
        if tst.failure is not None or tst.cert is None or tst.gen_time is None:
            problems.append(f"{kind} {tst.message or 'timestamp invalid'}")
            continue
        path = validate_path(tst.cert, tst.certs, checker.roots, tst.gen_time,
                             extended_key_usage=frozenset({"time_stamping"}))
        if not path.ok:
            problems.append(f"{kind} timestamp: the TSA is not trusted: {path.message}")
            continue
        times[kind] = tst.gen_time
        tsa = _subject(tst.cert)
        if kind == "content" and token is not None and parsed.dump() != token:
            problems.append(f"{TIMESTAMP_NAME} is not the timestamp inside the signature")
    if token is None:
        problems.append(f"{TIMESTAMP_NAME} is missing")

    cert = signer.cert
    # The signature timestamp proves when the signature existed: the certificate is judged
    # then, so an old checkpoint outlives its certificate. Without one (already reported),
    # still say whether the signer is trusted and the supplier's, as of now.
    proven = times.get("signature") or dt.datetime.now(dt.UTC)
    if cert is not None and signer.failure is None:
        path = validate_path(cert, signer.certs, checker.roots, proven)
        ku = cert.key_usage_value
        if not path.ok:
            problems.append(f"the signer's certificate is not trusted: {path.message}")
        elif ku is not None and not {"digital_signature", "non_repudiation"} & set(ku.native):
            problems.append("the signer's certificate may not sign (key usage)")
        elif checker.crl_index is not None:
            sources = RevocationSources(index=CrlIndex(checker.crl_index))
            now = dt.datetime.now(dt.UTC)
            chain = path.path  # anchor first
            for i in range(len(chain) - 1, 0, -1):
                rev = check_revocation(chain[i], chain[i - 1], proven, now, sources)
                if rev.status is RevocationStatus.REVOKED:
                    when = _utc_text(rev.revoked_at) if rev.revoked_at else "?"
                    problems.append(f"{rev.subject} was revoked on {when} (CRL), before this "
                                    "checkpoint was signed")
        if checker.pin is not None and not set(_all_ids(cert)) & checker.pin:
            problems.append(f"signed by {_subject(cert)}, who does not sign for the supplier "
                            f"({checker.pin_label})")
    return _FileCheck(tuple(problems), times.get("content"), _subject(cert), tsa)


def _all_ids(cert: asn1_x509.Certificate) -> list[tuple[str, str]]:
    from signing.validation.authorization import subject_identifiers
    from signing.validation.trust import fingerprint

    return [*subject_identifiers(cert), ("sha256", fingerprint(cert))]


# -- verification ------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckpointProblem:
    """One thing wrong, located: which checkpoint (None: the set) and which entry."""

    checkpoint: int | None
    seq: int | None
    message: str


@dataclass(frozen=True)
class VerifiedCheckpoint:
    checkpoint: Checkpoint
    timestamp: dt.datetime | None
    signer: str
    tsa: str


@dataclass(frozen=True)
class AnchorReport:
    """What :func:`verify_checkpoints` found."""

    directory: Path
    checkpoints: tuple[VerifiedCheckpoint, ...]
    problems: tuple[CheckpointProblem, ...]
    chain_end: int
    """The last ``seq`` in the database (0: empty)."""
    uncovered: int
    """Entries after the newest checkpoint's ``seq``: no checkpoint vouches for them yet."""
    pinned_to: str | None
    """The supplier organisation every signer must name; None when no supplier key is
    configured (then any certificate chaining to the trust anchors is accepted)."""

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def newest(self) -> VerifiedCheckpoint | None:
        return self.checkpoints[-1] if self.checkpoints else None


def verify_checkpoints(session: DbSession, settings: AnchorSettings) -> AnchorReport:
    """Check every checkpoint's files and the database against each.

    Raises :class:`AnchorConfigurationError` when there are checkpoints but no usable trust
    anchors (or an unusable supplier identity): that is a broken setup, not a broken chain.
    """
    directory = settings.directory
    numbers = checkpoint_numbers(directory)
    chain_end = int(session.scalar(select(func.max(AuditEntry.seq))) or 0)
    if not numbers:
        total = int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
        return AnchorReport(directory, (), (), chain_end, total, None)
    checker = _Checker.from_settings(settings)
    problems: list[CheckpointProblem] = []
    verified: list[VerifiedCheckpoint] = []
    previous: tuple[StoredCheckpoint, Checkpoint | None, dt.datetime | None] | None = None
    agreed_seq = 0  # the seq of the last checkpoint the database agrees with
    expected = 1
    for number in numbers:
        stored = read_stored(directory, number)
        if number != expected:
            missing = (f"checkpoints {expected}..{number - 1} are"
                       if number - 1 > expected else f"checkpoint {expected} is")
            problems.append(CheckpointProblem(expected, None, f"{missing} missing (deleted?)"))
            previous = None  # the gap is the problem; do not also report a broken link
        expected = number + 1
        try:
            checkpoint: Checkpoint | None = Checkpoint.parse(stored.document)
        except ValueError as exc:
            reason = f"{DOCUMENT_NAME} is missing" if not stored.document else str(exc)
            problems.append(CheckpointProblem(number, None, f"unreadable: {reason}"))
            checkpoint = None
        stamp = None
        if checkpoint is not None:
            seq = checkpoint.seq

            def report(message: str, *, at: int | None = seq, n: int = number) -> None:
                problems.append(CheckpointProblem(n, at, message))

            if checkpoint.number != number:
                report(f"says it is checkpoint {checkpoint.number} (renamed?)")
            if stored.signature is None:
                report(f"{SIGNATURE_NAME} is missing: the checkpoint is not signed")
                files = None
            else:
                files = _check_files(stored.document, stored.signature, stored.token, checker)
                for message in files.problems:
                    report(message)
                stamp = files.timestamp
            if stamp is not None and abs(stamp - checkpoint.created_at) > TIME_TOLERANCE:
                report(f"made at {_utc_text(checkpoint.created_at)} by its own account but "
                       f"timestamped {_utc_text(stamp)}: re-made later")
            _check_link(checkpoint, stamp, previous, report)
            agreed_seq = _check_database(session, checkpoint, agreed_seq, chain_end, report)
            verified.append(VerifiedCheckpoint(
                checkpoint, stamp, files.signer if files else "?", files.tsa if files else "?"))
        previous = (stored, checkpoint, stamp)
    newest_seq = max((v.checkpoint.seq for v in verified), default=0)
    uncovered = int(session.scalar(
        select(func.count()).where(AuditEntry.seq > newest_seq)) or 0)
    return AnchorReport(directory, tuple(verified), tuple(problems), chain_end, uncovered,
                        checker.pin_label)


def _check_link(checkpoint: Checkpoint, stamp: dt.datetime | None,
                previous: tuple[StoredCheckpoint, Checkpoint | None, dt.datetime | None] | None,
                report: Callable[..., None]) -> None:
    """The checkpoint chain: each names its predecessor's digest and never goes backwards."""
    if previous is None:
        if checkpoint.number == 1 and checkpoint.previous is not None:
            report("is the first checkpoint but names a previous one")
        return
    prev_stored, prev, prev_stamp = previous
    if checkpoint.previous != prev_stored.digest:
        report(f"does not follow checkpoint {prev_stored.number}: the previous checkpoint's "
               "digest differs (one of the two was replaced)")
    if prev is None:
        return
    if checkpoint.seq < prev.seq or checkpoint.entries < prev.entries:
        report(f"anchors an earlier head than checkpoint {prev.number} (seq {prev.seq})")
    if stamp is not None and prev_stamp is not None and stamp < prev_stamp:
        report(f"timestamped before checkpoint {prev.number}")


def _check_database(session: DbSession, checkpoint: Checkpoint, agreed_seq: int, chain_end: int,
                    report: Callable[..., None]) -> int:
    """Does the database still hold what the checkpoint anchored? Returns the new
    ``agreed_seq`` (the seq up to which the database is known to agree)."""
    seq = checkpoint.seq
    if seq == 0:
        if checkpoint.hash != GENESIS_HASH or checkpoint.entries != 0:
            report("anchors an empty chain with a hash or a count")
        return agreed_seq
    row = session.execute(select(AuditEntry.hash).where(AuditEntry.seq == seq)).first()
    if row is None:
        if chain_end < seq:
            report(f"anchored entries up to #{seq}, but the chain ends at #{chain_end}: "
                   f"entries {chain_end + 1}..{seq} were deleted")
        else:
            report(f"anchored entry #{seq}, which is no longer in the database (deleted)")
        return agreed_seq
    if row[0] != checkpoint.hash:
        report(f"entry #{seq} has hash {row[0][:16]}…, the checkpoint anchored "
               f"{checkpoint.hash[:16]}…: entries in {agreed_seq + 1}..{seq} were rewritten "
               "after the checkpoint was made")
        return agreed_seq
    count = int(session.scalar(select(func.count()).where(AuditEntry.seq <= seq)) or 0)
    if count != checkpoint.entries:
        report(f"counted {checkpoint.entries} entries up to #{seq}, the database has {count}")
        return agreed_seq
    return seq


# -- the periodic job --------------------------------------------------------------------------

def checkpoint_now(app: Flask, *, only_if_changed: bool = True) -> WrittenCheckpoint | None:
    """Write a checkpoint in ``app``'s context (the Celery task and the demo's thread)."""
    from lk_corporate.core.extensions import db

    with app.app_context():
        try:
            return write_checkpoint(db.session(), AnchorSettings.from_app(app),
                                    only_if_changed=only_if_changed)
        finally:
            db.session.remove()


def start_periodic_checkpoints(app: Flask, every_seconds: float = 3600.0) -> threading.Thread:
    """The demo has no Celery beat: checkpoint the chain from a daemon thread instead."""
    import logging

    log = logging.getLogger(__name__)

    def loop() -> None:
        while True:
            try:
                written = checkpoint_now(app)
                if written is not None:
                    log.info("audit checkpoint %s written at seq %s", written.checkpoint.number,
                             written.checkpoint.seq)
            except Exception as exc:  # noqa: BLE001 - a failed checkpoint must not stop the demo
                log.warning("audit checkpoint failed: %s", exc)
            time.sleep(every_seconds)

    thread = threading.Thread(target=loop, name="lk-audit-checkpoint", daemon=True)
    thread.start()
    return thread



@job("lk.audit_checkpoint")
def audit_checkpoint_job() -> None:
    """Periodic (Celery beat): sign and timestamp the audit chain's head, when it moved."""
    checkpoint_now(current_app._get_current_object())  # type: ignore[attr-defined]
