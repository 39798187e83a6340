"""Reading acts: issue one, take the client's signed copy, accept it with the supplier's
signature, and find the accepted ones for the calculation.

The life of an act (``docflow.states.CLIENT_SIGNED``)::

    awaiting_signature ──upload, valid and authorized──▶ received ──acceptance──▶ accepted
            │  │                                           ▲
            │  └──sign on the page──▶ signed ──send, valid─┘ (not valid: rejected)
            │  └──upload, signature does not count──▶ rejected
            └──a newer submission of the period──▶ superseded

* ``issue_reading_act`` renders the act (``documents.render_reading_act``, the readings JSON
  attached, the confirmed warnings printed), stores it as a ``Document`` awaiting the
  client's signature and supersedes the period's earlier acts that are not accepted (an
  accepted one stays in force until its replacement is accepted, so a period never loses its
  accepted act to a correction nobody signs).
* ``upload_signed_act`` takes what the client signed with any PAdES tool. The file must be
  exactly the issued act plus one signature (``signing.check_upload``); then the portal's
  validator (no network, the CRL index) judges it, and the signer must sign for the client
  (tax ID in the certificate, or a certificate an operator registered). See
  ``reading_acts.wording`` for what is refused (nothing changes) and what is rejected (the
  act becomes «Отклонён», the evidence kept).
* ``accept_act`` adds the supplier's signature to the same PDF, in the act's own
  ``supplier`` box, with the reason «Принято к расчёту, расчёт № N»: the file itself carries
  the acceptance, and the client's signature stays valid (filling a signature field is a
  change every signature allows). By default this happens in the upload's own request
  (``ActSettings.auto_accept``).
* ``receive_signed_act`` does for an act signed on the portal's own signing page
  (``docsign``, «Подписать») what the upload does after its checks: the same words for a
  signature that does not count, the same acceptance.
* ``accepted_acts`` gives the calculation the acts in force for a period.

Every move goes through ``_move``: docflow's audited transition (with the file's hash before
and after), then the ``act_moved`` signal for the readings.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from documents import (
    SUPPLIER,
    BankAccount,
    MeterReading,
    Party,
    ReadingActData,
    ReadingsPayload,
    Signer,
    extract_readings_payload,
    readings_payload,
    render_reading_act,
)
from lk_corporate.certificates.operations import registered_fingerprints
from lk_corporate.clients.models import Client
from lk_corporate.core.audit import Actor
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.errors import N_, DomainError, NotFound, Term
from lk_corporate.core.i18n import message_text
from lk_corporate.core.requisites import Requisites
from lk_corporate.core.storage import FileStore, sha256_hex
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus, RevisionSource
from lk_corporate.docflow.operations import (
    add_revision,
    issue_document,
    next_number,
    revision_file,
    superseded_by,
)
from lk_corporate.docflow.states import transition
from lk_corporate.notifications.documents import document_rejected, document_waiting
from lk_corporate.periods.models import BillingPeriod
from lk_corporate.reading_acts.models import ReadingAct, ReadingSource
from lk_corporate.reading_acts.settings import ActLinks, ActSettings
from lk_corporate.reading_acts.signals import act_moved
from lk_corporate.reading_acts.wording import Reason, refusal, rejection_reason
from lk_corporate.signatures.supplier import SupplierKey, SupplierKeyMissing, sign_as_supplier
from lk_corporate.supplier.models import SupplierSettings
from lk_corporate.supplier.operations import acts_accepted_by_signer
from signing import (
    ExtraRevisionError,
    IncompleteCoverageError,
    MultipleNewSignaturesError,
    NoNewSignatureError,
    NotIssuedDocumentError,
    SignatureStructureError,
    SigningError,
    UnexpectedChangesError,
    UploadNotPdfError,
    UploadRejectedError,
    UploadValidationError,
    check_upload,
)
from signing.validation import PdfStructureError, ValidationSettings, validate_pdf

log = logging.getLogger(__name__)

S = DocumentStatus
ACT = DocumentKind.READING_ACT
CALCULATION_SERIES = "calculation"
"""The counter (``docflow.next_number``) of calculation runs: «расчёт № N» of an acceptance."""

_SOURCE_NOTES = {ReadingSource.CLIENT: "переданы на странице клиента",
                 ReadingSource.PAPER: "внесены с бумажного бланка",
                 ReadingSource.API: "переданы через API",
                 ReadingSource.CORRECTION: "исправлены инженером поставщика"}

AUTO_ACCEPTANCE = "Поставщик (автоматическое принятие)"
"""Who the audit log names for an acceptance made at once, on the upload's request."""

