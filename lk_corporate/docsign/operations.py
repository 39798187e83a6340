"""Signing a document with a key the portal never sees, then sending or cancelling it.

The staged protocol of ``signing.remote`` around a docflow ``Document``:

1. ``start_signing``: the client sends its certificate chain; the certificate guard refuses,
   before anything is signed, a certificate that is unreadable, expired or not yet valid, not
   of the client's tax ID and not registered for it, not from a trusted CA, or revoked (as the
   CRL index knows); the chain is completed from the configured CA certificates; the
   revision is prepared in the client's empty field ``documents.CLIENT`` and a
   ``SigningSession`` keeps the ``SigningState``. The client gets the signed attributes.
2. ``finish_signing``: the signature value (only that) comes back; ``signing.finish`` checks
   it against the certificate, embeds it with a timestamp (B-T; B-B with the upgrade pending
   when the TSA is down), the result is validated and stored as a ``CLIENT_SIGNATURE``
   revision with its report, and the document becomes «Подписан». Once per session: a repeat
   with the same value is answered as the first was, anything else changes nothing.
3. ``send``: validates the signed file again and hands it to the kind's send handler
   (``register_send_handler``; the reading acts' acceptance plugs in there); without one the
   document becomes «Получен» (TOTAL-PASSED and authorized) or «Отклонён» with the reason. A
   repeated send with the same idempotency key changes nothing.
4. ``cancel``: discards the unsent signature revision; the document awaits a signature again.

Every function takes the session, flushes, and raises a ``DomainError`` before writing;
settings and the validation settings are passed in, never read from Flask.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from asn1crypto import x509 as asn1_x509
from sqlalchemy import func, select, update

from documents import CLIENT
from lk_corporate.certificates import operations as certificates
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import DbSession, rows_changed, utcnow
from lk_corporate.core.errors import N_, DomainError, NotFound
from lk_corporate.core.jobs import dispatch
from lk_corporate.core.storage import FileStore
from lk_corporate.core.uow import after_commit
from lk_corporate.docflow import operations as docs
from lk_corporate.docflow.models import (
    Document,
    DocumentKind,
    DocumentRevision,
    DocumentStatus,
    RevisionSource,
)
from lk_corporate.docflow.states import CLIENT_SIGNED, MACHINES, transition
from lk_corporate.docsign.models import SessionStatus, SigningSession
from lk_corporate.docsign.settings import SigningSettings
from signing import Level, SigningOptions
from signing import errors as sign_errors
from signing.certinfo import CertificateSummary, describe_certificate
from signing.fields import existing_signature_fields
from signing.remote import Scheme, ToBeSigned, finish, prepare
from signing.server import open_incremental
from signing.upgrade import upgrade
from signing.validation import (
    DocumentReport,
    Indication,
    SignatureReport,
    SubIndication,
    ValidationSettings,
    authorized_for,
    validate_pdf,
)
from signing.validation.report import RevocationStatus
from signing.validation.revocation import RevocationSources, check_revocation
from signing.validation.trust import fingerprint, validate_path

UPGRADE_JOB = "lk.docsign.complete_signatures"
FORGET_JOB = "lk.docsign.forget_expired_sessions"
MAX_CERTIFICATES = 10
MAX_CERTIFICATE_BYTES = 16 * 1024
MAX_SIGNATURE_BYTES = 1024  # RSA-8192 is 1024 bytes; ECDSA P-256 is 64 (raw) or ~72 (DER)
MAX_CHAIN_DEPTH = 8


# --- refusals (the API's ``code``; the message is shown as it is) ------------------------------

class InvalidRequest(DomainError):
    code = "invalid_request"


class NotAwaitingSignature(DomainError):
    code = "not_awaiting_signature"


class CertificateUnreadable(DomainError):
    code = "certificate_unreadable"


class CertificateExpired(DomainError):
    code = "certificate_expired"


class CertificateNotYetValid(DomainError):
    code = "certificate_not_yet_valid"


class CertificateNotAuthorized(DomainError):
    code = "certificate_not_authorized"


class CertificateUntrusted(DomainError):
    code = "certificate_untrusted"


class CertificateRevoked(DomainError):
    code = "certificate_revoked"


class UnsupportedKey(DomainError):
    code = "unsupported_key"


class DocumentCannotBeSigned(DomainError):
    code = "document_cannot_be_signed"


class SessionExpired(DomainError):
    code = "session_expired"


class SessionFinished(DomainError):
    code = "session_finished"


class DocumentChanged(DomainError):
    code = "document_changed"


class BadSignature(DomainError):
    code = "bad_signature"


class SigningFailed(DomainError):
    code = "signing_failed"


class NotSigned(DomainError):
    code = "not_signed"


class SignatureUnconfirmed(DomainError):
    code = "try_later"


# --- who may sign for the client ----------------------------------------------------------------

def registered_fingerprints(session: DbSession, client_id: int) -> frozenset[str]:
    """SHA-256 fingerprints (hex) of the certificates an operator registered for the client:
    such a certificate signs for the client even without its tax ID in the subject.

    The certificate guard, the page and the validation settings of every signing request
    get them from here (the registrations themselves: the ``certificates`` package).
    """
    return certificates.registered_fingerprints(session, client_id)


@dataclass(frozen=True)
class SignerChain:
    """The signer's certificate as the guard accepted it, with the chain to embed."""

    certificate: asn1_x509.Certificate
    chain: tuple[bytes, ...]
    """DER, the signer first, then each issuer up to the root as far as known."""
    summary: CertificateSummary
    fingerprint: str


