"""The JSON edge of ``/api/v1``: reading a request through its schema, and the error
answers.

Every error the API gives has one shape (``schemas.Problem``): ``{"code", "message"}``,
plus ``errors`` (what was wrong, field by field) or ``warnings`` (what must be confirmed).
``ApiProblem`` is raised anywhere below a view; the request's unit of work rolls back and
the error handler answers with the problem's status and body. Errors that happen outside the
API's views (an unknown URL, a wrong method, a body too large, a rate limit) get the same
two keys from ``web.errors``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from flask import Response, jsonify, request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError

from lk_corporate.api.schemas import ConfirmationWarning, Problem, ProblemDetail
from lk_corporate.core.errors import N_

M = TypeVar("M", bound=BaseModel)


class ApiProblem(Exception):
    """An error answer: HTTP ``status``, stable ``code``, ``message`` for people."""

    def __init__(self, status: int, code: str, message: str, *,
                 errors: list[ProblemDetail] | None = None,
                 warnings: list[ConfirmationWarning] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.problem = Problem(code=code, message=message, errors=errors, warnings=warnings)
        self.headers = dict(headers or {})


def problem_response(error: ApiProblem) -> Response:
    response = jsonify(error.problem.model_dump(mode="json", exclude_none=True))
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


# pydantic's error types as a sentence in the caller's language (its own messages are
# English): the ``code`` stays pydantic's type, stable for software; the ``message`` is for
# the accountant reading the answer. A type not listed keeps pydantic's message.
_TYPE_MESSAGES: dict[str, str] = {
    "missing": N_("This field is required."),
    "extra_forbidden": N_("Unknown field: the API has no such field here."),
    "int_type": N_("A whole number is expected."),
    "int_parsing": N_("A whole number is expected."),
    "int_from_float": N_("A whole number is expected."),
    "greater_than_equal": N_("The value must be at least %(ge)s."),
    "greater_than": N_("The value must be greater than %(gt)s."),
    "less_than_equal": N_("The value must be at most %(le)s."),
    "less_than": N_("The value must be less than %(lt)s."),
    "literal_error": N_("One of these values is expected: %(expected)s."),
    "enum": N_("One of these values is expected: %(expected)s."),
    "string_type": N_("A string is expected."),
    "string_pattern_mismatch": N_("The value does not match the pattern %(pattern)s."),
    "string_too_long": N_("Too long: at most %(max_length)s characters."),
    "string_too_short": N_("Too short: at least %(min_length)s characters."),
    "too_long": N_("Too many items: at most %(max_length)s."),
    "too_short": N_("Too few items: at least %(min_length)s."),
    "list_type": N_("A list is expected."),
    "bool_type": N_("true or false is expected."),
    "bool_parsing": N_("true or false is expected."),
    "date_type": N_("A date in the form YYYY-MM-DD is expected."),
    "date_parsing": N_("A date in the form YYYY-MM-DD is expected."),
    "date_from_datetime_parsing": N_("A date in the form YYYY-MM-DD is expected."),
    "model_type": N_("An object is expected."),
    "dict_type": N_("An object is expected."),
    "model_attributes_type": N_("An object is expected."),
}


def _field_message(item: Any) -> str:
    """``item``'s message in the request's language."""
    kind, context = item["type"], item.get("ctx") or {}
    if kind == "value_error" and isinstance(context.get("error"), ValueError):
        # the schemas' own checks (``schemas._decimal_in``…): their text is an N_ msgid
        return _(str(context["error"]))
    template = _TYPE_MESSAGES.get(kind)
    if template is None:
        return str(item["msg"])
    params = {k: str(v) for k, v in context.items()}
    if "expected" in params:
        # pydantic joins the choices in English ("'day', 'night' or 'peak'"): a plain list
        params["expected"] = params["expected"].replace(" or ", ", ")
    try:
        return _(template, **params)
    except (KeyError, ValueError):  # a pydantic release that names its context otherwise
        return str(item["msg"])


def _details(error: ValidationError, prefix: str = "") -> list[ProblemDetail]:
    out = []
    for item in error.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in (prefix, *item["loc"]) if part != "")
        out.append(ProblemDetail(code=item["type"], message=_field_message(item),
                                 field=field or None))
    return out


def invalid(error: ValidationError, prefix: str = "") -> ApiProblem:
    return ApiProblem(422, "invalid_request",
                      _("The request does not fit the API description; see errors."),
                      errors=_details(error, prefix))


def query_params(model: type[M]) -> M:
    """The query string through ``model`` (an argument given twice: the first counts)."""
    try:
        return model.model_validate(request.args.to_dict(flat=True))
    except ValidationError as exc:
        raise invalid(exc, "query") from None


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def json_body(model: type[M]) -> M:
    """The JSON body through ``model``: 400 for a body that is not JSON (or not sent as
    ``application/json``), 422 naming each field that does not fit."""
    if request.mimetype != "application/json":
        raise ApiProblem(400, "unsupported_content_type",
                         _("Send the body as JSON with Content-Type: application/json."))
    raw = request.get_data(cache=False)  # over LK_MAX_UPLOAD_MB: 413 before this returns
    try:
        # Numbers exactly as written (readings are Decimal end to end); NaN and Infinity,
        # which Python's parser allows, are not JSON.
        data = json.loads(raw, parse_float=Decimal, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiProblem(400, "malformed_json", _("The body is not valid JSON.")) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc, "body") from None


def pdf_body() -> bytes:
    """A PDF sent as the body (``application/pdf``)."""
    if request.mimetype not in ("application/pdf", "application/octet-stream"):
        raise ApiProblem(400, "unsupported_content_type",
                         _("Send the signed PDF as the body with Content-Type: "
                           "application/pdf."))
    data = request.get_data(cache=False)
    if not data.startswith(b"%PDF-"):
        raise ApiProblem(422, "not_a_pdf", _("The body is not a PDF file."))
    return data


def json_response(model: BaseModel, status: int = 200) -> Response:
    response = jsonify(model.model_dump(mode="json"))
    response.status_code = status
    return response
