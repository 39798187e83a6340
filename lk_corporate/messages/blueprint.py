"""URL rules of the correspondence pages and their menu entries (with the unread counts)."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.core import rights as R
from lk_corporate.messages import controllers as c
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("messages", __name__)
bp.add_app_template_filter(c.file_size, "file_size")

bp.add_url_rule("/messages", "index", c.index)
bp.add_url_rule("/messages/new", "new", c.new, methods=["GET", "POST"])
bp.add_url_rule("/messages/<int:thread_id>", "thread", c.thread, methods=["GET", "POST"])
bp.add_url_rule("/messages/<int:thread_id>/files/<int:attachment_id>", "attachment",
                c.attachment)
bp.add_url_rule("/staff/messages", "inbox", c.inbox)
bp.add_url_rule("/staff/messages/<int:thread_id>", "staff_thread", c.staff_thread,
                methods=["GET", "POST"])
bp.add_url_rule("/staff/messages/<int:thread_id>/assign", "assign", c.assign, methods=["POST"])
bp.add_url_rule("/staff/messages/<int:thread_id>/close", "close", c.close, methods=["POST"])
bp.add_url_rule("/staff/messages/<int:thread_id>/reopen", "reopen", c.reopen, methods=["POST"])
bp.add_url_rule("/staff/messages/<int:thread_id>/files/<int:attachment_id>", "staff_attachment",
                c.staff_attachment)

register_menu_item(_l("Write a letter"), "messages.new", right=R.MESSAGES_WRITE,
                   section="supplier", order=10, icon="pencil-square")
register_menu_item(_l("My inquiries"), "messages.index", right=R.MESSAGES_WRITE,
                   section="supplier", order=20, icon="chat-left-text",
                   badge=c.client_unread_badge, badge_label=_l("unread"))
register_menu_item(_l("Client inquiries"), "messages.inbox", right=R.MESSAGES_ANSWER,
                   section="correspondence", order=10, icon="inbox",
                   badge=c.staff_unread_badge, badge_label=_l("unread"))
