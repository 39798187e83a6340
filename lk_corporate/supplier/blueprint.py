"""URL rules of the supplier administration (/staff/...) and the client's supplier page."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.accounts import rights as R
from lk_corporate.supplier import controllers as c
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("supplier", __name__)

bp.add_url_rule("/staff/supplier", "settings", c.settings, methods=("GET", "POST"))
bp.add_url_rule("/staff/users", "staff_users", c.staff_users)
bp.add_url_rule("/staff/users/new", "create_staff_user", c.create_staff_user,
                methods=("GET", "POST"))
bp.add_url_rule("/staff/users/<int:user_id>/edit", "edit_staff_user", c.edit_staff_user,
                methods=("GET", "POST"))
bp.add_url_rule("/staff/users/<int:user_id>/block", "block_staff_user", c.block_staff_user,
                methods=("POST",))
bp.add_url_rule("/staff/users/<int:user_id>/unblock", "unblock_staff_user",
                c.unblock_staff_user, methods=("POST",))
bp.add_url_rule("/staff/users/<int:user_id>/password", "staff_password", c.staff_password,
                methods=("GET", "POST"))
bp.add_url_rule("/staff/roles", "roles", c.roles)
bp.add_url_rule("/staff/roles/<int:role_id>/edit", "edit_role", c.edit_role,
                methods=("GET", "POST"))
bp.add_url_rule("/supplier", "requisites", c.requisites)

register_menu_item(_l("Staff users"), "supplier.staff_users", right=R.STAFF_MANAGE,
                   section="staff", order=10, icon="people")
register_menu_item(_l("Roles and rights"), "supplier.roles", right=R.ROLES_MANAGE,
                   section="staff", order=20, icon="shield-lock")
register_menu_item(_l("Supplier requisites"), "supplier.settings", right=R.SUPPLIER_MANAGE,
                   section="staff", order=30, icon="building-gear")
register_menu_item(_l("Supplier's requisites"), "supplier.requisites", section="supplier",
                   order=50, icon="bank")
