"""The engineer's check of the clients' readings before the calculation (seed 003: «получать
в электронном виде и подтверждать показания счетчиков потребителей»).

Per billing period the engineer sees every client's received or accepted reading act with
its readings, and either

* **confirms** them (:func:`confirm_readings`): recorded on the act (who, when) and in the
  audit log; or
* **corrects** one reading (:func:`correct_reading`) — a new current value and a mandatory
  reason.

**How a correction fits the rule that the calculation reads only signed data.** Three ways
were weighed. (1) A corrected act the client signs again: the supplier's correction would
wait on the client's goodwill and another signing round, though the client already signed
what *they* stated. (2) A supplier-signed revision of the act's own file carrying the
corrections as a further attachment: the file changes after the client's signature in a way
that is not a signature, so the portal's validator (rightly) no longer passes the client's
signature. (3) — chosen — a document of its own, «Акт корректировки показаний»
(``documents.reading_corrections``), issued and signed by the supplier, the party making the
statement: it names the act and the SHA-256 of the readings the client signed, prints the
row, old and new value, reason, who and when, and carries the same as ``corrections.json``.
The client's act stays byte for byte what was signed and accepted; the calculation
(``calculation.acts.read_act``) applies each correction from its signed document after
checking it against the ``ReadingCorrection`` row kept here. The client sees each correction
on the act's page and the readings page, finds the correction document among their
documents, and gets an e-mail notice.

Corrections are made before the calculation: once the act has an invoice (reserved or
issued), it is refused — a charged month is corrected by the calculation's own means, not
behind the invoice's back.

**Concurrency.** Each form carries the act file's SHA-256 as it was shown (``version``); the
operation locks the act's row and refuses when the file changed meanwhile (another
engineer's correction or confirmation), so of two engineers correcting at once one wins and
the other is told to look again; the ``OnceForm`` makes a double submit run once.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from documents import SUPPLIER, AttachmentError, Signer, extract_readings_payload
from documents.reading_corrections import (
    ReadingCorrectionData,
    ReadingCorrectionEntry,
    render_reading_correction,
)
from lk_corporate.calculation.acts import apply_corrections
from lk_corporate.calculation.engine import (
    ZONE_NAMES,
    ActPayload,
    CalculationError,
    consumption,
    parse_payload,
)
from lk_corporate.clients.models import Meter
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.errors import N_, DomainError, NotFound
from lk_corporate.core.storage import FileStore, StoredFileMissing, sha256_hex
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus, RevisionSource
from lk_corporate.docflow.operations import issue_document, next_number, verify_url
from lk_corporate.invoicing.models import Invoice
from lk_corporate.notifications.documents import readings_corrected
from lk_corporate.periods.models import BillingPeriod
from lk_corporate.reading_acts.models import (
    PeriodReadingCheck,
    ReadingAct,
    ReadingCorrection,
    ReadingSource,
)
from lk_corporate.reading_acts.operations import party
from lk_corporate.readings.models import Reading, ReadingStatus
from lk_corporate.signatures.supplier import SupplierKey, SupplierKeyMissing, sign_as_supplier
from lk_corporate.supplier.models import SupplierSettings
from signing import SigningError
from signing.validation import PdfStructureError, ValidationSettings, validate_pdf

log = logging.getLogger(__name__)

S = DocumentStatus
REVIEWABLE = (S.RECEIVED, S.ACCEPTED)
"""The acts an engineer checks: signed by the client, not superseded, not rejected."""

MAX_REASON = 1000
MAX_DECIMALS = 6


class ReviewError(DomainError):
    code = "reading_review_refused"


@dataclass(frozen=True)
class ReviewRow:
    """One register of one meter of the act: as signed by the client and as it counts now."""

    service: str
    point: str
    factory_number: str
    zone: str
    unit: str
    previous: Decimal
    signed_current: Decimal
    current: Decimal
    consumption: Decimal
    corrections: tuple[ReadingCorrection, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.factory_number}|{self.zone}"

    @property
    def zone_name(self) -> str:
        return ZONE_NAMES.get(self.zone, self.zone)


@dataclass(frozen=True)
class ActReview:
    """What the engineer's page shows for one act."""

    act: ReadingAct
    document: Document
    rows: tuple[ReviewRow, ...]
    corrections: tuple[ReadingCorrection, ...]
    invoice_number: str | None
    problem: str | None = None
    problem_params: dict[str, object] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return version_of(self.act, len(self.corrections))

    @property
    def charged(self) -> bool:
        return self.invoice_number is not None

    @property
    def editable(self) -> bool:
        return self.document.status in REVIEWABLE and not self.charged and self.problem is None