def _load_certificates(certificates_der: Sequence[bytes]) -> list[asn1_x509.Certificate]:
    if not certificates_der:
        raise CertificateUnreadable(N_("The request names no certificate."), "certificates")
    if len(certificates_der) > MAX_CERTIFICATES:
        raise InvalidRequest(N_("At most %(n)s certificates can be sent."), "certificates",
                             n=MAX_CERTIFICATES)
    certs = []
    for der in certificates_der:
        if len(der) > MAX_CERTIFICATE_BYTES:
            raise CertificateUnreadable(N_("A certificate is too large."), "certificates")
        try:
            cert = asn1_x509.Certificate.load(der)
            cert.native  # noqa: B018 - a full parse now: garbage must fail here, not later
        except (ValueError, TypeError) as exc:
            raise CertificateUnreadable(N_("A certificate cannot be read."), "certificates") from exc
        certs.append(cert)
    return certs


def _complete_chain(leaf: asn1_x509.Certificate, sent: Sequence[asn1_x509.Certificate],
                    known: Sequence[bytes]) -> list[asn1_x509.Certificate]:
    """The signer, then its issuers found by name among the sent and the configured CA
    certificates (a key file exported without its chain still validates)."""
    pool = list(sent)
    for der in known:
        try:
            pool.append(asn1_x509.Certificate.load(der))
        except ValueError:
            continue
    chain = [leaf]
    current = leaf
    while len(chain) < MAX_CHAIN_DEPTH and current.issuer != current.subject:
        issuer = next((c for c in pool if c.subject == current.issuer
                       and all(c.dump() != x.dump() for x in chain)), None)
        if issuer is None:
            break
        chain.append(issuer)
        current = issuer
    return chain


