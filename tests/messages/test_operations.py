"""Correspondence through its operations: a conversation's life, attachment limits and types
checked by content, clean file names, unread counts on both sides, assignment, scope, and the
e-mail notice of each new message (through the real SMTP server)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlalchemy import select

from lk_corporate.accounts.preferences import NotificationKind, set_preference
from lk_corporate.core.audit import AuditEntry
from lk_corporate.core.errors import InvalidTransition, NotFound
from lk_corporate.core.extensions import db
from lk_corporate.core.jobs import wait_idle
from lk_corporate.core.uow import unit_of_work
from lk_corporate.messages import operations as ops
from lk_corporate.messages.files import clean_file_name
from lk_corporate.messages.models import Thread, ThreadCategory, ThreadStatus
from tests.support import files


def _start(people, *, uploads=(), by=None, subject="Вопрос по счёту"):
    user = by or people.accountant
    with unit_of_work() as s:
        thread = ops.start_thread(s, people.store, client_id=user.memberships[0].client_id,
                                  actor=people.actor(user), subject=subject,
                                  category=ThreadCategory.INVOICES, body="Здравствуйте!\nВопрос.",
                                  uploads=list(uploads))
        return thread.id


def _thread(thread_id: int) -> Thread:
    db.session.expire_all()
    return db.session.get(Thread, thread_id)


def _reply(people, thread_id, user, *, staff, body="Ответ", uploads=()):
    with unit_of_work() as s:
        return ops.reply(s, people.store, s.get(Thread, thread_id), actor=people.actor(user),
                         from_staff=staff, body=body, uploads=list(uploads)).id


def test_a_conversation_from_question_to_closing(people):
    thread_id = _start(people, uploads=[ops.Upload("Акт сверки.pdf", files.PDF)])
    thread = _thread(thread_id)
    assert thread.status is ThreadStatus.OPEN and thread.client_id == people.firm.id
    attachment = thread.messages[0].attachments[0]
    assert (attachment.file_name, attachment.content_type, attachment.size) == (
        "Акт сверки.pdf", "application/pdf", len(files.PDF))
    assert people.store.get(attachment.sha256) == files.PDF  # bytes in the FileStore

    _reply(people, thread_id, people.operator, staff=True, uploads=[ops.Upload("ответ.xlsx", files.XLSX)])
    assert _thread(thread_id).status is ThreadStatus.ANSWERED
    _reply(people, thread_id, people.accountant, staff=False)
    assert _thread(thread_id).status is ThreadStatus.OPEN
    with unit_of_work() as s:
        ops.close(s, s.get(Thread, thread_id), actor=people.actor(people.operator))
    with pytest.raises(ops.MessageError) as refused, unit_of_work():
        _reply(people, thread_id, people.operator, staff=True)
    assert refused.value.field == "body"
    with pytest.raises(InvalidTransition), unit_of_work() as s:
        ops.close(s, s.get(Thread, thread_id), actor=people.actor(people.operator))
    # A client writing into a closed conversation opens it again.
    _reply(people, thread_id, people.accountant, staff=False, body="Ещё вопрос")
    assert _thread(thread_id).status is ThreadStatus.OPEN

    actions = list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type.in_(("message", "message_thread"))).order_by(AuditEntry.seq)))
    assert actions == ["message_thread.created", "message.posted", "message.posted",
                       "message.posted", "message_thread.closed", "message.posted"]
    posted = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "message.posted")
                                .order_by(AuditEntry.seq)).all()
    details = [json.loads(e.details) for e in posted]
    assert details[0]["attachments"] == [attachment.sha256]
    assert (details[1]["from"], details[1]["to"]) == ("open", "answered")
    assert (details[3]["from"], details[3]["to"]) == ("closed", "open")


ACCEPTED = [
    ("скан.pdf", files.PDF), ("фото.JPG", files.JPEG), ("фото.jpeg", files.JPEG),
    ("схема.png", files.PNG), ("расчёт.xlsx", files.XLSX), ("письмо.docx", files.DOCX),
    ("показания.xml", files.XML), ("выписка.txt", files.TXT_1251), ("архив.zip", files.ZIP),
    ("договор.zip", files.DOCX),  # a DOCX is a ZIP archive too
]


@pytest.mark.parametrize(("name", "data"), ACCEPTED, ids=[case[0] for case in ACCEPTED])
def test_accepted_types(people, name, data):
    checked = ops.check_uploads([ops.Upload(name, data)], ops.MessageSettings())
    assert checked[0].data == data and checked[0].file_name == name


REFUSED = [
    ("invoice.pdf", files.EXE, "is not PDF"),  # an executable renamed
    ("photo.jpg", files.PNG, "is not JPEG"),
    ("report.docx", files.ZIP, "is not DOCX"),  # a ZIP without a Word document inside
    ("table.xlsx", files.DOCX, "is not XLSX"),
    ("notes.txt", files.PNG, "is not TXT"),
    ("data.xml", b"plain words, no markup", "is not XML"),
    ("broken.zip", b"PK\x03\x04 not really an archive", "is not ZIP"),
    ("program.exe", files.EXE, "are not accepted"),
    ("page.html", b"<html><script>alert(1)</script></html>", "are not accepted"),
    ("no-extension", files.PDF, "are not accepted"),
]


@pytest.mark.parametrize(("name", "data", "says"), REFUSED, ids=[case[0] for case in REFUSED])
def test_types_are_checked_by_content(people, name, data, says):
    with pytest.raises(ops.MessageError) as refused:
        ops.check_uploads([ops.Upload(name, data)], ops.MessageSettings())
    assert refused.value.field == "files" and says in str(refused.value)


def test_size_and_count_limits(people):
    small = dataclasses.replace(ops.MessageSettings(), max_file_bytes=1024 * 1024, max_files=2)
    big = files.TXT_1251 + b"x" * (1024 * 1024)
    with pytest.raises(ops.MessageError, match="larger than 1 MB"):
        ops.check_uploads([ops.Upload("big.txt", big)], small)
    with pytest.raises(ops.MessageError, match="At most 2 files"):
        ops.check_uploads([ops.Upload(f"{n}.pdf", files.PDF) for n in range(3)], small)
    with pytest.raises(ops.MessageError, match="is empty"):
        ops.check_uploads([ops.Upload("empty.pdf", b"")], small)
    assert len(ops.check_uploads([ops.Upload(f"{n}.pdf", files.PDF) for n in range(2)], small)) == 2
    # The defaults: 10 MB per file, 5 files.
    assert (ops.MessageSettings().max_file_bytes, ops.MessageSettings().max_files) == (10 * 1024 * 1024, 5)
    with pytest.raises(ops.MessageError, match="larger than 10 MB"):
        ops.check_uploads([ops.Upload("big.pdf", files.PDF + b"0" * (10 * 1024 * 1024))],
                          ops.MessageSettings())


def test_a_refused_file_writes_nothing(people):
    with pytest.raises(ops.MessageError), unit_of_work() as s:
        ops.start_thread(s, people.store, client_id=people.firm.id,
                         actor=people.actor(people.accountant), subject="S",
                         category=ThreadCategory.OTHER, body="B",
                         uploads=[ops.Upload("ok.pdf", files.PDF), ops.Upload("bad.pdf", files.EXE)])
    assert db.session.scalars(select(Thread)).all() == []
    assert db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type.in_(("message", "message_thread")))).all() == []


@pytest.mark.parametrize(("raw", "clean"), [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\Users\\buh\\Desktop\\Акт сверки.pdf", "Акт сверки.pdf"),
    ("invoice\u202efdp.exe", "invoicefdp.exe"),  # the right-to-left override is dropped
    ("a\x00b\r\nc.pdf", "abc.pdf"),
    ('what?<is>:"this"|*.pdf', "what__is___this___.pdf"),
    ("   .hidden.pdf  ", "hidden.pdf"),
    ("", "file"),
    ("..", "file"),
    ("я" * 300 + ".pdf", "я" * 146 + ".pdf"),  # 150 characters in all
])
def test_file_names_are_cleaned(raw, clean):
    assert clean_file_name(raw) == clean


def test_unread_counts_for_each_client_user_and_staff_member(people):
    thread_id = _start(people)
    other_id = _start(people, by=people.stranger, subject="Другой клиент")
    count = ops.client_unread_count
    # The client's own message is nobody's unread on the client side; staff see it unread.
    assert count(db.session, people.firm.id, people.accountant.id) == 0
    assert ops.staff_unread(db.session, people.operator.id) == ops.StaffUnread(mine=0, unassigned=2)
    _reply(people, thread_id, people.operator, staff=True)
    assert count(db.session, people.firm.id, people.accountant.id) == 1
    assert count(db.session, people.firm.id, people.colleague.id) == 1
    assert count(db.session, people.other_firm.id, people.stranger.id) == 0
    # The author of the reply has read it; the other operator has not read the question.
    assert ops.staff_unread(db.session, people.operator.id) == ops.StaffUnread(0, 1)
    assert ops.staff_unread(db.session, people.operator2.id) == ops.StaffUnread(0, 2)

    with unit_of_work() as s:
        ops.mark_read(s, s.get(Thread, thread_id), people.accountant.id)
    assert count(db.session, people.firm.id, people.accountant.id) == 0
    assert count(db.session, people.firm.id, people.colleague.id) == 1  # per user

    with unit_of_work() as s:
        ops.assign(s, s.get(Thread, other_id), assignee_id=people.operator2.id,
                   actor=people.actor(people.operator))
    assert ops.staff_unread(db.session, people.operator2.id) == ops.StaffUnread(mine=1, unassigned=1)
    assert ops.staff_unread(db.session, people.operator.id) == ops.StaffUnread(0, 0)
    assert ops.unread_thread_ids(db.session, people.operator2.id, [thread_id, other_id],
                                 staff=True) == {thread_id, other_id}


def test_assignment_only_to_staff_who_answer_messages(people):
    thread_id = _start(people)
    for wrong in (people.admin.id, people.accountant.id, 987654):
        with pytest.raises(ops.MessageError) as refused, unit_of_work() as s:
            ops.assign(s, s.get(Thread, thread_id), assignee_id=wrong,
                       actor=people.actor(people.operator))
        assert refused.value.field == "assignee"
    with unit_of_work() as s:
        ops.assign(s, s.get(Thread, thread_id), assignee_id=people.operator.id,
                   actor=people.actor(people.operator))
        ops.assign(s, s.get(Thread, thread_id), assignee_id=None,
                   actor=people.actor(people.operator))
    assigned = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "message_thread.assigned").order_by(AuditEntry.seq)).all()
    assert [(json.loads(e.details)["from"], json.loads(e.details)["to"]) for e in assigned] == [
        (None, "operator1"), ("operator1", None)]
    assert people.admin.id not in {u.id for u in ops.answering_staff(db.session)}


def test_lookups_stay_within_the_client(people):
    mine = _start(people, uploads=[ops.Upload("a.pdf", files.PDF)])
    theirs = _start(people, by=people.stranger, uploads=[ops.Upload("b.pdf", files.PDF + b"b")])
    with pytest.raises(NotFound):
        ops.get_thread(db.session, theirs, client_id=people.firm.id)
    assert ops.get_thread(db.session, theirs, client_id=None).id == theirs  # staff
    own = ops.get_thread(db.session, mine, client_id=people.firm.id)
    foreign_file = _thread(theirs).messages[0].attachments[0]
    with pytest.raises(NotFound):
        ops.get_attachment(db.session, own, foreign_file.id)


def test_each_new_message_is_announced_by_email(clean_app, people, mailbox):
    thread_id = _start(people)
    # Nobody answers it yet: every staff member who answers messages hears of it.
    mailbox.wait_count(2)
    assert sorted(str(m["To"]) for m in mailbox.messages) == sorted(
        [people.operator.email, people.operator2.email])
    question = mailbox.last_to(people.operator.email)
    assert question["Subject"] == "Новое письмо от ООО «Ромашка»: Вопрос по счёту"
    assert f"/staff/messages/{thread_id}" in question.get_content()
    assert wait_idle(clean_app)
    mailbox.clear()

    with unit_of_work() as s:
        set_preference(s, people.colleague.id, NotificationKind.MESSAGE_RECEIVED, True)
        set_preference(s, people.accountant.id, NotificationKind.MESSAGE_RECEIVED, False)
        ops.assign(s, s.get(Thread, thread_id), assignee_id=people.operator2.id,
                   actor=people.actor(people.operator))
    _reply(people, thread_id, people.operator2, staff=True, body="Счёт исправлен.",
           uploads=[ops.Upload("счёт.pdf", files.PDF)])
    reply = mailbox.last_to(people.colleague.email)
    # The colleague reads English: the subject and the text are in English.
    assert reply["Subject"] == "Reply from the supplier: Вопрос по счёту"
    body = reply.get_content()
    assert "Счёт исправлен." in body and "счёт.pdf" in body and f"/messages/{thread_id}" in body
    assert "/profile/notifications" in body
    assert wait_idle(clean_app)
    # The accountant switched the notice off; the signer may not correspond at all.
    assert [str(m["To"]) for m in mailbox.messages] == [people.colleague.email]
    mailbox.clear()

    # Once assigned, only the assignee hears of the client's next message.
    _reply(people, thread_id, people.accountant, staff=False, body="Спасибо!")
    assert mailbox.last_to(people.operator2.email)
    assert wait_idle(clean_app)
    assert [str(m["To"]) for m in mailbox.messages] == [people.operator2.email]
