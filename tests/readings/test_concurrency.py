"""Real concurrent requests: the same readings submitted twice at once (a double click, two
tabs) make one act, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import re

import time_machine
from sqlalchemy import func, select

from lk_corporate.core.extensions import db
from lk_corporate.reading_acts.models import ReadingAct
from lk_corporate.readings.models import Reading
from tests.readings.helpers import NOW, make_world
from tests.support.factories import PASSWORD, create_client_user
from tests.support.live import LiveSession, run_together


def _count(model) -> int:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _form(world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    power, water = world.meters["power"], world.meters["water"]
    return {f"v-{power.id}-day": "4600,12", f"v-{power.id}-night": "2020.55",
            f"v-{water.id}-single": "171.902"}


def _submission_id(page: str) -> str:
    m = re.search(r'name="submission_id" type="hidden" value="([^"]+)"', page)
    assert m, page[:500]
    return m.group(1)


def test_the_same_submission_twice_at_once_makes_one_act(clean_app, live_server, tmp_path,
                                                         monkeypatch):
    monkeypatch.setitem(live_server.app.config, "LK_STORAGE_DIR", str(tmp_path / "files"))
    # the clock moves on from a day inside the reading window (the server's threads too)
    with time_machine.travel(NOW, tick=True):
        world = make_world(tmp_path)
        user = create_client_user(world.client, login="buh")
        form = _form(world)  # (the rows are read here: the threads have no app context)
        # a double click: one form, its submission id sent twice at once
        tabs = [LiveSession(live_server) for _ in range(2)]
        for tab in tabs:
            tab.login(user.login, PASSWORD)
        page = tabs[0].get("/readings").text
        sid = _submission_id(page)
        tokens = [tab.token("/readings") for tab in tabs]
        results = run_together([
            lambda i=i: tabs[i].post("/readings", {**form, "submission_id": sid},
                                     token=tokens[i]) for i in range(2)])
        assert [getattr(r, "status_code", r) for r in results] == [302, 302], results
        assert _count(ReadingAct) == 1 and _count(Reading) == 3 + 2  # + last month's two
        # two tabs, each with its own form: the second finds the readings already submitted
        ids = [_submission_id(tab.get("/readings").text) for tab in tabs]
        tokens = [tab.token("/readings") for tab in tabs]
        results = run_together([
            lambda i=i: tabs[i].post("/readings", {**form, "submission_id": ids[i]},
                                     token=tokens[i]) for i in range(2)])
        assert [r.status_code for r in results] == [302, 302]
        assert _count(ReadingAct) == 1
        act = db.session.scalars(select(ReadingAct)).one()
        assert all(r.headers["Location"].endswith(f"/reading-acts/{act.document_id}")
                   for r in results)
