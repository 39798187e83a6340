"""The web shell every page uses: landing page, language switch, health check, error pages,
the navigation registry, and the request-wide i18n and security set-up.

``init_app(app)`` is called once by ``create_app``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from lk_corporate.core import i18n, security
    from lk_corporate.web import errors, navigation
    from lk_corporate.web.blueprint import bp
    from lk_corporate.web.server_header import hide_werkzeug_version

    i18n.init_app(app)
    security.init_app(app)
    navigation.init_app(app)
    errors.init_app(app)
    app.register_blueprint(bp)
    _ensure_user_loading(app)
    from lk_corporate.core.formkit import BANK, ENTITY, requisites_rows

    app.jinja_env.globals.update(requisites_rows=requisites_rows, REQUISITES_ENTITY=ENTITY,
                                 REQUISITES_BANK=BANK)
    hide_werkzeug_version()  # `lk run` / `lk demo`: no "Werkzeug/x Python/y" in responses


def _ensure_user_loading(app: Flask) -> None:
    """Until the accounts package registers its user loader, treat everyone as anonymous.

    Flask-Login raises on the first ``current_user`` access when no loader exists, which would
    take every page (and the menu) down. A request loader that finds nobody is harmless: once
    accounts registers ``user_loader``, Flask-Login asks that first.
    """
    from lk_corporate.core.extensions import login_manager

    if getattr(login_manager, "_user_callback", None) is None and getattr(
        login_manager, "_request_callback", None
    ) is None:
        login_manager.request_loader(lambda _request: None)
