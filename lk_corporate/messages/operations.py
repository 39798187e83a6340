"""Correspondence: start a conversation, reply with attachments, assign, close, reopen; who has
read what.

A conversation (``Thread``) belongs to one client: every lookup from a client's page is made
within that client (``get_thread(..., client_id=...)``), so another client's ID finds
nothing. Its status follows the last word: the client's message makes it «awaiting reply»,
the supplier's «answered»; staff close it and reopen it, and a client who writes into a
closed conversation reopens it. The moves are those of ``THREAD_STATES``; each message,
assignment, closing and reopening is in the audit log (attachments by their SHA-256).

Attachments are checked before anything is written (count, size, type by content —
``messages.files``) and stored in the content-addressed ``FileStore``.

Unread: a ``ReadMarker`` per user and conversation holds the newest message the user has
seen; a message of the *other* side newer than that is unread. The conversation keeps the
newest message of each side, so counting unread conversations is one indexed query.

Each new message sends its e-mail notice (``messages.notifications``) in the same
transaction: a client's reply to the staff member the conversation is assigned to (to every
staff member who answers messages while nobody is), the supplier's reply to the client's
users.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, select

from lk_corporate.accounts.models import User
from lk_corporate.core import rights as R
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.errors import N_, DomainError, NotFound
from lk_corporate.core.states import StateMachine
from lk_corporate.core.storage import FileStore
from lk_corporate.messages import notifications
from lk_corporate.messages.files import (
    ACCEPTED_LABELS,
    clean_file_name,
    content_matches,
    file_type_for,
)
from lk_corporate.messages.labels import STATUS_LABELS
from lk_corporate.messages.models import (
    Attachment,
    Message,
    ReadMarker,
    Thread,
    ThreadCategory,
    ThreadStatus,
)
from lk_corporate.staff.operations import staff_with_right


class MessageError(DomainError):
    code = "message_refused"


S = ThreadStatus

THREAD_STATES = StateMachine[ThreadStatus](
    name="message_thread",
    moves={
        S.OPEN: frozenset({S.ANSWERED, S.CLOSED}),
        S.ANSWERED: frozenset({S.OPEN, S.CLOSED}),
        S.CLOSED: frozenset({S.OPEN}),
    },
    refusal=N_("The conversation «%(label)s» is %(state)s and cannot become %(target)s."),
    labels=STATUS_LABELS,
)


@dataclass(frozen=True)
class MessageSettings:
    """The limits of a message (the form's help text states them)."""

    max_file_bytes: int = 10 * 1024 * 1024
    """The largest attachment."""
    max_files: int = 5
    """Attachments per message."""
    max_subject: int = 200
    max_body: int = 20_000

    @property
    def max_file_mb(self) -> int:
        return max(1, self.max_file_bytes // (1024 * 1024))


@dataclass(frozen=True)
class Upload:
    """A file as the browser sent it: its name and (at most ``max_file_bytes`` + 1 of) its
    bytes."""

    file_name: str
    data: bytes


@dataclass(frozen=True)
class CheckedFile:
    file_name: str
    content_type: str
    data: bytes


# --- checks (before anything is written) ------------------------------------------------------

def check_uploads(uploads: Sequence[Upload], settings: MessageSettings) -> list[CheckedFile]:
    """The files, checked: how many, how large, of an accepted type by their content."""
    if len(uploads) > settings.max_files:
        raise MessageError(N_("At most %(n)s files can be attached to one message."), "files",
                           n=settings.max_files)
    checked = []
    for upload in uploads:
        name = clean_file_name(upload.file_name)
        if len(upload.data) > settings.max_file_bytes:
            raise MessageError(N_("The file «%(name)s» is larger than %(mb)s MB."), "files",
                               name=name, mb=settings.max_file_mb)
        if not upload.data:
            raise MessageError(N_("The file «%(name)s» is empty."), "files", name=name)
        file_type = file_type_for(name)
        if file_type is None:
            raise MessageError(N_("Files like «%(name)s» are not accepted. Attach %(types)s."),
                               "files", name=name, types=ACCEPTED_LABELS)
        if not content_matches(file_type, upload.data):
            raise MessageError(N_("The file «%(name)s» is not what its name says: its content "
                                  "is not %(type)s."), "files", name=name, type=file_type.label)
        checked.append(CheckedFile(name, file_type.content_type, upload.data))
    return checked


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def _checked_subject(subject: str, settings: MessageSettings) -> str:
    subject = _one_line(subject)
    if not subject:
        raise MessageError(N_("Enter the subject."), "subject")
    if len(subject) > settings.max_subject:
        raise MessageError(N_("At most %(max)s characters."), "subject", max=settings.max_subject)
    return subject


def _checked_body(body: str, settings: MessageSettings) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise MessageError(N_("Write the message."), "body")
    if len(body) > settings.max_body:
        raise MessageError(N_("At most %(max)s characters."), "body", max=settings.max_body)
    return body


def _author(actor: Actor) -> int:
    if actor.user_id is None:
        raise ValueError("a message needs a user as its author")
    return actor.user_id


# --- writing ------------------------------------------------------------------------------------

def start_thread(session: DbSession, store: FileStore, *, client_id: int, actor: Actor,
                 subject: str, category: ThreadCategory | None, body: str,
                 uploads: Sequence[Upload] = (),
                 settings: MessageSettings = MessageSettings()) -> Thread:
    """A client's new conversation with its first message («Написать письмо»)."""
    author_id = _author(actor)
    subject = _checked_subject(subject, settings)
    if category is None:
        raise MessageError(N_("Choose what the message is about."), "category")
    body = _checked_body(body, settings)
    files = check_uploads(uploads, settings)
    now = utcnow()
    thread = Thread(client_id=client_id, subject=subject, category=category, status=S.OPEN,
                    created_by_id=author_id, created_at=now, last_activity_at=now)
    session.add(thread)
    session.flush()
    record(session, "message_thread.created", actor=actor, object_type="message_thread",
           object_id=thread.id, details={"client_id": client_id, "subject": subject,
                                         "category": category.value})
    _add_message(session, store, thread, author_id=author_id, from_staff=False, body=body,
                 files=files, actor=actor)
    return thread


def reply(session: DbSession, store: FileStore, thread: Thread, *, actor: Actor,
          from_staff: bool, body: str, uploads: Sequence[Upload] = (),
          settings: MessageSettings = MessageSettings()) -> Message:
    """A message in an existing conversation, by the client's user or by the supplier's staff
    (``from_staff``). The supplier replies to a conversation that is not closed; a client's
    message reopens a closed one."""
    author_id = _author(actor)
    body = _checked_body(body, settings)
    files = check_uploads(uploads, settings)
    if from_staff and thread.status is S.CLOSED:
        raise MessageError(N_("The conversation is closed: reopen it to reply."), "body")
    return _add_message(session, store, thread, author_id=author_id, from_staff=from_staff,
                        body=body, files=files, actor=actor)


def _add_message(session: DbSession, store: FileStore, thread: Thread, *, author_id: int,
                 from_staff: bool, body: str, files: Sequence[CheckedFile],
                 actor: Actor) -> Message:
    now = utcnow()
    message = Message(thread_id=thread.id, author_id=author_id, from_staff=from_staff, body=body,
                      created_at=now)
    session.add(message)
    session.flush()
    for checked in files:
        digest = store.put(checked.data)
        session.add(Attachment(message_id=message.id, thread_id=thread.id,
                               file_name=checked.file_name, content_type=checked.content_type,
                               size=len(checked.data), sha256=digest))
    before = thread.status
    target = S.ANSWERED if from_staff else S.OPEN
    if before is not target:
        THREAD_STATES.check(before, target, label=thread.subject)
        thread.status = target
    if from_staff:
        thread.last_staff_message_id = message.id
    else:
        thread.last_client_message_id = message.id
    thread.last_activity_at = now
    session.flush()
    session.refresh(message, attribute_names=["attachments"])
    details: dict[str, object] = {"client_id": thread.client_id, "thread_id": thread.id,
                                  "attachments": [a.sha256 for a in message.attachments]}
    if before is not target:
        details.update({"from": before.value, "to": target.value})
    record(session, "message.posted", actor=actor, object_type="message", object_id=message.id,
           details=details)
    # The author has read everything up to their own message.
    mark_read(session, thread, author_id)
    if from_staff:
        notifications.supplier_replied(session, thread, message)
    else:
        notifications.client_wrote(session, thread, message)
    return message


def assign(session: DbSession, thread: Thread, *, assignee_id: int | None,
           actor: Actor) -> Thread:
    """Give the conversation to a staff member who answers messages (None: nobody)."""
    assignee: User | None = None
    if assignee_id is not None:
        assignee = next((u for u in staff_with_right(session, R.MESSAGES_ANSWER)
                         if u.id == assignee_id), None)
        if assignee is None:
            raise MessageError(N_("Choose a staff member who answers messages."), "assignee")
    if thread.assigned_to_id == assignee_id:
        return thread
    before = thread.assigned_to.login if thread.assigned_to else None
    thread.assigned_to_id = assignee_id
    session.flush()
    session.refresh(thread, attribute_names=["assigned_to"])
    record(session, "message_thread.assigned", actor=actor, object_type="message_thread",
           object_id=thread.id, details={"client_id": thread.client_id, "from": before,
                                         "to": assignee.login if assignee else None})
    return thread


def close(session: DbSession, thread: Thread, *, actor: Actor) -> Thread:
    THREAD_STATES.transition(session, thread, S.CLOSED, actor=actor, label=thread.subject,
                             details={"client_id": thread.client_id})
    return thread


def reopen(session: DbSession, thread: Thread, *, actor: Actor) -> Thread:
    """A closed conversation back to work: «awaiting reply» again."""
    THREAD_STATES.transition(session, thread, S.OPEN, actor=actor, label=thread.subject,
                             details={"client_id": thread.client_id})
    return thread


# --- reading ------------------------------------------------------------------------------------

def get_thread(session: DbSession, thread_id: int, *, client_id: int | None) -> Thread:
    """The conversation, within ``client_id``'s scope (None: any client — staff only)."""
    thread = session.get(Thread, thread_id)
    if thread is None or (client_id is not None and thread.client_id != client_id):
        raise NotFound(N_("No such conversation."))
    return thread


def get_attachment(session: DbSession, thread: Thread, attachment_id: int) -> Attachment:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.thread_id != thread.id:
        raise NotFound(N_("No such file."))
    return attachment


def attachment_bytes(store: FileStore, attachment: Attachment) -> bytes:
    return store.get(attachment.sha256)


def thread_messages(session: DbSession, thread: Thread) -> list[Message]:
    return list(session.scalars(select(Message).where(Message.thread_id == thread.id)
                                .order_by(Message.id)))


def last_read(session: DbSession, thread_id: int, user_id: int) -> int:
    """The newest message of the conversation the user has seen (0: none)."""
    return session.scalar(select(ReadMarker.last_read_message_id).where(
        ReadMarker.thread_id == thread_id, ReadMarker.user_id == user_id)) or 0


def mark_read(session: DbSession, thread: Thread, user_id: int) -> int:
    """The user has seen every message of the conversation; returns what they had seen
    before (to tell the new messages apart on the page)."""
    newest = max(thread.last_client_message_id or 0, thread.last_staff_message_id or 0)
    marker = session.scalars(select(ReadMarker).where(ReadMarker.thread_id == thread.id,
                                                      ReadMarker.user_id == user_id)).first()
    if marker is None:
        # Two pages of one user opened at once may both insert: the unique key makes the
        # second a transient conflict, and the request runs again and updates instead.
        session.add(ReadMarker(thread_id=thread.id, user_id=user_id,
                               last_read_message_id=newest, read_at=utcnow()))
        session.flush()
        return 0
    previous = marker.last_read_message_id
    if newest > previous:
        marker.last_read_message_id = newest
        marker.read_at = utcnow()
        session.flush()
    return previous


def _marker_join(user_id: int) -> Any:
    return and_(ReadMarker.thread_id == Thread.id, ReadMarker.user_id == user_id)


def _unread_condition(*, staff: bool) -> Any:
    newest_other = Thread.last_client_message_id if staff else Thread.last_staff_message_id
    return and_(newest_other.is_not(None),
                newest_other > func.coalesce(ReadMarker.last_read_message_id, 0))


def unread_thread_ids(session: DbSession, user_id: int, thread_ids: Iterable[int], *,
                      staff: bool) -> set[int]:
    """Which of ``thread_ids`` have a message of the other side the user has not seen."""
    ids = set(thread_ids)
    if not ids:
        return set()
    return set(session.scalars(
        select(Thread.id).outerjoin(ReadMarker, _marker_join(user_id))
        .where(Thread.id.in_(ids), _unread_condition(staff=staff))))


def client_threads_query(client_id: int) -> Select[Thread]:
    """A client's conversations, the most recently active first («Мои обращения»)."""
    return (select(Thread).where(Thread.client_id == client_id)
            .order_by(Thread.last_activity_at.desc(), Thread.id.desc()))


def client_unread_count(session: DbSession, client_id: int, user_id: int) -> int:
    """How many of the client's conversations have a reply this user has not read."""
    return int(session.scalar(
        select(func.count(Thread.id)).select_from(Thread)
        .outerjoin(ReadMarker, _marker_join(user_id))
        .where(Thread.client_id == client_id, _unread_condition(staff=False))) or 0)


BOXES = ("unassigned", "mine", "all")
"""The staff inbox's boxes: nobody's, assigned to me, everything."""


@dataclass(frozen=True)
class StaffUnread:
    mine: int
    unassigned: int

    @property
    def total(self) -> int:
        return self.mine + self.unassigned


def staff_unread(session: DbSession, user_id: int) -> StaffUnread:
    """Conversations with a client's message this staff member has not read: among those
    assigned to them, and among those assigned to nobody."""
    rows = session.execute(
        select(Thread.assigned_to_id, func.count(Thread.id)).select_from(Thread)
        .outerjoin(ReadMarker, _marker_join(user_id))
        .where((Thread.assigned_to_id == user_id) | Thread.assigned_to_id.is_(None),
               _unread_condition(staff=True))
        .group_by(Thread.assigned_to_id)).all()
    counts = {assigned: int(n) for assigned, n in rows}
    return StaffUnread(mine=counts.get(user_id, 0), unassigned=counts.get(None, 0))


def inbox_query(user_id: int, *, box: str, status: ThreadStatus | None) -> Select[Thread]:
    """The staff inbox: ``box`` (``BOXES``) and ``status`` (None: any), the most recently
    active first."""
    query = select(Thread).order_by(Thread.last_activity_at.desc(), Thread.id.desc())
    if box == "unassigned":
        query = query.where(Thread.assigned_to_id.is_(None))
    elif box == "mine":
        query = query.where(Thread.assigned_to_id == user_id)
    if status is not None:
        query = query.where(Thread.status == status)
    return query


def answering_staff(session: DbSession) -> list[User]:
    """Whom a conversation can be assigned to."""
    return staff_with_right(session, R.MESSAGES_ANSWER)

