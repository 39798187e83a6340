"""The navigation bar, assembled from what each domain package registers.

A package adds its pages at import time, next to its blueprint::

    from lk_corporate.web.menu import register_menu_item
    from flask_babel import lazy_gettext as _l

    register_menu_item(_l("Invoices"), "invoicing.invoices", right="invoices.view",
                       section="money", order=10)

The sections (the top-level menus the seeds' users know: «Показания», «Деньги», «Договоры и
документы», «Поставщик», «Профиль» for clients; «Клиенты», «Счётчики», ... for the supplier's
staff) are declared here once. An item is shown only when its endpoint exists in this app (a
package that is not registered yet simply has no menu entry) and the current user has its
right. A section with one visible item renders as a plain link, with several as a dropdown,
with none not at all.

An item may carry a count beside its label (unread messages, new requests): the package
registers a *badge provider* with it, ``badge=lambda user: ...``, called with the signed-in
user when the menu is drawn (zero shows nothing). The menu calls it and knows nothing of
what it counts, so the shell still imports no domain package.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from flask import current_app
from flask_babel import lazy_gettext as _l

Audience = Literal["public", "client", "staff"]


@dataclass(frozen=True)
class MenuSection:
    key: str
    label: Any  # a lazy string: translated when rendered, not when registered
    audience: Audience
    order: int
    icon: str | None = None  # a Bootstrap Icons name, e.g. "speedometer2"


@dataclass(frozen=True)
class MenuItem:
    label: Any
    endpoint: str
    right: str | tuple[str, ...] | None = None
    """The right (``current_user.has_right(name)``) needed to see the item — a tuple: any one
    of them; None: any user of the section's audience."""
    section: str = "supplier"
    order: int = 100
    icon: str | None = None
    url_values: tuple[tuple[str, Any], ...] = ()
    """Fixed URL arguments for ``url_for`` (e.g. ``(("tab", "limits"),)``)."""
    audience: Audience | None = None
    """Only users of this audience see the item; None: everyone who sees its section. For the
    profile menu, which every signed-in user has: ``audience="client"`` keeps a client-only
    page (e.g. «My contracts») out of the staff's menu."""
    config_flag: str | None = None
    """Shown only while this setting of the app is true (the demo outbox: ``"LK_DEMO"``)."""
    badge: Callable[[Any], int] | None = None
    """The count shown beside the label: called with the user when the menu is drawn."""
    badge_label: Any = None
    """What the count counts, for screen readers (e.g. «непрочитанных»)."""


@dataclass(frozen=True)
class MenuEntry:
    """What the template gets: a section and its visible items, URLs already built."""

    section: MenuSection
    links: tuple[tuple[MenuItem, str], ...]
    active: bool
    badges: Mapping[str, int] = field(default_factory=dict)
    """The non-zero counts of the section's items, by endpoint."""

    @property
    def badge_total(self) -> int:
        return sum(self.badges.values())


SECTIONS: dict[str, MenuSection] = {}
_ITEMS: dict[tuple[str, str], MenuItem] = {}


def register_section(section: MenuSection) -> MenuSection:
    SECTIONS[section.key] = section
    return section


for _section in (
    # Clients: the menus of the portals the seeds describe.
    MenuSection("readings", _l("Readings"), "client", 10, "speedometer2"),
    MenuSection("money", _l("Money"), "client", 20, "cash-coin"),
    MenuSection("documents", _l("Documents and contracts"), "client", 30, "file-earmark-text"),
    MenuSection("supplier", _l("Supplier"), "client", 40, "envelope"),
    # Supplier staff.
    MenuSection("clients", _l("Clients"), "staff", 110, "building"),
    MenuSection("correspondence", _l("Correspondence"), "staff", 115, "envelope"),
    MenuSection("meters", _l("Meters"), "staff", 120, "speedometer"),
    MenuSection("periods", _l("Periods"), "staff", 130, "calendar3"),
    MenuSection("tariffs", _l("Tariffs"), "staff", 140, "percent"),
    MenuSection("staff", _l("Staff and roles"), "staff", 150, "people"),
    MenuSection("outbox", _l("Outgoing mail"), "staff", 160, "mailbox"),
    # Everyone, signed in or not (e.g. the public signature verification page).
    MenuSection("public", _l("Verify a signature"), "public", 200, "patch-check"),
):
    register_section(_section)

