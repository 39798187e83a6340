"""Consumption-limit requests: what the client asks for, and the limits in force.

The life of a request (``docflow.states.CLIENT_SIGNED``)::

    awaiting_signature ──sign on the page──▶ signed ──send, valid──▶ received
         │                                                        │        │
         │                                countersigned (approved)▼        ▼ rejected
         └──a newer request of the year──▶ superseded          accepted   (with the reason)

* ``create_limit_request`` checks twelve monthly volumes (kWh) per metering point of the
  client, renders the request (``documents.render_limit_request``), stores it as a
  ``Document`` awaiting the client's signature and supersedes the year's earlier requests
  that are not approved (an approved one stays in force until its successor is approved).
* The client signs it on the signing page and sends it (``limits.sending``); it waits,
  «Получен», in the supplier's countersigning queue (``countersign``). Countersigning
  approves it (``on_countersigned``: the year's earlier approved request is superseded);
  rejecting it needs a reason. Unsigned, rejected or superseded requests set no limits.
* ``approved_limits`` and ``months_over_limit`` are what other packages read: the limits
  in force, and the months whose accepted readings exceed them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from documents import LimitPoint, LimitRequestData, Signer, render_limit_request
from lk_corporate.clients.models import Client, Meter, MeteringPoint, MeterStatus, Service
from lk_corporate.core.audit import Actor
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.errors import N_, DomainError, NotFound
from lk_corporate.core.formkit import parse_decimal
from lk_corporate.core.storage import FileStore
from lk_corporate.countersign.operations import Countersigning
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus
from lk_corporate.docflow.operations import (
    issue_document,
    new_public_token,
    next_number,
    supersede,
    verify_url,
)
from lk_corporate.limits.models import LimitRequest, LimitVolume
from lk_corporate.notifications.documents import document_waiting
from lk_corporate.periods.models import BillingPeriod
from lk_corporate.reading_acts.operations import party
from lk_corporate.readings.models import Reading, ReadingStatus
from lk_corporate.supplier.models import SupplierSettings

S = DocumentStatus
KIND = DocumentKind.LIMIT_REQUEST
MONTHS = 12
MAX_VOLUME = Decimal(1_000_000_000)
"""A month's volume of one point, kWh: at most this (a typo of extra digits is refused)."""
PLACES = 3
MAX_POINTS = 200
YEARS_AHEAD = 2

# Requests a newer one of the same year replaces at once (an approved one only when its
# successor is approved, so the year never loses its limits to an unsigned correction).
_REPLACED_ON_ISSUE = (S.AWAITING_SIGNATURE, S.SIGNED, S.RECEIVED, S.REJECTED)

Months = list[Decimal | None]
"""Twelve values, January first; None where there is nothing (no reading, no limit)."""


class LimitError(DomainError):
    code = "limit_request_refused"


@dataclass(frozen=True)
class PointVolumes:
    """One metering point's twelve monthly volumes (January first), kWh."""

    point_id: int
    months: Sequence[Decimal]


def cell_name(point_id: int, month: int) -> str:
    """The form field (and the error's ``field``) of a point's month (1–12)."""
    return f"p{point_id}_m{month}"


# --- the points and their actual consumption -------------------------------------------------

def limit_points(session: DbSession, client_id: int) -> list[MeteringPoint]:
    """The client's metering points with an installed electricity meter (limits are in
    kWh; a point whose meter was removed consumes nothing to limit)."""
    return list(session.scalars(
        select(MeteringPoint).where(MeteringPoint.client_id == client_id,
                                    MeteringPoint.id.in_(
                                        select(Meter.point_id).where(
                                            Meter.client_id == client_id,
                                            Meter.service == Service.ELECTRICITY,
                                            Meter.status == MeterStatus.INSTALLED)))
        .order_by(MeteringPoint.name, MeteringPoint.id)))


