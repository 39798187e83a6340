"""The links of the account e-mails, built from the app's URL map (no request needed)."""

from __future__ import annotations

from flask import Flask

from lk_corporate.accounts.settings import AccountLinks
from lk_corporate.core.links import LinkBuilder


def account_links(app: Flask) -> AccountLinks:
    link = LinkBuilder(app)
    return AccountLinks(
        confirm=lambda token: link("accounts.confirm", token=token),
        confirm_code=lambda user_id: link("accounts.confirm_code", user_id=user_id),
        reset_password=lambda token: link("accounts.reset_password", token=token),
        confirm_email_change=lambda token: link("accounts.confirm_email_change", token=token),
    )
