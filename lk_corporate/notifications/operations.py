"""Queue e-mail notices: one message per person who may and wants to get it.

``notify`` writes to the users of one client: every confirmed, unblocked user with a
membership of that client whose roles there grant the kind's right
(``accounts.preferences.CLIENT_RIGHTS``) and who has not switched the kind off.
``notify_staff`` does the same for the supplier's staff (``STAFF_RIGHTS``), optionally only
for some of them (the staff member a conversation is assigned to).

Each message is rendered in its recipient's language (``user.locale``), subject included:
subjects are English msgids marked with ``N_`` where they are written, so the extraction
finds them (``accounts.notifications`` explains why). The mail is queued in the caller's
transaction and leaves after the commit (``core.mail``).

Links in the notices are built here from the app's URL map and ``LK_BASE_URL``
(``core.links.LinkBuilder``): rendering a notice needs the app anyway (its templates and
catalogues), so callers pass domain objects and plain values, not link builders.

``claim_once`` is the guard of scheduled notices: a row in ``notifications_sent`` that only
one transaction can insert.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale, gettext
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from lk_corporate.accounts.models import Membership, MembershipRole, Role, RoleRight, User
from lk_corporate.accounts.notifications import recipient_locale
from lk_corporate.accounts.preferences import (
    CLIENT_RIGHTS,
    STAFF_RIGHTS,
    NotificationKind,
    wanting,
)
from lk_corporate.core import driver
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.links import LinkBuilder
from lk_corporate.core.mail import MailAttachment, OutgoingMail, queue_mail
from lk_corporate.notifications.models import NotificationSent

SUBJECT_LIMIT = 300  # the outgoing_mail.subject column


@dataclass(frozen=True)
class Shown:
    """A value written in the recipient's language when the notice is rendered, e.g. a date
    in a subject: ``Shown(date, format_date)``."""

    value: Any
    format: Callable[[Any], str]

    def __str__(self) -> str:
        return self.format(self.value)


def portal_link(endpoint: str, **values: Any) -> str:
    """An absolute link to a page of the portal (for the body of a notice)."""
    return LinkBuilder(current_app._get_current_object())(endpoint, **values)  # type: ignore[attr-defined]


def _active(query: Any) -> Any:
    return query.where(User.email_confirmed_at.is_not(None), User.is_blocked.is_(False))


# The users of a client holding a right, as IDs: built once (a month-end job asks for every
# client, and building the statement cost more than running it). The right is checked by the
# database (one of the membership's roles grants it), rather than every membership with its
# roles and their rights loaded as objects.
_CLIENT_HOLDERS = _active(
    select(User.id).join(Membership, Membership.user_id == User.id)
    .where(Membership.client_id == bindparam("client_id"),
           select(MembershipRole.id).join(RoleRight, RoleRight.role_id == MembershipRole.role_id)
           .where(MembershipRole.membership_id == Membership.id,
                  RoleRight.right == bindparam("right")).exists()))


def client_recipients(session: DbSession, client_id: int, kind: NotificationKind) -> list[User]:
    """The users of ``client_id`` who may get ``kind`` (the right in their membership of
    that client) and want it, in a stable order."""
    allowed = {row[0] for row in driver.execute(
        session, _CLIENT_HOLDERS, {"client_id": client_id, "right": CLIENT_RIGHTS[kind]})}
    if not allowed:  # most clients at month end: no user object is needed
        return []
    wanted = wanting(session, allowed, kind)
    if not wanted:
        return []
    return list(session.scalars(select(User).where(User.id.in_(wanted)).order_by(User.id)))


def staff_recipients(session: DbSession, kind: NotificationKind,
                     user_ids: Iterable[int] | None = None) -> list[User]:
    """Staff whose role grants ``kind``'s right and who want it (of ``user_ids``, if given)."""
    query = _active(
        select(User).join(Role, User.staff_role_id == Role.id)
        .join(RoleRight, RoleRight.role_id == Role.id)
        .where(RoleRight.right == STAFF_RIGHTS[kind])).order_by(User.id)
    if user_ids is not None:
        query = query.where(User.id.in_(set(user_ids)))
    staff = list(session.scalars(query).unique())
    wanted = wanting(session, (u.id for u in staff), kind)
    return [u for u in staff if u.id in wanted]


