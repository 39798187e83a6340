"""What the landing page promises: only what the portal does today.

Each feature and each "how to start" step names the page that does it; the landing page shows
it only while that endpoint exists in the app, so a promise cannot outlive (or precede) its
page. A package that brings a new ability registers it next to its blueprint, like a menu
item::

    from flask_babel import lazy_gettext as _l
    from lk_corporate.web.landing import register_feature, register_step

    register_feature("readings", _l("Readings"), _l("Meter readings for every metering point..."),
                     endpoint="readings.index", icon="speedometer2", order=10)
    register_step("readings", _l("Enter the meter readings while ..."), endpoint="readings.index",
                  order=30)

The entries below are the pages that exist today.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Feature:
    key: str
    title: Any  # lazy strings: translated when rendered
    text: Any
    endpoint: str
    """The page that does it; the feature is listed only while this endpoint exists."""
    icon: str = "check2-circle"  # a Bootstrap Icons name
    order: int = 100


@dataclass(frozen=True)
class Step:
    key: str
    text: Any
    endpoint: str
    order: int = 100


_FEATURES: dict[str, Feature] = {}
_STEPS: dict[str, Step] = {}


def register_feature(key: str, title: Any, text: Any, *, endpoint: str, icon: str = "check2-circle",
                     order: int = 100) -> Feature:
    """Add (or, with the same key, replace) a feature card of the landing page."""
    feature = Feature(key, title, text, endpoint, icon, order)
    _FEATURES[key] = feature
    return feature


def register_step(key: str, text: Any, *, endpoint: str, order: int = 100) -> Step:
    """Add (or replace) a step of "How to start"."""
    step = Step(key, text, endpoint, order)
    _STEPS[key] = step
    return step


def _available(items: dict[str, Any]) -> list[Any]:
    views = current_app.view_functions
    return sorted((i for i in items.values() if i.endpoint in views), key=lambda i: (i.order, i.key))


def available_features() -> list[Feature]:
    return _available(_FEATURES)


def available_steps() -> list[Step]:
    return _available(_STEPS)


# --- what works today -------------------------------------------------------------------------

register_feature(
    "meters", _l("Metering devices"),
    _l("Your meters by metering point: factory number, verification date with a warning when it "
       "has passed, transformer ratios and tariff zones."),
    endpoint="clients.my_meters", icon="speedometer", order=10)
register_feature(
    "contract", _l("Contract and requisites"),
    _l("Your supply contract, your company's requisites as the supplier keeps them, and the "
       "supplier's requisites and bank details."),
    endpoint="clients.my_contract", icon="file-earmark-text", order=20)
register_feature(
    "tariffs", _l("Tariffs"),
    _l("The prices in force today and the ones already announced, by service and tariff zone."),
    endpoint="tariffs.current", icon="percent", order=30)
register_feature(
    "contracts", _l("Several contracts, one login"),
    _l("Add another contract with its activation code and switch between the companies you act "
       "for."),
    endpoint="accounts.contracts", icon="briefcase", order=40)

register_step(
    "code", _l("Get an activation code for your contract from the supplier’s contracts department."),
    endpoint="accounts.register", order=10)
register_step(
    "register",
    _l("Register with the code, your tax ID and contract number, and confirm your e-mail address."),
    endpoint="accounts.register", order=20)
register_step(
    "check",
    _l("Check your metering devices, contract and requisites; if something is wrong, tell the "
       "supplier’s contracts department."),
    endpoint="clients.my_meters", order=30)
