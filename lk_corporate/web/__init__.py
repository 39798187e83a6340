"""The web shell every page uses: landing page, language switch, health check, error pages,
the navigation registry, and the request-wide i18n and security set-up.

``init_app(app)`` is called once by ``create_app``.
"""

from __future__ import annotations

from flask import Flask

from lk_corporate.core import i18n, security
from lk_corporate.core.formkit import BANK, ENTITY, requisites_rows
from lk_corporate.web import errors, navigation
from lk_corporate.web.blueprint import bp
from lk_corporate.web.server_header import hide_werkzeug_version


def init_app(app: Flask) -> None:
    i18n.init_app(app)
    security.init_app(app)
    navigation.init_app(app)
    errors.init_app(app)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(requisites_rows=requisites_rows, REQUISITES_ENTITY=ENTITY,
                                 REQUISITES_BANK=BANK)
    hide_werkzeug_version()  # `lk run` / `lk demo`: no "Werkzeug/x Python/y" in responses
