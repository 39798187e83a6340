"""The correspondence forms: a new conversation, a reply, an assignment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from lk_corporate.core.formkit import OnceForm, Required, strip
from lk_corporate.messages.files import ACCEPT_ATTRIBUTE
from lk_corporate.messages.labels import CATEGORY_LABELS
from lk_corporate.messages.models import ThreadCategory
from lk_corporate.messages.operations import MessageSettings

_LIMITS = MessageSettings()


def _files() -> MultipleFileField:
    return MultipleFileField(_l("Files"), render_kw={"accept": ACCEPT_ATTRIBUTE})


def _body() -> TextAreaField:
    return TextAreaField(_l("Message"), [Required(), Length(max=_LIMITS.max_body)],
                         render_kw={"rows": 7})


class NewThreadForm(OnceForm):
    category = SelectField(_l("Topic"), choices=[SelectChoice(c.value, CATEGORY_LABELS[c]) for c in ThreadCategory],
                           default=ThreadCategory.GENERAL.value)
    subject = StringField(_l("Subject"), [Required(), Length(max=_LIMITS.max_subject)],
                          filters=[strip])
    body = _body()
    files = _files()


class ReplyForm(OnceForm):
    body = _body()
    files = _files()


class AssignForm(FlaskForm):
    """Whom the conversation is assigned to: a staff member's id, or empty for nobody."""

    assignee = SelectField(_l("Assigned to"), choices=[], validate_choice=False)

