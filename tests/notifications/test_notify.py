"""E-mail notices: who gets one (the right in that client's membership, confirmed and not
blocked, not switched off), in their language, with the invoice PDF only for those who asked;
the document notices other packages call, tried with documents issued through docflow; the
«Уведомления» page; the registration's invoice flag."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lk_corporate.accounts.models import NotificationPreference, User
from lk_corporate.accounts.operations import issue_activation_code, register
from lk_corporate.accounts.preferences import NotificationKind, preferences, set_preference
from lk_corporate.accounts.settings import AccountLinks, AccountSettings
from lk_corporate.core.audit import Actor, AuditEntry
from lk_corporate.core.extensions import db
from lk_corporate.core.jobs import wait_idle
from lk_corporate.core.rights import CLIENT_ACCOUNTANT, CLIENT_SIGNER, SUPPLIER_OPERATOR
from lk_corporate.core.storage import FileStore
from lk_corporate.core.uow import unit_of_work
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus
from lk_corporate.docflow.operations import issue_document
from lk_corporate.docflow.states import transition
from lk_corporate.notifications import documents as notices
from lk_corporate.notifications.operations import client_recipients
from tests.support import files
from tests.support.factories import (
    create_client,
    create_client_user,
    create_staff_user,
    create_supplier,
    login,
    post_form,
)

ACTOR = Actor(None, "tests")
INVOICE_PDF = files.PDF + b"% invoice 2026-000042\n"


@pytest.fixture()
def firm(session: Any) -> Any:
    create_supplier()
    firm = create_client(name="ООО «Ромашка»", short_name="ООО «Ромашка»")
    users = {
        "both": create_client_user(firm, login="both", email="both@romashka.example"),
        "accountant": create_client_user(firm, login="acc", email="acc@romashka.example",
                                         roles=(CLIENT_ACCOUNTANT,), locale="en"),
        "signer": create_client_user(firm, login="sig", email="sig@romashka.example",
                                     roles=(CLIENT_SIGNER,)),
        "blocked": create_client_user(firm, login="blocked", email="blocked@romashka.example"),
        "unconfirmed": create_client_user(firm, login="newbie", email="newbie@romashka.example",
                                          confirmed=False),
    }
    users["blocked"].is_blocked = True
    other = create_client(name="ООО «Лютик»")
    users["other"] = create_client_user(other, login="lutik", email="buh@lutik.example")
    db.session.commit()
    return firm, users


def _issue(app: Any, client_id: int, kind: DocumentKind, number: str) -> int:
    store = FileStore(Path(app.config["LK_STORAGE_DIR"]))
    with unit_of_work() as s:
        return issue_document(s, store, kind=kind, number=number, client_id=client_id,
                              period_id=None, date=dt.date(2026, 11, 30), pdf=INVOICE_PDF,
                              actor=ACTOR).document.id


def _sent_to(mailbox: Any) -> list[str]:
    return sorted(str(m["To"]) for m in mailbox.messages)


def _pdf_parts(message: EmailMessage) -> list[EmailMessage]:
    return [part for part in message.iter_attachments()
            if part.get_content_type() == "application/pdf"]


def test_recipients_need_the_right_in_that_client_and_an_active_account(firm):
    client_row, users = firm
    names = {u.id: name for name, u in users.items()}

    def who(kind: NotificationKind) -> list[str]:
        return sorted(names[u.id] for u in client_recipients(db.session, client_row.id, kind))

    assert who(NotificationKind.INVOICE_ISSUED) == ["accountant", "both"]
    assert who(NotificationKind.DOCUMENT_WAITING) == ["both", "signer"]
    assert who(NotificationKind.DOCUMENT_REJECTED) == ["accountant", "both", "signer"]
    assert who(NotificationKind.INVOICE_PDF) == []  # off unless asked for
    with unit_of_work() as s:
        set_preference(s, users["both"].id, NotificationKind.DOCUMENT_WAITING, False)
    assert who(NotificationKind.DOCUMENT_WAITING) == ["signer"]


def test_invoice_notice_carries_the_pdf_for_those_who_asked(clean_app, firm, mailbox):
    client_row, users = firm
    with unit_of_work() as s:
        set_preference(s, users["both"].id, NotificationKind.INVOICE_PDF, True)
    document_id = _issue(clean_app, client_row.id, DocumentKind.INVOICE, "2026-000042")
    with unit_of_work() as s:
        notices.invoice_issued(s, s.get(Document, document_id), amount=Decimal("12345.60"),
                               due_date=dt.date(2026, 12, 10))
    assert wait_idle(clean_app)
    assert _sent_to(mailbox) == ["acc@romashka.example", "both@romashka.example"]

    russian = mailbox.last_to("both@romashka.example")
    assert russian["Subject"] == "Новый счёт № 2026-000042"
    [pdf] = _pdf_parts(russian)
    assert pdf.get_content() == INVOICE_PDF and pdf.get_filename() == "invoice-2026-000042.pdf"
    text = russian.get_body(("plain",)).get_content()
    assert "12\u00a0345,60" in text and "10.12.2026" in text and "Подписанный PDF приложен" in text
    assert f"/documents/{document_id}" in text and "/profile/notifications" in text

    english = mailbox.last_to("acc@romashka.example")
    assert english["Subject"] == "New invoice No. 2026-000042"
    assert _pdf_parts(english) == []
    assert "12,345.60" in english.get_content() and "attached" not in english.get_content()


def test_document_waiting_and_rejected_notices(clean_app, firm, mailbox):
    client_row, _users = firm
    act_id = _issue(clean_app, client_row.id, DocumentKind.READING_ACT, "АП-123-2026-11")
    with unit_of_work() as s:
        notices.document_waiting(s, s.get(Document, act_id))
    assert wait_idle(clean_app)
    assert _sent_to(mailbox) == ["both@romashka.example", "sig@romashka.example"]
    waiting = mailbox.last_to("sig@romashka.example")
    assert waiting["Subject"] == "Ожидает вашей подписи: Акт предоставления показаний № АП-123-2026-11"
    mailbox.clear()

    with unit_of_work() as s:
        document = s.get(Document, act_id)
        transition(s, document, DocumentStatus.REJECTED, actor=ACTOR,
                   reason="Подпись сделана сертификатом другой организации.")
        notices.document_rejected(s, document)
    assert wait_idle(clean_app)
    assert _sent_to(mailbox) == ["acc@romashka.example", "both@romashka.example",
                                 "sig@romashka.example"]
    rejected = mailbox.last_to("both@romashka.example")
    assert rejected["Subject"] == "Документ отклонён: Акт предоставления показаний № АП-123-2026-11"
    assert "сертификатом другой организации" in rejected.get_content()
    assert mailbox.last_to("acc@romashka.example")["Subject"] == (
        "Reading act No. АП-123-2026-11 was rejected")


def test_the_notifications_page(client, firm):
    _, users = firm
    login(client, "sig")
    page = client.get("/profile/notifications").get_data(as_text=True)
    # A signer is offered what a signer can receive.
    assert 'name="document_waiting"' in page and 'name="certificate_expiring"' in page
    assert 'name="readings_corrected"' in page  # a signer sees the readings (READINGS_VIEW)
    assert 'name="invoice_issued"' not in page and 'name="message_received"' not in page
    response = post_form(client, "/profile/notifications",
                         {"document_rejected": "y", "certificate_expiring": "y",
                          "readings_corrected": "y"})
    assert response.status_code == 302
    chosen = preferences(db.session, users["signer"].id)
    assert chosen[NotificationKind.DOCUMENT_WAITING] is False
    assert chosen[NotificationKind.DOCUMENT_REJECTED] is True
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "profile.notifications_updated")).one()
    assert json.loads(entry.details) == {"changes": {"document_waiting": [True, False]}}
    page = client.get("/profile/notifications").get_data(as_text=True)
    boxes = {m.group(2): "checked" in m.group(1)
             for m in re.finditer(r'<input([^>]*) id="(\w+)" name="\2" type="checkbox"', page)}
    assert boxes == {"document_waiting": False, "document_rejected": True,
                     "certificate_expiring": True, "readings_corrected": True}
    # Menu: «Профиль → Уведомления».
    assert 'href="/profile/notifications"' in client.get("/profile").get_data(as_text=True)


def test_staff_are_offered_the_staff_notices(client, session):
    create_staff_user(SUPPLIER_OPERATOR, login="operator9")
    login(client, "operator9")
    page = client.get("/profile/notifications").get_data(as_text=True)
    assert 'name="message_received"' in page and 'name="service_request"' in page
    assert 'name="invoice_issued"' not in page


def test_the_registration_flag_asks_for_the_invoice_pdf(session):
    create_supplier()
    firm = create_client(tax_id="7712345671", contract_number="123")
    links = AccountLinks(confirm=lambda t: t, confirm_code=lambda u: str(u),
                         reset_password=lambda t: t, confirm_email_change=lambda t: t)
    users = []
    for n, wanted in enumerate((True, False)):
        code = issue_activation_code(db.session, firm, actor=ACTOR).plain
        users.append(register(db.session, activation_code=code, tax_id="7712345671",
                              contract_number="123", email=f"u{n}@romashka.example",
                              login=f"reg{n}", password="Winter-meter-2026",
                              password_repeat="Winter-meter-2026", settings=AccountSettings(),
                              links=links, receive_invoices_by_email=wanted))
    db.session.commit()
    rows = db.session.scalars(select(NotificationPreference)).all()
    assert [(r.user_id, r.kind, r.enabled) for r in rows] == [(users[0].id, "invoice_pdf", True)]
    assert preferences(db.session, users[1].id)[NotificationKind.INVOICE_PDF] is False
    assert not hasattr(User, "receive_invoices_by_email")
