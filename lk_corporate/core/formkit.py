"""Small pieces the staff and client forms share: a Decimal field that accepts the Russian
decimal comma, input filters, mapping a domain refusal onto a form, and the acting user.

Forms check shape (required, length, number syntax); operations check meaning (check digits,
uniqueness, overlaps) and raise ``DomainError`` naming the field; ``apply_error`` puts that
message beside the field so both kinds of message look the same to the user.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import g
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import Field, Form, HiddenField, StringField
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError

from lk_corporate.core import submissions
from lk_corporate.core.audit import Actor
from lk_corporate.core.errors import DomainError
from lk_corporate.core.extensions import db
from lk_corporate.core.i18n import message_text
from lk_corporate.core.net import client_ip
from lk_corporate.core.requisites import REQUISITES_FIELDS, Requisites
from lk_corporate.core.uow import savepoint

# Longest text any single-line input accepts before the model's own column limits apply:
# a 10 000-character paste is refused by the form with a message, not by the database.
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def digits_only(value: Any) -> Any:
    """Requisites are typed with spaces and dashes (``77 12-345678``); keep the digits."""
    return re.sub(r"[\s\-\u00a0]", "", value) if isinstance(value, str) else value


def parse_decimal(raw: str) -> Decimal:
    """``'1 234,5'`` or ``'1234.5'`` → ``Decimal('1234.5')``; ValueError for anything else."""
    text = _SPACES.sub("", raw or "")
    if not re.fullmatch(r"[+-]?\d+([.,]\d+)?", text):
        raise ValueError(raw)
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern above admits only numbers
        raise ValueError(raw) from None


def trimmed(value: Decimal | None, min_places: int = 0) -> Decimal | None:
    """``Decimal('200.000000')`` → ``Decimal('200')``: a ``Quantity`` column keeps six places,
    but a ratio of 200 or a price of 8.62 is shown the way it was typed (template filter
    ``trimmed``, registered by the clients blueprint: ``{{ m.ct_ratio|trimmed|number }}``).
    ``min_places`` keeps prices looking like prices: 3127.4 → 3127.40 with ``trimmed(2)``."""
    if value is None:
        return None
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    if isinstance(exponent, int) and -exponent < min_places:
        return normal.quantize(Decimal(1).scaleb(-min_places))
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal


class DecimalStringField(StringField):
    """A number typed as text: one ``.`` or ``,`` separator, digits only; ``data`` is a
    ``Decimal`` (or None when empty). Never a float, whatever the user types."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw_text = valuelist[0] if valuelist else ""
        text = (self.raw_text or "").strip() if isinstance(self.raw_text, str) else ""
        if not text:
            # Spaces are no number: ``InputRequired`` must see the field as empty too.
            self.raw_data = [""]
            self.data = None
            return
        if len(text) > 40:
            self.data = None
            raise ValueError(_l("The number is too long."))
        try:
            self.data = parse_decimal(text)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a number: digits and one decimal separator (. or ,).")) from None

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if isinstance(self.data, Decimal):
            return format(trimmed(self.data), "f")
        return ""


class Required:
    """A value must be there: unlike ``DataRequired`` a zero passes, and unlike
    ``InputRequired`` a field of only spaces does not."""

    def __call__(self, form: Form, field: Field) -> None:
        if field.data is None or (isinstance(field.data, str) and not field.data.strip()):
            field.errors[:] = []
            raise StopValidation(gettext("This field is required."))


class PositiveDecimal:
    """Greater than zero with at most ``places`` decimals (what a ``Quantity`` column keeps)."""

    def __init__(self, places: int = 6, max_integer_digits: int = 14) -> None:
        self.places = places
        self.max_integer_digits = max_integer_digits

    def __call__(self, form: Form, field: Field) -> None:
        value = field.data
        if value is None:
            return
        if value <= 0:
            raise ValidationError(gettext("Enter a number greater than zero."))
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.places:
            raise ValidationError(gettext("At most %(n)s digits after the decimal separator.",
                                          n=self.places))
        if len(str(int(value))) > self.max_integer_digits:
            raise ValidationError(gettext("The number is too large."))


def apply_error(form: Form, error: Any) -> None:
    """Show a domain refusal (``DomainError`` or ``AccountError``: message, field, params)
    beside its field, or above the form when it names none or a field the form lacks."""
    message = message_text(error.message, error.params)
    # Which refusal it was, for the view's status code.
    form.refusal = error  # type: ignore[attr-defined]
    field = getattr(form, error.field, None) if error.field else None
    if isinstance(field, Field):
        field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
    else:
        form.form_errors.append(message)


