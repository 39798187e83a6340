"""The reading acts the calculation reads: which are accepted, and what they say.

**Which acts.** Everything here goes through the ``Document`` table (kind ``reading_act``),
never through the readings package's own tables, so the calculation depends only on docflow.
:func:`accepted_acts` is the one query deciding "the accepted acts of a period" (the newest
accepted act per client; a corrected act supersedes the old one, which leaves the accepted
state). ``reading_acts.operations.accepted_acts(...)`` will answer the same question; swap
the body of :func:`accepted_acts` for it when that package lands.

**What they say.** :func:`read_act` takes the readings from the JSON attachment of the act's
current (signed) file — never from editable rows — and trusts it only when

1. the act is accepted and its current file is the one the database names (the file store
   checks the bytes against the SHA-256 on the ``Document``);
2. a client signature revision was recorded for it with a TOTAL-PASSED verdict;
3. the current file extends the issued file (revision 1) byte for byte, and the attachment
   of its newest revision is byte for byte the attachment of its first (the issued act):
   the act prints the SHA-256 of exactly that attachment, so this is the check against the
   printed hash, and it also proves that the signed revisions did not swap the attachment
   (``documents.extract_issued_and_current_payloads`` further checks each against its own
   /Size and MD5 /CheckSum; one parse of the file gives both);
4. the payload names this act's period, client (ИНН, contract) and supplier.

**Against the database.** When the readings package issued the act it stored the
attachment's SHA-256 (``ReadingAct.payload_sha256``) and the ``Reading`` rows it was made
from: the attachment must have exactly that hash (step 3), and :func:`_check_against_readings`
compares the signed rows with those ``Reading`` rows, meter and zone for meter and zone.
An act made outside the readings pages (imported history, the benchmark's seeding) has
neither; its issued attachment is then the only reference.
A mismatch anywhere refuses the act with a :class:`~lk_corporate.calculation.engine.
CalculationError` naming the reason; nothing is charged from it.

**Corrections.** An engineer of the supplier may correct a reading before the calculation
(``reading_review``). The correction never edits what the client signed: it is a document of
its own, «Акт корректировки показаний», issued and signed by the supplier, carrying
``corrections.json`` (``documents.reading_corrections``). :func:`read_act` returns the
readings *as corrected*: each correction is taken from its signed document and trusted only
when the database agrees (:func:`_corrections`: the ``ReadingCorrection`` row, the
attachment's SHA-256, the act and readings attachment it names, the supplier's signature
recorded as valid); each replaces the current value and consumption of one row whose signed
values it names (:func:`apply_corrections`). The engine re-checks the corrected consumption
against the meter like any other. A period may require an engineer's confirmation first
(``PeriodReadingCheck``): an unconfirmed act is then refused with that reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, exists, func, select, true

from documents import AttachmentError, AttachmentMismatch, extract_issued_and_current_payloads
from documents.reading_corrections import (
    ReadingCorrectionEntry,
    extract_corrections_payload,
    parse_corrections,
)
from lk_corporate.calculation.engine import ActPayload, CalculationError, MeterSpec, parse_payload
from lk_corporate.clients.models import Client, Meter
from lk_corporate.core import driver
from lk_corporate.core.db import DbSession
from lk_corporate.core.errors import N_
from lk_corporate.core.storage import FileStore, StoredFileMissing
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus, RevisionSource
from lk_corporate.periods.models import BillingPeriod
from lk_corporate.reading_acts.models import (
    PeriodReadingCheck,
    ReadingAct,
    ReadingCorrection,
    ReadingSource,
)
from lk_corporate.readings.models import Reading

__all__ = ["ActRead", "accepted_acts", "apply_corrections",
           "latest_acts", "read_act"]

PASSED = "TOTAL-PASSED"


def accepted_acts(session: DbSession, period_id: int,
                  client_ids: Sequence[int] | None = None) -> list[Document]:
    """The accepted reading acts of a period: per client the newest one that is accepted
    (a superseded act is no longer accepted), ordered by client."""
    newest = (select(func.max(Document.id))
              .where(Document.kind == DocumentKind.READING_ACT,
                     Document.period_id == period_id,
                     Document.status == DocumentStatus.ACCEPTED)
              .group_by(Document.client_id))
    if client_ids is not None:
        newest = newest.where(Document.client_id.in_(client_ids))
    return list(session.scalars(select(Document).where(Document.id.in_(newest))
                                .order_by(Document.client_id)))


def latest_acts(session: DbSession, period_id: int) -> dict[int, Document]:
    """Per client, the newest reading act of the period in any state (the period board)."""
    newest = (select(func.max(Document.id))
              .where(Document.kind == DocumentKind.READING_ACT, Document.period_id == period_id)
              .group_by(Document.client_id))
    rows = session.scalars(select(Document).where(Document.id.in_(newest)))
    return {d.client_id: d for d in rows}


@dataclass(frozen=True)
class ActRead:
    """An act's readings as signed, with the hash of the attachment they came from."""

    act: Document
    payload: ActPayload
    payload_sha256: str
    corrections: tuple[ReadingCorrectionEntry, ...] = ()
    """The supplier's corrections applied to ``payload`` (empty: the readings as signed by
    the client)."""
    meters: dict[str, MeterSpec] = field(default_factory=dict)
    """The client's registered meters that have a factory number, by it, as the calculation
    needs them (read in the same statement as the act's facts and readings)."""


