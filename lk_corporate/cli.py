"""The ``lk`` console script: one Flask CLI group whose commands are imported when run.

``lk run``, ``lk db upgrade`` (Flask-Migrate) and every command the domain packages add.

Why lazy: building the portal imports every domain package, and the signing commands import
pyHanko; doing both before any command ran made ``lk --help`` take seconds and every
``lk sign`` / ``lk verify`` of a folder of files pay for a web app it never used. So the
group knows each command by name, import path and one-line help (:data:`COMMANDS`):
``lk --help`` lists them without importing anything, and ``lk NAME`` imports only NAME's
module. ``sign``, ``verify``, ``pki`` and ``documents`` are Flask-free: they read the
environment and their options, and the app is never created for them. The others run in
the portal (database, configuration), so the app is built and its context pushed first,
as Flask's own group does for ``app.cli`` commands.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, NoAppException, ScriptInfo


@dataclass(frozen=True)
class LazyCommand:
    """Where a subcommand of ``lk`` lives and what ``lk --help`` says about it."""

    target: str | None
    """``"package.module:attribute"``, imported when the command runs; None for a command an
    extension adds to ``app.cli`` while the app is built (Flask-Migrate's ``db``)."""
    help: str
    """The command's one-line help, shown by ``lk --help`` without importing the module
    (a test keeps it equal to the command's own)."""
    app: bool = False
    """Runs in the portal: create the app and push its context before the command is used.
    False for the Flask-free commands, which must never pay for the web app."""


COMMANDS: dict[str, LazyCommand] = {
    # Flask-free: configuration from the environment and the command's options only.
    "sign": LazyCommand("lk_corporate.signatures.cli:sign",
                        "Sign IN.pdf into OUT.pdf (PAdES, incremental: earlier signatures "
                        "stay valid)."),
    "verify": LazyCommand("lk_corporate.verification.cli:verify",
                          "Validate every signature of FILE.pdf and print the report."),
    "pki": LazyCommand("lk_corporate.pki.cli:pki",
                       "Demo PKI: generate certificates, serve CRL/OCSP/TSA on loopback."),
    "documents": LazyCommand("lk_corporate.demo.documents_cli:documents",
                             "PDF documents: samples and rendering."),
    # A Flask plugin (entry point ``flask.commands``); its subcommands load the app themselves.
    "limiter": LazyCommand("flask_limiter.commands:cli",
                           "Flask-Limiter maintenance & utility commands"),
    # In the portal.
    "db": LazyCommand(None, "Perform database migrations.", app=True),
    "demo": LazyCommand("lk_corporate.demo.cli:demo",
                        "Set up and start the demo: database, demo data, demo PKI, local "
                        "CRL/OCSP/TSA.", app=True),
    "audit": LazyCommand("lk_corporate.audit.cli:audit", "The hash-chained audit log.",
                         app=True),
    "mail": LazyCommand("lk_corporate.core.mail_cli:mail", "Outgoing e-mail.", app=True),
    "api": LazyCommand("lk_corporate.api.cli:api",
                       "The JSON API: tokens for accounting software.", app=True),
    "revocation": LazyCommand("lk_corporate.verification.jobs_cli:revocation",
                              "Revocation data: the CRL index validation reads.", app=True),
    "countersign": LazyCommand("lk_corporate.countersign.cli:countersign",
                               "The supplier's countersigning queue: list it, countersign.",
                               app=True),
    "period": LazyCommand("lk_corporate.invoicing.cli:period",
                          "Billing periods: the month-end calculation.", app=True),
    "payments": LazyCommand("lk_corporate.payments.cli:payments",
                            "Payments from bank statements.", app=True),
}


def _create_app() -> Flask:
    # Imported here, not at the top: only the commands that run in the portal get this far.
    from lk_corporate.app import create_app

    return create_app()


class LazyFlaskGroup(FlaskGroup):
    """Flask's CLI group (``--app``, ``--debug``, ``run``, ``shell``, ``routes``), with the
    commands of :data:`COMMANDS` imported on use instead of collected from a built app."""

    def __init__(self, lazy_commands: dict[str, LazyCommand], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        # Flask's group builds the app here to ask app.cli; every command is in the table.
        return sorted({*self.commands, *self.lazy_commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands:  # run, shell, routes: Flask's own, already imported
            return self.commands[name]
        entry = self.lazy_commands.get(name)
        if entry is None:
            # Not ours: a plugin or something --app's application adds; Flask looks for it.
            return super().get_command(ctx, name)
        app = self._push_app_context(ctx) if entry.app else None
        if entry.app and app is None:
            return None
        if entry.target is None:
            return app.cli.get_command(ctx, name)  # type: ignore[union-attr]
        module_name, _, attribute = entry.target.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command), entry.target
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click asks get_command for each row's help, which would import every module; a
        # stand-in command carrying the table's help gives the same row.
        shown = {name: click.Command(name, help=entry.help)
                 for name, entry in self.lazy_commands.items()}
        shown.update((name, command) for name, command in self.commands.items()
                     if not command.hidden)
        if not shown:
            return
        limit = formatter.width - 6 - max(map(len, shown))
        with formatter.section("Commands"):
            formatter.write_dl([(name, shown[name].get_short_help_str(limit))
                                for name in sorted(shown)])

    @staticmethod
    def _push_app_context(ctx: click.Context) -> Flask | None:
        """Build the app once and push its context, as Flask's group does for app.cli."""
        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
        except NoAppException as exc:
            click.secho(f"Error: {exc.format_message()}\n", err=True, fg="red")
            return None
        if not current_app or current_app._get_current_object() is not app:  # type: ignore[attr-defined]
            ctx.with_resource(app.app_context())
        return app


cli = LazyFlaskGroup(COMMANDS, create_app=_create_app, load_dotenv=False,
                     help="LK Corporate portal.")