def version_of(act: ReadingAct, corrections: int) -> str:
    """What the engineer's form was made from: the act's file, how many corrections it had
    and whether it was confirmed. Any change of these refuses a form made before it."""
    return (f"{act.document.sha256[:16]}-{corrections}-"
            f"{'c' if act.confirmed_at is not None else 'u'}")


def act_corrections(session: DbSession, document_id: int) -> list[ReadingCorrection]:
    """The corrections of an act, in order (what the client's pages list)."""
    return list(session.scalars(select(ReadingCorrection)
                                .where(ReadingCorrection.document_id == document_id)
                                .order_by(ReadingCorrection.seq)))


def _invoice_number(session: DbSession, document_id: int) -> str | None:
    return session.scalars(select(Invoice.number).where(Invoice.act_document_id == document_id)
                           .order_by(Invoice.id).limit(1)).first()


def _signed_payload(store: FileStore, act: ReadingAct) -> ActPayload:
    pdf = store.get(act.document.sha256)
    return parse_payload(extract_readings_payload(pdf, expected_sha256=act.payload_sha256).json())


def _entries(rows: Sequence[ReadingCorrection]) -> list[ReadingCorrectionEntry]:
    return [ReadingCorrectionEntry(
        seq=r.seq, service=r.service, point=r.point, factory_number=r.factory_number,
        zone=r.zone, old_value=_plain(r.old_value), old_consumption=_plain(r.old_consumption),
        new_value=_plain(r.new_value), new_consumption=_plain(r.new_consumption),
        reason=r.reason, engineer=r.engineer, at=r.created_at) for r in rows]


def _plain(value: Decimal) -> Decimal:
    """A stored number without the column's trailing zeros (``1450.000000`` → ``1450``), so it
    compares and prints like the act's own strings."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def review_act(session: DbSession, store: FileStore, act: ReadingAct) -> ActReview:
    """The act's readings as signed and as corrected, its corrections, whether it is charged.
    A file that cannot be read is reported as the review's ``problem``, not raised."""
    document = act.document
    corrections = tuple(act_corrections(session, document.id))
    invoice = _invoice_number(session, document.id)
    try:
        signed = _signed_payload(store, act)
        current = apply_corrections(signed, _entries(corrections))
    except (CalculationError, ValueError) as exc:
        message = exc.message if isinstance(exc, DomainError) else N_("The act's readings "
                                                                      "cannot be read.")
        params = dict(exc.params) if isinstance(exc, DomainError) else {}
        return ActReview(act, document, (), corrections, invoice, message, params)
    except (AttachmentError, StoredFileMissing) as exc:  # shown, never a 500 on the list
        log.warning("act %s cannot be read for review: %s", document.number, exc)
        return ActReview(act, document, (), corrections, invoice,
                         N_("The act's readings cannot be read."))
    rows = tuple(
        ReviewRow(service=s.service, point=s.point, factory_number=s.factory_number,
                  zone=s.zone, unit=s.unit, previous=s.previous, signed_current=s.current,
                  current=c.current, consumption=c.consumption,
                  corrections=tuple(x for x in corrections
                                    if x.factory_number == s.factory_number
                                    and x.zone == s.zone))
        for s, c in zip(signed.readings, current.readings, strict=True))
    return ActReview(act, document, rows, corrections, invoice)


def period_reviews(session: DbSession, store: FileStore, period_id: int) -> list[ActReview]:
    """Every client's received or accepted act of the period, by client."""
    acts = session.scalars(
        select(ReadingAct).join(Document, ReadingAct.document_id == Document.id)
        .where(ReadingAct.period_id == period_id, Document.status.in_(REVIEWABLE))
        .order_by(ReadingAct.client_id, ReadingAct.id))
    return [review_act(session, store, a) for a in acts]


def get_reviewable_act(session: DbSession, document_id: int) -> ReadingAct:
    act = session.scalars(select(ReadingAct)
                          .where(ReadingAct.document_id == document_id)).first()
    if act is None:
        raise NotFound(N_("No such act."))
    return act