def _refuse(reason: str, **params: Any) -> CalculationError:
    return CalculationError(reason, **params)


def read_act(session: DbSession, store: FileStore, act: Document, *, supplier_tax_id: str,
             expected_sha256: str | None = None) -> ActRead:
    """The readings of an accepted act, after the checks of the module docstring."""
    facts, stored, meters = _act_rows(session, act)
    if expected_sha256 is None:
        expected_sha256 = facts.payload_sha256
    if act.kind is not DocumentKind.READING_ACT:
        raise _refuse(N_("Document %(number)s is not a reading act."), number=act.number)
    if act.status is not DocumentStatus.ACCEPTED:
        raise _refuse(N_("The reading act %(number)s is not accepted."), number=act.number)
    revisions = act.revisions  # ordered by seq (loaded with the act by a batch job)
    if not revisions or revisions[-1].sha256 != act.sha256:
        raise _refuse(N_("The reading act %(number)s: its current file is not its newest "
                         "revision."), number=act.number)
    if not any(r.source is RevisionSource.CLIENT_SIGNATURE and r.verdict == PASSED
               for r in revisions):
        raise _refuse(N_("The reading act %(number)s carries no valid signature of the client."),
                      number=act.number)
    try:
        issued_file, current_file = store.get(revisions[0].sha256), store.get(act.sha256)
        if not current_file.startswith(issued_file):
            raise _refuse(N_("The reading act %(number)s: its signed file does not extend the "
                             "issued act."), number=act.number)
        # One parse: the file's first revision is the issued act (its bytes begin the file).
        issued, current = extract_issued_and_current_payloads(current_file)
        if issued.sha256 != current.sha256 or (
                expected_sha256 is not None and issued.sha256 != expected_sha256.lower()):
            raise AttachmentMismatch(f"attachment SHA-256 {current.sha256} != issued "
                                     f"{expected_sha256 or issued.sha256}")
    except StoredFileMissing:
        raise _refuse(N_("The file of the reading act %(number)s is missing or damaged."),
                      number=act.number) from None
    except AttachmentError as exc:
        raise _refuse(N_("The readings attachment of the act %(number)s does not match the "
                         "hash printed on it (%(detail)s)."), number=act.number,
                      detail=str(exc)[:200]) from None
    try:
        payload = parse_payload(current.json())
    except ValueError:
        raise _refuse(N_("The readings attachment of the act is malformed (%(what)s)."),
                      what="JSON") from None
    client = session.get(Client, act.client_id)
    period = session.get(BillingPeriod, act.period_id) if act.period_id is not None else None
    if period is None or (payload.year, payload.month) != (period.year, period.month):
        raise _refuse(N_("The reading act %(number)s is for another period."), number=act.number)
    if client is None or payload.client_tax_id != client.tax_id \
            or payload.contract_number != client.contract_number:
        raise _refuse(N_("The reading act %(number)s names another client or contract."),
                      number=act.number)
    if payload.supplier_tax_id != supplier_tax_id:
        raise _refuse(N_("The reading act %(number)s names another supplier."),
                      number=act.number)
    _check_against_readings(act, payload, stored)
    _check_confirmed(act, facts)
    entries = (_corrections(session, store, act, readings_sha256=current.sha256)
               if facts.corrected else ())
    return ActRead(act, apply_corrections(payload, entries) if entries else payload,
                   current.sha256, entries, meters)


