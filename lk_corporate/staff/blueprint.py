"""URL rules of the staff pages (/staff/users, /staff/roles)."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.core import rights as R
from lk_corporate.staff import controllers as c
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("staff", __name__)

bp.add_url_rule("/staff/users", "users", c.staff_users)
bp.add_url_rule("/staff/users/new", "create_user", c.create_staff_user, methods=("GET", "POST"))
bp.add_url_rule("/staff/users/<int:user_id>/edit", "edit_user", c.edit_staff_user,
                methods=("GET", "POST"))
bp.add_url_rule("/staff/users/<int:user_id>/block", "block_user", c.block_staff_user,
                methods=("POST",))
bp.add_url_rule("/staff/users/<int:user_id>/unblock", "unblock_user", c.unblock_staff_user,
                methods=("POST",))
bp.add_url_rule("/staff/users/<int:user_id>/password", "password", c.staff_password,
                methods=("GET", "POST"))
bp.add_url_rule("/staff/roles", "roles", c.roles)
bp.add_url_rule("/staff/roles/<int:role_id>/edit", "edit_role", c.edit_role,
                methods=("GET", "POST"))

register_menu_item(_l("Staff users"), "staff.users", right=R.STAFF_MANAGE,
                   section="staff", order=10, icon="people")
register_menu_item(_l("Roles and rights"), "staff.roles", right=R.ROLES_MANAGE,
                   section="staff", order=20, icon="shield-lock")
