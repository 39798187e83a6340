"""Forms of the staff client pages. Shape only (required, lengths, number syntax); the
meaning (check digits, uniqueness) is checked by the operations."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lk_corporate.clients.models import MeterStatus, Service
from lk_corporate.clients.terms import SERVICE_TERMS, ZONE_TERMS
from lk_corporate.core.formkit import (
    DecimalStringField,
    OnceForm,
    PositiveDecimal,
    RequisitesFields,
    strip,
)


def service_choices() -> list[tuple[str, str]]:
    return [SelectChoice(s.value, SERVICE_LABELS[s.value]) for s in Service]


SERVICE_LABELS = {code: _l(term) for code, term in SERVICE_TERMS.items()}
ZONE_LABELS = {code: _l(term) for code, term in ZONE_TERMS.items()}
ZONE_LAYOUT_LABELS = {
    "single": _l("Single rate"),
    "day,night": _l("Two zones: day and night"),
    "peak,half_peak,night": _l("Three zones: peak, half-peak and night"),
}
STATUS_LABELS = {"installed": _l("Installed"), "removed": _l("Removed")}


class ClientForm(OnceForm, RequisitesFields):
    contract_number = StringField(_l("Contract number"), [DataRequired(), Length(max=40)],
                                  filters=[strip],
                                  description=_l("The client's login is derived from it."))
    contract_date = DateField(_l("Contract date"), [Optional()])
    is_active = BooleanField(_l("Active contract"), default=True)


class PointForm(OnceForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)], filters=[strip],
                       description=_l("E.g. a substation feeder or a water inlet."))
    address = StringField(_l("Address"), [Length(max=500)], filters=[strip])


class MeterForm(OnceForm):
    service = SelectField(_l("Service"), [InputRequired()], choices=service_choices)
    factory_number = StringField(
        _l("Factory number"), [Length(max=40)], filters=[strip],
        description=_l("Readings are not accepted for a meter without a factory number."))
    verification_date = DateField(_l("Next verification date"), [Optional()])
    status = SelectField(_l("Status"), [InputRequired()],
                         choices=[SelectChoice(s.value, STATUS_LABELS[s.value]) for s in MeterStatus])
    installed_on = DateField(_l("Installed on"), [Optional()])
    removed_on = DateField(_l("Removed on"), [Optional()],
                           description=_l("Required when the meter is removed."))
    digits = IntegerField(_l("Digits before the separator"), [InputRequired(), NumberRange(1, 12)],
                          default=6, render_kw={"inputmode": "numeric"})
    decimals = IntegerField(_l("Digits after the separator"), [InputRequired(), NumberRange(0, 6)],
                            default=2, render_kw={"inputmode": "numeric"})
    ct_ratio = DecimalStringField(_l("Current transformer ratio"),
                                  [InputRequired(), PositiveDecimal()], default=None,
                                  description=_l("1 when the meter is connected directly."))
    vt_ratio = DecimalStringField(_l("Voltage transformer ratio"),
                                  [InputRequired(), PositiveDecimal()], default=None)
    zones = SelectField(_l("Tariff zones"), [InputRequired()],
                        choices=[SelectChoice(k, v) for k, v in ZONE_LAYOUT_LABELS.items()])
    max_consumption = DecimalStringField(
        _l("Maximum plausible consumption per month"), [Optional(), PositiveDecimal()],
        description=_l("A larger consumption is refused or needs the client's confirmation."))
    notes = TextAreaField(_l("Notes"), [Length(max=2000)], filters=[strip],
                          render_kw={"rows": 2})
    # What the register showed at installation, per zone of the layout (the page shows the
    # selected layout's zones only): the first consumption is counted from it.
    installation_single = DecimalStringField(ZONE_LABELS["single"], [Optional()])
    installation_day = DecimalStringField(ZONE_LABELS["day"], [Optional()])
    installation_night = DecimalStringField(ZONE_LABELS["night"], [Optional()])
    installation_peak = DecimalStringField(ZONE_LABELS["peak"], [Optional()])
    installation_half_peak = DecimalStringField(ZONE_LABELS["half_peak"], [Optional()])

    INSTALLATION_ZONES = ("single", "day", "night", "peak", "half_peak")

    def installation_readings(self) -> tuple[tuple[str, Decimal], ...]:
        return tuple((zone, self[f"installation_{zone}"].data) for zone in self.INSTALLATION_ZONES
                     if self[f"installation_{zone}"].data is not None)

