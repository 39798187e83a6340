"""The e-mails of the account flows, rendered in the recipient's language and queued in
the caller's transaction (delivered after it commits)."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import force_locale, gettext
from sqlalchemy.orm import Session

from lk_corporate.accounts.models import User
from lk_corporate.core.mail import queue_mail


def _send(session: Session, user: User, to: str, kind: str, subject: str, template: str,
          **context: Any) -> None:
    with force_locale(user.locale or "ru"):
        body = render_template(f"emails/{template}.txt", user=user, **context)
        queue_mail(session, to=to, subject=gettext(subject), body=body, kind=kind)


def confirm_registration(session: Session, user: User, *, code: str, link: str,
                         code_page: str) -> None:
    _send(session, user, user.email, "confirm_registration", "Confirm your registration",
          "confirm_registration", code=code, link=link, code_page=code_page)


def password_reset(session: Session, user: User, *, link: str, minutes: int) -> None:
    _send(session, user, user.email, "password_reset", "Password reset",
          "password_reset", link=link, minutes=minutes)


def password_changed(session: Session, user: User) -> None:
    _send(session, user, user.email, "password_changed", "Your password was changed",
          "password_changed")


def confirm_email_change(session: Session, user: User, *, new_email: str, link: str) -> None:
    _send(session, user, new_email, "confirm_email_change", "Confirm your new e-mail address",
          "confirm_email_change", new_email=new_email, link=link)


def email_changed(session: Session, user: User, *, old_email: str) -> None:
    _send(session, user, old_email, "email_changed", "Your e-mail address was changed",
          "email_changed", old_email=old_email)