# The profile menu sits at the right of the bar, not among the sections above; its items are
# registered like any other (section="profile"). Every signed-in user has it, staff included:
# an item meant for clients only says so with audience="client".
PROFILE_SECTION = MenuSection("profile", _l("Profile"), "client", 900, "person-circle")
register_section(PROFILE_SECTION)


def register_menu_item(
    label: Any,
    endpoint: str,
    right: str | tuple[str, ...] | None = None,
    section: str = "supplier",
    order: int = 100,
    icon: str | None = None,
    audience: Audience | None = None,
    config_flag: str | None = None,
    badge: Callable[[Any], int] | None = None,
    badge_label: Any = None,
    **url_values: Any,
) -> MenuItem:
    """Add a page to the menu. Registering the same (section, endpoint) again replaces it, so a
    module imported twice (tests create many apps) does not duplicate entries."""
    if section not in SECTIONS:
        raise KeyError(f"unknown menu section {section!r}; known: {sorted(SECTIONS)}")
    item = MenuItem(label, endpoint, right, section, order, icon, tuple(sorted(url_values.items())),
                    audience, config_flag, badge, badge_label)
    _ITEMS[(section, endpoint)] = item
    return item


def registered_items() -> list[MenuItem]:
    return sorted(_ITEMS.values(), key=lambda i: (SECTIONS[i.section].order, i.order, i.endpoint))


def user_audiences(user: Any) -> set[str]:
    """Which sections a user sees. Staff are told apart by ``user.is_staff`` (the lead's model)."""
    if not getattr(user, "is_authenticated", False):
        return {"public"}
    return {"public", "staff" if getattr(user, "is_staff", False) else "client"}


def user_has_right(user: Any, right: str | tuple[str, ...] | None) -> bool:
    if right is None:
        return True
    if isinstance(right, tuple):
        return any(user_has_right(user, one) for one in right)
    has_right = getattr(user, "has_right", None)
    # Until the accounts package provides has_right, a right-guarded item stays hidden:
    # showing a page to someone who may not open it is worse than hiding it for a day.
    return bool(has_right(right)) if callable(has_right) else False


def _item_visible(item: MenuItem, user: Any, audiences: set[str]) -> bool:
    return (
        item.endpoint in current_app.view_functions
        and (item.audience is None or item.audience in audiences)
        and (item.config_flag is None or bool(current_app.config.get(item.config_flag)))
        and user_has_right(user, item.right)
    )


def _visible(user: Any) -> list[MenuItem]:
    """The items ``user`` may see, in menu order, every section at once: a page draws the
    menu once, and asking section by section walked every item per section."""
    audiences = user_audiences(user)
    return [item for item in registered_items()
            if SECTIONS[item.section].audience in audiences
            and _item_visible(item, user, audiences)]


def build_menu(user: Any, current_endpoint: str | None) -> list[MenuEntry]:
    """The sections to draw for ``user``, in order, each with its visible links."""
    from flask import url_for

    visible = _visible(user)
    entries = []
    for section in sorted(SECTIONS.values(), key=lambda s: s.order):
        if section.key == PROFILE_SECTION.key:
            continue
        items = [item for item in visible if item.section == section.key]
        if not items:
            continue
        links = tuple((item, url_for(item.endpoint, **dict(item.url_values))) for item in items)
        active = any(item.endpoint == current_endpoint for item in items)
        entries.append(MenuEntry(section, links, active, _badges(user, items)))
    return entries


def _badges(user: Any, items: list[MenuItem]) -> dict[str, int]:
    counts = {item.endpoint: item.badge(user) for item in items if item.badge is not None}
    return {endpoint: count for endpoint, count in counts.items() if count}


def build_profile_menu(user: Any) -> tuple[tuple[MenuItem, str], ...]:
    from flask import url_for

    if not getattr(user, "is_authenticated", False):
        return ()
    audiences = user_audiences(user)
    items = [item for item in registered_items()
             if item.section == PROFILE_SECTION.key and _item_visible(item, user, audiences)]
    return tuple((item, url_for(item.endpoint, **dict(item.url_values))) for item in items)


def first_visible_endpoint(user: Any) -> str | None:
    """The first page of the menu this user can open: a sensible landing page by default."""
    return next((item.endpoint for item in _visible(user)
                 if SECTIONS[item.section].audience != "public"
                 and item.section != PROFILE_SECTION.key), None)
