"""The correspondence pages: the client's «Написать письмо» and «Мои обращения» with each
conversation, and the staff's inbox with assignment, replies, closing and reopening.

A client's page finds a conversation only within the client the user acts for
(``active_client_id``); opening a conversation marks it read for the user who opened it.
Files are sent back as attachments with the type their content showed (and ``nosniff``,
which every response carries).
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lk_corporate.core import rights as R
from lk_corporate.core.auth import active_client_id, require_right
from lk_corporate.core.extensions import db
from lk_corporate.core.formkit import current_actor, submit_form
from lk_corporate.core.i18n import format_number
from lk_corporate.core.storage import FileStore
from lk_corporate.core.urls import page_number
from lk_corporate.messages import operations as ops
from lk_corporate.messages.files import ACCEPTED_LABELS
from lk_corporate.messages.forms import AssignForm, NewThreadForm, ReplyForm
from lk_corporate.messages.labels import CATEGORY_LABELS, STATUS_BADGES, STATUS_LABELS
from lk_corporate.messages.models import Attachment, Thread, ThreadCategory, ThreadStatus
from lk_corporate.staff.forms import assignee_choices

PER_PAGE = 30


def _store() -> FileStore:
    return FileStore(Path(current_app.config["LK_STORAGE_DIR"]))


def _settings() -> ops.MessageSettings:
    return ops.MessageSettings()


def _uploads(settings: ops.MessageSettings) -> list[ops.Upload]:
    """The files of the form's ``files`` field; an empty file input sends one nameless part."""
    uploads = []
    for storage in request.files.getlist("files"):
        if storage.filename:
            uploads.append(ops.Upload(storage.filename, storage.read(settings.max_file_bytes + 1)))
    return uploads


