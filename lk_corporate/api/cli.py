"""``lk api token create LOGIN [--name N] [--days D]``, ``lk api token list LOGIN``,
``lk api token revoke ID``: API tokens from the command line (for any login, staff ones
included, which the profile page does not make)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

api = AppGroup("api", help="The JSON API: tokens for accounting software.")


@api.group("token")
def token() -> None:
    """Personal API tokens."""


def _user(login: str):  # type: ignore[no-untyped-def]
    from lk_corporate.accounts.operations import find_user
    from lk_corporate.core.extensions import db

    user = find_user(db.session, login)
    if user is None:
        raise click.ClickException(f"No user with the login or e-mail {login!r}.")
    return user


@token.command("create")
@click.argument("login")
@click.option("--name", default="", help="What will use the token (default: «lk api token»).")
@click.option("--days", type=click.IntRange(1, 365), default=365, show_default=True,
              help="How long the token is valid.")
def create_command(login: str, name: str, days: int) -> None:
    """Make a token for LOGIN and print it (its last line is the token: shown only now)."""
    from lk_corporate.api.operations import ApiTokenError, create_token
    from lk_corporate.core.audit import Actor
    from lk_corporate.core.uow import unit_of_work

    try:
        with unit_of_work() as session:
            user = _user(login)
            made = create_token(session, user, name=name or "lk api token", days=days,
                                actor=Actor.system("lk api token create"))
            scope = (f"staff role {user.staff_role.code}" if user.staff_role is not None
                     else f"{len(user.memberships)} client(s)")
            token_id, expires = made.token.id, made.token.expires_at
    except ApiTokenError as exc:
        raise click.ClickException(exc.message % exc.params if exc.params else exc.message) \
            from None
    click.echo(f"Token #{token_id} for {user.login} ({scope}), valid until "
               f"{expires:%Y-%m-%d %H:%M} UTC. It is shown only now:")
    click.echo(made.plain)


@token.command("list")
@click.argument("login")
def list_command(login: str) -> None:
    """List LOGIN's tokens (never the tokens themselves)."""
    from lk_corporate.api.operations import user_tokens
    from lk_corporate.core.db import utcnow
    from lk_corporate.core.extensions import db

    user = _user(login)
    now = utcnow()
    for t in user_tokens(db.session, user.id):
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
        click.echo(f"#{t.id}\tlk_…{t.hint}\t{t.state(now)}\tuntil {t.expires_at:%Y-%m-%d}"
                   f"\tlast used {used}\t{t.name}")


@token.command("revoke")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
def revoke_command(token_id: int) -> None:
    """Revoke the token with this number (as `lk api token list` shows it)."""
    from lk_corporate.api.models import ApiToken
    from lk_corporate.api.operations import revoke_token
    from lk_corporate.core.audit import Actor
    from lk_corporate.core.uow import unit_of_work

    with unit_of_work() as session:
        found = session.get(ApiToken, token_id)
        if found is None:
            raise click.ClickException(f"No token #{token_id}.")
        changed = revoke_token(session, found, actor=Actor.system("lk api token revoke"))
    click.echo(f"Token #{token_id} revoked." if changed else f"Token #{token_id} was already "
               "revoked.")
