"""Every read endpoint of /api/v1 with a client's token: what it answers, within the token's
clients and rights."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from lk_corporate.api.endpoints import MONEY_KINDS
from lk_corporate.core.audit import AuditEntry
from lk_corporate.core.extensions import db
from lk_corporate.core.rights import CLIENT_ACCOUNTANT, CLIENT_SIGNER
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus
from lk_corporate.periods.models import BillingPeriod, PeriodStatus
from tests.api.conftest import REPORT, World, _issue, bearer, make_token
from tests.support.factories import add_membership, create_client, create_client_user


def get(client, url: str, token: str):  # type: ignore[no-untyped-def]
    return client.get(url, headers=bearer(token))


def test_clients_are_the_users_own(client, world: World):
    body = get(client, "/api/v1/clients", world.token_a).get_json()
    assert body == {"items": [{"id": world.a.id, "name": "ООО «Альфа»",
                               "tax_id": world.a.tax_id, "contract_number": "A-1"}]}
    # One more contract for the same user: both, and the token sees it at once.
    other = create_client(name="ООО «Гамма»", contract_number="G-3")
    add_membership(world.user_a, other)
    ids = [c["id"] for c in get(client, "/api/v1/clients", world.token_a).get_json()["items"]]
    assert sorted(ids) == sorted([world.a.id, other.id])


def test_periods_say_when_readings_are_open(client, world: World):
    db.session.add(BillingPeriod(year=2026, month=12, calculation_date=dt.date(2026, 12, 25),
                                 status=PeriodStatus.PLANNED))
    db.session.commit()
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, tzinfo=dt.UTC), tick=False):
        items = get(client, "/api/v1/periods", world.token_a).get_json()["items"]
    assert [(p["year"], p["month"], p["status"], p["readings_open"]) for p in items] == [
        (2026, 12, "planned", False), (2026, 11, "open", True)]
    assert items[1] == {"id": world.period.id, "year": 2026, "month": 11, "status": "open",
                        "calculation_date": "2026-11-25", "readings_open": True}
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC), tick=False):
        items = get(client, "/api/v1/periods", world.token_a).get_json()["items"]
    assert items[1]["readings_open"] is False  # before the calculation date


def test_tariffs_valid_in_the_period(client, world: World):
    items = get(client, f"/api/v1/tariffs?client_id={world.a.id}", world.token_a).get_json()["items"]
    # The open period (November 2026): both day tariffs apply on some day of it; last
    # year's night tariff does not. Prices as decimal strings, as typed.
    assert [(t["zone"], t["price"], t["valid_from"], t["valid_to"]) for t in items] == [
        ("day", "5.12", "2026-01-01", "2026-11-15"), ("day", "5.5", "2026-11-16", None)]
    assert set(items[0]) == {"id", "service", "zone", "unit", "price", "valid_from", "valid_to"}
    assert items[0]["service"] == "electricity" and items[0]["unit"] == "кВт·ч"
    old = BillingPeriod(year=2025, month=3, calculation_date=dt.date(2025, 3, 31),
                        status=PeriodStatus.CLOSED)
    db.session.add(old)
    db.session.commit()
    items = get(client, f"/api/v1/tariffs?client_id={world.a.id}&period_id={old.id}",
                world.token_a).get_json()["items"]
    assert [(t["zone"], t["price"]) for t in items] == [("night", "3")]


def test_tariffs_without_an_open_period_are_todays(client, world: World):
    world.period.status = PeriodStatus.CLOSED
    db.session.merge(world.period)
    db.session.commit()
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC), tick=False):
        items = get(client, f"/api/v1/tariffs?client_id={world.a.id}", world.token_a).get_json()
    assert [t["price"] for t in items["items"]] == ["5.5"]


def test_meters_with_everything_the_reading_rules_need(client, world: World):
    items = get(client, f"/api/v1/meters?client_id={world.a.id}", world.token_a).get_json()["items"]
    assert len(items) == 1
    meter = items[0]
    assert meter == {
        "id": world.meter_a.id, "client_id": world.a.id, "point_id": world.meter_a.point_id,
        "point": world.meter_a.point.name, "service": "electricity",
        "factory_number": "ALPHA-0001", "status": "installed", "verification_date": None,
        "zones": ["day", "night"], "digits": 6, "decimals": 2, "ct_ratio": "200",
        "vt_ratio": "1", "max_consumption": None,
        # No accepted reading yet: each register counts from its installation reading.
        "previous": {"day": {"value": "100", "date": "2026-01-10", "source": "installation"},
                     "night": {"value": "50", "date": "2026-01-10", "source": "installation"}}}


def test_documents_list_filters_and_pages(client, world: World):
    items = get(client, "/api/v1/documents", world.token_a).get_json()["items"]
    assert {d["number"] for d in items} == {"RA-1", "RA-2", "INV-1"}  # none of B's
    acts = get(client, f"/api/v1/documents?client_id={world.a.id}&kind=reading_act",
               world.token_a).get_json()["items"]
    assert {d["number"] for d in acts} == {"RA-1", "RA-2"}
    superseded = get(client, "/api/v1/documents?status=superseded", world.token_a).get_json()
    assert [d["number"] for d in superseded["items"]] == ["RA-1"]
    assert get(client, f"/api/v1/documents?period_id={world.period.id}",
               world.token_a).get_json()["items"]
    first = get(client, "/api/v1/documents?limit=2", world.token_a).get_json()
    assert len(first["items"]) == 2 and first["next_offset"] == 2
    rest = get(client, "/api/v1/documents?limit=2&offset=2", world.token_a).get_json()
    assert len(rest["items"]) == 1 and rest["next_offset"] is None
    assert {d["id"] for d in first["items"] + rest["items"]} == {d["id"] for d in items}


def test_a_document_with_its_history_links(client, world: World):
    old = get(client, f"/api/v1/documents/{world.act_a.id}", world.token_a).get_json()
    assert old["status"] == "superseded" and old["superseded_by"] == world.act_a2.id
    assert old["signatures"] == 1 and old["supersedes"] is None
    new = get(client, f"/api/v1/documents/{world.act_a2.id}", world.token_a).get_json()
    assert new["supersedes"] == world.act_a.id and new["superseded_by"] is None
    assert new["status"] == "awaiting_signature" and new["signatures"] == 0
    assert new["sha256"] == db.session.get(Document, world.act_a2.id).sha256
    assert new["kind"] == "reading_act" and new["period_id"] == world.period.id
    invoice = get(client, f"/api/v1/documents/{world.invoice_a.id}", world.token_a).get_json()
    # The invoice's amounts come with the invoicing package (api/invoicing_bridge.py).
    assert {k: invoice[k] for k in ("amount_net", "vat", "total", "due_date", "remaining")} == \
        dict.fromkeys(("amount_net", "vat", "total", "due_date", "remaining"))


def test_a_cyrillic_number_downloads_under_a_header_http_can_carry(client, world: World, app):
    """A reading act is numbered «АП-…»: headers are Latin-1 on the wire (a real server
    refused to send the raw name, and the client got no answer at all)."""
    act = _issue(app, DocumentKind.READING_ACT, "АП-2026-00002", world.a, None,
                 b"%PDF-1.7 act")
    r = get(client, f"/api/v1/documents/{act.id}/file", world.token_a)
    assert r.status_code == 200 and r.data == b"%PDF-1.7 act"
    header = r.headers["Content-Disposition"]
    header.encode("latin-1")
    assert header == ("attachment; filename=\"reading_act-__-2026-00002.pdf\"; "
                      "filename*=UTF-8''reading_act-%D0%90%D0%9F-2026-00002.pdf")


def test_file_download_records_receipt_of_what_the_supplier_sent(client, world: World):
    r = get(client, f"/api/v1/documents/{world.invoice_a.id}/file", world.token_a)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.data == b"%PDF-1.7 invoice A"
    assert "invoice-INV-1.pdf" in r.headers["Content-Disposition"]
    db.session.expire_all()
    invoice = db.session.get(Document, world.invoice_a.id)
    assert invoice.status is DocumentStatus.RECEIVED and invoice.received_at is not None
    moves = db.session.query(AuditEntry).filter_by(object_type="document",
                                                   object_id=str(invoice.id)).all()
    assert [m.action for m in moves][-1] == "document.received"
    assert moves[-1].actor == "alpha (API)"
    # Once: a second download changes nothing.
    assert get(client, f"/api/v1/documents/{world.invoice_a.id}/file",
               world.token_a).status_code == 200
    assert db.session.query(AuditEntry).filter_by(object_type="document",
                                                  object_id=str(invoice.id)).count() == len(moves)
    # A reading act the client itself signs is not "received" by downloading it.
    act = get(client, f"/api/v1/documents/{world.act_a.id}/file", world.token_a)
    assert act.data == b"%PDF-1.7 act A signed"  # the current revision


def test_report_of_the_newest_signed_revision(client, world: World):
    r = get(client, f"/api/v1/documents/{world.act_a.id}/report", world.token_a)
    assert r.status_code == 200 and r.get_json() == REPORT
    none = get(client, f"/api/v1/documents/{world.act_a2.id}/report", world.token_a)
    assert none.status_code == 404 and none.get_json()["code"] == "not_found"


@pytest.mark.parametrize("url", [
    "/api/v1/tariffs?client_id={a}", "/api/v1/meters?client_id={a}",
    "/api/v1/documents/{invoice}", "/api/v1/documents/{invoice}/file",
    "/api/v1/documents?client_id={a}&kind=invoice"])
def test_a_missing_right_is_403(client, world: World, url: str):
    """A signer without the money right: no tariffs, no invoices; an accountant's rights
    are the membership's, not the token's."""
    signer = create_client_user(world.a, login="signer", roles=(CLIENT_SIGNER,))
    token = make_token(signer)
    r = get(client, url.format(a=world.a.id, invoice=world.invoice_a.id), token)
    if "meters" in url:
        assert r.status_code == 200  # a signer sees readings
        return
    assert r.status_code == 403, r.get_json()
    assert r.get_json()["code"] == "forbidden"


def test_without_the_money_right_invoices_are_left_out_of_lists(client, world: World):
    signer = create_client_user(world.a, login="signer", roles=(CLIENT_SIGNER,))
    items = get(client, "/api/v1/documents", make_token(signer)).get_json()["items"]
    assert {d["number"] for d in items} == {"RA-1", "RA-2"}
    assert not any(d["kind"] in {k.value for k in MONEY_KINDS} for d in items)
    accountant = create_client_user(world.a, login="acc", roles=(CLIENT_ACCOUNTANT,))
    items = get(client, "/api/v1/documents", make_token(accountant)).get_json()["items"]
    assert {d["number"] for d in items} == {"RA-1", "RA-2", "INV-1"}


def test_rights_follow_the_membership_now(client, world: World):
    """The token holds no rights of its own: a membership removed is a client gone."""
    from lk_corporate.accounts.models import Membership

    membership = db.session.query(Membership).filter_by(user_id=world.user_a.id).one()
    db.session.delete(membership)
    db.session.commit()
    assert get(client, "/api/v1/clients", world.token_a).get_json() == {"items": []}
    assert get(client, f"/api/v1/meters?client_id={world.a.id}",
               world.token_a).status_code == 404


def test_a_head_request_records_no_receipt(client, world: World):
    r = client.head(f"/api/v1/documents/{world.invoice_a.id}/file", headers=bearer(world.token_a))
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    db.session.expire_all()
    assert db.session.get(Document, world.invoice_a.id).status is DocumentStatus.SENT
