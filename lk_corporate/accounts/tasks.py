"""Account jobs that run after the response, so that the time a page takes says nothing
about whether an account exists."""

from __future__ import annotations

from flask import current_app

from lk_corporate.accounts import operations as ops
from lk_corporate.accounts.links import account_links
from lk_corporate.accounts.settings import AccountSettings
from lk_corporate.core.jobs import job
from lk_corporate.core.uow import unit_of_work


@job("lk.request_password_reset")
def request_password_reset(identifier: str, ip: str) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with unit_of_work() as session:
        ops.request_password_reset(session, identifier, ip=ip,
                                   settings=AccountSettings.from_config(app.config),
                                   links=account_links(app))


@job("lk.resend_confirmation")
def resend_confirmation(identifier: str, ip: str) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with unit_of_work() as session:
        ops.resend_confirmation(session, identifier, ip=ip,
                                settings=AccountSettings.from_config(app.config),
                                links=account_links(app))