def check_signer(certificates_der: Sequence[bytes], *, tax_id: str,
                 registered: frozenset[str], validation: ValidationSettings,
                 ca_certificates: Sequence[bytes] = (), now: dt.datetime) -> SignerChain:
    """The certificate guard: refuse, before anything is signed, a certificate that cannot
    sign for the client with ``tax_id`` now."""
    sent = _load_certificates(certificates_der)
    leaf = sent[0]
    summary = describe_certificate(leaf)
    if now < summary.not_before:
        raise CertificateNotYetValid(
            N_("The certificate of %(person)s is valid only from %(date)s."), "certificates",
            person=summary.person, date=summary.not_before.strftime("%d.%m.%Y"))
    if now > summary.not_after:
        raise CertificateExpired(
            N_("The certificate of %(person)s expired on %(date)s."), "certificates",
            person=summary.person, date=summary.not_after.strftime("%d.%m.%Y"))
    authorization = authorized_for(leaf, tax_id, registered)
    if not authorization.authorized:
        raise CertificateNotAuthorized(
            N_("The certificate of %(person)s is issued for the tax ID %(found)s, not for this "
               "client (tax ID %(tax_id)s), and is not registered for it."), "certificates",
            person=summary.person, found=summary.tax_id or "—", tax_id=tax_id)
    chain = _complete_chain(leaf, sent[1:], ca_certificates)
    path = validate_path(leaf, chain[1:], validation.trust_roots, now)
    if not path.ok:
        raise CertificateUntrusted(
            N_("The certificate of %(person)s is not issued by a certification authority "
               "the portal trusts (%(issuer)s)."), "certificates",
            person=summary.person, issuer=summary.issuer)
    if len(path.path) >= 2:
        status = check_revocation(leaf, path.path[-2], now, now,
                                  RevocationSources(index=validation.crl_index))
        if status.status is RevocationStatus.REVOKED:
            raise CertificateRevoked(
                N_("The certificate of %(person)s was revoked on %(date)s."), "certificates",
                person=summary.person,
                date=status.revoked_at.strftime("%d.%m.%Y") if status.revoked_at else "—")
    return SignerChain(leaf, tuple(c.dump() for c in chain), summary, fingerprint(leaf))


# --- 1. start --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Started:
    signing_session: SigningSession
    to_be_signed: ToBeSigned
    signer: SignerChain


def require_signable(document: Document) -> None:
    """Only a document the client signs, and only while it awaits the signature."""
    if MACHINES.get(document.kind) is not CLIENT_SIGNED:
        raise NotAwaitingSignature(N_("The client does not sign this kind of document."))
    if document.status is not DocumentStatus.AWAITING_SIGNATURE:
        raise NotAwaitingSignature(
            N_("The document is not awaiting a signature: it is already signed, sent or closed."))


def start_signing(session: DbSession, store: FileStore, document: Document,
                  certificates_der: Sequence[bytes], *, actor: Actor, settings: SigningSettings,
                  validation: ValidationSettings, scheme: str | None = None,
                  now: dt.datetime | None = None) -> Started:
    """Check the signer, prepare the revision, keep its state; what the client signs."""
    now = now or utcnow()
    require_signable(document)
    if scheme is not None and scheme not in Scheme.ALL:
        raise InvalidRequest(N_("Unknown signature algorithm; use one of: %(names)s."),
                             "signature_algorithm", names=", ".join(Scheme.ALL))
    signer = check_signer(certificates_der, tax_id=document.client.tax_id,
                          registered=registered_fingerprints(session, document.client_id),
                          validation=validation, ca_certificates=settings.ca_certificates,
                          now=now)
    pdf = docs.current_file(store, document)
    try:
        # The first signature of a document certifies it (further signatures only): the
        # client's, on a kind the client signs first (a limit request).
        certify = not _carries_signature(pdf)
        options = SigningOptions(level=settings.level, tsa_url=settings.tsa_url,
                                 trust_roots=settings.trust_roots, field_name=CLIENT,
                                 certify=certify, service_timeout=settings.service_timeout,
                                 degrade=True)
        tbs = prepare(pdf, signer.chain, options, scheme=scheme, now=now)
    except sign_errors.UnsupportedAlgorithmError as exc:
        raise UnsupportedKey(
            N_("This key cannot sign here: RSA and ECDSA P-256 keys are supported (%(detail)s)."),
            "certificates", detail=str(exc)) from exc
    except (sign_errors.InvalidInputError, sign_errors.IdentityError) as exc:
        raise DocumentCannotBeSigned(
            N_("The document cannot take the client's signature: %(detail)s."),
            detail=str(exc)) from exc
    row = SigningSession(
        public_id=secrets.token_hex(16), document_id=document.id, user_id=actor.user_id,
        status=SessionStatus.STARTED,
        certificates=json.dumps([base64.b64encode(der).decode("ascii") for der in signer.chain]),
        certificate_sha256=signer.fingerprint, signer=signer.summary.person[:300],
        scheme=tbs.scheme, base_sha256=document.sha256, state=tbs.state.to_bytes(),
        created_at=now, expires_at=now + dt.timedelta(minutes=settings.session_minutes),
        target_level=settings.level.value)
    session.add(row)
    session.flush()
    record(session, "document.signing_started", actor=actor, object_type="document",
           object_id=document.id,
           details={"session": row.public_id, "signer": signer.summary.person,
                    "organization": signer.summary.organization or "",
                    "serial": signer.summary.serial_hex,
                    "certificate_sha256": signer.fingerprint, "scheme": tbs.scheme})
    return Started(row, tbs, signer)


