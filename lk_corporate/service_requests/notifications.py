"""The e-mail notices of service requests: a new one to the staff who handle requests, each
change of status to the client's users."""

from __future__ import annotations

from lk_corporate.accounts.preferences import NotificationKind
from lk_corporate.core.db import DbSession
from lk_corporate.core.errors import N_
from lk_corporate.core.mail import OutgoingMail
from lk_corporate.notifications.operations import notify, notify_staff, portal_link
from lk_corporate.service_requests.labels import KIND_LABELS, STATUS_LABELS
from lk_corporate.service_requests.models import ServiceRequest

STATUS_CHANGED = N_("Request No. %(number)s: %(status)s")
REQUEST_FILED = N_("New service request No. %(number)s from %(client)s")


def _context(request: ServiceRequest, link: str) -> dict[str, object]:
    return {"request": request, "number": request.number, "client": request.client.display_name,
            "kind": KIND_LABELS[request.kind], "status": STATUS_LABELS[request.status],
            "link": link}


def status_changed(session: DbSession, request: ServiceRequest) -> list[OutgoingMail]:
    return notify(session, client_id=request.client_id, kind=NotificationKind.SERVICE_REQUEST,
                  subject_msgid=STATUS_CHANGED, template="service_request_status",
                  context=_context(request, portal_link("service_requests.detail",
                                                        service_request_id=request.id)))


def request_filed(session: DbSession, request: ServiceRequest) -> list[OutgoingMail]:
    return notify_staff(session, kind=NotificationKind.SERVICE_REQUEST,
                        subject_msgid=REQUEST_FILED, template="service_request_filed",
                        context=_context(request, portal_link("service_requests.staff_detail",
                                                              service_request_id=request.id)))
