"""Absolute links to the portal's pages, with or without a request.

E-mails sent by a background job and documents rendered by an ``lk`` command carry links
too; ``LinkBuilder`` builds them from the app's URL map and ``LK_BASE_URL`` alone, so no
operation needs a (fake) request context.
"""

from __future__ import annotations

from typing import Any

from flask import Flask


class LinkBuilder:
    def __init__(self, app: Flask) -> None:
        self.base_url = str(app.config["LK_BASE_URL"]).rstrip("/")
        self._adapter = app.url_map.bind("localhost")

    def __call__(self, endpoint: str, **values: Any) -> str:
        return self.base_url + self._adapter.build(endpoint, values)