# --- 2. finish -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finished:
    document: Document
    signing_session: SigningSession
    replayed: bool
    """True when this session had already been finished with the same signature value."""


def get_signing_session(session: DbSession, public_id: str, *, document: Document,
                        lock: bool = False) -> SigningSession:
    """The session ``public_id`` of ``document`` (already scoped to the caller's client)."""
    query = select(SigningSession).where(SigningSession.public_id == public_id[:40],
                                         SigningSession.document_id == document.id)
    if lock:
        query = query.with_for_update(of=SigningSession)
    row = session.scalars(query).first()
    if row is None:
        raise NotFound(N_("No such signing session."))
    return row


def finish_signing(session: DbSession, store: FileStore, document: Document,
                   signing_session_id: str, signature_value: bytes, *, actor: Actor,
                   validation: ValidationSettings, now: dt.datetime | None = None) -> Finished:
    """Embed the client's signature value, validate, store the revision: «Подписан»."""
    now = now or utcnow()
    _lock(session, document)
    row = get_signing_session(session, signing_session_id, document=document, lock=True)
    digest = hashlib.sha256(signature_value).hexdigest()
    if row.status is not SessionStatus.STARTED:
        if row.signature_sha256 == digest:
            return Finished(document, row, replayed=True)
        raise SessionFinished(N_("This signing session is already finished; start again."))
    if row.expired(now):
        raise SessionExpired(N_("The signing session has expired; sign again."))
    if not 0 < len(signature_value) <= MAX_SIGNATURE_BYTES:
        raise InvalidRequest(N_("The signature value has an impossible length."), "signature")
    if document.status is not DocumentStatus.AWAITING_SIGNATURE or document.sha256 != row.base_sha256:
        raise DocumentChanged(N_("The document changed since signing began; sign it again."))
    try:
        result = finish(row.state, signature_value)
    except sign_errors.SignatureValueError as exc:
        raise BadSignature(N_("The signature does not match the certificate or the document; "
                              "nothing was stored."), "signature") from exc
    except sign_errors.InvalidStateError as exc:
        raise SessionExpired(N_("The signing session cannot be finished; sign again.")) from exc
    except sign_errors.SigningError as exc:
        raise SigningFailed(N_("The signature could not be embedded: %(detail)s."),
                            detail=str(exc)) from exc
    report = validate_pdf(result.pdf, validation)
    note = (f"{result.level_reached.value}; {result.target_level.value} later"
            if result.upgrade_pending else result.level_reached.value)
    revision = docs.add_revision(session, store, document, result.pdf,
                                 source=RevisionSource.CLIENT_SIGNATURE, actor=actor,
                                 verdict=report.indication.value, report=report.to_json(),
                                 note=note)
    transition(session, document, DocumentStatus.SIGNED, actor=actor, sha_after=revision.sha256,
               details={"session": row.public_id, "signer": row.signer,
                        "level": result.level_reached.value,
                        "verdict": report.indication.value})
    row.status = SessionStatus.FINISHED
    row.finished_at = now
    row.revision_id = revision.id
    row.revision_seq = revision.seq
    row.revision_sha256 = revision.sha256
    row.signature_sha256 = digest
    row.level_reached = result.level_reached.value
    row.upgrade_pending = result.upgrade_pending
    row.state = b""  # the stored revision supersedes the prepared document
    session.flush()
    if result.upgrade_pending:
        after_commit(session, lambda: dispatch(UPGRADE_JOB))
    return Finished(document, row, replayed=False)


