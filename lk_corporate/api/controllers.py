"""The profile's «API-токены» page: make a token (shown once), see and revoke one's tokens."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lk_corporate.api import operations as ops
from lk_corporate.api.forms import NewTokenForm
from lk_corporate.api.spec import PREFIX
from lk_corporate.core.db import utcnow
from lk_corporate.core.extensions import db
from lk_corporate.core.formkit import current_actor, submit_form

# The plain text of a token just made, until the page that shows it once is rendered.
_NEW = "lk_new_api_token"


def _client_user() -> None:
    # Staff tokens are made with `lk api token create` by whoever runs the portal.
    if current_user.is_staff:
        abort(403)


@login_required
def index() -> ResponseReturnValue:
    _client_user()
    form = NewTokenForm()
    if form.validate_on_submit() and (made := submit_form(
            form, ops.create_token, current_user.user, name=form.name.data or "",
            days=int(form.days.data or 0), actor=current_actor())):
        session[_NEW] = {"id": made.token.id, "plain": made.plain}
        return redirect(url_for("api_tokens.index"))
    new = session.pop(_NEW, None)
    tokens = ops.user_tokens(db.session, current_user.id)
    shown = next((t for t in tokens if new and t.id == new.get("id")), None)
    return render_template("api/tokens.html", form=form, tokens=tokens, now=utcnow(),
                           new_token=shown, new_plain=new.get("plain") if shown else None,
                           api_prefix=PREFIX), 200 if not form.errors else 422


@login_required
def revoke(token_id: int) -> ResponseReturnValue:
    _client_user()
    token = ops.get_user_token(db.session, current_user.id, token_id)
    if ops.revoke_token(db.session, token, actor=current_actor()):
        flash(_("The token «%(name)s» has been revoked: programs using it are refused from "
                "now on.", name=token.name), "success")
    return redirect(url_for("api_tokens.index"))
