"""The e-mail notice of a new message: the client's users learn of the supplier's reply, the
supplier's staff of a client's message (the staff member it is assigned to; everyone who
answers messages while nobody is)."""

from __future__ import annotations

from lk_corporate.accounts.preferences import NotificationKind
from lk_corporate.core.db import DbSession
from lk_corporate.core.errors import N_
from lk_corporate.core.mail import OutgoingMail
from lk_corporate.messages.labels import CATEGORY_LABELS
from lk_corporate.messages.models import Message, Thread
from lk_corporate.notifications.operations import notify, notify_staff, portal_link

SUPPLIER_REPLIED = N_("Reply from the supplier: %(subject)s")
CLIENT_WROTE = N_("New message from %(client)s: %(subject)s")

EXCERPT = 600
"""How much of the message the e-mail quotes (the rest, and the files, are in the portal)."""


def excerpt(body: str) -> str:
    return body if len(body) <= EXCERPT else body[:EXCERPT].rstrip() + "…"


def _context(thread: Thread, message: Message, link: str) -> dict[str, object]:
    return {"thread": thread, "subject": thread.subject, "client": thread.client.display_name,
            "category": CATEGORY_LABELS[thread.category], "excerpt": excerpt(message.body),
            "files": [a.file_name for a in message.attachments], "link": link}


def supplier_replied(session: DbSession, thread: Thread, message: Message) -> list[OutgoingMail]:
    return notify(session, client_id=thread.client_id, kind=NotificationKind.MESSAGE_RECEIVED,
                  subject_msgid=SUPPLIER_REPLIED, template="message_received",
                  context=_context(thread, message,
                                   portal_link("messages.thread", thread_id=thread.id)))


def client_wrote(session: DbSession, thread: Thread, message: Message) -> list[OutgoingMail]:
    return notify_staff(session, kind=NotificationKind.MESSAGE_RECEIVED,
                        subject_msgid=CLIENT_WROTE, template="message_received_staff",
                        context=_context(thread, message,
                                         portal_link("messages.staff_thread",
                                                     thread_id=thread.id)),
                        user_ids=[thread.assigned_to_id] if thread.assigned_to_id else None)