# --- 3. send ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SendContext:
    """What a send handler gets: it moves ``document`` on from «Подписан»."""

    session: DbSession
    store: FileStore
    document: Document
    report: DocumentReport
    """The validation of the file being sent, just made (also stored with its revision)."""
    signature: SignatureReport | None
    """The client's signature in that report (field ``documents.CLIENT``, else the last)."""
    actor: Actor
    config: Mapping[str, Any]
    """The application's settings, for a handler that needs its own (the supplier's key)."""


SendHandler = Callable[[SendContext], None]
_SEND_HANDLERS: dict[DocumentKind, SendHandler] = {}


def register_send_handler(kind: DocumentKind, handler: SendHandler) -> SendHandler | None:
    """What sending a signed document of ``kind`` does after validation (received, accepted
    or rejected); returns the handler it replaces. Without one, ``receive_if_valid``."""
    previous = _SEND_HANDLERS.get(kind)
    _SEND_HANDLERS[kind] = handler
    return previous


def unregister_send_handler(kind: DocumentKind) -> None:
    _SEND_HANDLERS.pop(kind, None)


def send_handler(kind: DocumentKind) -> SendHandler:
    return _SEND_HANDLERS.get(kind, receive_if_valid)


def client_signature(report: DocumentReport) -> SignatureReport | None:
    """The client's signature: the one in ``documents.CLIENT``, else the last one."""
    for sig in reversed(report.approval_signatures):
        if sig.field_name == CLIENT:
            return sig
    return report.last_signature


# Why a signature is not accepted, as the document records it (``status_reason``): a fact
# stored once in the documents' language (Russian, like the PDFs), not interface text.
_REASONS: dict[SubIndication, str] = {
    SubIndication.REVOKED: "Сертификат подписанта отозван.",
    SubIndication.REVOKED_NO_POE: "Сертификат подписанта отозван.",
    SubIndication.EXPIRED: "Срок действия сертификата подписанта истёк.",
    SubIndication.OUT_OF_BOUNDS_NO_POE: "Срок действия сертификата подписанта истёк.",
    SubIndication.NOT_YET_VALID: "Сертификат подписанта на момент подписания ещё не действовал.",
    SubIndication.HASH_FAILURE: "Документ изменён после подписания: подпись ему не соответствует.",
    SubIndication.SIG_CRYPTO_FAILURE: "Подпись не соответствует сертификату подписанта.",
    SubIndication.FORMAT_FAILURE: "Подпись повреждена или оформлена с нарушением формата.",
    SubIndication.NO_CERTIFICATE_CHAIN_FOUND:
        "Сертификат подписанта выдан удостоверяющим центром, которому портал не доверяет.",
}


def rejection_reason(signature: SignatureReport | None) -> str | None:
    """Why the client's signature cannot be received, in plain Russian; None when it can."""
    if signature is None:
        return "В документе нет подписи клиента."
    if signature.authorization is not None and not signature.authorization.authorized:
        return ("Подпись сделана сертификатом, выданным не на ИНН клиента и не "
                "зарегистрированным для него.")
    if signature.indication is Indication.TOTAL_PASSED:
        if signature.changes_after.kind.value == "other":
            return "После подписи клиента в документ внесены изменения."
        return None
    if signature.sub_indication is not None and signature.sub_indication in _REASONS:
        return _REASONS[signature.sub_indication]
    return "Подпись клиента не подтверждена проверкой."


def receive_if_valid(context: SendContext) -> None:
    """The default send: «Получен» when the client's signature is valid and authorized,
    otherwise «Отклонён» with the reason."""
    reason = rejection_reason(context.signature)
    if reason is None:
        transition(context.session, context.document, DocumentStatus.RECEIVED,
                   actor=context.actor)
    else:
        transition(context.session, context.document, DocumentStatus.REJECTED,
                   actor=context.actor, reason=reason)


