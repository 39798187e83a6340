"""Two uploads of the signed act at once (two tabs): one is accepted, the other refused,
and the act carries exactly one client signature and one acceptance."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from lk_corporate.core.extensions import db
from lk_corporate.docflow.models import Document, DocumentStatus, RevisionSource
from lk_corporate.reading_acts import context
from lk_corporate.reading_acts.models import ReadingAct
from lk_corporate.reading_acts.operations import issued_file
from tests.reading_acts.conftest import pki_config
from tests.reading_acts.test_upload import _sign
from tests.readings.helpers import full_entries, make_world, submit
from tests.support.factories import PASSWORD, create_client_user
from tests.support.live import LiveSession, run_together


def test_two_uploads_at_once_accept_once(request: pytest.FixtureRequest, pki_app: Any,
                                         live_server: Any, crl_index: Any, tmp_path: Any,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    pki = request.getfixturevalue("demo_pki")
    for key, value in pki_config(pki, crl_index, tmp_path / "files").items():
        monkeypatch.setitem(live_server.app.config, key, value)
    world = make_world(tmp_path)
    world.store = context.file_store()
    done = submit(world, full_entries(world))
    user = create_client_user(world.client, login="signer1")
    signed = _sign(pki, issued_file(context.file_store(), done.document), "romashka")
    document_id = done.document.id
    url = f"/reading-acts/{document_id}"
    tabs = [LiveSession(live_server) for _ in range(2)]
    forms = []
    for tab in tabs:
        tab.login(user.login, PASSWORD)
        page = tab.get(url).text
        sid = re.search(r'name="submission_id" type="hidden" value="([^"]+)"', page).group(1)
        forms.append({"submission_id": sid, "csrf_token": tab.token(url)})

    def upload(i: int) -> Any:
        return tabs[i].http.post(f"{tabs[i].base}{url}/upload", data=forms[i],
                                 files={"file": ("signed.pdf", signed, "application/pdf")},
                                 headers={"Referer": tabs[i].base + url},
                                 allow_redirects=False, timeout=120)

    results = run_together([lambda i=i: upload(i) for i in range(2)])
    assert [getattr(r, "status_code", r) for r in results] == [302, 302], results
    # the one that came second is told so on the act's page
    pages = [" ".join(re.sub(r"<[^>]+>", " ", tab.get(url).text).split()) for tab in tabs]
    assert sum("уже принят; ничего не изменено" in page for page in pages) == 1, pages
    db.session.expire_all()
    document = db.session.get(Document, document_id)
    assert document.status is DocumentStatus.ACCEPTED
    assert [r.source for r in document.revisions] == [
        RevisionSource.ISSUED, RevisionSource.CLIENT_SIGNATURE, RevisionSource.SUPPLIER_SIGNATURE]
    assert db.session.scalars(select(ReadingAct)).one().calculation_number == "1/2026"
