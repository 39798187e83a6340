"""Which e-mail notices each user wants: the kinds, their defaults, who may get each.

A user's choices are account settings like the interface language, so they live here, below
every package that sends notices (``notifications`` and the packages above it read them;
the registration form's «Получать счёт-извещение на email» writes one). A kind without a row
for the user has its default: on, except the invoice PDF attached to the new-invoice notice,
which a client asks for.

Each kind needs a right: a client user gets a notice about a client only through a
membership of that client whose roles grant it (``CLIENT_RIGHTS``); supplier staff get the
kinds of ``STAFF_RIGHTS`` through their role.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

from sqlalchemy import select

from lk_corporate.accounts.models import NotificationPreference, User
from lk_corporate.core import rights as R
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import DbSession, utcnow


class NotificationKind(str, enum.Enum):
    """The kinds of e-mail notice (the values are stored in ``notification_preferences``)."""

    INVOICE_ISSUED = "invoice_issued"
    INVOICE_PDF = "invoice_pdf"  # the invoice's PDF attached to INVOICE_ISSUED
    DOCUMENT_WAITING = "document_waiting"  # a document waits for the client's signature
    DOCUMENT_REJECTED = "document_rejected"
    MESSAGE_RECEIVED = "message_received"  # clients: the supplier replied; staff: a client wrote
    SERVICE_REQUEST = "service_request"  # clients: status changed; staff: a new request
    READINGS_OPEN = "readings_window_open"
    READINGS_CLOSING = "readings_window_closing"  # two days before the window closes
    CERTIFICATE_EXPIRING = "certificate_expiring"  # a registered certificate, within 30 days
    READINGS_CORRECTED = "readings_corrected"  # the supplier's engineer corrected a reading


OFF_BY_DEFAULT = frozenset({NotificationKind.INVOICE_PDF})
"""Kinds a user gets only after switching them on."""

K = NotificationKind

CLIENT_RIGHTS: Mapping[NotificationKind, str] = {
    K.INVOICE_ISSUED: R.MONEY_VIEW,
    K.INVOICE_PDF: R.MONEY_VIEW,
    K.DOCUMENT_WAITING: R.DOCUMENTS_SIGN,
    K.DOCUMENT_REJECTED: R.DOCUMENTS_VIEW,
    K.MESSAGE_RECEIVED: R.MESSAGES_WRITE,
    K.SERVICE_REQUEST: R.MESSAGES_WRITE,
    K.READINGS_OPEN: R.READINGS_ENTER,
    K.READINGS_CLOSING: R.READINGS_ENTER,
    K.CERTIFICATE_EXPIRING: R.DOCUMENTS_SIGN,
    K.READINGS_CORRECTED: R.READINGS_VIEW,
}
"""The right a client user needs, in the membership of the client concerned."""

STAFF_RIGHTS: Mapping[NotificationKind, str] = {
    K.MESSAGE_RECEIVED: R.MESSAGES_ANSWER,
    K.SERVICE_REQUEST: R.MESSAGES_ANSWER,
}
"""The kinds supplier staff may get, with the right their role needs."""


def default(kind: NotificationKind) -> bool:
    return kind not in OFF_BY_DEFAULT


def kinds_for(user: User) -> list[NotificationKind]:
    """The kinds ``user`` can receive at all (the «Уведомления» page lists these)."""
    if user.staff_role is not None:
        held = user.staff_role.right_names
        return [kind for kind in NotificationKind if STAFF_RIGHTS.get(kind) in held]
    held_anywhere: set[str] = set()
    for membership in user.memberships:
        held_anywhere |= membership.right_names
    return [kind for kind in NotificationKind if CLIENT_RIGHTS[kind] in held_anywhere]


def preferences(session: DbSession, user_id: int) -> dict[NotificationKind, bool]:
    """Every kind with the user's choice, or its default."""
    stored = {row.kind: row.enabled for row in session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id))}
    return {kind: stored.get(kind.value, default(kind)) for kind in NotificationKind}


def wanting(session: DbSession, user_ids: Iterable[int], kind: NotificationKind) -> set[int]:
    """Those of ``user_ids`` who want ``kind`` (their choice, or the default)."""
    ids = set(user_ids)
    if not ids:
        return set()
    stored: dict[int, bool] = {user_id: enabled for user_id, enabled in session.execute(
        select(NotificationPreference.user_id, NotificationPreference.enabled)
        .where(NotificationPreference.kind == kind.value,
               NotificationPreference.user_id.in_(ids)))}
    return {user_id for user_id in ids if stored.get(user_id, default(kind))}


def set_preference(session: DbSession, user_id: int, kind: NotificationKind,
                   enabled: bool) -> None:
    """Store one choice (no audit: ``save_preferences`` audits a page's worth)."""
    row = session.scalars(select(NotificationPreference).where(
        NotificationPreference.user_id == user_id,
        NotificationPreference.kind == kind.value)).first()
    if row is None:
        session.add(NotificationPreference(user_id=user_id, kind=kind.value, enabled=enabled,
                                           updated_at=utcnow()))
    elif row.enabled != enabled:
        row.enabled = enabled
        row.updated_at = utcnow()
    session.flush()


def save_preferences(session: DbSession, user: User,
                     choices: Mapping[NotificationKind, bool], *, actor: Actor) -> None:
    """Store the user's choice for each kind they can receive (other kinds in ``choices``
    are ignored) and audit what changed."""
    before = preferences(session, user.id)
    allowed = set(kinds_for(user))
    changes = {kind.value: [before[kind], bool(enabled)] for kind, enabled in choices.items()
               if kind in allowed and before[kind] != bool(enabled)}
    for kind in allowed:
        if kind in choices:
            set_preference(session, user.id, kind, bool(choices[kind]))
    if changes:
        record(session, "profile.notifications_updated", actor=actor, object_type="user",
               object_id=user.id, details={"changes": changes})