@dataclass(frozen=True)
class Sent:
    document: Document
    replayed: bool


def send(session: DbSession, store: FileStore, document: Document, *, idempotency_key: str | None,
         actor: Actor, validation: ValidationSettings, config: Mapping[str, Any],
         now: dt.datetime | None = None) -> Sent:
    """Validate the signed document and send it on (the kind's handler decides where)."""
    now = now or utcnow()
    key = (idempotency_key or "").strip() or None
    if key is not None and (len(key) > 100 or not key.isprintable()):
        raise InvalidRequest(N_("The idempotency key must be at most 100 printable characters."),
                             "idempotency_key")
    _lock(session, document)
    if key is not None:
        done = session.scalars(select(SigningSession).where(
            SigningSession.document_id == document.id, SigningSession.send_key == key)).first()
        if done is not None:
            return Sent(document, replayed=True)
    if document.status is not DocumentStatus.SIGNED:
        raise NotSigned(N_("Nothing to send: the document is not signed and unsent."))
    report = validate_pdf(docs.current_file(store, document), validation)
    signature = client_signature(report)
    if signature is not None and signature.sub_indication is SubIndication.TRY_LATER:
        raise SignatureUnconfirmed(
            N_("Whether the signer's certificate is revoked cannot be checked right now; "
               "send again later."))
    revision = document.current_revision
    revision.verdict = report.indication.value
    revision.report = report.to_json()  # the report as of sending: what the supplier got
    send_handler(document.kind)(SendContext(session, store, document, report, signature, actor,
                                            config))
    if document.status is DocumentStatus.SIGNED:
        raise RuntimeError(f"the send handler of {document.kind.value} left it signed")
    row = _finished_session(session, document)
    if row is not None:
        row.status = SessionStatus.SENT
        row.send_key = key
        row.sent_at = now
    session.flush()
    return Sent(document, replayed=False)


# --- 4. cancel -------------------------------------------------------------------------------------

def cancel(session: DbSession, document: Document, *, actor: Actor) -> Document:
    """Discard the unsent signature (its revision and any completion of it): the document
    awaits a signature again. The files stay in the store, unreferenced; the audit entry
    keeps their hashes."""
    _lock(session, document)
    if document.status is not DocumentStatus.SIGNED:
        raise NotSigned(N_("Nothing to cancel: the document is not signed and unsent."))
    row = _finished_session(session, document)
    if row is not None and row.revision_seq is not None:
        first = row.revision_seq
    else:
        first = max((r.seq for r in document.revisions
                     if r.source is RevisionSource.CLIENT_SIGNATURE), default=0)
    keep = [r for r in document.revisions if r.seq < first]
    drop = [r for r in document.revisions if r.seq >= first]
    if not keep or not drop:
        raise NotSigned(N_("Nothing to cancel: the document is not signed and unsent."))
    transition(session, document, DocumentStatus.AWAITING_SIGNATURE, actor=actor,
               sha_after=keep[-1].sha256,
               details={"discarded": [r.sha256 for r in drop],
                        **({"session": row.public_id} if row is not None else {})})
    if row is not None:
        row.status = SessionStatus.DISCARDED
        row.revision_id = None
        row.upgrade_pending = False
    session.flush()
    for revision in drop:
        session.delete(revision)
    session.flush()
    session.refresh(document, attribute_names=["revisions"])
    return document


# --- completing a degraded signature later --------------------------------------------------------

@dataclass(frozen=True)
class PendingUpgrade:
    session_id: int
    document_id: int
    base_sha256: str
    target: Level


def pending_upgrades(session: DbSession, *, limit: int = 50) -> list[PendingUpgrade]:
    """Signatures made below their level (TSA down) whose document still carries them."""
    rows = session.scalars(select(SigningSession).where(
        SigningSession.upgrade_pending.is_(True),
        SigningSession.status.in_((SessionStatus.FINISHED, SessionStatus.SENT)),
        SigningSession.revision_id.is_not(None)).order_by(SigningSession.id).limit(limit)).all()
    return [PendingUpgrade(r.id, r.document_id, r.document.sha256, Level(r.target_level))
            for r in rows]