# Acts a new submission of the same period replaces at once (an accepted act is replaced
# only when its successor is accepted).
_REPLACED_ON_ISSUE = (S.AWAITING_SIGNATURE, S.SIGNED, S.RECEIVED, S.REJECTED)


class ActError(DomainError):
    code = "act_refused"


class UploadRefused(ActError):
    """The uploaded file is not taken at all; the act is as it was."""

    code = "upload_refused"

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.message, "file", **reason.params)
        self.reason = reason


@dataclass(frozen=True)
class ConfirmedWarning:
    """A warning the submitter confirmed: its stable ``code`` and the Russian text the act
    prints."""

    code: str
    text: str


@dataclass(frozen=True)
class IssuedAct:
    document: Document
    act: ReadingAct
    superseded: tuple[Document, ...]


# --- parties -------------------------------------------------------------------------------

def party(requisites: Requisites) -> Party:
    """A client or the supplier as the act prints it."""
    r = requisites
    bank = None
    if r.bank_name and r.bank_bik and r.bank_account and r.bank_correspondent_account:
        bank = BankAccount(r.bank_name, r.bank_bik, r.bank_account, r.bank_correspondent_account)
    return Party(name=r.name, tax_id=r.tax_id, address=r.address, kpp=r.kpp or None,
                 ogrn=r.ogrn or None, bank=bank, phone=r.phone or None, email=r.email or None,
                 short_name=r.short_name or None)


def check_can_issue(client: Client, supplier: SupplierSettings | None) -> None:
    """Refuse (before anything is written) when the act could not be printed: the act names
    both parties with their addresses and the contract with its date."""
    if supplier is None or not supplier.name or not supplier.tax_id or not supplier.address:
        raise ActError(N_("The supplier's requisites are not filled in yet, so no act can be "
                          "issued. Contact the supplier."))
    missing = [Term(what) for what, value in ((N_("contract date"), client.contract_date),
                                              (N_("address"), client.address),
                                              (N_("tax ID"), client.tax_id)) if not value]
    if missing:
        raise ActError(N_("The act cannot be issued: the client's %(what)s is not recorded. "
                          "Contact the supplier."), what=missing[0])


def _short_name(full: str) -> str:
    """«Смирнов Алексей Викторович» → «Смирнов А. В.» (as signature lines print names)."""
    parts = full.split()
    if len(parts) < 2:
        return full
    return " ".join([parts[0], *(f"{p[0]}." for p in parts[1:3])])


# --- moves ---------------------------------------------------------------------------------

def _move(session: DbSession, document: Document, target: DocumentStatus, *, actor: Actor,
          reason: str = "", sha_after: str | None = None, details: dict[str, Any] | None = None,
          signature_refused: bool = False) -> None:
    transition(session, document, target, actor=actor, reason=reason, sha_after=sha_after,
               details=details)
    act_moved.send(document, session=session, status=target,
                   signature_refused=signature_refused)


def _supersede(session: DbSession, old: Document, *, by: Document, actor: Actor) -> None:
    _move(session, old, S.SUPERSEDED, actor=actor,
          reason=message_text(N_("Replaced by act № %(number)s."), {"number": by.number},
                              locale="ru"),
          details={"superseded_by": by.id, "superseded_by_number": by.number})


# --- issuing -------------------------------------------------------------------------------

def acts_of_period(session: DbSession, client_id: int, period_id: int,
                   statuses: Sequence[DocumentStatus] | None = None) -> list[Document]:
    """The client's reading acts of the period, newest first."""
    query = (select(Document).where(Document.kind == ACT, Document.client_id == client_id,
                                    Document.period_id == period_id)
             .order_by(Document.id.desc()))
    if statuses is not None:
        query = query.where(Document.status.in_(statuses))
    return list(session.scalars(query))