def _lock(session: DbSession, act: ReadingAct, version: str) -> Document:
    """The act's row locked (PostgreSQL: two engineers queue here; SQLite has one writer)
    and re-read; refused when it moved on since the page was shown."""
    document = act.document
    session.execute(select(Document.id).where(Document.id == document.id).with_for_update())
    session.refresh(document)
    session.refresh(act)
    if document.status not in REVIEWABLE:
        raise ReviewError(N_("Act № %(number)s is no longer received or accepted; nothing was "
                             "changed."), number=document.number)
    count = session.scalar(select(func.count(ReadingCorrection.id))
                           .where(ReadingCorrection.document_id == document.id)) or 0
    if (version or "") != version_of(act, count):
        raise ReviewError(N_("Act № %(number)s was changed meanwhile (another engineer "
                             "corrected or confirmed it); nothing was changed. Look at the "
                             "act again."), number=document.number)
    invoice = _invoice_number(session, document.id)
    if invoice is not None:
        raise ReviewError(N_("Act № %(number)s is already calculated (invoice № %(invoice)s): "
                             "its readings can no longer be corrected."),
                          number=document.number, invoice=invoice)
    return document


def confirm_readings(session: DbSession, act: ReadingAct, *, version: str, actor: Actor,
                     now: dt.datetime | None = None) -> ReadingAct:
    """The engineer confirms the act's readings as they stand (corrected, if they were)."""
    document = _lock(session, act, version)
    if act.confirmed_at is not None:
        raise ReviewError(N_("The readings of act № %(number)s are already confirmed by "
                             "%(who)s."), number=document.number, who=act.confirmed_by)
    act.confirmed_at = now or utcnow()
    act.confirmed_by_id = actor.user_id
    act.confirmed_by = actor.name[:200]
    record(session, "reading_act.readings_confirmed", actor=actor, object_type="document",
           object_id=document.id, details={"number": document.number,
                                           "client_id": document.client_id,
                                           "sha256": document.sha256})
    session.flush()
    return act


def parse_value(text: str | None) -> Decimal:
    """The new reading as typed: a non-negative number (comma or point), at most
    ``MAX_DECIMALS`` decimals; ``ReviewError`` beside the value field otherwise."""
    raw = (text or "").strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if not raw:
        raise ReviewError(N_("Enter the corrected reading."), "value")
    if len(raw) > 30:
        raise ReviewError(N_("The reading is too long."), "value")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ReviewError(N_("The reading must be a number, e.g. 1450.5."), "value") from None
    if not value.is_finite():
        raise ReviewError(N_("The reading must be a number, e.g. 1450.5."), "value")
    if value < 0:
        raise ReviewError(N_("A reading cannot be negative."), "value")
    if value.adjusted() >= 14:  # no register has that many digits (the column holds 14)
        raise ReviewError(N_("The reading is too large for any meter."), "value")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMALS:
        raise ReviewError(N_("At most %(n)s digits after the decimal point."), "value",
                          n=MAX_DECIMALS)
    return _plain(value)


def _summary(entry: ReadingCorrectionEntry, unit: str) -> str:
    """The correction in the signature's reason (shown by every PDF reader)."""
    zone = ZONE_NAMES.get(entry.zone, entry.zone)
    return (f"Корректировка показаний № {entry.seq}: счётчик № {entry.factory_number} "
            f"({zone}) {entry.old_value} → {entry.new_value} {unit}; причина: "
            f"{entry.reason}")[:500]


