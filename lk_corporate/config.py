"""Configuration from the environment, with defaults that run the embedded demo.

Every setting is read from an ``LK_*`` environment variable; the README's configuration
table lists them. ``create_app(overrides)`` applies a mapping on top (tests use it).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def secret_key_file(instance_path: Path) -> str:
    """A stable secret for the embedded default: generated once, kept in the instance folder.

    Production sets LK_SECRET_KEY; a key regenerated at every start would log everyone out.
    """
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def normalize_database_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 (``postgresql+psycopg://``).

    psycopg 3 binds parameters on the server and prepares a statement the fifth time a
    connection runs it, so PostgreSQL parses and plans the portal's fixed statements once per
    connection instead of once per call: a third of its CPU in the month-end batch
    (BENCHMARKS.md). ``postgresql+psycopg2://`` still selects psycopg2.
    """
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


DEMO_ADDRESSES = "demo-addresses.json"
"""Where ``lk demo`` writes the addresses it runs with, in its instance folder."""
_DEMO_KEYS = ("LK_BASE_URL", "LK_TSA_URL", "LK_TRUST_ROOTS")


def write_demo_addresses(instance_path: Path, config: Mapping[str, Any]) -> None:
    """Record the demo's own portal address, TSA and trust root (``lk demo``: its port, its
    PKI's port), so that an ``lk`` command run beside it with ``LK_DEMO`` set issues
    documents with the same verification links and timestamps as the running demo does,
    instead of the defaults' (port 5000, and a TSA on 8765 that may be another demo's or
    nobody's)."""
    instance_path.mkdir(parents=True, exist_ok=True)
    (instance_path / DEMO_ADDRESSES).write_text(
        json.dumps({k: str(config[k]) for k in _DEMO_KEYS}, indent=1), encoding="utf-8")


