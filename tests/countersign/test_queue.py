"""The supplier's countersigning queue: a batch of received acts countersigned by one job
each, a result per document, both signatures valid in pdfsig; a document countersigned once
however many times it is asked; rejection with a mandatory reason and the client told."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from documents import CLIENT, SUPPLIER
from lk_corporate.core.audit import Actor
from lk_corporate.core.extensions import db
from lk_corporate.core.jobs import wait_idle
from lk_corporate.core.mail import OutgoingMail
from lk_corporate.core.rights import SUPPLIER_OPERATOR, SUPPLIER_SIGNER
from lk_corporate.countersign import context
from lk_corporate.countersign import operations as ops
from lk_corporate.countersign.models import CountersignResult, CountersignStatus
from lk_corporate.docflow.models import Document, DocumentStatus, RevisionSource
from lk_corporate.reading_acts.models import ReadingAct
from lk_corporate.supplier.models import SupplierSettings
from tests.countersign.helpers import received_acts, submission_id
from tests.signing.helpers import assert_pdfsig_all_valid
from tests.support.factories import (
    create_client,
    create_client_user,
    create_staff_user,
    create_supplier,
    csrf_token,
    login,
)

ROMASHKA = "7712345671"


@pytest.fixture()
def world(pki_app: Any, demo_pki: Any) -> dict[str, Any]:
    supplier = create_supplier(director="Смирнов Алексей Викторович")
    client = create_client(name="ООО «Ромашка»", short_name="ООО «Ромашка»", tax_id=ROMASHKA)
    return {"supplier": supplier, "client": client, "store": context.file_store(),
            "signer": demo_pki.identity("romashka")}


def _statuses(ids: list[int]) -> list[DocumentStatus]:
    db.session.expire_all()
    return [db.session.get(Document, i).status for i in ids]


def test_a_batch_of_20_acts_is_countersigned_and_both_signatures_stay_valid(
        client: Any, world: dict[str, Any], nss_db: str, tmp_path: Path) -> None:
    clients = [world["client"], *(create_client() for _ in range(9))]
    documents = received_acts(world["store"], world["supplier"], clients, world["signer"],
                              per_client=2)
    ids = [d.id for d in documents]
    staff = create_staff_user(SUPPLIER_SIGNER, login="signer9")
    assert login(client, staff.login).status_code == 302
    page = client.get("/staff/countersign").get_data(as_text=True)
    assert all(f'value="{i}"' in page for i in ids)
    r = client.post("/staff/countersign", data={
        "csrf_token": csrf_token(client, "/staff/countersign"),
        "submission_id": submission_id(page), "document": [str(i) for i in ids]})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    batch = re.search(r"batch=([0-9a-f]+)", r.headers["Location"]).group(1)
    assert wait_idle(client.application, timeout=300)
    results = db.session.scalars(select(CountersignResult)
                                 .where(CountersignResult.batch == batch)).all()
    assert sorted(r.document_id for r in results) == sorted(ids)
    assert {r.status for r in results} == {CountersignStatus.SIGNED}, [r.message for r in results]
    assert _statuses(ids) == [DocumentStatus.ACCEPTED] * 20
    # every act is accepted for calculation, each with its own run number
    numbers = {a.calculation_number for a in db.session.scalars(select(ReadingAct))}
    assert len(numbers) == 20 and None not in numbers
    # the page shows a result per document
    shown = client.get(r.headers["Location"]).get_data(as_text=True)
    assert shown.count('data-lk="result"') == 20
    assert 'data-lk="select-document"' not in shown  # the queue is empty now
    for document_id in ids:
        document = db.session.get(Document, document_id)
        assert [rev.source for rev in document.revisions] == [
            RevisionSource.ISSUED, RevisionSource.CLIENT_SIGNATURE,
            RevisionSource.SUPPLIER_SIGNATURE]
        path = tmp_path / f"{document_id}.pdf"
        path.write_bytes(world["store"].get(document.sha256))
        report = assert_pdfsig_all_valid(path, nss_db, expected=2)
        assert {s.field_name for s in report.signatures if s.signed} >= {CLIENT, SUPPLIER}


def test_the_same_document_asked_twice_is_countersigned_once(world: dict[str, Any]) -> None:
    [document] = received_acts(world["store"], world["supplier"], [world["client"]],
                               world["signer"])
    actor = Actor(None, "signer", "10.0.0.9")
    first = ops.request_batch(db.session, [document.id], actor=actor)
    second = ops.request_batch(db.session, [document.id, document.id], actor=actor)
    db.session.commit()
    assert len(second) == 1  # a document named twice in one batch is one row
    for row in (*first, *second):
        ops.run_result(db.session, world["store"], row.id, supplier_key=context.supplier_key(),
                       validation=None)
        db.session.commit()
    db.session.expire_all()
    rows = db.session.scalars(select(CountersignResult).order_by(CountersignResult.id)).all()
    assert [r.status for r in rows] == [CountersignStatus.SIGNED] * 2
    assert rows[0].note_in("ru") == "" and "уже" in rows[1].note_in("ru")
    assert "before" in rows[1].note_in("en")
    revisions = db.session.get(Document, document.id).revisions
    assert [r.source for r in revisions].count(RevisionSource.SUPPLIER_SIGNATURE) == 1


def test_a_failure_is_recorded_with_its_reason_and_changes_nothing(
        world: dict[str, Any]) -> None:
    documents = received_acts(world["store"], world["supplier"], [world["client"]],
                              world["signer"], per_client=2)
    awaiting, received = documents
    ops_actor = Actor(None, "signer", "")
    db.session.get(Document, awaiting.id).status = DocumentStatus.AWAITING_SIGNATURE
    db.session.commit()
    rows = ops.request_batch(db.session, [awaiting.id, received.id], actor=ops_actor)
    db.session.commit()
    for row in rows:
        ops.run_result(db.session, world["store"], row.id, supplier_key=None, validation=None)
        db.session.commit()
    db.session.expire_all()
    messages = [db.session.get(CountersignResult, r.id) for r in rows]
    assert [m.status for m in messages] == [CountersignStatus.FAILED] * 2
    assert "не ожидает решения поставщика" in messages[0].note_in("ru")
    assert "Ключ подписи поставщика не настроен" in messages[1].note_in("ru")
    # Stored as a message to translate: the English reader reads it in English.
    english = messages[0].note_in("en")
    assert "is not waiting" in english and "не ожидает" not in english
    assert _statuses([awaiting.id, received.id]) == [DocumentStatus.AWAITING_SIGNATURE,
                                                     DocumentStatus.RECEIVED]


def test_acts_wait_for_a_signer_when_the_supplier_says_so(client: Any,
                                                          world: dict[str, Any]) -> None:
    from lk_corporate.reading_acts.operations import accept_at_once

    [document] = received_acts(world["store"], world["supplier"], [world["client"]],
                               world["signer"])
    act = db.session.scalars(select(ReadingAct)).one()
    admin = create_staff_user("supplier_admin", login="admin9")
    assert login(client, admin.login).status_code == 302
    r = client.post("/staff/countersign/acceptance", data={
        "csrf_token": csrf_token(client, "/staff/countersign"), "by_signer": "y"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.scalars(select(SupplierSettings)).one().acts_accepted_by_signer
    assert not accept_at_once(db.session, world["store"], act, actor=Actor(None, "x", ""),
                              supplier_key=context.supplier_key(),
                              validation=context.validation_settings())
    assert _statuses([document.id]) == [DocumentStatus.RECEIVED]
    db.session.rollback()


def test_rejection_needs_a_reason_and_tells_the_client(client: Any,
                                                       world: dict[str, Any]) -> None:
    [document] = received_acts(world["store"], world["supplier"], [world["client"]],
                               world["signer"])
    create_client_user(world["client"], login="romashka1")
    operator = create_staff_user(SUPPLIER_OPERATOR, login="operator9")
    assert login(client, operator.login).status_code == 302
    url = f"/staff/countersign/{document.id}/reject"
    page = client.get(url).get_data(as_text=True)
    empty = client.post(url, data={"csrf_token": csrf_token(client, url),
                                   "submission_id": submission_id(page), "reason": "  "})
    assert empty.status_code == 422
    assert _statuses([document.id]) == [DocumentStatus.RECEIVED]
    page = client.get(url).get_data(as_text=True)
    done = client.post(url, data={"csrf_token": csrf_token(client, url),
                                  "submission_id": submission_id(page),
                                  "reason": "Показания счётчика не совпадают с фото"})
    assert done.status_code == 302
    assert _statuses([document.id]) == [DocumentStatus.REJECTED]
    assert db.session.get(Document, document.id).status_reason == \
        "Показания счётчика не совпадают с фото"
    mail = db.session.scalars(select(OutgoingMail)).all()
    assert any("Показания счётчика не совпадают с фото" in m.body_text for m in mail), \
        [m.subject for m in mail]
    # an operator holds no countersigning right: the queue offers no checkbox
    queue = client.get("/staff/countersign").get_data(as_text=True)
    assert 'data-lk="select-document"' not in queue


def test_lk_countersign_lists_and_signs_the_queue(world: dict[str, Any],
                                                  pki_app: Any) -> None:
    from lk_corporate.countersign.cli import countersign

    documents = received_acts(world["store"], world["supplier"], [world["client"]],
                              world["signer"], per_client=2)
    runner = pki_app.test_cli_runner()
    listed = runner.invoke(countersign, ["list", "--kind", "reading_act"])
    assert listed.exit_code == 0, listed.output
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == [
        str(d.id) for d in documents]
    assert runner.invoke(countersign, ["sign"]).exit_code == 2  # neither IDs nor --all
    signed = runner.invoke(countersign, ["sign", "--all"])
    assert signed.exit_code == 0, signed.output
    assert sorted(signed.stdout.splitlines()) == sorted(f"{d.number}\tsigned" for d in documents)
    assert _statuses([d.id for d in documents]) == [DocumentStatus.ACCEPTED] * 2
    empty = runner.invoke(countersign, ["sign", "--all"])
    assert empty.exit_code == 0 and "Nothing is waiting" in empty.output