def issue_reading_act(session: DbSession, store: FileStore, *, client: Client,
                      period: BillingPeriod, supplier: SupplierSettings | None,
                      readings: Sequence[MeterReading], warnings: Sequence[ConfirmedWarning],
                      source: ReadingSource, actor: Actor, settings: ActSettings,
                      links: ActLinks, now: dt.datetime | None = None) -> IssuedAct:
    """Render and store the act of ``readings`` for the client's period, awaiting the
    client's signature; the period's earlier acts that are not accepted become superseded.

    The caller (``readings.submit_readings``) has checked the readings; ``readings`` are the
    act's rows, ``warnings`` what the submitter confirmed.
    """
    check_can_issue(client, supplier)
    assert supplier is not None and client.contract_date is not None
    now = now or utcnow()
    local = now.astimezone(ZoneInfo(settings.timezone)).replace(microsecond=0)
    year = local.year
    number = f"АП-{year}-{next_number(session, ACT, year):05d}"
    token = secrets.token_urlsafe(15)
    signer = Signer("Руководитель", _short_name(supplier.director)) if supplier.director else None
    data = ReadingActData(
        number=number, date=local.date(), year=period.year, month=period.month,
        supplier=party(supplier.requisites), client=party(client.requisites),
        contract_number=client.contract_number, contract_date=client.contract_date,
        submitted_at=local, readings=tuple(readings), verify_url=links.verify(token),
        confirmed_warnings=tuple(w.text for w in warnings), supplier_signer=signer)
    pdf = render_reading_act(data)
    earlier = acts_of_period(session, client.id, period.id, _REPLACED_ON_ISSUE)
    issued = issue_document(session, store, kind=ACT, number=number, client_id=client.id,
                            period_id=period.id, date=local.date(), pdf=pdf, actor=actor,
                            supersedes=earlier[0] if earlier else None, public_token=token,
                            note=f"Показаний: {len(readings)}; {_SOURCE_NOTES[source]}")
    act = ReadingAct(document_id=issued.document.id, client_id=client.id, period_id=period.id,
                     source=source, submitted_by_id=actor.user_id, submitted_by=actor.name[:200],
                     submitted_at=now, payload_sha256=sha256_hex(readings_payload(data)),
                     warnings=json.dumps([{"code": w.code, "text": w.text} for w in warnings],
                                         ensure_ascii=False),
                     verify_token=token)
    session.add(act)
    session.flush()
    for old in earlier:
        _supersede(session, old, by=issued.document, actor=actor)
    document_waiting(session, issued.document)
    return IssuedAct(issued.document, act, tuple(earlier))


# --- finding acts --------------------------------------------------------------------------

def get_act(session: DbSession, document_id: int, *, client_id: int | None) -> ReadingAct:
    """The reading act of document ``document_id`` within ``client_id``'s scope (None: any
    client — staff only); ``NotFound`` otherwise, so another client's act is a 404."""
    act = session.scalars(select(ReadingAct).where(ReadingAct.document_id == document_id)).first()
    if act is None or (client_id is not None and act.client_id != client_id):
        raise NotFound(N_("No such act."))
    return act


def client_acts(session: DbSession, client_id: int, *, limit: int = 200) -> list[ReadingAct]:
    """The client's reading acts, newest first."""
    return list(session.scalars(select(ReadingAct).where(ReadingAct.client_id == client_id)
                                .order_by(ReadingAct.id.desc()).limit(limit)))


def period_acts(session: DbSession, period_id: int, *,
                status: DocumentStatus | None = None) -> list[ReadingAct]:
    """Every client's reading acts of a period (the staff's list), newest first."""
    query = (select(ReadingAct).join(Document, ReadingAct.document_id == Document.id)
             .where(ReadingAct.period_id == period_id).order_by(ReadingAct.id.desc()))
    if status is not None:
        query = query.where(Document.status == status)
    return list(session.scalars(query))


def current_act(session: DbSession, client_id: int, period_id: int) -> ReadingAct | None:
    """The client's newest act of the period that is not superseded (the one the readings
    page points at), or None."""
    return session.scalars(
        select(ReadingAct).join(Document, ReadingAct.document_id == Document.id)
        .where(ReadingAct.client_id == client_id, ReadingAct.period_id == period_id,
               Document.status != S.SUPERSEDED)
        .order_by(ReadingAct.id.desc()).limit(1)).first()


@dataclass(frozen=True)
class AcceptedAct:
    """An act in force: accepted by the supplier and not superseded."""

    act: ReadingAct
    document: Document

    def payload(self, store: FileStore) -> ReadingsPayload:
        """The readings exactly as signed: the attachment of the accepted file, checked
        against the hash stored when the act was issued (``AttachmentMismatch`` otherwise)."""
        pdf = store.get(self.document.sha256)
        return extract_readings_payload(pdf, expected_sha256=self.act.payload_sha256)


