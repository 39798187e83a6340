"""Every account e-mail reaches its recipient in the recipient's language (user.locale), the
subject included — whatever the language of the request that caused it."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_babel import refresh

from lk_corporate.accounts import notifications
from lk_corporate.core import i18n
from lk_corporate.core.extensions import db
from lk_corporate.core.mail import OutgoingMail
from tests.support.factories import create_client, create_client_user

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
LINK = "http://127.0.0.1:5000/x"

SENDERS: dict[str, Callable[[Any, Any], None]] = {
    "confirm_registration": lambda s, u: notifications.confirm_registration(
        s, u, code="123456", link=LINK, code_page=LINK),
    "password_reset": lambda s, u: notifications.password_reset(s, u, link=LINK, minutes=60),
    "password_changed": lambda s, u: notifications.password_changed(s, u),
    "confirm_email_change": lambda s, u: notifications.confirm_email_change(
        s, u, new_email="new@example.com", link=LINK),
    "email_changed": lambda s, u: notifications.email_changed(s, u, old_email="old@example.com"),
}


def test_every_notification_is_tested() -> None:
    assert set(SENDERS) == set(notifications.SUBJECTS)


def test_every_subject_is_in_the_catalogue() -> None:
    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("lk_i18n_script_n", root / "scripts" / "i18n.py")
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = script
    spec.loader.exec_module(script)
    extracted = {msgid for msgid, _ctx in script.msgids(script.extract())}
    assert set(notifications.SUBJECTS.values()) <= extracted


def _queued(kind: str) -> OutgoingMail:
    mails = db.session.query(OutgoingMail).filter_by(kind=kind).all()
    assert len(mails) == 1, [m.kind for m in mails]
    return mails[0]


@pytest.mark.parametrize("kind", sorted(SENDERS))
def test_russian_recipient_gets_russian_mail_from_an_english_request(
        clean_app: Flask, supplier: Any, kind: str) -> None:
    user = create_client_user(create_client(), locale="ru")
    # The request (say, an operator's browser) is in English; the mail follows the recipient.
    with clean_app.test_request_context("/", headers={"Cookie": f"{i18n.LOCALE_COOKIE}=en"}):
        refresh()
        SENDERS[kind](db.session, user)
        mail = _queued(kind)
        assert CYRILLIC.search(mail.subject), f"{kind}: subject not in Russian: {mail.subject!r}"
        assert CYRILLIC.search(mail.body_text), mail.body_text
        assert mail.subject not in notifications.SUBJECTS.values()
        db.session.rollback()


@pytest.mark.parametrize("kind", sorted(SENDERS))
def test_english_recipient_gets_english_mail_from_a_russian_request(
        clean_app: Flask, supplier: Any, kind: str) -> None:
    user = create_client_user(create_client(), locale="en")
    with clean_app.test_request_context("/"):
        refresh()
        SENDERS[kind](db.session, user)
        mail = _queued(kind)
        assert mail.subject == notifications.SUBJECTS[kind]
        assert not CYRILLIC.search(mail.subject + mail.body_text), mail.body_text
        db.session.rollback()


def test_outside_a_request_the_recipients_language_still_applies(clean_app: Flask,
                                                                 supplier: Any) -> None:
    """A Celery task or `lk` command has an app context only."""
    user = create_client_user(create_client(), locale="ru")
    notifications.password_reset(db.session, user, link=LINK, minutes=30)
    assert _queued("password_reset").subject == "Восстановление пароля"
    db.session.rollback()