def correct_reading(session: DbSession, store: FileStore, act: ReadingAct, *, row_key: str,
                    value: str | None, reason: str | None, version: str, actor: Actor,
                    supplier_key: SupplierKey | None, base_url: str,
                    validation: ValidationSettings,
                    timezone: str = "Europe/Moscow",
                    now: dt.datetime | None = None) -> ReadingCorrection:
    """Correct the current reading of one row (``row_key``: "factory number|zone") of the
    act to ``value``, with ``reason``: the supplier-signed «Акт корректировки показаний»
    (``base_url``: for its verification link; ``validation``: the portal's settings — the
    signed correction must pass them, as the calculation trusts it only then; the report is
    kept with it), the ``ReadingCorrection``
    row, the corrected ``Reading``, the audit entry and the client's e-mail notice. Nothing
    is written when anything is refused."""
    text = (reason or "").strip()
    new_value = parse_value(value)
    if not text:
        raise ReviewError(N_("Say why the reading is corrected: the client reads it."),
                          "reason")
    if len(text) > MAX_REASON:
        raise ReviewError(N_("At most %(n)s characters."), "reason", n=MAX_REASON)
    if supplier_key is None:
        raise ReviewError(N_("The supplier's signing key is not configured (LK_SUPPLIER_P12): "
                             "a correction cannot be signed."))
    document = _lock(session, act, version)
    review = review_act(session, store, act)
    if review.problem is not None:
        raise ReviewError(review.problem, None, **review.problem_params)
    row = next((r for r in review.rows if r.key == row_key), None)
    if row is None:
        raise NotFound(N_("No such reading in the act."))
    if new_value == row.current:
        raise ReviewError(N_("The reading is %(value)s already: nothing to correct."), "value",
                          value=str(row.current))
    meter = session.scalars(select(Meter).where(Meter.client_id == act.client_id,
                                                Meter.factory_number == row.factory_number)
                            ).first()
    if meter is None:
        raise ReviewError(N_("Meter %(number)s of the act is not registered for this client."),
                          number=row.factory_number)
    signed_row = next(r for r in _signed_payload(store, act).readings
                      if r.factory_number == row.factory_number and r.zone == row.zone)
    try:
        new_consumption = consumption(row.previous, new_value, ct_ratio=signed_row.ct_ratio,
                                      vt_ratio=signed_row.vt_ratio, rollover=signed_row.rollover,
                                      digits=meter.digits)
    except CalculationError as exc:
        raise ReviewError(exc.message, "value", **exc.params) from None
    supplier = session.scalars(select(SupplierSettings).limit(1)).first()
    if supplier is None or not supplier.name or not supplier.tax_id or not supplier.address:
        raise ReviewError(N_("The supplier's requisites are not filled in yet, so no "
                             "correction can be issued."))
    now = now or utcnow()
    local = now.astimezone(ZoneInfo(timezone)).replace(microsecond=0)
    seq = len(review.corrections) + 1
    entry = ReadingCorrectionEntry(
        seq=seq, service=row.service, point=row.point, factory_number=row.factory_number,
        zone=row.zone, old_value=row.current, old_consumption=row.consumption,
        new_value=new_value, new_consumption=new_consumption, reason=text,
        engineer=actor.name[:200], at=local)
    kind = DocumentKind.READING_CORRECTION
    number = f"КП-{local.year}-{next_number(session, kind, local.year):05d}"
    token = secrets.token_urlsafe(15)
    client = document.client
    data = ReadingCorrectionData(
        number=number, date=local.date(), act_number=document.number, act_date=document.date,
        year=local.year if document.period is None else document.period.year,
        month=local.month if document.period is None else document.period.month,
        supplier=party(supplier.requisites), client=party(client.requisites),
        contract_number=client.contract_number,
        contract_date=client.contract_date or document.date,
        readings_sha256=act.payload_sha256, entry=entry, unit=row.unit,
        verify_url=verify_url(base_url, kind, token),
        supplier_signer=Signer("Руководитель", supplier.director) if supplier.director
        else None)
    try:
        signed = sign_as_supplier(render_reading_correction(data), supplier_key,
                                  field=SUPPLIER, certify=True)
    except SupplierKeyMissing as exc:
        raise ReviewError(N_("The supplier's signing key cannot be used: %(detail)s"),
                          detail=str(exc)[:200]) from None
    except SigningError as exc:
        raise ReviewError(N_("The correction could not be signed: %(detail)s"),
                          detail=str(exc)[:200]) from None
    try:
        report = validate_pdf(signed.pdf, validation)
    except PdfStructureError as exc:  # our own output: a bug, but refused, not recorded
        log.error("the correction %s cannot be validated: %s", number, exc)
        raise ReviewError(N_("The signed correction could not be checked; nothing was "
                             "saved.")) from None
    report_json, verdict = report.to_json(), report.indication.value
    if verdict != "TOTAL-PASSED":
        # The calculation counts a correction only with a valid signature of the supplier:
        # one that cannot be confirmed now (revocation data out of date) is not issued.
        raise ReviewError(N_("The supplier's signature on the correction cannot be confirmed "
                             "right now (%(verdict)s); nothing was saved. Try again in a few "
                             "minutes."), verdict=verdict)
    summary = _summary(entry, row.unit)
    issued = issue_document(session, store, kind=kind, number=number, client_id=act.client_id,
                            period_id=act.period_id, date=local.date(), pdf=signed.pdf,
                            actor=actor, source=RevisionSource.SUPPLIER_SIGNATURE,
                            note=summary, public_token=token)
    first = issued.document.revisions[0]
    first.verdict, first.report = verdict, report_json
    correction = ReadingCorrection(
        act_id=act.id, document_id=document.id, client_id=act.client_id, seq=seq,
        service=row.service, point=row.point, factory_number=row.factory_number, zone=row.zone,
        unit=row.unit, old_value=row.current, old_consumption=row.consumption,
        new_value=new_value, new_consumption=new_consumption, reason=text,
        engineer_id=actor.user_id, engineer=entry.engineer, created_at=now,
        correction_document_id=issued.document.id,
        payload_sha256=sha256_hex(data.payload))
    session.add(correction)
    # The readings changed: an earlier confirmation no longer covers them.
    act.confirmed_at, act.confirmed_by_id, act.confirmed_by = None, None, ""
    _correct_reading_row(session, act, meter, row.zone, new_value, new_consumption,
                         actor=actor, now=now)
    record(session, "reading_act.reading_corrected", actor=actor, object_type="document",
           object_id=document.id,
           details={"number": document.number, "client_id": act.client_id, "seq": seq,
                    "correction": number, "correction_document_id": issued.document.id,
                    "meter": row.factory_number, "zone": row.zone,
                    "old": str(row.current), "new": str(new_value),
                    "consumption": str(new_consumption), "reason": text,
                    "sha256": issued.document.sha256})
    session.flush()
    readings_corrected(session, document, corrections=[{
        "meter": row.factory_number, "zone": row.zone_name, "old": str(row.current),
        "new": str(new_value), "unit": row.unit, "reason": text, "engineer": entry.engineer,
        "at": entry.at, "number": number}])
    return correction


