"""HTTP handler of «Показания → История показаний»: the last twelve months per meter, with
the consumption and cost charts (server-side SVG) and the approved limits beside the
actuals."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from babel.dates import format_date as babel_format_date
from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from lk_corporate.consumption import operations as ops
from lk_corporate.consumption.chart import Bar, bar_chart
from lk_corporate.core import rights as R
from lk_corporate.core.auth import active_client_id, require_right
from lk_corporate.core.extensions import db
from lk_corporate.core.formkit import trimmed
from lk_corporate.core.i18n import _lang, format_money, format_number, format_period
from lk_corporate.limits.operations import approved_limits

_END = re.compile(r"^(\d{4})-(\d{2})$")


def _end(client_id: int) -> ops.Month:
    """The window's last month: ``?end=YYYY-MM``, else the newest month with figures, else
    the current month."""
    match = _END.match(request.args.get("end", ""))
    if match and 2000 <= int(match[1]) <= 2100 and 1 <= int(match[2]) <= 12:
        return int(match[1]), int(match[2])
    latest = ops.latest_month(db.session, client_id)
    if latest is not None:
        return latest
    today = dt.date.today()
    return today.year, today.month


def _short(year: int, month: int) -> str:
    return babel_format_date(dt.date(year, month, 1), "LLL", locale=_lang())


def _volume(value: Decimal | None) -> str:
    return format_number(trimmed(value))


def charts(history: ops.History, *, with_cost: bool) -> dict[int, list[tuple[str, Markup]]]:
    """meter id → its charts, each with its caption (consumption, and cost when the user may
    see money)."""
    out: dict[int, list[tuple[str, Markup]]] = {}
    for meter in history.meters:
        limits = next((p for p in history.limits if p.point_id == meter.point_id), None)
        only = sum(1 for m in history.meters if m.point_id == meter.point_id
                   and m.service == ops.LIMITED_SERVICE.value) == 1
        bars = []
        for i, m in enumerate(meter.months):
            full = format_period(dt.date(m.year, m.month, 1))
            no_data = _("no data")
            text = (f"{full}: {_volume(m.volume)} {meter.unit}" if m.volume is not None
                    else f"{full}: {no_data}")
            limit = limits.months[i].limit if limits is not None and only else None
            if limit is not None:
                text += "; " + _("limit %(volume)s %(unit)s", volume=_volume(limit),
                                 unit=meter.unit)
            bars.append(Bar(_short(m.year, m.month), text, m.volume, limit))
        first, last = meter.months[0], meter.months[-1]
        span = (f"{format_period(dt.date(first.year, first.month, 1))} — "
                f"{format_period(dt.date(last.year, last.month, 1))}")
        title = _("Consumption of meter No. %(number)s, %(unit)s", number=meter.factory_number,
                  unit=meter.unit)
        made = [(title, bar_chart(
            chart_id=f"consumption-{meter.meter_id}", title=title,
            description=_("%(service)s, %(point)s: consumption by month, %(span)s; the table "
                          "beside the chart gives the same figures.",
                          service=meter.service_name, point=meter.point, span=span),
            bars=bars, axis_text=_volume, css_class="lk-chart-consumption"))]
        if with_cost and any(m.cost is not None for m in meter.months):
            title = _("Cost of meter No. %(number)s, roubles with VAT",
                      number=meter.factory_number)
            made.append((title, bar_chart(
                chart_id=f"cost-{meter.meter_id}", title=title,
                description=_("%(service)s, %(point)s: charges with VAT by month, %(span)s.",
                              service=meter.service_name, point=meter.point, span=span),
                bars=[Bar(_short(m.year, m.month),
                          f"{format_period(dt.date(m.year, m.month, 1))}: "
                          + (format_money(m.cost) if m.cost is not None else _("no data")),
                          m.cost) for m in meter.months],
                axis_text=lambda v: format_number(v.quantize(Decimal(1))),
                css_class="lk-chart-cost")))
        out[meter.meter_id] = made
    return out


def history_page() -> ResponseReturnValue:
    client_id = active_client_id()
    end = _end(client_id)
    # The approved limits of the window's last year (a signed request the supplier approved).
    limits = approved_limits(db.session, client_id, end[0])
    history = ops.reading_history(db.session, client_id, end=end, limits=limits)
    with_cost = current_user.has_right(R.MONEY_VIEW)
    year, month = end
    previous = (year - (month == 1), 12 if month == 1 else month - 1)
    following = (year + (month == 12), 1 if month == 12 else month + 1)
    return render_template(
        "consumption/history.html", history=history, charts=charts(history, with_cost=with_cost),
        with_cost=with_cost, end=dt.date(year, month, 1),
        earlier=f"{previous[0]}-{previous[1]:02d}", later=f"{following[0]}-{following[1]:02d}",
        month_date=lambda y, m: dt.date(y, m, 1))


@require_right(R.READINGS_VIEW)
def history() -> ResponseReturnValue:
    """«История показаний» of the signed-in user's client."""
    return history_page()