def accepted_acts(session: DbSession, period_id: int,
                  client_id: int | None = None) -> list[AcceptedAct]:
    """The acts the calculation of ``period_id`` uses: accepted and not superseded, one per
    client at most (``client_id``: that client's only), oldest first."""
    query = (select(ReadingAct, Document).join(Document, ReadingAct.document_id == Document.id)
             .where(ReadingAct.period_id == period_id, Document.status == S.ACCEPTED)
             .order_by(ReadingAct.id))
    if client_id is not None:
        query = query.where(ReadingAct.client_id == client_id)
    return [AcceptedAct(act, document) for act, document in session.execute(query).all()]


def issued_file(store: FileStore, document: Document) -> bytes:
    """The act as the portal issued it (its first revision): what the client must sign."""
    return revision_file(store, document.revisions[0])


def replacement(session: DbSession, document: Document) -> Document | None:
    """The act that superseded ``document`` (None if it was not superseded)."""
    return superseded_by(session, document)


# --- the client's signed copy --------------------------------------------------------------

_UPLOAD_ERRORS: tuple[tuple[type[UploadRejectedError], str], ...] = (
    (UploadNotPdfError, "unreadable"),
    (NotIssuedDocumentError, "not_issued"),
    (NoNewSignatureError, "unsigned"),
    (MultipleNewSignaturesError, "several_signatures"),
    (ExtraRevisionError, "modified"),
    (UnexpectedChangesError, "modified"),
    (IncompleteCoverageError, "modified"),
    (UploadValidationError, "modified"),
    (SignatureStructureError, "modified"),
)


def _upload_refusal(error: UploadRejectedError, document: Document, uploaded: bytes) -> Reason:
    if isinstance(error, UploadNotPdfError) and uploaded.lstrip()[:5] != b"%PDF-":
        return refusal("not_pdf")
    for kind, code in _UPLOAD_ERRORS:
        if isinstance(error, kind):
            return refusal(code, number=document.number)
    return refusal("modified")


def _lock(session: DbSession, document: Document) -> Document:
    """The document row, locked until this transaction ends (PostgreSQL: two uploads of one
    act queue here; SQLite writers are serialised already) and re-read."""
    session.execute(select(Document.id).where(Document.id == document.id).with_for_update())
    session.refresh(document)
    return document


def _check_uploadable(document: Document) -> None:
    number = document.number
    if document.status in (S.AWAITING_SIGNATURE, S.SIGNED):
        return
    code = {S.ACCEPTED: "already_accepted", S.RECEIVED: "already_received",
            S.SUPERSEDED: "superseded", S.REJECTED: "rejected"}.get(document.status, "rejected")
    raise UploadRefused(refusal(code, number=number))


@dataclass(frozen=True)
class UploadResult:
    """What became of an uploaded act: ``document.status`` says (accepted, received,
    rejected); ``reason`` is set for a rejection."""

    document: Document
    reason: Reason | None
    report: dict[str, Any]


