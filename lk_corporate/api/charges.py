"""``GET /api/v1/charges``: a client's charges breakdown of a month, over the operation the
«Расшифровка начислений» page uses (``charges.operations``)."""

from __future__ import annotations

from lk_corporate.api import schemas as s
from lk_corporate.api.auth import Caller
from lk_corporate.api.views import api_view
from lk_corporate.charges import operations as ops
from lk_corporate.clients.models import Service
from lk_corporate.core import rights as R
from lk_corporate.core.db import DbSession


def _line(line: ops.BreakdownLine) -> s.ChargeLineOut:
    return s.ChargeLineOut(
        service=Service(line.service), service_name=line.service_name, point_id=line.point_id,
        point=line.point, factory_number=line.factory_number, zone=line.zone,
        zone_name=line.zone_name, unit=line.unit, previous=line.previous, current=line.current,
        ct_ratio=line.ct_ratio, vt_ratio=line.vt_ratio, consumption=line.volume,
        tariff=line.price, vat_rate=line.vat_rate, amount=line.net, vat=line.vat,
        total=line.gross)


@api_view("get_charges")
def get_charges(session: DbSession, caller: Caller | None, *,
                query: s.ChargesQuery) -> s.ChargesOut:
    assert caller is not None
    caller.client(session, query.client_id, R.MONEY_VIEW)
    period_id = query.period_id
    if period_id is None:
        period = ops.default_period(session, query.client_id)
        period_id = period.id if period is not None else None
    if period_id is None:  # no billing period at all yet
        return s.ChargesOut(client_id=query.client_id, period_id=None, year=None, month=None,
                            calculated=False, invoice_id=None, invoice_number=None,
                            currency=None, lines=[], amount=None, vat=None, total=None)
    b = ops.charges_breakdown(session, query.client_id, period_id)
    return s.ChargesOut(
        client_id=b.client_id, period_id=b.period_id, year=b.year, month=b.month,
        calculated=b.calculated, invoice_id=b.invoice_id, invoice_number=b.invoice_number,
        currency=b.currency if b.calculated else None, lines=[_line(x) for x in b.lines],
        amount=b.net if b.calculated else None, vat=b.vat if b.calculated else None,
        total=b.total if b.calculated else None)