def actual_consumption(session: DbSession, client_id: int, year: int) -> dict[int, Months]:
    """Electricity consumed per point and month of ``year`` (kWh), from accepted readings
    (every meter and zone of the point summed); None for a month without them."""
    rows = session.execute(
        select(Meter.point_id, BillingPeriod.month, func.sum(Reading.consumption))
        .join(Meter, Reading.meter_id == Meter.id)
        .join(BillingPeriod, Reading.period_id == BillingPeriod.id)
        .where(Reading.client_id == client_id, BillingPeriod.year == year,
               Reading.status == ReadingStatus.ACCEPTED, Meter.service == Service.ELECTRICITY)
        .group_by(Meter.point_id, BillingPeriod.month)).all()
    out: dict[int, Months] = {}
    for point_id, month, total in rows:
        out.setdefault(int(point_id), [None] * MONTHS)[int(month) - 1] = Decimal(total)
    return out


def prefill(session: DbSession, client_id: int, year: int) -> dict[int, Months]:
    """What the form starts from for ``year``: last year's actual consumption per point
    (empty months where there were no accepted readings)."""
    actual = actual_consumption(session, client_id, year - 1)
    return {p.id: actual.get(p.id, [None] * MONTHS) for p in limit_points(session, client_id)}


# --- checking what the client typed ----------------------------------------------------------

def parse_months(point_id: int, raw: Sequence[str | None]) -> list[Decimal]:
    """The page's twelve cells of a point as typed («1 234,5»); ``LimitError`` naming the
    first bad cell."""
    values = []
    for month, text in enumerate(raw, start=1):
        text = (text or "").strip()
        if not text:
            raise LimitError(N_("Enter the volume for every month (0 if none)."),
                             cell_name(point_id, month))
        if len(text) > 40:
            raise LimitError(N_("The number is too long."), cell_name(point_id, month))
        try:
            values.append(parse_decimal(text))
        except ValueError:
            raise LimitError(N_("Enter a number: digits and one decimal separator (. or ,)."),
                             cell_name(point_id, month)) from None
    return values


def check_volumes(session: DbSession, client_id: int,
                  points: Sequence[PointVolumes]) -> list[tuple[MeteringPoint, list[Decimal]]]:
    """Every point is the client's (else ``NotFound``: another client's point is a 404) and
    named once; twelve volumes each, non-negative, at most ``MAX_VOLUME`` with at most
    ``PLACES`` decimals."""
    if not points:
        raise LimitError(N_("The request names no metering point."), "points")
    if len(points) > MAX_POINTS:
        raise LimitError(N_("At most %(n)s metering points."), "points", n=MAX_POINTS)
    own = {p.id: p for p in limit_points(session, client_id)}
    seen: set[int] = set()
    out = []
    for item in points:
        point = own.get(item.point_id)
        if point is None:
            raise NotFound(N_("No such metering point."))
        if item.point_id in seen:
            raise LimitError(N_("A metering point is named twice."), "points")
        seen.add(item.point_id)
        if len(item.months) != MONTHS:
            raise LimitError(N_("Twelve monthly volumes are needed for each point."), "points")
        months = []
        for month, value in enumerate(item.months, start=1):
            field = cell_name(item.point_id, month)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise LimitError(N_("Enter a volume of zero or more."), field)
            if value > MAX_VOLUME:
                raise LimitError(N_("At most %(n)s kWh a month."), field, n=MAX_VOLUME)
            exponent = value.as_tuple().exponent
            if isinstance(exponent, int) and -exponent > PLACES:
                raise LimitError(N_("At most %(n)s digits after the decimal separator."),
                                 field, n=PLACES)
            months.append(value + 0)  # -0 is 0
        out.append((point, months))
    return out


def allowed_years(today: dt.date) -> range:
    """The years a request may be made for: this one and the next ``YEARS_AHEAD``."""
    return range(today.year, today.year + YEARS_AHEAD + 1)


