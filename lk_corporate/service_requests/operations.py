"""Service requests: a client files one, the supplier's staff take, work on and finish it.

The life of a request is ``REQUEST_STATES``: new → in progress → done, or rejected (from new
or in progress); finishing and rejecting need a comment the client reads. Every move and
every assignment is in the audit log; the client's users are told of each move by e-mail,
the staff who handle requests of each new one. A request is found from a client's page only
within that client (``get_request(..., client_id=...)``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from lk_corporate.accounts.models import User
from lk_corporate.clients.models import Meter, MeteringPoint
from lk_corporate.core import rights as R
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.errors import N_, DomainError, NotFound
from lk_corporate.core.states import StateMachine
from lk_corporate.service_requests import notifications
from lk_corporate.service_requests.labels import STATUS_LABELS
from lk_corporate.service_requests.models import RequestKind, RequestStatus, ServiceRequest
from lk_corporate.staff.operations import staff_with_right


class ServiceRequestError(DomainError):
    code = "service_request_refused"


S = RequestStatus

REQUEST_STATES = StateMachine[RequestStatus](
    name="service_request",
    moves={
        S.NEW: frozenset({S.IN_PROGRESS, S.REJECTED}),
        S.IN_PROGRESS: frozenset({S.DONE, S.REJECTED}),
    },
    refusal=N_("Request No. %(label)s is %(state)s and cannot become %(target)s."),
    labels=STATUS_LABELS,
)

NEEDS_COMMENT = frozenset({S.DONE, S.REJECTED})
MAX_DESCRIPTION = 5000
MAX_COMMENT = 2000
_PHONE = re.compile(r"[0-9+()\-\s.]{5,60}")


@dataclass(frozen=True)
class RequestData:
    """What the client's form says."""

    kind: RequestKind | None
    description: str
    contact_phone: str
    point_id: int | None = None
    meter_id: int | None = None
    preferred_date: dt.date | None = None


def _checked(session: DbSession, client_id: int, data: RequestData,
             today: dt.date) -> tuple[int | None, int | None]:
    """Refuse what is wrong (naming the field); the point and meter, both of this client."""
    if data.kind is None:
        raise ServiceRequestError(N_("Choose what the request is about."), "kind")
    point_id, meter_id = data.point_id, data.meter_id
    if meter_id is not None:
        meter = session.get(Meter, meter_id)
        if meter is None or meter.client_id != client_id:
            raise ServiceRequestError(N_("Choose one of your meters."), "place")
        point_id = meter.point_id
    elif point_id is not None:
        point = session.get(MeteringPoint, point_id)
        if point is None or point.client_id != client_id:
            raise ServiceRequestError(N_("Choose one of your metering points."), "place")
    if not data.description.strip():
        raise ServiceRequestError(N_("Describe what needs to be done."), "description")
    if len(data.description) > MAX_DESCRIPTION:
        raise ServiceRequestError(N_("At most %(max)s characters."), "description",
                                  max=MAX_DESCRIPTION)
    if data.preferred_date is not None and data.preferred_date < today:
        raise ServiceRequestError(N_("The preferred date cannot be in the past."),
                                  "preferred_date")
    phone = data.contact_phone.strip()
    if not _PHONE.fullmatch(phone) or sum(c.isdigit() for c in phone) < 5:
        raise ServiceRequestError(N_("Enter a phone number we can call, e.g. +7 495 123-45-67."),
                                  "contact_phone")
    return point_id, meter_id


def create_request(session: DbSession, *, client_id: int, data: RequestData, actor: Actor,
                   today: dt.date) -> ServiceRequest:
    """A client's new request (``today``: the supplier's local date, for the preferred date)."""
    if actor.user_id is None:
        raise ValueError("a request needs a user as its author")
    point_id, meter_id = _checked(session, client_id, data, today)
    now = utcnow()
    request = ServiceRequest(client_id=client_id, kind=data.kind, point_id=point_id,
                             meter_id=meter_id, description=data.description.strip(),
                             preferred_date=data.preferred_date,
                             contact_phone=" ".join(data.contact_phone.split()),
                             status=S.NEW, created_by_id=actor.user_id, created_at=now,
                             updated_at=now)
    session.add(request)
    session.flush()
    record(session, "service_request.created", actor=actor, object_type="service_request",
           object_id=request.id, details={"client_id": client_id, "kind": request.kind.value,
                                          "point_id": point_id, "meter_id": meter_id})
    notifications.request_filed(session, request)
    return request


