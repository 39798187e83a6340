"""The app a Celery worker's jobs run in is built once, whatever the pool's threads do."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask

from lk_corporate.core import jobs


@pytest.fixture()
def unbuilt() -> Iterator[None]:
    """``jobs`` as in a worker process before its first task (restored afterwards)."""
    saved = jobs._app, jobs._app_factory
    jobs._app = None
    yield
    jobs._app, jobs._app_factory = saved


def test_pool_threads_taking_their_first_tasks_at_once_build_one_app(unbuilt: None) -> None:
    """A worker's two pool threads start their first tasks together. Each used to build an
    app of its own, and two threads compiling Werkzeug's URL rules at once trip a CPython
    3.11 bug in ``ast.parse``: the month-end benchmark lost a client's task that way (it
    failed before it could record anything, so it stayed pending)."""
    built: list[Flask] = []
    barrier = threading.Barrier(4)

    def factory() -> Flask:
        time.sleep(0.05)  # building the portal's app takes about a second
        app = Flask(f"app{len(built)}")
        built.append(app)
        return app

    def first_task(_n: int) -> Flask:
        barrier.wait()
        return jobs.flask_app()

    jobs.set_app_factory(factory)
    with ThreadPoolExecutor(4) as pool:
        apps = list(pool.map(first_task, range(4)))
    assert len(built) == 1
    assert all(app is built[0] for app in apps)
