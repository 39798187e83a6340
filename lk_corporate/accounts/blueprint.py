"""URL rules of the account flows."""

from flask import Blueprint, current_app
from flask_babel import lazy_gettext as _l

from lk_corporate.accounts import controllers as c
from lk_corporate.accounts.sessions import describe_user_agent
from lk_corporate.clients.panels import ClientPanel, register_client_panel
from lk_corporate.core.extensions import limiter
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("accounts", __name__)
bp.add_app_template_filter(describe_user_agent, "browser_name")


def _ip_limit() -> str:
    return f"{current_app.config['LK_LOGIN_ATTEMPTS_PER_IP']} per 15 minutes"


# Per-IP limits count only the attempts that failed (a redirect means success).
_throttled = limiter.limit(_ip_limit, methods=["POST"],
                           deduct_when=lambda response: response.status_code != 302)

bp.add_url_rule("/login", "login", _throttled(c.login), methods=["GET", "POST"])
bp.add_url_rule("/logout", "logout", c.logout, methods=["POST"])
bp.add_url_rule("/register", "register", limiter.limit("20 per hour", methods=["POST"])(c.register),
                methods=["GET", "POST"])
bp.add_url_rule("/register/done/<int:user_id>", "registered", c.registered)
bp.add_url_rule("/confirm/<token>", "confirm", c.confirm)
bp.add_url_rule("/confirm/code/<int:user_id>", "confirm_code",
                limiter.limit("20 per hour", methods=["POST"])(c.confirm_code),
                methods=["GET", "POST"])
bp.add_url_rule("/confirm/resend", "resend_confirmation",
                limiter.limit("10 per hour", methods=["POST"])(c.resend_confirmation),
                methods=["GET", "POST"])
bp.add_url_rule("/password/forgot", "forgot_password",
                limiter.limit("10 per hour", methods=["POST"])(c.forgot_password),
                methods=["GET", "POST"])
bp.add_url_rule("/password/reset/<token>", "reset_password",
                limiter.limit("20 per hour", methods=["POST"])(c.reset_password),
                methods=["GET", "POST"])
bp.add_url_rule("/profile", "profile", c.profile, methods=["GET", "POST"])
bp.add_url_rule("/profile/notifications", "notification_settings", c.notification_settings,
                methods=["GET", "POST"])
bp.add_url_rule("/profile/email", "change_email", c.change_email, methods=["GET", "POST"])
bp.add_url_rule("/profile/email/confirm/<token>", "confirm_email_change", c.confirm_email_change)
bp.add_url_rule("/profile/password", "change_password", c.change_password,
                methods=["GET", "POST"])
bp.add_url_rule("/profile/contracts", "contracts", c.contracts, methods=["GET", "POST"])
bp.add_url_rule("/switch-client", "switch_client", c.switch_client, methods=["POST"])
bp.add_url_rule("/cabinet", "dashboard", c.dashboard)
bp.add_url_rule("/profile/sessions", "login_sessions", c.login_sessions)
bp.add_url_rule("/profile/sessions/<int:login_id>/end", "end_login_session",
                c.end_login_session, methods=["POST"])
bp.add_url_rule("/profile/sessions/end-others", "end_other_sessions", c.end_other_sessions,
                methods=["POST"])
# The staff's client page: the client's activation codes (same URLs as the page's own).
bp.add_url_rule("/staff/clients/<int:client_id>/codes", "issue_code", c.issue_code,
                methods=("POST",))
bp.add_url_rule("/staff/clients/<int:client_id>/codes/<int:code_id>", "issued_code",
                c.issued_code)
bp.add_url_rule("/staff/clients/<int:client_id>/codes/<int:code_id>/revoke", "revoke_code",
                c.revoke_code, methods=("POST",))

register_client_panel(ClientPanel("accounts/client_panel.html", c.client_panel, order=10))

register_menu_item(_l("Personal data"), "accounts.profile", section="profile", order=10,
                   icon="person-vcard")
register_menu_item(_l("Notifications"), "accounts.notification_settings", section="profile",
                   order=15, icon="bell")
register_menu_item(_l("Change e-mail"), "accounts.change_email", section="profile", order=20,
                   icon="envelope-at")
register_menu_item(_l("Change password"), "accounts.change_password", section="profile",
                   order=30, icon="key")
register_menu_item(_l("My contracts"), "accounts.contracts", section="profile", order=40,
                   icon="briefcase", audience="client")
register_menu_item(_l("Active sessions"), "accounts.login_sessions", section="profile",
                   order=35, icon="pc-display")