def assign(session: DbSession, request: ServiceRequest, *, assignee_id: int | None,
           actor: Actor) -> ServiceRequest:
    """Give the request to a staff member who handles requests (None: nobody)."""
    assignee: User | None = None
    if assignee_id is not None:
        assignee = next((u for u in handling_staff(session) if u.id == assignee_id), None)
        if assignee is None:
            raise ServiceRequestError(N_("Choose a staff member who handles requests."),
                                      "assignee")
    if request.assigned_to_id == assignee_id:
        return request
    before = request.assigned_to.login if request.assigned_to else None
    request.assigned_to_id = assignee_id
    request.updated_at = utcnow()
    session.flush()
    session.refresh(request, attribute_names=["assigned_to"])
    record(session, "service_request.assigned", actor=actor, object_type="service_request",
           object_id=request.id, details={"client_id": request.client_id, "from": before,
                                          "to": assignee.login if assignee else None})
    return request


def move(session: DbSession, request: ServiceRequest, target: RequestStatus, *, comment: str,
         actor: Actor) -> ServiceRequest:
    """Take the request into work, finish it or reject it (the last two with a comment for
    the client); the client's users are told."""
    comment = (comment or "").strip()
    REQUEST_STATES.check(request.status, target, label=request.number)
    if target in NEEDS_COMMENT and not comment:
        raise ServiceRequestError(
            N_("Say what was done.") if target is S.DONE else N_("Say why the request is rejected."),
            "comment")
    if len(comment) > MAX_COMMENT:
        raise ServiceRequestError(N_("At most %(max)s characters."), "comment", max=MAX_COMMENT)
    if target is S.IN_PROGRESS and request.assigned_to_id is None and actor.user_id is not None:
        # Whoever takes a request into work handles it, unless someone already does.
        request.assigned_to_id = actor.user_id
    if comment:
        request.comment = comment
    request.updated_at = utcnow()
    REQUEST_STATES.transition(session, request, target, actor=actor, reason=comment,
                              label=request.number, details={"client_id": request.client_id})
    notifications.status_changed(session, request)
    return request


def get_request(session: DbSession, request_id: int, *, client_id: int | None) -> ServiceRequest:
    """The request, within ``client_id``'s scope (None: any client — staff only)."""
    request = session.get(ServiceRequest, request_id)
    if request is None or (client_id is not None and request.client_id != client_id):
        raise NotFound(N_("No such request."))
    return request


def client_requests_query(client_id: int) -> Select[ServiceRequest]:
    return (select(ServiceRequest).where(ServiceRequest.client_id == client_id)
            .order_by(ServiceRequest.id.desc()))


BOXES = ("unassigned", "mine", "all")


def queue_query(user_id: int, *, box: str, status: RequestStatus | None) -> Select[ServiceRequest]:
    """The staff's queue: nobody's / mine / all, of a status (None: any); the oldest first,
    as a queue is worked."""
    query = select(ServiceRequest).order_by(ServiceRequest.id)
    if box == "unassigned":
        query = query.where(ServiceRequest.assigned_to_id.is_(None))
    elif box == "mine":
        query = query.where(ServiceRequest.assigned_to_id == user_id)
    if status is not None:
        query = query.where(ServiceRequest.status == status)
    return query


def waiting_count(session: DbSession, user_id: int) -> int:
    """New requests nobody has taken, plus those assigned to ``user_id`` still new."""
    return int(session.scalar(select(func.count(ServiceRequest.id)).where(
        ServiceRequest.status == S.NEW,
        ServiceRequest.assigned_to_id.is_(None) | (ServiceRequest.assigned_to_id == user_id)))
        or 0)


def handling_staff(session: DbSession) -> list[User]:
    """Whom a request can be assigned to."""
    return staff_with_right(session, R.MESSAGES_ANSWER)