def upload_signed_act(session: DbSession, store: FileStore, act: ReadingAct, uploaded: bytes, *,
                      actor: Actor, validation: ValidationSettings, settings: ActSettings,
                      supplier_key: SupplierKey | None) -> UploadResult:
    """The client's signed copy of ``act``: received and (by default) accepted, or rejected
    with the reason; ``UploadRefused`` (nothing changed) when the file is not a candidate.

    ``validation``: the portal's settings (``signatures.portal.portal_validation_settings``:
    trust roots, CRL index, no fetching); this adds the client's tax ID and registered
    certificates. ``supplier_key``: for the acceptance signature (None: the act stays
    received for a supplier signer to accept).
    """
    document = _lock(session, act.document)
    _check_uploadable(document)
    if not uploaded:
        raise UploadRefused(refusal("empty"))
    if len(uploaded) > settings.max_upload_bytes:
        raise UploadRefused(refusal("too_large", mb=settings.max_upload_bytes // (1024 * 1024)))
    if uploaded.lstrip()[:5] != b"%PDF-":
        raise UploadRefused(refusal("not_pdf"))
    issued = issued_file(store, document)
    try:
        check = check_upload(issued, uploaded, allow_ltv_updates=True)
    except UploadRejectedError as exc:
        raise UploadRefused(_upload_refusal(exc, document, uploaded)) from exc
    except (SigningError, ValueError, KeyError, TypeError, IndexError) as exc:
        # pyHanko's reader on a hostile file: whatever it raises, the file is unreadable
        raise UploadRefused(refusal("unreadable")) from exc
    if check.field_name == SUPPLIER:
        raise UploadRefused(refusal("supplier_field"))
    client = document.client
    settings_for_client = replace(
        validation, expected_tax_id=client.tax_id,
        registered_fingerprints=registered_fingerprints(session, client.id),
        max_file_size=max(validation.max_file_size, settings.max_upload_bytes))
    try:
        report = validate_pdf(uploaded, settings_for_client)
    except PdfStructureError as exc:
        raise UploadRefused(refusal("unreadable")) from exc
    signature = next((s for s in report.signatures if s.field_name == check.field_name), None)
    if signature is None:
        raise UploadRefused(refusal("unsigned", number=document.number))
    if signature.sub_indication is not None and signature.sub_indication.value == "TRY_LATER":
        raise UploadRefused(refusal("try_later"))
    if signature.certification_level == 1:
        raise UploadRefused(refusal("certified_no_changes"))
    report_dict = report.to_dict()
    signature_dict = next(s for s in report_dict["signatures"]
                          if s["field_name"] == check.field_name)
    reason = rejection_reason(signature_dict, client_name=client.display_name,
                              tax_id=client.tax_id)
    digest = store.put(uploaded)
    signer = check.signer
    details = {"signer": signer.person, "signer_tax_id": signer.tax_id or "",
               "certificate_serial": signer.serial_hex, "field": check.field_name,
               "verdict": signature.indication.value}
    note = f"{signer.person}, {signer.organization or ''}, ИНН {signer.tax_id or '—'}".strip()
    report_json = report.to_json()
    if reason is not None:
        text = message_text(reason.message, reason.params, locale="ru")
        _move(session, document, S.REJECTED, actor=actor, reason=text, sha_after=digest,
              details={**details, "reason_code": reason.code}, signature_refused=True)
        add_revision(session, store, document, uploaded, source=RevisionSource.CLIENT_SIGNATURE,
                     actor=actor, verdict=signature.indication.value, report=report_json,
                     note=note)
        return UploadResult(document, reason, report_dict)
    _move(session, document, S.RECEIVED, actor=actor, sha_after=digest, details=details)
    add_revision(session, store, document, uploaded, source=RevisionSource.CLIENT_SIGNATURE,
                 actor=actor, verdict=signature.indication.value, report=report_json, note=note)
    if settings.auto_accept:
        accept_at_once(session, store, act, actor=actor, supplier_key=supplier_key,
                       validation=settings_for_client)
    return UploadResult(document, None, report_dict)


def accept_at_once(session: DbSession, store: FileStore, act: ReadingAct, *, actor: Actor,
                   supplier_key: SupplierKey | None, validation: ValidationSettings) -> bool:
    """Accept a just received act in the same request (``ActSettings.auto_accept``). False,
    and the act stays received for a supplier signer (the countersigning queue), when there
    is no usable key or the supplier chose acceptance by a signer
    (``SupplierSettings.acts_accepted_by_signer``)."""
    if supplier_key is None or acts_accepted_by_signer(session):
        return False
    try:
        with session.begin_nested():
            accept_act(session, store, act, actor=Actor(None, AUTO_ACCEPTANCE, actor.ip),
                       supplier_key=supplier_key, validation=validation)
        return True
    except (SupplierKeyMissing, SigningError) as exc:
        # The client's part is done and kept; a supplier signer accepts it later.
        log.warning("act %s received but not accepted automatically: %s",
                    act.document.number, exc)
        session.refresh(act.document)
        return False


def receive_signed_act(session: DbSession, store: FileStore, act: ReadingAct, *,
                       signature: dict[str, Any] | None, actor: Actor, settings: ActSettings,
                       supplier_key: SupplierKey | None,
                       validation: ValidationSettings) -> Reason | None:
    """An act signed on the portal's signing page (``docsign``) and sent: judged with the
    same words as an uploaded one (``signature``: the client's entry of the report just made,
    None when the file has no client signature), then received and, by default, accepted;
    or rejected with the reason, which is returned."""
    document = act.document
    client = document.client
    if signature is None:
        reason: Reason | None = refusal("unsigned", number=document.number)
    else:
        reason = rejection_reason(signature, client_name=client.display_name,
                                  tax_id=client.tax_id)
    if reason is not None:
        _move(session, document, S.REJECTED, actor=actor,
              reason=message_text(reason.message, reason.params, locale="ru"),
              details={"reason_code": reason.code}, signature_refused=True)
        return reason
    _move(session, document, S.RECEIVED, actor=actor)
    if settings.auto_accept:
        accept_at_once(session, store, act, actor=actor, supplier_key=supplier_key,
                       validation=validation)
    return None


# --- the supplier's acceptance -------------------------------------------------------------

def acceptance_reason(calculation_number: str) -> str:
    """The reason of the supplier's acceptance signature (printed in its stamp)."""
    return f"Принято к расчёту, расчёт № {calculation_number}"


def accept_act(session: DbSession, store: FileStore, act: ReadingAct, *, actor: Actor,
               supplier_key: SupplierKey, validation: ValidationSettings | None = None,
               now: dt.datetime | None = None) -> Document:
    """Accept a received act: the supplier's signature in the act's ``supplier`` box with
    the reason «Принято к расчёту, расчёт № N» (N from the calculation-run counter), as a
    further revision of the same file; earlier accepted acts of the period are superseded.

    Raises ``SupplierKeyMissing`` / ``SigningError`` before anything moves when the key is
    unusable (the TSA being down is not one: the signature degrades to B-B and is completed
    later). ``validation``: when given, the signed result is validated and the report
    stored with the revision.
    """
    document = _lock(session, act.document)
    if document.status is not S.RECEIVED:
        raise ActError(N_("Act № %(number)s is not awaiting acceptance."), number=document.number)
    now = now or utcnow()
    year = now.year
    current = store.get(document.sha256)
    number = f"{next_number(session, CALCULATION_SERIES, year)}/{year}"
    result = sign_as_supplier(current, supplier_key, field=SUPPLIER,
                              reason=acceptance_reason(number))
    report_json, verdict = "", ""
    if validation is not None:
        try:
            report = validate_pdf(result.pdf, validation)
            report_json, verdict = report.to_json(), report.indication.value
        except PdfStructureError as exc:  # our own output; recorded, never fatal
            log.error("the accepted act %s cannot be validated: %s", document.number, exc)
    digest = store.put(result.pdf)
    _move(session, document, S.ACCEPTED, actor=actor, sha_after=digest,
          reason=acceptance_reason(number),
          details={"calculation_number": number, "level": result.level_reached.value,
                   "upgrade_pending": result.upgrade_pending})
    add_revision(session, store, document, result.pdf, source=RevisionSource.SUPPLIER_SIGNATURE,
                 actor=actor, verdict=verdict, report=report_json,
                 note=acceptance_reason(number)
                 + (f" (подпись {result.level_reached.value}, будет дополнена)"
                    if result.upgrade_pending else ""))
    act.calculation_number = number
    act.accepted_at = now
    for older in acts_of_period(session, document.client_id, act.period_id, (S.ACCEPTED,)):
        if older.id != document.id:
            _supersede(session, older, by=document, actor=actor)
    session.flush()
    return document


def reject_act(session: DbSession, act: ReadingAct, *, reason: str, actor: Actor) -> Document:
    """The supplier rejects a received act's readings, with the reason the client reads
    (the readings become rejected; the client submits corrected ones)."""
    document = _lock(session, act.document)
    text = (reason or "").strip()
    if not text:
        raise ActError(N_("Say why the act is rejected: the client reads it."), "reason")
    if len(text) > 1000:
        raise ActError(N_("At most %(n)s characters."), "reason", n=1000)
    if document.status is not S.RECEIVED:
        raise ActError(N_("Act № %(number)s is not awaiting acceptance."), number=document.number)
    _move(session, document, S.REJECTED, actor=actor, reason=text)
    document_rejected(session, document, reason=text)
    return document


def revision_report(document: Document) -> dict[str, Any] | None:
    """The newest stored validation report of the act (it covers every signature so far)."""
    for revision in reversed(document.revisions):
        if revision.report:
            try:
                value = json.loads(revision.report)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return None
