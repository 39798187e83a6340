"""The e-mails of the account flows, rendered in the recipient's language and queued in
the caller's transaction (delivered after it commits).

Subjects are English msgids marked with ``N_`` where they are written: ``gettext(subject)``
on a variable is invisible to the extraction, and an unextracted subject reaches Russian users
in English. ``_send`` translates the subject and renders the body inside the recipient's
locale (``user.locale``), whatever language the request that caused the mail is in.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale, gettext

from lk_corporate.accounts.models import User
from lk_corporate.core.db import DbSession
from lk_corporate.core.errors import N_
from lk_corporate.core.mail import queue_mail

SUBJECTS = {
    "confirm_registration": N_("Confirm your registration"),
    "password_reset": N_("Password reset"),
    "password_changed": N_("Your password was changed"),
    "confirm_email_change": N_("Confirm your new e-mail address"),
    "email_changed": N_("Your e-mail address was changed"),
}
"""Subject of each kind of mail (the kind is also the name of its template in emails/)."""


def recipient_locale(user: User) -> str:
    return user.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "ru")


def _send(session: DbSession, user: User, to: str, kind: str, **context: Any) -> None:
    with force_locale(recipient_locale(user)):
        subject = gettext(SUBJECTS[kind])
        body = render_template(f"emails/{kind}.txt", user=user, **context)
        queue_mail(session, to=to, subject=subject, body=body, kind=kind)


def confirm_registration(session: DbSession, user: User, *, code: str, link: str,
                         code_page: str) -> None:
    _send(session, user, user.email, "confirm_registration", code=code, link=link,
          code_page=code_page)


def password_reset(session: DbSession, user: User, *, link: str, minutes: int) -> None:
    _send(session, user, user.email, "password_reset", link=link, minutes=minutes)


def password_changed(session: DbSession, user: User) -> None:
    _send(session, user, user.email, "password_changed")


def confirm_email_change(session: DbSession, user: User, *, new_email: str, link: str) -> None:
    _send(session, user, new_email, "confirm_email_change", new_email=new_email, link=link)


def email_changed(session: DbSession, user: User, *, old_email: str) -> None:
    _send(session, user, old_email, "email_changed", old_email=old_email)