@dataclass(frozen=True)
class _Facts:
    payload_sha256: str | None
    """The attachment's hash recorded when the act was issued (None: no ``ReadingAct`` row)."""
    confirmed: bool
    """An engineer confirmed the readings (``ReadingAct.confirmed_at``)."""
    confirmation_required: bool
    """The period charges only confirmed acts (``PeriodReadingCheck``)."""
    corrected: bool
    """The supplier corrected some reading (``ReadingCorrection`` rows)."""


# The statement every month-end job runs for its act, built once: a statement built per call
# costs more in SQLAlchemy (the expressions, the cache key) than the database takes to run it.
# What the database says of the act beside its file — four look-ups — is one row; the client's
# meters, each with its readings in this act, are joined to it (so the row is there even for a
# client without meters): one round trip instead of three, for every client at month end.
_FACTS = select(
    select(ReadingAct.payload_sha256).where(ReadingAct.document_id == bindparam("act_id"))
    .scalar_subquery().label("payload_sha256"),
    select(ReadingAct.confirmed_at).where(ReadingAct.document_id == bindparam("act_id"))
    .scalar_subquery().label("confirmed_at"),
    select(PeriodReadingCheck.confirmation_required)
    .where(PeriodReadingCheck.period_id == bindparam("period_id")).scalar_subquery()
    .label("confirmation_required"),
    exists().where(ReadingCorrection.document_id == bindparam("act_id")).label("corrected"),
).subquery("facts")
_METER_READINGS = (
    select(Meter.factory_number, Meter.service, Meter.digits, Meter.ct_ratio, Meter.vt_ratio,
           Meter.zones, Reading.zone, Reading.previous_value, Reading.value,
           Reading.consumption)
    .outerjoin(Reading, (Reading.meter_id == Meter.id)
               & (Reading.document_id == bindparam("act_id"))
               & (Reading.source != ReadingSource.CORRECTION))
    .where(Meter.client_id == bindparam("client_id"))
    .subquery("meter_readings"))
_ACT_ROWS = (select(_FACTS, _METER_READINGS)
             .select_from(_FACTS.outerjoin(_METER_READINGS, true())))


def _act_rows(session: DbSession, act: Document) -> tuple[
        _Facts, dict[tuple[str, str], tuple[Any, Any, Any]], dict[str, MeterSpec]]:
    """The act's facts, its signed readings as stored (by factory number and zone) and the
    client's meters with a factory number, from :data:`_ACT_ROWS`."""
    rows = driver.execute(session, _ACT_ROWS, {"act_id": act.id, "period_id": act.period_id,
                                               "client_id": act.client_id})
    first = rows[0]
    facts = _Facts(payload_sha256=first.payload_sha256, confirmed=first.confirmed_at is not None,
                   confirmation_required=bool(first.confirmation_required),
                   corrected=bool(first.corrected))
    stored: dict[tuple[str, str], tuple[Any, Any, Any]] = {}
    meters: dict[str, MeterSpec] = {}
    for r in rows:
        number = r.factory_number
        if r.zone is not None:
            stored[(number or "", r.zone)] = (r.previous_value, r.value, r.consumption)
        if number and number not in meters:
            meters[number] = MeterSpec(
                factory_number=number, service=r.service.value, digits=r.digits,
                ct_ratio=r.ct_ratio, vt_ratio=r.vt_ratio,
                zones=tuple(z for z in r.zones.split(",") if z))
    return facts, stored, meters