def current_actor() -> Actor:
    """The signed-in user as the audit log records them."""
    return Actor(user_id=current_user.id, name=current_user.login, ip=client_ip())


class OnceForm(FlaskForm):
    """A form that creates something: it carries a ``submission_id``, and ``submit_form``
    runs its operation only for the first request that brings that id
    (``core.submissions``)."""

    submission_id = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.submission_id.data:
            self.submission_id.data = submissions.new_key()


def claim_submission(key: str | None) -> None:
    """Claim a form's submission id for this request (raises ``RepeatedSubmission``); the
    request boundary keeps the page the request redirects to with it."""
    if not submissions.valid_key(key):
        return
    user_id = current_user.id if current_user.is_authenticated else None
    g.lk_submission = submissions.claim(db.session, str(key), user_id)


def submit_form(form: Form, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run ``operation(db.session, *args, **kwargs)`` for a validated form, in a savepoint of
    the request's unit of work (``core.requests``); its result, or None when it was refused.
    A domain refusal is shown beside its field and what the operation wrote is undone.
    A ``OnceForm`` sent a second time raises ``RepeatedSubmission`` instead.

    Operations that legitimately return None return ``True`` here."""
    try:
        with savepoint(db.session) as session:
            if isinstance(form, OnceForm):
                claim_submission(form.submission_id.data)
            result = operation(session, *args, **kwargs)
    except DomainError as exc:
        apply_error(form, exc)
        return None
    return True if result is None else result


REQUISITE_LABELS: dict[str, Any] = {
    "name": _l("Full legal name"),
    "short_name": _l("Short name"),
    "tax_id": _l("Tax ID (ИНН)"),
    "kpp": _l("КПП"),
    "ogrn": _l("ОГРН"),
    "address": _l("Address"),
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "bank_name": _l("Bank"),
    "bank_bik": _l("БИК"),
    "bank_account": _l("Settlement account"),
    "bank_correspondent_account": _l("Correspondent account"),
}
"""What every page and form calls each requisite."""

ENTITY = ("name", "tax_id", "kpp", "ogrn", "address")
BANK = ("bank_name", "bank_bik", "bank_account", "bank_correspondent_account")


def requisites_rows(holder: Any, names: tuple[str, ...] = ENTITY + BANK) -> list[tuple[Any, str]]:
    """(label, value) rows of a company's requisites for ``details_list`` in templates."""
    requisites = holder if isinstance(holder, Requisites) else Requisites.of(holder)
    return [(REQUISITE_LABELS[name], getattr(requisites, name) or "—") for name in names]


class RequisitesFields(Form):
    """The fields of ``core.requisites.Requisites``, for the client's and the supplier's
    forms (shape only: the value object checks the meaning)."""

    name = StringField(REQUISITE_LABELS["name"], [DataRequired(), Length(max=300)], filters=[strip])
    short_name = StringField(REQUISITE_LABELS["short_name"], [Length(max=200)], filters=[strip])
    tax_id = StringField(REQUISITE_LABELS["tax_id"], [DataRequired(), Length(max=20)],
                         filters=[digits_only], render_kw={"inputmode": "numeric"})
    kpp = StringField(REQUISITE_LABELS["kpp"], [Length(max=20)], filters=[digits_only])
    ogrn = StringField(REQUISITE_LABELS["ogrn"], [Length(max=20)], filters=[digits_only],
                       render_kw={"inputmode": "numeric"})
    address = StringField(REQUISITE_LABELS["address"], [Length(max=500)], filters=[strip])
    email = StringField(REQUISITE_LABELS["email"], [Length(max=254)], filters=[strip],
                        render_kw={"type": "email", "autocomplete": "off"})
    phone = StringField(REQUISITE_LABELS["phone"], [Length(max=60)], filters=[strip])
    bank_name = StringField(REQUISITE_LABELS["bank_name"], [Length(max=300)], filters=[strip])
    bank_bik = StringField(REQUISITE_LABELS["bank_bik"], [Length(max=20)], filters=[digits_only],
                           render_kw={"inputmode": "numeric"})
    bank_account = StringField(REQUISITE_LABELS["bank_account"], [Length(max=34)], filters=[digits_only],
                               render_kw={"inputmode": "numeric"})
    bank_correspondent_account = StringField(REQUISITE_LABELS["bank_correspondent_account"], [Length(max=34)],
                                             filters=[digits_only],
                                             render_kw={"inputmode": "numeric"})

    def requisites_data(self) -> Requisites:
        return Requisites(**{name: self[name].data or "" for name in REQUISITES_FIELDS})
