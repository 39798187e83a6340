"""URL rules of the web shell (handlers in ``controllers``)."""

from flask import Blueprint

from lk_corporate.web import controllers

bp = Blueprint("web", __name__)

bp.add_url_rule("/", "index", controllers.index)
bp.add_url_rule("/lang/<code>", "set_language", controllers.set_language)
bp.add_url_rule("/healthz", "healthz", controllers.healthz)