def _check_confirmed(act: Document, facts: _Facts) -> None:
    """When the period requires it (``PeriodReadingCheck``), an engineer must have confirmed
    the act's readings (as corrected) before they are charged."""
    if facts.confirmation_required and not facts.confirmed:
        raise _refuse(N_("The readings of the act %(number)s are not confirmed by an engineer "
                         "yet: this period requires the confirmation before the calculation."),
                      number=act.number)


def _corrections(session: DbSession, store: FileStore, act: Document, *,
                 readings_sha256: str) -> tuple[ReadingCorrectionEntry, ...]:
    """The supplier's corrections of the act, each from its signed correction document and
    checked against its database row; a voided correction document no longer counts."""
    rows = list(session.scalars(select(ReadingCorrection)
                                .where(ReadingCorrection.document_id == act.id)
                                .order_by(ReadingCorrection.seq)))
    entries = []
    for row in rows:
        doc = row.correction_document
        if doc.status is DocumentStatus.VOIDED:
            continue
        revisions = doc.revisions
        if doc.kind is not DocumentKind.READING_CORRECTION or doc.client_id != act.client_id \
                or not revisions or revisions[0].source is not RevisionSource.SUPPLIER_SIGNATURE \
                or revisions[0].verdict != PASSED:
            raise _refuse(N_("The correction %(correction)s of the act %(number)s carries no "
                             "valid signature of the supplier."), correction=doc.number,
                          number=act.number)
        differ = _refuse(N_("The correction %(correction)s of the act %(number)s differs from "
                            "the database."), correction=doc.number, number=act.number)
        try:
            found = extract_corrections_payload(store.get(doc.sha256))
            if found is None or found.sha256 != row.payload_sha256:
                raise differ
            [entry] = parse_corrections(found.json(), act_number=act.number,
                                        readings_sha256=readings_sha256)
        except (StoredFileMissing, AttachmentError, ValueError):
            raise differ from None
        if (entry.seq, entry.factory_number, entry.zone, entry.old_value, entry.new_value,
                entry.new_consumption) != (row.seq, row.factory_number, row.zone, row.old_value,
                                           row.new_value, row.new_consumption):
            raise differ
        entries.append(entry)
    return tuple(entries)


def apply_corrections(payload: ActPayload,
                      entries: Sequence[ReadingCorrectionEntry]) -> ActPayload:
    """``payload`` with each correction applied in order: the row of the correction's meter
    and zone must show the correction's old value and consumption (the signed value, or the
    previous correction's new one); it gets the new ones."""
    rows = list(payload.readings)
    for e in entries:
        index = next((i for i, r in enumerate(rows)
                      if r.factory_number == e.factory_number and r.zone == e.zone), None)
        if index is None or rows[index].current != e.old_value \
                or rows[index].consumption != e.old_consumption:
            raise _refuse(N_("Correction %(seq)s of the act %(number)s does not match its "
                             "readings (meter %(meter)s, zone %(zone)s)."), seq=e.seq,
                          number=payload.act_number, meter=e.factory_number, zone=e.zone)
        rows[index] = replace(rows[index], current=e.new_value, consumption=e.new_consumption)
    return replace(payload, readings=tuple(rows))


def _check_against_readings(act: Document, payload: ActPayload,
                            stored: dict[tuple[str, str], tuple[Any, Any, Any]]) -> None:
    """Compare the signed payload with the ``Reading`` rows the act was made from
    (``stored``, as :func:`_act_rows` reads them).

    The same meters and zones, the same previous and current values and consumption, row for
    row, else ``CalculationError`` ("the act and the database differ"). A reading the
    supplier's engineer corrected keeps its original row (superseded) beside the correction's
    own: the act as signed is compared with the original, the correction is applied from its
    own signed document. No rows at all: an act not made by the readings pages (see the
    module docstring), nothing to compare with.
    """
    if not stored:
        return
    signed = {(r.factory_number, r.zone): (r.previous, r.current, r.consumption)
              for r in payload.readings}
    if stored.keys() != signed.keys() or any(
            tuple(Decimal(v) for v in stored[k]) != signed[k] for k in signed):
        raise _refuse(N_("The reading act %(number)s and the readings in the database differ; "
                         "the act is not calculated."), number=act.number)
