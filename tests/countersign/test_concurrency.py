"""Two supplier signers countersign the same received act at the same moment, each from
their own browser: the act carries one supplier signature, both batches report it signed
(the second «уже был подписан»)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from lk_corporate.core.extensions import db
from lk_corporate.core.jobs import wait_idle
from lk_corporate.core.rights import SUPPLIER_SIGNER
from lk_corporate.countersign import context
from lk_corporate.countersign.models import CountersignResult, CountersignStatus
from lk_corporate.docflow.models import Document, DocumentStatus, RevisionSource
from tests.countersign.helpers import received_acts, submission_id
from tests.reading_acts.conftest import pki_config
from tests.support.factories import PASSWORD, create_client, create_staff_user, create_supplier
from tests.support.live import LiveSession, run_together


def test_two_signers_at_once_sign_once(request: pytest.FixtureRequest, pki_app: Any,
                                       live_server: Any, crl_index: Any, tmp_path: Any,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    pki = request.getfixturevalue("demo_pki")
    for key, value in pki_config(pki, crl_index, tmp_path / "files").items():
        monkeypatch.setitem(live_server.app.config, key, value)
    supplier = create_supplier(director="Смирнов Алексей Викторович")
    firm = create_client(name="ООО «Ромашка»", short_name="ООО «Ромашка»", tax_id="7712345671")
    [document] = received_acts(context.file_store(), supplier, [firm], pki.identity("romashka"))
    signers = [create_staff_user(SUPPLIER_SIGNER, login=f"signer{i}") for i in range(2)]
    tabs = [LiveSession(live_server) for _ in signers]
    forms = []
    for tab, signer in zip(tabs, signers, strict=True):
        tab.login(signer.login, PASSWORD)
        page = tab.get("/staff/countersign").text
        assert f'value="{document.id}"' in page
        forms.append({"submission_id": submission_id(page),
                      "csrf_token": tab.token("/staff/countersign"),
                      "document": str(document.id)})

    def sign(i: int) -> Any:
        return tabs[i].http.post(f"{tabs[i].base}/staff/countersign", data=forms[i],
                                 allow_redirects=False, timeout=120)

    results = run_together([lambda i=i: sign(i) for i in range(2)])
    assert [getattr(r, "status_code", r) for r in results] == [302, 302], results
    assert wait_idle(live_server.app, timeout=120)
    db.session.expire_all()
    rows = db.session.scalars(select(CountersignResult)).all()
    assert [r.status for r in rows] == [CountersignStatus.SIGNED] * 2
    assert sorted(bool(r.message) for r in rows) == [False, True]
    final = db.session.get(Document, document.id)
    assert final.status is DocumentStatus.ACCEPTED
    assert [r.source for r in final.revisions].count(RevisionSource.SUPPLIER_SIGNATURE) == 1
    for tab, r in zip(tabs, results, strict=True):
        shown = tab.get(re.sub(r"^https?://[^/]+", "", r.headers["Location"])).text
        assert 'data-lk="result"' in shown
