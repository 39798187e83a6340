"""The money side of ``/api/v1``: a client's payments, its balance, and a reconciliation act
issued for a period — over the operations the «Деньги» pages use."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from lk_corporate.api import schemas as s
from lk_corporate.api.auth import Caller
from lk_corporate.api.endpoints import documents_out, store
from lk_corporate.api.http import ApiProblem, json_response
from lk_corporate.api.spec import PREFIX
from lk_corporate.api.views import api_view
from lk_corporate.core import rights as R
from lk_corporate.core.db import DbSession
from lk_corporate.invoicing.settings import InvoicingSettings
from lk_corporate.payments import operations as ops
from lk_corporate.payments import reconciliation as rec


def _who(caller: Caller | None) -> Caller:
    assert caller is not None
    return caller


@api_view("list_payments")
def list_payments(session: DbSession, caller: Caller | None, *,
                  query: s.PaymentQuery) -> s.PaymentList:
    _who(caller).client(session, query.client_id, R.MONEY_VIEW)
    rows = list(session.scalars(ops.client_payments_query(query.client_id)
                                .offset(query.offset).limit(query.limit + 1)))
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    allocations = ops.allocations_of(session, [p.id for p in rows])
    return s.PaymentList(items=[s.PaymentOut(
        id=p.id, date=p.date, amount=p.amount, payer_tax_id=p.payer_tax_id, purpose=p.purpose,
        allocations=[s.AllocationOut(invoice_id=a.invoice_id, amount=a.amount)
                     for a in allocations.get(p.id, [])]) for p in rows],
        next_offset=query.offset + query.limit if more else None)


@api_view("get_balance")
def get_balance(session: DbSession, caller: Caller | None, *,
                query: s.ClientQuery) -> s.BalanceOut:
    _who(caller).client(session, query.client_id, R.MONEY_VIEW)
    today = InvoicingSettings.from_config(current_app.config).today()
    b = ops.balance(session, query.client_id, as_of=today)
    return s.BalanceOut(as_of=today, invoiced=b.total_invoiced, paid=b.total_paid,
                        balance=b.balance)


@api_view("create_reconciliation_act")
def create_reconciliation_act(session: DbSession, caller: Caller | None, *,
                              body: s.ReconciliationActIn) -> object:
    who = _who(caller)
    who.client(session, body.client_id, R.MONEY_VIEW)
    if who.staff_rights is not None and R.INVOICES_SIGN not in who.staff_rights:
        raise ApiProblem(403, "forbidden", _("The token's user lacks the right for this: "
                                             "%(rights)s.", rights=R.INVOICES_SIGN))
    settings = InvoicingSettings.from_config(current_app.config)
    act = rec.issue_reconciliation_act(
        session, store(), client_id=body.client_id, date_from=body.date_from,
        date_to=body.date_to, requested_by="staff" if who.is_staff else "client",
        actor=who.actor, supplier_key=rec.supplier_key_from(current_app.config),
        base_url=settings.base_url, today=settings.today())
    document = documents_out(session, [act.document])[0]
    response = json_response(s.ReconciliationActCreated(document=document), 201)
    response.headers["Location"] = f"{PREFIX}/documents/{document.id}"
    return response