def _correct_reading_row(session: DbSession, act: ReadingAct, meter: Meter, zone: str,
                         value: Decimal, volume: Decimal, *, actor: Actor,
                         now: dt.datetime) -> None:
    """The readings package's row follows: the corrected reading replaces the client's (the
    next period counts from it), the client's stays, superseded, for the record."""
    old = session.scalars(select(Reading).where(Reading.document_id == act.document_id,
                                                Reading.meter_id == meter.id,
                                                Reading.zone == zone,
                                                Reading.status != ReadingStatus.SUPERSEDED)
                          .order_by(Reading.id.desc())).first()
    if old is None:
        return
    session.add(Reading(
        client_id=old.client_id, meter_id=old.meter_id, period_id=old.period_id, zone=zone,
        mode=old.mode, entered=str(value), value=value, consumption=volume,
        rollover=old.rollover, previous_value=old.previous_value,
        previous_date=old.previous_date, previous_source=old.previous_source,
        previous_reading_id=old.previous_reading_id, reading_date=old.reading_date,
        source=ReadingSource.CORRECTION, entered_by_id=actor.user_id,
        entered_by=actor.name[:200], entered_at=now, document_id=old.document_id,
        status=old.status, confirmed=old.confirmed))
    old.status = ReadingStatus.SUPERSEDED


def confirmation_required(session: DbSession, period_id: int) -> bool:
    return bool(session.scalar(select(PeriodReadingCheck.confirmation_required)
                               .where(PeriodReadingCheck.period_id == period_id)))


def require_confirmation(session: DbSession, period_id: int, required: bool, *,
                         actor: Actor) -> PeriodReadingCheck:
    """Set the period's rule «показания должны быть подтверждены инженером до расчёта» (the
    calculation then skips unconfirmed acts with that reason); audited."""
    period = session.get(BillingPeriod, period_id)
    if period is None:
        raise NotFound(N_("No such period."))
    check = session.scalars(select(PeriodReadingCheck)
                            .where(PeriodReadingCheck.period_id == period_id)
                            .with_for_update()).first()
    if check is None:
        check = PeriodReadingCheck(period_id=period_id)
        session.add(check)
    check.confirmation_required = required
    check.changed_by, check.changed_at = actor.name[:200], utcnow()
    record(session, "period.readings_confirmation_required" if required
           else "period.readings_confirmation_not_required", actor=actor,
           object_type="period", object_id=period_id, details={"period": period.label})
    session.flush()
    return check
