"""Service requests through their operations and pages: filing (with the client's own point or
meter only), the moves new → in progress → done / rejected with a comment, assignment, the
audit, the e-mails to staff and client, the queue's boxes and count, another client's request
not found."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from lk_corporate.core.audit import AuditEntry
from lk_corporate.core.errors import InvalidTransition, NotFound
from lk_corporate.core.extensions import db
from lk_corporate.core.jobs import wait_idle
from lk_corporate.core.uow import unit_of_work
from lk_corporate.service_requests import operations as ops
from lk_corporate.service_requests.models import RequestKind, RequestStatus, ServiceRequest
from tests.clients.helpers import field_error
from tests.messages.conftest import Correspondents
from tests.support.factories import create_meter, csrf_token, login, post_form

TODAY = dt.date(2026, 11, 20)


def _data(**overrides):
    values = {"kind": RequestKind.VERIFICATION, "description": "Истёк срок поверки.",
              "contact_phone": "+7 (495) 123-45-67"}
    values.update(overrides)
    return ops.RequestData(**values)


def _file(people: Correspondents, **overrides) -> int:
    with unit_of_work() as s:
        return ops.create_request(s, client_id=people.firm.id, data=_data(**overrides),
                                  actor=people.actor(people.accountant), today=TODAY).id


def _get(request_id: int) -> ServiceRequest:
    db.session.expire_all()
    return db.session.get(ServiceRequest, request_id)


def _move(people, request_id, target, comment="", by=None):
    with unit_of_work() as s:
        ops.move(s, s.get(ServiceRequest, request_id), target, comment=comment,
                 actor=people.actor(by or people.operator))


def test_a_request_from_filing_to_done(clean_app, people, mailbox):
    meter = create_meter(people.firm, factory_number="0804205678")
    request_id = _file(people, meter_id=meter.id, preferred_date=TODAY + dt.timedelta(days=3))
    request = _get(request_id)
    assert (request.status, request.point_id, request.meter_id) == (
        RequestStatus.NEW, meter.point_id, meter.id)
    assert request.contact_phone == "+7 (495) 123-45-67"
    # Every staff member who handles requests hears of a new one.
    mailbox.wait_count(2)
    assert sorted(str(m["To"]) for m in mailbox.messages) == sorted(
        [people.operator.email, people.operator2.email])
    assert mailbox.last_to(people.operator.email)["Subject"] == (
        f"Новая заявка № {request_id} от ООО «Ромашка»")
    assert wait_idle(clean_app)
    mailbox.clear()

    _move(people, request_id, RequestStatus.IN_PROGRESS, by=people.operator2)
    assert _get(request_id).assigned_to_id == people.operator2.id  # taken by whoever starts it
    assert wait_idle(clean_app)
    taken = mailbox.last_to("buh@romashka.example")
    assert taken["Subject"] == f"Заявка № {request_id}: В работе"
    with pytest.raises(ops.ServiceRequestError) as refused, unit_of_work() as s:
        ops.move(s, s.get(ServiceRequest, request_id), RequestStatus.DONE, comment=" ",
                 actor=people.actor(people.operator2))
    assert refused.value.field == "comment"
    _move(people, request_id, RequestStatus.DONE, comment="Прибор поверен, пломба установлена.",
          by=people.operator2)
    assert _get(request_id).status is RequestStatus.DONE
    assert wait_idle(clean_app)
    done = mailbox.last_to("buh@romashka.example")
    assert done["Subject"] == f"Заявка № {request_id}: Выполнена"
    assert "Прибор поверен, пломба установлена." in done.get_content()
    # The English-speaking colleague reads it in English; the signer may not file requests.
    assert mailbox.last_to(people.colleague.email)["Subject"] == f"Request No. {request_id}: Done"
    assert wait_idle(clean_app)
    assert people.signer.email not in {str(m["To"]) for m in mailbox.messages}

    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "service_request").order_by(AuditEntry.seq)).all()
    assert [e.action for e in entries] == ["service_request.created",
                                           "service_request.in_progress", "service_request.done"]
    assert json.loads(entries[-1].details)["reason"] == "Прибор поверен, пломба установлена."


def test_what_a_request_may_not_say(people):
    foreign_meter = create_meter(people.other_firm)
    own_meter = create_meter(people.firm)
    cases = [
        (_data(kind=None), "kind"),
        (_data(meter_id=foreign_meter.id), "place"),
        (_data(point_id=foreign_meter.point_id), "place"),
        (_data(meter_id=987654), "place"),
        (_data(description="   "), "description"),
        (_data(preferred_date=TODAY - dt.timedelta(days=1)), "preferred_date"),
        (_data(contact_phone="call me"), "contact_phone"),
        (_data(contact_phone="12"), "contact_phone"),
    ]
    for data, field in cases:
        with pytest.raises(ops.ServiceRequestError) as refused, unit_of_work() as s:
            ops.create_request(s, client_id=people.firm.id, data=data,
                               actor=people.actor(people.accountant), today=TODAY)
        assert refused.value.field == field, data
    assert db.session.scalars(select(ServiceRequest)).all() == []
    # A point of its own without a meter is fine; so is today as the preferred date.
    request_id = _file(people, point_id=own_meter.point_id, preferred_date=TODAY)
    assert (_get(request_id).point_id, _get(request_id).meter_id) == (own_meter.point_id, None)


def test_the_moves_and_rejection(people):
    request_id = _file(people)
    with pytest.raises(InvalidTransition), unit_of_work() as s:
        ops.move(s, s.get(ServiceRequest, request_id), RequestStatus.DONE, comment="x",
                 actor=people.actor(people.operator))
    with pytest.raises(ops.ServiceRequestError), unit_of_work() as s:
        ops.move(s, s.get(ServiceRequest, request_id), RequestStatus.REJECTED, comment="",
                 actor=people.actor(people.operator))
    _move(people, request_id, RequestStatus.REJECTED, comment="Прибор не числится за договором.")
    assert _get(request_id).comment == "Прибор не числится за договором."
    with pytest.raises(InvalidTransition), unit_of_work() as s:
        ops.move(s, s.get(ServiceRequest, request_id), RequestStatus.IN_PROGRESS, comment="",
                 actor=people.actor(people.operator))


def test_assignment_and_the_queue(people):
    first, second = _file(people), _file(people, kind=RequestKind.SEAL)
    assert ops.waiting_count(db.session, people.operator.id) == 2
    for wrong in (people.admin.id, people.accountant.id):
        with pytest.raises(ops.ServiceRequestError), unit_of_work() as s:
            ops.assign(s, s.get(ServiceRequest, first), assignee_id=wrong,
                       actor=people.actor(people.operator))
    with unit_of_work() as s:
        ops.assign(s, s.get(ServiceRequest, first), assignee_id=people.operator2.id,
                   actor=people.actor(people.operator))
    assert ops.waiting_count(db.session, people.operator.id) == 1
    assert ops.waiting_count(db.session, people.operator2.id) == 2
    def ids(box: str) -> list[int]:
        return [r.id for r in db.session.scalars(
            ops.queue_query(people.operator2.id, box=box, status=None))]

    assert (ids("mine"), ids("unassigned"), ids("all")) == ([first], [second], [first, second])
    assert [r.id for r in db.session.scalars(ops.queue_query(
        people.operator2.id, box="all", status=RequestStatus.IN_PROGRESS))] == []
    with pytest.raises(NotFound):
        ops.get_request(db.session, first, client_id=people.other_firm.id)


def test_the_client_files_a_request_on_the_page(client, people):
    meter = create_meter(people.firm, factory_number="12223773")
    login(client, "buh")
    form = client.get("/service-requests/new").get_data(as_text=True)
    assert f'value="m:{meter.id}"' in form and f'value="p:{meter.point_id}"' in form
    assert "Опломбирование" in form
    refused = post_form(client, "/service-requests/new", {
        "kind": "seal", "place": f"m:{meter.id}", "description": "", "contact_phone": "1"})
    assert refused.status_code == 422
    assert field_error(refused.get_data(as_text=True), "description") == "Обязательное поле."
    refused = post_form(client, "/service-requests/new", {
        "kind": "seal", "place": f"m:{meter.id}", "description": "Опломбировать.",
        "contact_phone": "позвоните"})
    assert refused.status_code == 422
    assert "Укажите телефон" in field_error(refused.get_data(as_text=True), "contact_phone")
    response = post_form(client, "/service-requests/new", {
        "kind": "seal", "place": f"m:{meter.id}", "description": "Опломбировать после замены.",
        "contact_phone": "+7 495 000-00-00", "preferred_date": ""})
    created = db.session.scalars(select(ServiceRequest)).one()
    assert response.headers["Location"].endswith(f"/service-requests/{created.id}")
    assert created.meter_id == meter.id and created.kind is RequestKind.SEAL
    detail = client.get(f"/service-requests/{created.id}").get_data(as_text=True)
    assert "Новая" in detail and "Прибор учёта № 12223773" in detail
    assert f"/service-requests/{created.id}" in client.get("/service-requests").get_data(as_text=True)


def test_another_clients_request_is_not_found(client, people):
    with unit_of_work() as s:
        theirs = ops.create_request(s, client_id=people.other_firm.id, data=_data(),
                                    actor=people.actor(people.stranger), today=TODAY).id
    login(client, "buh")
    assert client.get(f"/service-requests/{theirs}").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    login(client, "signer")
    assert client.get("/service-requests").status_code == 403


def test_staff_take_work_and_finish_a_request_on_the_page(client, people):
    request_id = _file(people)
    login(client, "operator1")
    queue = client.get("/staff/service-requests?box=unassigned").get_data(as_text=True)
    assert f"/staff/service-requests/{request_id}" in queue and "ООО «Ромашка»" in queue
    assert 'data-lk="menu-badge">1' in queue
    url = f"/staff/service-requests/{request_id}"
    post_form(client, f"{url}/status", {"target": "in_progress", "comment": ""}, form_url=url)
    assert _get(request_id).status is RequestStatus.IN_PROGRESS
    refused = post_form(client, f"{url}/status", {"target": "done", "comment": ""}, form_url=url)
    assert refused.status_code == 422
    assert field_error(refused.get_data(as_text=True), "comment") == "Напишите, что сделано."
    post_form(client, f"{url}/status", {"target": "done", "comment": "Поверка выполнена."},
              form_url=url)
    assert _get(request_id).status is RequestStatus.DONE
    post_form(client, f"{url}/assign", {"assignee": str(people.operator2.id)}, form_url=url)
    assert _get(request_id).assigned_to_id == people.operator2.id
    token = csrf_token(client, url)
    assert client.post("/staff/service-requests/987654/status",
                       data={"csrf_token": token, "target": "done"}).status_code == 404
