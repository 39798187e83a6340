"""The application factory: configuration, extensions, blueprints, the request boundary.

Importing this module imports the whole portal (every package registers its blueprint, menu
entries and jobs); ``lk`` imports it only for the commands that run in the portal.
"""

from __future__ import annotations

import importlib
import mimetypes
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

import lk_corporate.models  # noqa: F401  (every table on the metadata)
from lk_corporate import web
from lk_corporate.accounts import principal
from lk_corporate.accounts.blueprint import bp as accounts_bp
from lk_corporate.api import auth as api_auth
from lk_corporate.api.blueprint import bp as api_bp
from lk_corporate.api.blueprint import tokens_bp as api_tokens_bp
from lk_corporate.audit.blueprint import bp as audit_bp
from lk_corporate.certificates.blueprint import bp as certificates_bp
from lk_corporate.charges.blueprint import bp as charges_bp
from lk_corporate.clients.blueprint import bp as clients_bp
from lk_corporate.config import instance_dir, load_config, secret_key_file
from lk_corporate.consumption.blueprint import bp as consumption_bp
from lk_corporate.core import auth, jobs, requests
from lk_corporate.core.db import configure_engine
from lk_corporate.core.extensions import babel, csrf, db, limiter, login_manager, migrate
from lk_corporate.core.urls import BoundedIntConverter
from lk_corporate.countersign.blueprint import bp as countersign_bp
from lk_corporate.delivery.blueprint import bp as delivery_bp
from lk_corporate.docflow.blueprint import bp as docflow_bp
from lk_corporate.docsign.blueprint import bp as docsign_bp
from lk_corporate.invoicing.blueprint import bp as invoicing_bp
from lk_corporate.limits import sending as limit_sending
from lk_corporate.limits.blueprint import bp as limits_bp
from lk_corporate.messages.blueprint import bp as messages_bp
from lk_corporate.outbox.blueprint import bp as outbox_bp
from lk_corporate.payments import reconciliation as reconciliation_sending
from lk_corporate.payments.blueprint import bp as payments_bp
from lk_corporate.periods.blueprint import bp as periods_bp
from lk_corporate.reading_acts import countersigning as reading_act_countersigning
from lk_corporate.reading_acts import sending as reading_act_sending
from lk_corporate.reading_acts.blueprint import bp as reading_acts_bp
from lk_corporate.reading_review.blueprint import bp as reading_review_bp
from lk_corporate.readings.blueprint import bp as readings_bp
from lk_corporate.service_requests.blueprint import bp as service_requests_bp
from lk_corporate.staff.blueprint import bp as staff_bp
from lk_corporate.supplier.blueprint import bp as supplier_bp
from lk_corporate.tariffs.blueprint import bp as tariffs_bp
from lk_corporate.verification.blueprint import bp as verification_bp

REPO_ROOT = Path(__file__).resolve().parent.parent

# Every module that declares background jobs (``core.jobs.job``): the web app's in-process
# runner and the Celery worker (``lk_corporate.tasks``) both load this list.
JOB_MODULES = (
    "lk_corporate.core.mail",
    "lk_corporate.audit.anchor",
    "lk_corporate.accounts.tasks",
    "lk_corporate.verification.tasks",
    "lk_corporate.notifications.tasks",
    "lk_corporate.docsign.tasks",
    "lk_corporate.invoicing.tasks",
    "lk_corporate.countersign.tasks",
)

# The domain packages' pages; the list grows with the product.
BLUEPRINTS = (accounts_bp, outbox_bp, audit_bp, delivery_bp, clients_bp, supplier_bp, staff_bp,
              periods_bp, tariffs_bp, docflow_bp, verification_bp, api_bp, api_tokens_bp,
              messages_bp, service_requests_bp, certificates_bp, readings_bp, reading_acts_bp,
              docsign_bp, invoicing_bp, charges_bp, consumption_bp, countersign_bp,
              limits_bp, payments_bp, reading_review_bp)


def import_jobs() -> None:
    for name in JOB_MODULES:
        importlib.import_module(name)


def create_app(config: Mapping[str, Any] | None = None, *, instance_path: str | None = None) -> Flask:
    """Build the portal. ``config`` overrides what the environment says (tests use it)."""
    # LK_INSTANCE_DIR moves the instance folder (database, PKI, mail, keys) out of the
    # checkout: a second demo, or a test run that must not write into the source tree.
    instance_path = instance_path or str(instance_dir())
    # pdf.js ships ES modules (.mjs): a browser refuses a module served with any type but
    # JavaScript, and not every system's mime.types lists .mjs.
    mimetypes.add_type("text/javascript", ".mjs")
    app = Flask(
        "lk_corporate",
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(Path(__file__).parent / "static"),
    )
    app.url_map.converters["int"] = BoundedIntConverter
    app.config.update(load_config(Path(app.instance_path)))
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key_file(Path(app.instance_path))

    _bind_extensions(app)
    web.init_app(app)  # the shell: /, /lang, /healthz, error pages, i18n, security headers
    api_auth.init_app(app)  # /api/: bearer tokens only, the cookies are not read
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    # No commands on app.cli: `lk` (lk_corporate.cli) knows them and imports each on use, so
    # building the app does not import the signing stack for commands it is not running.
    requests.init_app(app)  # after the blueprints: it wraps every view registered
    reading_act_sending.register()  # a reading act signed on the page is sent as an upload is
    reading_act_countersigning.register()  # countersigning an act accepts it
    limit_sending.register()  # a limit request waits for the supplier; countersigning approves
    reconciliation_sending.register()  # a signed reconciliation act is the client's agreement
    return app


def _bind_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"),
                     render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app)
    login_manager.init_app(app)
    auth.init_app(app)
    principal.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["LK_RATELIMIT_STORAGE_URL"])
    limiter.init_app(app)
    import_jobs()
    jobs.init_app(app)
