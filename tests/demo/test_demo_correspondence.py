"""What a new visitor of the demo finds in the correspondence: vk123 has an unread reply from
the operator with a PDF memo attached, the operator has a question nobody took and a new
service request, and a request is in work — through the pages, as they would see them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from lk_corporate.core.extensions import db
from lk_corporate.core.jobs import wait_idle
from lk_corporate.core.storage import FileStore
from lk_corporate.demo.seed import seed_demo
from lk_corporate.messages.models import Attachment
from tests.support.factories import csrf_token, login


def test_the_demo_has_correspondence_to_look_at(clean_app: Any, client: Any) -> None:
    store = FileStore(Path(clean_app.config["LK_STORAGE_DIR"]))
    seeded = seed_demo(db.session, store=store)
    db.session.commit()
    assert wait_idle(clean_app)
    password = {item.login: item.password for item in seeded.logins}

    memo = db.session.scalars(select(Attachment)).one()
    assert memo.content_type == "application/pdf" and store.get(memo.sha256).startswith(b"%PDF-")

    login(client, "vk123", password["vk123"])
    listing = client.get("/messages").get_data(as_text=True)
    assert "Не принимаются показания счётчика горячей воды" in listing
    assert 'data-lk="unread"' in listing and 'data-lk="menu-badge">1' in listing
    requests = client.get("/service-requests").get_data(as_text=True)
    assert "Опломбирование" in requests and "В работе" in requests
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})

    login(client, "operator", password["operator"])
    inbox = client.get("/staff/messages?box=unassigned").get_data(as_text=True)
    assert "сверка объёма по цеху № 2" in inbox and 'data-lk="unread"' in inbox
    queue = client.get("/staff/service-requests?status=new").get_data(as_text=True)
    assert "Поверка прибора учёта" in queue and "АО «ЗМК»" in queue