def _check_can_issue(client: Client, supplier: SupplierSettings | None) -> None:
    if supplier is None or not supplier.name or not supplier.tax_id or not supplier.address:
        raise LimitError(N_("The supplier's requisites are not filled in yet, so no request "
                            "can be made. Contact the supplier."))
    if not client.contract_date or not client.tax_id or not client.address:
        raise LimitError(N_("The request cannot be made: the client's contract date, address "
                            "or tax ID is not recorded. Contact the supplier."))


def _short_name(full: str) -> str:
    parts = full.split()
    if len(parts) < 2:
        return full
    return " ".join([parts[0], *(f"{p[0]}." for p in parts[1:3])])


# --- issuing ---------------------------------------------------------------------------------

def requests_of_year(session: DbSession, client_id: int, year: int,
                     statuses: Sequence[DocumentStatus] | None = None) -> list[LimitRequest]:
    """The client's requests for ``year``, newest first."""
    query = (select(LimitRequest).join(Document, LimitRequest.document_id == Document.id)
             .where(LimitRequest.client_id == client_id, LimitRequest.year == year)
             .order_by(LimitRequest.id.desc()))
    if statuses is not None:
        query = query.where(Document.status.in_(statuses))
    return list(session.scalars(query))


def create_limit_request(session: DbSession, store: FileStore, *, client: Client, year: int,
                         points: Sequence[PointVolumes], supplier: SupplierSettings | None,
                         actor: Actor, base_url: str, timezone: str = "Europe/Moscow",
                         now: dt.datetime | None = None) -> LimitRequest:
    """Render and store the client's request for ``year``, awaiting the client's signature;
    the year's earlier requests that are not approved become superseded."""
    now = now or utcnow()
    local = now.astimezone(ZoneInfo(timezone))
    if not isinstance(year, int) or year not in allowed_years(local.date()):
        years = allowed_years(local.date())
        raise LimitError(N_("Requests are made for %(first)s–%(last)s."), "year",
                         first=str(years[0]), last=str(years[-1]))
    _check_can_issue(client, supplier)
    assert supplier is not None and client.contract_date is not None
    checked = check_volumes(session, client.id, points)
    meters = _factory_numbers(session, [p.id for p, _ in checked])
    number = f"ЗЛ-{local.year}-{next_number(session, KIND, local.year):05d}"
    token = new_public_token()
    data = LimitRequestData(
        number=number, date=local.date(), year=year, supplier=party(supplier.requisites),
        client=party(client.requisites), contract_number=client.contract_number,
        contract_date=client.contract_date,
        points=[LimitPoint(name=point.name, monthly=months, factory_number=meters.get(point.id))
                for point, months in checked],
        verify_url=verify_url(base_url, KIND, token),
        supplier_signer=(Signer("Руководитель", _short_name(supplier.director))
                         if supplier.director else None))
    pdf = render_limit_request(data)
    earlier = requests_of_year(session, client.id, year, _REPLACED_ON_ISSUE)
    issued = issue_document(session, store, kind=KIND, number=number, client_id=client.id,
                            period_id=None, date=local.date(), pdf=pdf, actor=actor,
                            supersedes=earlier[0].document if earlier else None,
                            public_token=token,
                            note=f"Год {year}; точек учёта: {len(checked)}")
    request = LimitRequest(document_id=issued.document.id, client_id=client.id, year=year,
                           submitted_by_id=actor.user_id, submitted_by=actor.name[:200],
                           submitted_at=now)
    request.volumes = [LimitVolume(point_id=point.id, month=month, volume=value)
                       for point, months in checked
                       for month, value in enumerate(months, start=1)]
    session.add(request)
    session.flush()
    for old in earlier:
        supersede(session, old.document, by=issued.document, actor=actor,
                  reason=f"Заменена заявкой № {number}.")
    document_waiting(session, issued.document)
    return request