def upgraded_file(store: FileStore, pending: PendingUpgrade, settings: SigningSettings) -> bytes | None:
    """The document's file with the client's signature brought to its level (a document
    timestamp, and revocation data from B-LT): ``signing.upgrade`` adds revisions and
    re-signs nothing. None while the TSA is still down. Runs outside any transaction."""
    try:
        result = upgrade(store.get(pending.base_sha256), pending.target, tsa_url=settings.tsa_url,
                         trust_roots=settings.trust_roots, field_name=CLIENT,
                         timeout=settings.service_timeout)
    except sign_errors.ServiceUnavailableError:
        return None
    return result.pdf


def store_upgrade(session: DbSession, store: FileStore, pending: PendingUpgrade, pdf: bytes, *,
                  validation: ValidationSettings, actor: Actor) -> bool:
    """Keep the completed file as an ``UPGRADE`` revision, unless the document moved on
    meanwhile (sent with another file, or the signature cancelled): then try again later."""
    row = session.get(SigningSession, pending.session_id)
    if row is None or not row.upgrade_pending or row.revision_id is None:
        return False
    document = row.document
    _lock(session, document)
    if document.sha256 != pending.base_sha256:
        return False
    report = validate_pdf(pdf, validation)
    revision = docs.add_revision(session, store, document, pdf, source=RevisionSource.UPGRADE,
                                 actor=actor, verdict=report.indication.value,
                                 report=report.to_json(), note=pending.target.value)
    record(session, "document.signature_completed", actor=actor, object_type="document",
           object_id=document.id,
           details={"session": row.public_id, "level": pending.target.value,
                    "sha256_before": pending.base_sha256, "sha256_after": revision.sha256})
    row.upgrade_pending = False
    row.level_reached = pending.target.value
    session.flush()
    return True


def pending_completion(session: DbSession, document: Document) -> SigningSession | None:
    """The client's signature on ``document`` still waiting for its timestamp, if any."""
    return session.scalars(select(SigningSession).where(
        SigningSession.document_id == document.id, SigningSession.upgrade_pending.is_(True),
        SigningSession.revision_id.is_not(None)).limit(1)).first()


def forget_expired_sessions(session: DbSession, *, now: dt.datetime | None = None) -> int:
    """Empty the state of started sessions past their expiry — each holds a prepared copy
    of its document, and can no longer be finished anyway; how many were emptied."""
    result = session.execute(update(SigningSession).where(
        SigningSession.status == SessionStatus.STARTED,
        SigningSession.expires_at <= (now or utcnow()),
        func.length(SigningSession.state) > 0).values(state=b""))
    return rows_changed(result)


# --- helpers ---------------------------------------------------------------------------------------

def _carries_signature(pdf: bytes) -> bool:
    return any(f.filled for f in existing_signature_fields(open_incremental(pdf).prev))


def _lock(session: DbSession, document: Document) -> None:
    """Hold the document's row until the commit (PostgreSQL), so a send, a cancel and a
    finish of one document run one after the other; reload what another one changed.
    Only the id is selected: the joined loads of a Document would make FOR UPDATE reach
    the nullable side of an outer join."""
    session.execute(select(Document.id).where(Document.id == document.id).with_for_update())
    session.refresh(document)


def _finished_session(session: DbSession, document: Document) -> SigningSession | None:
    return session.scalars(select(SigningSession).where(
        SigningSession.document_id == document.id,
        SigningSession.status == SessionStatus.FINISHED,
    ).order_by(SigningSession.id.desc()).limit(1)).first()


def newest_report(document: Document) -> tuple[DocumentRevision | None, dict[str, Any] | None]:
    """The newest revision carrying a stored report, and that report."""
    for revision in reversed(document.revisions):
        if revision.report:
            try:
                return revision, json.loads(revision.report)
            except ValueError:
                return revision, None
    return None, None