def _common() -> dict[str, Any]:
    settings = _settings()
    total_mb = int(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
    return {"category_labels": CATEGORY_LABELS, "status_labels": STATUS_LABELS,
            "status_badges": STATUS_BADGES, "settings": settings, "total_mb": total_mb,
            "accepted_types": ACCEPTED_LABELS}


def _download(attachment: Attachment) -> Response:
    data = ops.attachment_bytes(_store(), attachment)
    return send_file(io.BytesIO(data), mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.file_name, etag=attachment.sha256,
                     conditional=False, max_age=0)


def _page() -> int:
    return request.args.get("page", 1, type=page_number)


def _status_code(form: Any) -> int:
    return 422 if form.errors else 200


# --- the client's pages -------------------------------------------------------------------------

@require_right(R.MESSAGES_WRITE)
def index() -> ResponseReturnValue:
    """«Мои обращения»: the client's conversations, those with unread replies marked."""
    pagination = db.paginate(ops.client_threads_query(active_client_id()), page=_page(),
                             per_page=PER_PAGE, error_out=False)
    unread = ops.unread_thread_ids(db.session, current_user.id,
                                   (t.id for t in pagination.items), staff=False)
    return render_template("messages/index.html", pagination=pagination, unread=unread,
                           **_common())


@require_right(R.MESSAGES_WRITE)
def new() -> ResponseReturnValue:
    """«Написать письмо»."""
    form = NewThreadForm()
    settings = _settings()
    if form.validate_on_submit() and (thread := submit_form(
            form, ops.start_thread, _store(), client_id=active_client_id(),
            actor=current_actor(), subject=form.subject.data or "",
            category=ThreadCategory(form.category.data)
            if form.category.data in ThreadCategory._value2member_map_ else None,
            body=form.body.data or "", uploads=_uploads(settings), settings=settings)):
        flash(_("Your message has been sent to the supplier."), "success")
        return redirect(url_for("messages.thread", thread_id=thread.id))
    return render_template("messages/new.html", form=form, **_common()), _status_code(form)


@require_right(R.MESSAGES_WRITE)
def thread(thread_id: int) -> ResponseReturnValue:
    conversation = ops.get_thread(db.session, thread_id, client_id=active_client_id())
    form = ReplyForm()
    settings = _settings()
    if form.validate_on_submit() and (message := submit_form(
            form, ops.reply, _store(), conversation, actor=current_actor(), from_staff=False,
            body=form.body.data or "", uploads=_uploads(settings), settings=settings)):
        flash(_("Your message has been sent to the supplier."), "success")
        return redirect(url_for("messages.thread", thread_id=conversation.id,
                                _anchor=f"message-{message.id}"))
    return _thread_page("messages/thread.html", conversation, form, staff=False)


def _thread_page(template: str, conversation: Thread, form: Any, *, staff: bool,
                 **extra: Any) -> ResponseReturnValue:
    seen_before = ops.mark_read(db.session, conversation, current_user.id)
    return render_template(template, thread=conversation, form=form,
                           messages=ops.thread_messages(db.session, conversation),
                           seen_before=seen_before, **extra, **_common()), _status_code(form)


@require_right(R.MESSAGES_WRITE)
def attachment(thread_id: int, attachment_id: int) -> Response:
    conversation = ops.get_thread(db.session, thread_id, client_id=active_client_id())
    return _download(ops.get_attachment(db.session, conversation, attachment_id))


# --- staff ------------------------------------------------------------------------------------

@require_right(R.MESSAGES_ANSWER)
def inbox() -> ResponseReturnValue:
    """The staff's inbox: nobody's / mine / all, by status, unread ones marked."""
    box = request.args.get("box", "all")
    box = box if box in ops.BOXES else "all"
    wanted = request.args.get("status", "")
    status = ThreadStatus(wanted) if wanted in ThreadStatus._value2member_map_ else None
    pagination = db.paginate(ops.inbox_query(current_user.id, box=box, status=status),
                             page=_page(), per_page=PER_PAGE, error_out=False)
    unread = ops.unread_thread_ids(db.session, current_user.id,
                                   (t.id for t in pagination.items), staff=True)
    return render_template("messages/inbox.html", pagination=pagination, unread=unread,
                           box=box, status=status,
                           counts=ops.staff_unread(db.session, current_user.id), **_common())


@require_right(R.MESSAGES_ANSWER)
def staff_thread(thread_id: int) -> ResponseReturnValue:
    conversation = ops.get_thread(db.session, thread_id, client_id=None)
    form = ReplyForm()
    settings = _settings()
    if form.validate_on_submit() and (message := submit_form(
            form, ops.reply, _store(), conversation, actor=current_actor(), from_staff=True,
            body=form.body.data or "", uploads=_uploads(settings), settings=settings)):
        flash(_("Your reply has been sent to the client."), "success")
        return redirect(url_for("messages.staff_thread", thread_id=conversation.id,
                                _anchor=f"message-{message.id}"))
    assign_form = AssignForm(assignee=str(conversation.assigned_to_id or ""))
    assign_form.assignee.choices = assignee_choices(ops.answering_staff(db.session))
    return _thread_page("messages/staff_thread.html", conversation, form, staff=True,
                        assign_form=assign_form)


@require_right(R.MESSAGES_ANSWER)
def assign(thread_id: int) -> ResponseReturnValue:
    conversation = ops.get_thread(db.session, thread_id, client_id=None)
    form = AssignForm()
    if form.validate_on_submit():
        wanted = (form.assignee.data or "").strip()
        if wanted == "me":
            assignee: int | None = current_user.id
        else:
            assignee = int(wanted) if wanted.isdigit() and len(wanted) < 12 else None
        ops.assign(db.session, conversation, assignee_id=assignee, actor=current_actor())
        flash(_("The conversation is assigned to %(name)s.",
                name=conversation.assigned_to.full_name or conversation.assigned_to.login)
              if conversation.assigned_to else _("The conversation is assigned to nobody."),
              "success")
    return redirect(url_for("messages.staff_thread", thread_id=conversation.id))


@require_right(R.MESSAGES_ANSWER)
def close(thread_id: int) -> ResponseReturnValue:
    conversation = ops.get_thread(db.session, thread_id, client_id=None)
    ops.close(db.session, conversation, actor=current_actor())
    flash(_("The conversation is closed."), "success")
    return redirect(url_for("messages.staff_thread", thread_id=conversation.id))


@require_right(R.MESSAGES_ANSWER)
def reopen(thread_id: int) -> ResponseReturnValue:
    conversation = ops.get_thread(db.session, thread_id, client_id=None)
    ops.reopen(db.session, conversation, actor=current_actor())
    flash(_("The conversation is open again."), "success")
    return redirect(url_for("messages.staff_thread", thread_id=conversation.id))


@require_right(R.MESSAGES_ANSWER)
def staff_attachment(thread_id: int, attachment_id: int) -> Response:
    conversation = ops.get_thread(db.session, thread_id, client_id=None)
    return _download(ops.get_attachment(db.session, conversation, attachment_id))


def file_size(size: int) -> str:
    """``1536`` → «2 КБ», ``3_300_000`` → «3,1 МБ» (the template filter ``file_size``)."""
    if size < 1024 * 1024:
        return _("%(n)s KB", n=format_number(Decimal(max(1, (size + 1023) // 1024))))
    tenths = Decimal(size * 10 // (1024 * 1024)) / 10
    return _("%(n)s MB", n=format_number(tenths, 1))


# --- the menu's counts --------------------------------------------------------------------------

def client_unread_badge(user: Any) -> int:
    """Conversations of the client the user acts for with a reply they have not read."""
    membership = getattr(user, "active_membership", None)
    if membership is None:
        return 0
    return ops.client_unread_count(db.session, membership.client_id, user.id)


def staff_unread_badge(user: Any) -> int:
    """Conversations with an unread client message: assigned to the user or to nobody."""
    return ops.staff_unread(db.session, user.id).total