def _factory_numbers(session: DbSession, point_ids: Sequence[int]) -> dict[int, str]:
    """Each point's electricity meter factory number (the installed one first), for the PDF."""
    rows = session.execute(select(Meter.point_id, Meter.factory_number)
                           .where(Meter.point_id.in_(list(point_ids)),
                                  Meter.service == Service.ELECTRICITY)
                           .order_by(Meter.removed_on.is_not(None), Meter.id)).all()
    out: dict[int, str] = {}
    for point_id, factory in rows:
        if factory and int(point_id) not in out:
            out[int(point_id)] = str(factory)
    return out


# --- the supplier's decision (``countersign`` registry) -------------------------------------

APPROVAL_REASON = "Лимиты согласованы поставщиком"


def approval_reason(context: Countersigning) -> str:
    return APPROVAL_REASON


def on_approved(context: Countersigning) -> None:
    """The request is countersigned: its limits are in force; the year's earlier approved
    request is superseded by it."""
    request = get_request(context.session, context.document.id, client_id=None)
    request.approved_at = context.now
    for older in requests_of_year(context.session, request.client_id, request.year,
                                  (S.ACCEPTED,)):
        if older.id != request.id:
            supersede(context.session, older.document, by=context.document,
                      actor=context.actor,
                      reason=f"Заменена заявкой № {context.document.number}.")


# --- finding requests ----------------------------------------------------------------------

def get_request(session: DbSession, document_id: int, *, client_id: int | None) -> LimitRequest:
    """The request of document ``document_id`` within ``client_id``'s scope (None: any
    client — staff only); ``NotFound`` otherwise."""
    request = session.scalars(select(LimitRequest)
                              .where(LimitRequest.document_id == document_id)).first()
    if request is None or (client_id is not None and request.client_id != client_id):
        raise NotFound(N_("No such request."))
    return request


def client_requests(session: DbSession, client_id: int, *, limit: int = 200) -> list[LimitRequest]:
    """The client's requests, newest first."""
    return list(session.scalars(select(LimitRequest).where(LimitRequest.client_id == client_id)
                                .order_by(LimitRequest.id.desc()).limit(limit)))


def request_volumes(request: LimitRequest) -> dict[int, Months]:
    """A request's volumes: point → twelve months."""
    out: dict[int, Months] = {}
    for v in request.volumes:
        out.setdefault(v.point_id, [None] * MONTHS)[v.month - 1] = v.volume
    return out


# --- for other packages: the limits in force -------------------------------------------------

def approved_limits(session: DbSession, client_id: int, year: int) -> dict[int, Months]:
    """The limits in force for the client's ``year``: point → twelve monthly volumes (kWh),
    from approved requests only (the newest approved request wins for each point); a point
    no approved request names is absent."""
    out: dict[int, Months] = {}
    for request in requests_of_year(session, client_id, year, (S.ACCEPTED,)):
        for point_id, months in request_volumes(request).items():
            out.setdefault(point_id, months)
    return out


@dataclass(frozen=True)
class OverLimit:
    """A month whose accepted consumption exceeds its approved limit."""

    point_id: int
    point_name: str
    month: int
    """1–12."""
    limit: Decimal
    actual: Decimal

    @property
    def excess(self) -> Decimal:
        return self.actual - self.limit


def months_over_limit(session: DbSession, client_id: int, year: int) -> list[OverLimit]:
    """Every point and month of ``year`` whose actual consumption (accepted readings) is
    above its approved limit, by point name and month."""
    limits = approved_limits(session, client_id, year)
    if not limits:
        return []
    actual = actual_consumption(session, client_id, year)
    names: Mapping[int, str] = {p.id: p.name for p in session.scalars(
        select(MeteringPoint).where(MeteringPoint.id.in_(list(limits))))}
    out = []
    for point_id, months in limits.items():
        used = actual.get(point_id, [None] * MONTHS)
        for index, (limit, value) in enumerate(zip(months, used, strict=True)):
            if limit is not None and value is not None and value > limit:
                out.append(OverLimit(point_id, names.get(point_id, ""), index + 1, limit, value))
    return sorted(out, key=lambda o: (o.point_name, o.point_id, o.month))