def _send(session: DbSession, user: User, *, kind: NotificationKind, subject_msgid: str,
          template: str, context: Mapping[str, Any],
          attachments: Sequence[MailAttachment] = ()) -> OutgoingMail:
    with force_locale(recipient_locale(user)):
        subject = gettext(subject_msgid, **context) if context else gettext(subject_msgid)
        body = render_template(f"emails/{template}.txt", **{
            **context, "user": user, "notice_kind": kind,
            "attachments_included": bool(attachments),
            "preferences_link": portal_link("accounts.notification_settings")})
    # A subject carries user-typed text (a conversation's subject): one line, bounded.
    subject = " ".join(subject.split())[:SUBJECT_LIMIT]
    return queue_mail(session, to=user.email, subject=subject, body=body, kind=kind.value,
                      attachments=attachments)


def notify(session: DbSession, *, client_id: int, kind: NotificationKind, subject_msgid: str,
           template: str, context: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
           attachments: Sequence[MailAttachment]
           | Callable[[], Sequence[MailAttachment]] = (),
           attach_if: NotificationKind | None = None) -> list[OutgoingMail]:
    """Queue the notice ``kind`` to every user of ``client_id`` who may and wants to get it.

    ``subject_msgid`` is formatted with ``context`` (``%(number)s``); ``template`` names
    ``templates/emails/<template>.txt``, rendered with ``context``, ``user`` and
    ``preferences_link``. ``attachments`` go to everyone, or, with ``attach_if``, only to
    those who also want that kind (the invoice PDF). ``context`` and ``attachments`` may be
    callables, called only when someone gets the notice (building the links costs more than
    finding out that nobody wants it). Returns the queued messages.
    """
    users = client_recipients(session, client_id, kind)
    if not users:  # the common case at month end: nothing more to read
        return []
    if callable(context):
        context = context()
    if callable(attachments):
        attachments = attachments()
    with_files = {u.id for u in users}
    if attach_if is not None:
        with_files = {u.id for u in client_recipients(session, client_id, attach_if)}
    return [_send(session, user, kind=kind, subject_msgid=subject_msgid, template=template,
                  context=context, attachments=attachments if user.id in with_files else ())
            for user in users]


def notify_staff(session: DbSession, *, kind: NotificationKind, subject_msgid: str,
                 template: str, context: Mapping[str, Any],
                 user_ids: Iterable[int] | None = None) -> list[OutgoingMail]:
    """Queue the notice ``kind`` to the supplier's staff who may and want to get it (only
    those of ``user_ids`` when given)."""
    return [_send(session, user, kind=kind, subject_msgid=subject_msgid, template=template,
                  context=context)
            for user in staff_recipients(session, kind, user_ids)]


def claim_once(session: DbSession, *, kind: NotificationKind, client_id: int, key: str) -> bool:
    """Record, in the caller's transaction, that the scheduled notice ``kind`` about ``key``
    goes to ``client_id``. False when it already went (or another transaction is sending it
    right now and commits first): then the caller sends nothing.

    The row is inserted in a savepoint: when a concurrent transaction inserted the same key,
    PostgreSQL makes this insert wait for it and then refuses it; SQLite lets one writer at
    a time in, so the second one finds the row.
    """
    exists = session.scalar(select(NotificationSent.id).where(
        NotificationSent.kind == kind.value, NotificationSent.client_id == client_id,
        NotificationSent.subject_key == key))
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(NotificationSent(kind=kind.value, client_id=client_id, subject_key=key,
                                         sent_at=utcnow()))
            session.flush()
    except IntegrityError:
        return False
    return True