def _demo_addresses(instance_path: Path, demo: bool) -> dict[str, str]:
    """What ``write_demo_addresses`` left in this instance folder (nothing unless ``demo``)."""
    if not demo:
        return {}
    try:
        found = json.loads((instance_path / DEMO_ADDRESSES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if k in _DEMO_KEYS and isinstance(v, str) and v}


def instance_dir(env: Mapping[str, str] | None = None) -> Path:
    """The instance folder (database, PKI, mail, keys): ``LK_INSTANCE_DIR``, else
    ``instance/`` beside the package (the checkout, or the image's /app). The app and the
    commands that build none find it here alike."""
    e = os.environ if env is None else env
    return Path(e.get("LK_INSTANCE_DIR") or Path(__file__).resolve().parent.parent / "instance")


def _beside_demo(key: str, env: Mapping[str, str] | None) -> str | None:
    """The address ``key`` of the demo of this instance folder, when ``LK_DEMO`` is set
    (for the commands that build no app, as ``load_config`` does for those that do)."""
    e = os.environ if env is None else env
    return _demo_addresses(instance_dir(e), _bool(e.get("LK_DEMO"), False)).get(key)


def demo_trust_roots(env: Mapping[str, str] | None = None) -> list[str]:
    """Beside a demo (``LK_DEMO`` set, as for the other ``lk`` commands run there): the
    trust root the demo runs with, its own PKI's, for the commands that build no app
    (``lk verify``). Empty without ``LK_DEMO``: a verifier trusts nothing it was not told
    to."""
    root = _beside_demo("LK_TRUST_ROOTS", env)
    return [root] if root else []


def demo_tsa_url(env: Mapping[str, str] | None = None) -> str | None:
    """Beside a demo (``LK_DEMO`` set): the TSA the demo runs with, its own PKI's, for
    ``lk sign``, which builds no app. A demo started with ``--pki-port`` has its TSA there,
    not on the default port."""
    return _beside_demo("LK_TSA_URL", env)


def load_config(instance_path: Path, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The Flask config mapping built from ``env`` (default: the process environment).

    With ``LK_DEMO`` set, the portal address, TSA and trust root the demo of this instance
    folder runs with (``write_demo_addresses``) replace the defaults; what ``env`` sets still
    wins."""
    e = os.environ if env is None else env
    demo = _demo_addresses(instance_path, _bool(e.get("LK_DEMO"), False))

    def get(key: str) -> str | None:
        return e.get(key) or demo.get(key)

    database_url = normalize_database_url(
        get("LK_DATABASE_URL") or f"sqlite:///{instance_path / 'lk.sqlite3'}"
    )
    base_url = (get("LK_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    pki_dir = Path(get("LK_PKI_DIR") or instance_path / "pki")
    return {
        # Empty: create_app generates one into the instance folder, unless told a key.
        "SECRET_KEY": get("LK_SECRET_KEY") or "",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "LK_BASE_URL": base_url,
        "LK_DEMO": _bool(get("LK_DEMO"), False),
        # Mail: "file" writes each message under LK_MAIL_DIR (embedded default), "smtp" sends.
        "LK_MAIL_BACKEND": get("LK_MAIL_BACKEND") or "file",
        "LK_MAIL_DIR": get("LK_MAIL_DIR") or str(instance_path / "outbox"),
        "LK_MAIL_SENDER": get("LK_MAIL_SENDER") or "LK Corporate <noreply@lk.example>",
        "LK_SMTP_HOST": get("LK_SMTP_HOST") or "127.0.0.1",
        "LK_SMTP_PORT": int(get("LK_SMTP_PORT") or 25),
        "LK_SMTP_USER": get("LK_SMTP_USER") or "",
        "LK_SMTP_PASSWORD": get("LK_SMTP_PASSWORD") or "",
        "LK_SMTP_STARTTLS": _bool(get("LK_SMTP_STARTTLS"), False),
        "LK_SMTP_TIMEOUT": float(get("LK_SMTP_TIMEOUT") or 10),
        "LK_MAIL_MAX_ATTEMPTS": int(get("LK_MAIL_MAX_ATTEMPTS") or 8),
        # Background jobs: in-process unless a Celery broker is configured.
        "LK_CELERY_BROKER_URL": get("LK_CELERY_BROKER_URL") or "",
        "LK_RATELIMIT_STORAGE_URL": get("LK_RATELIMIT_STORAGE_URL") or "memory://",
        # Requests one API token may make (Flask-Limiter's notation, e.g. "300 per minute").
        "LK_API_RATE_LIMIT": get("LK_API_RATE_LIMIT") or "300 per minute",
        # PKI: the demo PKI folder; production points these at a real CA's material.
        "LK_PKI_DIR": str(pki_dir),
        "LK_TRUST_ROOTS": get("LK_TRUST_ROOTS") or str(pki_dir / "root-ca.pem"),
        "LK_TSA_URL": get("LK_TSA_URL") or "http://127.0.0.1:8765/tsa",
        "LK_CRL_INDEX": get("LK_CRL_INDEX") or str(pki_dir / "crl-index.sqlite3"),
        "LK_SUPPLIER_P12": get("LK_SUPPLIER_P12") or "",
        "LK_SUPPLIER_P12_PASSWORD_FILE": get("LK_SUPPLIER_P12_PASSWORD_FILE") or "",
        "LK_SUPPLIER_SIGNATURE_LEVEL": get("LK_SUPPLIER_SIGNATURE_LEVEL") or "B-T",
        # Signing in the browser (and through the API): the level of the client's signature,
        # the CA certificates that complete a chain a key file came without, and how long
        # the signed attributes handed out stay signable.
        "LK_CLIENT_SIGNATURE_LEVEL": get("LK_CLIENT_SIGNATURE_LEVEL") or "B-T",
        "LK_CA_CHAIN": get("LK_CA_CHAIN") or str(pki_dir / "ca-chain.pem"),
        "LK_SIGNING_SESSION_MINUTES": int(get("LK_SIGNING_SESSION_MINUTES") or 15),
        "LK_STORAGE_DIR": get("LK_STORAGE_DIR") or str(instance_path / "files"),
        # A validly signed reading act is accepted (supplier's signature added) at once.
        "LK_READING_ACT_AUTO_ACCEPT": _bool(get("LK_READING_ACT_AUTO_ACCEPT"), True),
        # Invoices: days from the invoice date to «Оплатить до».
        "LK_INVOICE_PAYMENT_DAYS": int(get("LK_INVOICE_PAYMENT_DAYS") or 10),
        # Signed, timestamped checkpoints of the audit chain head (lk audit checkpoint).
        "LK_AUDIT_CHECKPOINT_DIR": get("LK_AUDIT_CHECKPOINT_DIR")
        or str(instance_path / "audit-checkpoints"),
        # Accounts and security.
        "LK_ACTIVATION_CODE_DAYS": int(get("LK_ACTIVATION_CODE_DAYS") or 30),
        "LK_RESET_TOKEN_MINUTES": int(get("LK_RESET_TOKEN_MINUTES") or 60),
        "LK_CONFIRM_TOKEN_HOURS": int(get("LK_CONFIRM_TOKEN_HOURS") or 48),
        "LK_ARGON2_TIME_COST": int(get("LK_ARGON2_TIME_COST") or 3),
        "LK_ARGON2_MEMORY_KIB": int(get("LK_ARGON2_MEMORY_KIB") or 65536),
        "LK_LOGIN_ATTEMPTS_PER_ACCOUNT": int(get("LK_LOGIN_ATTEMPTS_PER_ACCOUNT") or 5),
        "LK_LOGIN_ATTEMPTS_ACCOUNT_TOTAL": int(get("LK_LOGIN_ATTEMPTS_ACCOUNT_TOTAL") or 20),
        "LK_LOGIN_ATTEMPTS_PER_IP": int(get("LK_LOGIN_ATTEMPTS_PER_IP") or 30),
        "LK_LOGIN_LOCK_MINUTES": int(get("LK_LOGIN_LOCK_MINUTES") or 15),
        "SESSION_COOKIE_SECURE": _bool(get("LK_COOKIE_SECURE"), base_url.startswith("https")),
        "REMEMBER_COOKIE_SECURE": _bool(get("LK_COOKIE_SECURE"), base_url.startswith("https")),
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": int(get("LK_SESSION_HOURS") or 12) * 3600,
        "REMEMBER_COOKIE_DURATION": int(get("LK_REMEMBER_DAYS") or 30) * 86400,
        "MAX_CONTENT_LENGTH": int(get("LK_MAX_UPLOAD_MB") or 30) * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": get("LK_DEFAULT_LOCALE") or "ru",
        "BABEL_DEFAULT_TIMEZONE": get("LK_TIMEZONE") or "Europe/Moscow",
        "LK_LANGUAGES": ("ru", "en"),
        "LK_TRUST_PROXY": _bool(get("LK_TRUST_PROXY"), False),
    }
