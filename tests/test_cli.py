"""The ``lk`` group: one Flask CLI group whose commands are imported only when run.

Speed is measured by ``bench/bench_cli.py``, not here; these tests hold the structure that
makes it fast: ``lk --help`` imports no command module (nor pyHanko, SQLAlchemy or the
portal), the Flask-free commands never create the app, and the table the group lists from
agrees with the real commands.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from lk_corporate.cli import COMMANDS, cli

LK = str(Path(sys.executable).parent / "lk")
# The command names are a contract: scripts and the README call them.
COMMAND_NAMES = {"api", "audit", "countersign", "db", "demo", "documents", "limiter", "mail",
                 "payments", "period", "pki", "revocation", "routes", "run", "shell", "sign",
                 "verify"}


def imported_modules(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run the real console script under ``-X importtime``; its output and every module it
    imported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LK_") or k == "LK_INSTANCE_DIR"}
    proc = subprocess.run([sys.executable, "-X", "importtime", LK, *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120, stdin=subprocess.DEVNULL,
                          check=False)
    modules = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
               if line.startswith("import time:") and "|" in line}
    return proc, modules


def test_help_lists_every_command_without_importing_them(tmp_path):
    proc, modules = imported_modules("--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    listed = {line.split()[0] for line in proc.stdout.split("Commands:", 1)[1].splitlines()
              if line.strip()}
    assert listed == COMMAND_NAMES, proc.stdout
    heavy = {"pyhanko", "signing", "sqlalchemy", "flask_sqlalchemy", "flask_migrate",
             "flask_limiter", "reportlab", "cryptography"}
    assert not heavy & modules, sorted(heavy & modules)
    ours = {m for m in modules if m.startswith("lk_corporate.")}
    # The package's __init__ names create_app; nothing else of the portal is imported.
    assert ours <= {"lk_corporate.app", "lk_corporate.cli"}, sorted(ours)
    assert not (tmp_path / "instance").exists()


def test_the_table_agrees_with_the_commands(tmp_path):
    """``lk --help`` shows each command's own help; every command the app or a Flask plugin
    adds is in the table (or ``lk --help`` would not list it)."""
    from lk_corporate.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "t"},
                     instance_path=str(tmp_path / "instance"))
    assert set(app.cli.list_commands(click.Context(app.cli))) <= set(COMMANDS)
    for ep in metadata.entry_points(group="flask.commands"):
        assert COMMANDS[ep.name].target == ep.value, ep
    ctx = click.Context(cli)
    for name, entry in COMMANDS.items():
        if entry.target is None:
            command = app.cli.get_command(ctx, name)
        else:
            module, _, attribute = entry.target.partition(":")
            command = getattr(__import__(module, fromlist=[attribute]), attribute)
        assert command is not None, name
        for limit in (45, 200):
            stand_in = click.Command(name, help=entry.help)  # what `lk --help` shows
            assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit)


def test_flask_free_commands_never_create_the_app(tmp_path, monkeypatch):
    """pki init → documents sample → sign → verify, with app creation booby-trapped (every
    way the group builds an app goes through ScriptInfo.load_app)."""
    import flask.cli

    import lk_corporate.app

    def no_app(*args: object, **kwargs: object) -> None:
        raise AssertionError("the app was created for a Flask-free command")

    monkeypatch.setattr(lk_corporate.app, "create_app", no_app)
    monkeypatch.setattr(flask.cli.ScriptInfo, "load_app", no_app)
    runner = CliRunner()

    def lk(*args: object) -> click.testing.Result:
        result = runner.invoke(cli, [str(a) for a in args], env={"LK_TSA_URL": None})
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            "".join(__import__("traceback").format_exception(result.exception))
        return result

    assert lk("pki", "init", tmp_path / "pki", "--base-url", "http://127.0.0.1:9").exit_code == 0
    assert lk("documents", "sample", tmp_path / "docs").exit_code == 0
    ident = tmp_path / "pki" / "identities"
    signed = tmp_path / "signed.pdf"
    result = lk("sign", tmp_path / "docs" / "reading_act.pdf", signed, "--p12",
                ident / "supplier.p12", "--password-file", ident / "supplier.password",
                "--field", "supplier", "--level", "B-B")
    assert result.exit_code == 0, result.output
    result = lk("verify", signed, "--trust", tmp_path / "pki" / "root-ca.pem", "--offline")
    assert "Signature 1 of 1" in result.output and result.exit_code in (0, 1), result.output


@pytest.mark.parametrize("name", ["audit", "mail", "revocation", "demo", "db"])
def test_portal_commands_still_run_in_the_app(name, tmp_path, monkeypatch):
    """The other side: these need the app, and get it (their --help builds it, as before)."""
    import flask.cli

    built = []
    load_app = flask.cli.ScriptInfo.load_app

    def spy(info: flask.cli.ScriptInfo) -> object:
        built.append(info)
        return load_app(info)

    monkeypatch.setattr(flask.cli.ScriptInfo, "load_app", spy)
    env = {"LK_SECRET_KEY": "t", "LK_DATABASE_URL": f"sqlite:///{tmp_path / 'lk.sqlite3'}"}
    result = CliRunner().invoke(cli, [name, "--help"], env=env)
    assert result.exit_code == 0, result.output
    assert COMMANDS[name].app and built
