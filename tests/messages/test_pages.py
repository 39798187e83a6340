"""The correspondence pages: a client writes with a file and downloads it back as an
attachment, the menu counts what is unread, refusals land beside the field, another client's
conversation and files are not found; the staff's inbox, assignment, reply, close and reopen."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

from sqlalchemy import select

from lk_corporate.core.extensions import db
from lk_corporate.core.uow import unit_of_work
from lk_corporate.messages import operations as ops
from lk_corporate.messages.models import Thread, ThreadCategory, ThreadStatus
from tests.clients.helpers import field_error
from tests.support import files
from tests.support.factories import csrf_token, login, post_form


def _write(client, *, subject="Вопрос по счёту", uploads=(("Акт сверки.pdf", files.PDF),)):
    data = {"category": "invoices", "subject": subject, "body": "Здравствуйте!\nПрилагаю акт.",
            "files": [(io.BytesIO(content), name) for name, content in uploads]}
    return post_form(client, "/messages/new", data, content_type="multipart/form-data")


def _menu_badges(page: str) -> list[str]:
    nav = page[page.index('id="lk-nav"'):page.index("</nav>")]
    return re.findall(r'data-lk="menu-badge">(\d+)', nav)


def _newest_thread() -> Thread:
    db.session.expire_all()
    return db.session.scalars(select(Thread).order_by(Thread.id.desc())).first()


def test_client_writes_with_a_file_and_gets_it_back_as_an_attachment(client, people):
    login(client, "buh")
    form = client.get("/messages/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form and 'accept=".pdf,' in form
    assert "До 5 файлов, каждый до 10 МБ" in form
    response = _write(client)
    thread = _newest_thread()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/messages/{thread.id}")
    page = client.get(f"/messages/{thread.id}").get_data(as_text=True)
    assert "Вопрос по счёту" in page and "Ожидает ответа" in page and "Прилагаю акт." in page
    link = re.search(r'href="(/messages/\d+/files/\d+)" data-lk="attachment"', page).group(1)
    download = client.get(link)
    assert download.status_code == 200 and download.data == files.PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('Акт сверки.pdf')}" in disposition

    listing = client.get("/messages").get_data(as_text=True)
    assert f'href="/messages/{thread.id}"' in listing and "Счета и оплата" in listing


def test_refusals_are_shown_beside_the_files_field(client, people):
    login(client, "buh")
    response = _write(client, uploads=(("invoice.pdf", files.EXE),))
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "files") == (
        "Файл «invoice.pdf» не соответствует своему имени: его содержимое — не PDF.")
    response = _write(client, uploads=[(f"{n}.pdf", files.PDF) for n in range(6)])
    assert "не более 5 файлов" in field_error(response.get_data(as_text=True), "files")
    response = post_form(client, "/messages/new", {"category": "invoices", "subject": " ",
                                                   "body": ""})
    page = response.get_data(as_text=True)
    assert field_error(page, "subject") and field_error(page, "body")
    assert db.session.scalars(select(Thread)).all() == []


def test_unread_replies_are_counted_in_the_menu_until_read(client, people):
    login(client, "buh")
    _write(client)
    thread = _newest_thread()
    assert _menu_badges(client.get("/messages").get_data(as_text=True)) == []
    with unit_of_work() as s:
        ops.reply(s, people.store, s.get(Thread, thread.id), actor=people.actor(people.operator),
                  from_staff=True, body="Ответ поставщика")
    listing = client.get("/messages").get_data(as_text=True)
    assert _menu_badges(listing) == ["1", "1"]  # the «Поставщик» section and «Мои обращения»
    assert 'data-lk="unread"' in listing
    page = client.get(f"/messages/{thread.id}").get_data(as_text=True)
    assert page.count('data-lk="new-message"') == 1  # the reply, marked new this once
    assert _menu_badges(client.get("/messages").get_data(as_text=True)) == []
    assert 'data-lk="new-message"' not in client.get(f"/messages/{thread.id}").get_data(as_text=True)


def test_another_clients_conversation_and_files_are_not_found(client, people):
    with unit_of_work() as s:
        theirs = ops.start_thread(s, people.store, client_id=people.other_firm.id,
                                  actor=people.actor(people.stranger), subject="Чужое",
                                  category=ThreadCategory.OTHER, body="Секрет",
                                  uploads=[ops.Upload("secret.pdf", files.PDF + b"secret")])
        theirs_id, their_file = theirs.id, theirs.messages[0].attachments[0].id
    login(client, "buh")
    _write(client)
    mine = _newest_thread().id
    assert client.get(f"/messages/{theirs_id}").status_code == 404
    assert client.get(f"/messages/{theirs_id}/files/{their_file}").status_code == 404
    assert client.get(f"/messages/{mine}/files/{their_file}").status_code == 404  # mixed IDs
    token = csrf_token(client, "/messages/new")
    assert client.post(f"/messages/{theirs_id}", data={"csrf_token": token, "body": "x"}).status_code == 404
    assert "Чужое" not in client.get("/messages").get_data(as_text=True)


def test_a_signer_without_the_right_to_write_sees_no_correspondence(client, people):
    login(client, "signer")
    assert client.get("/messages").status_code == 403
    assert client.get("/messages/new").status_code == 403
    assert "/messages" not in client.get("/cabinet").get_data(as_text=True)


def test_staff_inbox_assignment_reply_close_and_reopen(client, people, mailbox):
    login(client, "buh")
    _write(client, subject="Первый вопрос")
    first = _newest_thread().id
    _write(client, subject="Второй вопрос", uploads=())
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})

    login(client, "operator1")
    inbox = client.get("/staff/messages").get_data(as_text=True)
    assert inbox.count('data-lk="unread"') == 2 and "ООО «Ромашка»" in inbox
    assert _menu_badges(inbox) == ["2", "2"]
    unassigned = client.get("/staff/messages?box=unassigned").get_data(as_text=True)
    assert "Первый вопрос" in unassigned
    assert "Первый вопрос" not in client.get("/staff/messages?box=mine").get_data(as_text=True)

    page = client.get(f"/staff/messages/{first}").get_data(as_text=True)
    assert "Акт сверки.pdf" in page and 'data-lk="take"' in page
    assert _menu_badges(page) == ["1", "1"]  # opening it marked it read
    post_form(client, f"/staff/messages/{first}/assign", {"assignee": "me"},
              form_url=f"/staff/messages/{first}")
    mine = client.get("/staff/messages?box=mine").get_data(as_text=True)
    assert "Первый вопрос" in mine and "Второй вопрос" not in mine

    response = post_form(client, f"/staff/messages/{first}",
                         {"body": "Акт проверен, расхождений нет.",
                          "files": [(io.BytesIO(files.XLSX), "расчёт.xlsx")]},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    thread = db.session.get(Thread, first)
    assert thread.status is ThreadStatus.ANSWERED and thread.assigned_to_id == people.operator.id
    assert mailbox.last_to("buh@romashka.example")["Subject"] == "Ответ поставщика: Первый вопрос"

    post_form(client, f"/staff/messages/{first}/close", {}, form_url=f"/staff/messages/{first}")
    closed = client.get(f"/staff/messages/{first}").get_data(as_text=True)
    assert "Закрыто" in closed and 'id="reply"' not in closed
    post_form(client, f"/staff/messages/{first}/reopen", {}, form_url=f"/staff/messages/{first}")
    db.session.expire_all()
    assert db.session.get(Thread, first).status is ThreadStatus.OPEN
    assert 'id="reply"' in client.get(f"/staff/messages/{first}").get_data(as_text=True)


def test_staff_without_the_right_to_answer_have_no_inbox(client, people):
    login(client, "admin1")
    assert client.get("/staff/messages").status_code == 403
    assert "/staff/messages" not in client.get("/staff/").get_data(as_text=True)
