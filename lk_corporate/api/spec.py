"""The operations of ``/api/v1`` and the OpenAPI 3.1 description written from them.

``OPERATIONS`` lists every operation once: its method and URL rule, the right it needs, the
schemas of its query string, body and answers. ``api.blueprint`` registers a URL rule for
each operation that has a view, ``api.views.api_view`` validates requests and answers with
the operation's schemas, and ``openapi()`` writes the description from the same schemas — so
the description cannot drift from what the code accepts and answers. The two operations of
the month cycle (``submit_readings``, ``upload_signed``) are described whether or not their
views are registered in this build (``api.cycle``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from lk_corporate.api import schemas as s
from lk_corporate.core import rights as R
from lk_corporate.core.urls import MAX_ID

PREFIX = "/api/v1"
VERSION = "1.0.0"

Body = type[BaseModel] | Literal["pdf"] | None
Answer = type[BaseModel] | Literal["pdf", "object"]


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    rule: str
    """The Flask rule under ``PREFIX``, e.g. ``/documents/<int:document_id>``."""
    summary: str
    success: int
    answer: Answer
    rights: tuple[str, ...] = ()
    query: type[s._In] | None = None
    body: Body = None
    errors: Mapping[int, str] = field(default_factory=dict)
    """Error answers beside the common ones (401, 429, 500), with what they mean."""
    public: bool = False
    description: str = ""
    tag: str = "data"

    @property
    def path(self) -> str:
        """The OpenAPI path: ``/api/v1/documents/{document_id}``."""
        return PREFIX + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule)

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"<(?:\w+:)?(\w+)>", self.rule)


_NOT_FOUND = "Not found, or not within the token's clients (as on the pages)."
_FORBIDDEN = "The token's user lacks the right for this client."

OPERATIONS: tuple[Operation, ...] = (
    Operation("list_clients", "GET", "/clients", "The clients the token may act for", 200,
              s.ClientList, tag="reference"),
    Operation("list_periods", "GET", "/periods", "Billing periods, newest first", 200,
              s.PeriodList, tag="reference"),
    Operation("list_tariffs", "GET", "/tariffs", "Tariffs valid in a period", 200, s.TariffList,
              rights=(R.MONEY_VIEW,), query=s.TariffQuery, tag="reference",
              errors={403: _FORBIDDEN, 404: _NOT_FOUND, 422: "A query parameter does not fit."}),
    Operation("list_meters", "GET", "/meters", "A client's meters with their previous readings",
              200, s.MeterList, rights=(R.READINGS_VIEW,), query=s.ClientQuery, tag="readings",
              errors={403: _FORBIDDEN, 404: _NOT_FOUND, 422: "A query parameter does not fit."}),
    Operation("submit_readings", "POST", "/readings", "Submit readings; get the reading act",
              201, s.ActCreated, rights=(R.READINGS_ENTER,), body=s.ReadingsIn, tag="readings",
              description="The act is to be signed by the client (download its file, sign, "
                          "upload it to /documents/{document_id}/signed). A reading that needs "
                          "a confirmation answers 409 with the warnings; send again with their "
                          "codes in `confirm`.",
              errors={400: "The body is not JSON.", 403: _FORBIDDEN, 404: _NOT_FOUND,
                      409: "Warnings to confirm (`warnings`).",
                      422: "Refused: `errors` name each meter and zone, or each field."}),
    Operation("list_documents", "GET", "/documents", "Documents, newest first", 200,
              s.DocumentList, rights=(R.DOCUMENTS_VIEW,), query=s.DocumentQuery,
              tag="documents",
              description="Invoices and tax invoices only where the user may also see money.",
              errors={403: _FORBIDDEN, 404: _NOT_FOUND, 422: "A query parameter does not fit."}),
    Operation("get_document", "GET", "/documents/<int:document_id>", "One document", 200,
              s.DocumentOut, rights=(R.DOCUMENTS_VIEW,), tag="documents",
              errors={403: _FORBIDDEN, 404: _NOT_FOUND}),
    Operation("get_document_file", "GET", "/documents/<int:document_id>/file",
              "The document's current PDF", 200, "pdf", rights=(R.DOCUMENTS_VIEW,),
              tag="documents",
              description="Downloading a document the supplier sent records its receipt.",
              errors={403: _FORBIDDEN, 404: _NOT_FOUND}),
    Operation("upload_signed", "POST", "/documents/<int:document_id>/signed",
              "Upload the document signed by the client", 200, s.DocumentOut,
              rights=(R.DOCUMENTS_SIGN,), body="pdf", tag="documents",
              description="The body is the signed PDF. It is accepted when its signature "
                          "validates and the signed revision is exactly the issued document.",
              errors={400: "The body is not sent as a PDF.", 403: _FORBIDDEN,
                      404: _NOT_FOUND, 413: "The file is too large.",
                      422: "Refused (`code`, `message`)."}),
    Operation("start_signing", "POST", "/documents/<int:document_id>/signing",
              "Start signing with the client's own key: get what to sign", 201,
              s.SigningStarted, rights=(R.DOCUMENTS_SIGN,), body=s.SigningStartIn,
              tag="signing",
              description="The key never leaves the caller: send the certificate chain, sign "
                          "`to_be_signed`, finish with the signature value. A certificate "
                          "that is expired, revoked, untrusted or not of this client's tax ID "
                          "(and not registered for it) is refused before anything is prepared.",
              errors={403: _FORBIDDEN, 404: _NOT_FOUND,
                      422: "Refused (`code`, `message`): the certificate, the document's state."}),
    Operation("finish_signing", "POST", "/documents/<int:document_id>/signing/<session_id>",
              "Finish signing with the signature value: the document is «signed»", 201,
              s.DocumentOut, rights=(R.DOCUMENTS_SIGN,), body=s.SigningFinishIn, tag="signing",
              description="The same session finished again answers 200 and changes nothing. "
                          "An expired session is refused.",
              errors={403: _FORBIDDEN, 404: _NOT_FOUND,
                      422: "Refused (`code`, `message`): a wrong signature value, an expired "
                           "session."}),
    Operation("send_document", "POST", "/documents/<int:document_id>/send",
              "Send the signed document: validated, then received (or rejected with a reason)",
              200, s.DocumentOut, rights=(R.DOCUMENTS_SIGN,), body=s.SendIn, tag="signing",
              description="A repeated send with the same `idempotency_key` (in the body or the "
                          "`Idempotency-Key` header) changes nothing.",
              errors={403: _FORBIDDEN, 404: _NOT_FOUND,
                      422: "Refused (`code`, `message`); `try_later` when revocation cannot "
                           "be checked right now."}),
    Operation("cancel_signature", "POST", "/documents/<int:document_id>/cancel-signature",
              "Discard the unsent signature: the document awaits the signature again", 200,
              s.DocumentOut, rights=(R.DOCUMENTS_SIGN,), tag="signing",
              errors={403: _FORBIDDEN, 404: _NOT_FOUND, 422: "Refused (`code`, `message`)."}),
    Operation("approve_document", "POST", "/documents/<int:document_id>/approve",
              "Approve a received document: the supplier countersigns it (staff tokens)", 200,
              s.DocumentOut, rights=(R.DOCUMENTS_COUNTERSIGN,), tag="documents",
              description="The supplier's signature is added to the same PDF (the client's "
                          "stays valid) and the document is «accepted»: a reading act is "
                          "accepted for calculation, a limit request's limits come into force "
                          "(that needs `limits.approve`). Approving an accepted document again "
                          "changes nothing.",
              errors={403: "Not a staff token, or the user lacks the right for this kind.",
                      404: _NOT_FOUND,
                      422: "Refused (`code`, `message`): not waiting for the supplier, or the "
                           "supplier's key cannot sign."}),
    Operation("reject_document", "POST", "/documents/<int:document_id>/reject",
              "Reject a received document with a reason (staff tokens)", 200, s.DocumentOut,
              rights=(R.DOCUMENTS_REJECT,), body=s.RejectIn, tag="documents",
              description="The reason is required; the client reads it and is told by e-mail. "
                          "A corrected document supersedes the rejected one.",
              errors={403: "Not a staff token, or the user lacks the right.",
                      404: _NOT_FOUND,
                      422: "Refused (`code`, `message`): an empty reason, or the document is "
                           "not waiting for the supplier."}),
    Operation("create_limit_request", "POST", "/limit-requests",
              "Request consumption limits for a year; get the request to sign", 201,
              s.LimitRequestCreated, rights=(R.LIMITS_SUBMIT,), body=s.LimitRequestIn,
              tag="limits",
              description="Twelve monthly volumes (kWh, decimal strings) per metering point. "
                          "The request awaits the client's signature (sign it over "
                          "/documents/{document_id}/signing, then send it); limits are in "
                          "force only once the supplier approved it.",
              errors={400: "The body is not JSON.", 403: _FORBIDDEN, 404: _NOT_FOUND,
                      422: "Refused (`code`, `message`, `field`) or a field does not fit."}),
    Operation("get_document_report", "GET", "/documents/<int:document_id>/report",
              "The validation report of the document's signatures", 200, "object",
              rights=(R.DOCUMENTS_VIEW,), tag="documents",
              errors={403: _FORBIDDEN, 404: _NOT_FOUND + " Also: no signature checked yet."}),
    Operation("get_charges", "GET", "/charges", "A month's charges breakdown", 200,
              s.ChargesOut, rights=(R.MONEY_VIEW,), query=s.ChargesQuery, tag="money",
              description="«Расшифровка начислений»: the lines of the month's calculation (per "
                          "service, metering point, meter and zone), as decimal strings; they "
                          "add up to the invoice's total. A month not calculated yet answers "
                          "`calculated: false` with no lines.",
              errors={403: _FORBIDDEN, 404: _NOT_FOUND, 422: "A query parameter does not fit."}),
    Operation("list_payments", "GET", "/payments", "A client's payments, newest first", 200,
              s.PaymentList, rights=(R.MONEY_VIEW,), query=s.PaymentQuery, tag="money",
              description="Payments imported from bank statements and matched to the client, "
                          "with the invoices each paid (`allocations`); the rest of a "
                          "payment's amount is an advance.",
              errors={403: _FORBIDDEN, 404: _NOT_FOUND, 422: "A query parameter does not fit."}),
    Operation("get_balance", "GET", "/balance", "A client's balance today", 200, s.BalanceOut,
              rights=(R.MONEY_VIEW,), query=s.ClientQuery, tag="money",
              description="`balance` = `invoiced` − `paid`: positive is a debt, negative an "
                          "overpayment.",
              errors={403: _FORBIDDEN, 404: _NOT_FOUND, 422: "A query parameter does not fit."}),
    Operation("create_reconciliation_act", "POST", "/reconciliation-acts",
              "Issue a reconciliation act for a period, signed by the supplier", 201,
              s.ReconciliationActCreated, rights=(R.MONEY_VIEW,), body=s.ReconciliationActIn,
              tag="money",
              description="The act (kind `reconciliation_act`) awaits the client's signature: "
                          "sign it like any document (/documents/{document_id}/signing). A "
                          "staff token needs the right `invoices.sign`.",
              errors={400: "The body is not JSON.", 403: _FORBIDDEN, 404: _NOT_FOUND,
                      422: "Refused (`code`, `message`): the period, the supplier's key."}),
    Operation("openapi", "GET", "/openapi.json", "This description", 200, "object",
              public=True, tag="meta"),
)

BY_ID: Mapping[str, Operation] = {op.operation_id: op for op in OPERATIONS}

_COMMON_ERRORS = {
    401: "No token, or a token that is not valid, revoked or expired, or whose account is "
         "blocked (`code` says which).",
    429: "Too many requests for this token; `Retry-After` says when to try again.",
    500: "The server failed; nothing was changed.",
}


_REF = "#/components/schemas/{model}"


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": _REF.format(model=model.__name__)}


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    """An optional query parameter is absent, never null: ``anyOf [X, null]`` → ``X``."""
    options = prop.get("anyOf")
    if isinstance(options, list):
        kept = [o for o in options if o != {"type": "null"}]
        if len(kept) == 1:
            prop.pop("anyOf")
            prop = {**kept[0], **prop}
    if prop.get("default", 0) is None:
        prop.pop("default")
    return prop


def _schemas() -> dict[str, Any]:
    inputs: set[type[BaseModel]] = {s.ReadingsIn, s.ReadingIn}
    outputs = {s.Problem, s.ProblemDetail, s.ConfirmationWarning}
    for op in OPERATIONS:
        if op.query is not None:
            inputs.add(op.query)
        if isinstance(op.body, type):
            inputs.add(op.body)
        if isinstance(op.answer, type):
            outputs.add(op.answer)
    pairs = ([(m, "validation") for m in sorted(inputs, key=lambda m: m.__name__)]
             + [(m, "serialization") for m in sorted(outputs, key=lambda m: m.__name__)])
    _keys, top = models_json_schema(pairs, ref_template=_REF)  # type: ignore[arg-type]
    return dict(top.get("$defs", {}))


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True,
         "schema": ({"type": "string", "maxLength": 64} if name == "session_id"
                    else {"type": "integer", "minimum": 1, "maximum": MAX_ID})}
        for name in op.path_params]
    if op.query is not None:
        schema = op.query.model_json_schema(mode="validation", ref_template=_REF)
        required = set(schema.get("required", []))
        for name, prop in schema["properties"].items():
            prop = _without_null(dict(prop))
            description = prop.pop("description", None)
            prop.pop("title", None)
            param: dict[str, Any] = {"name": name, "in": "query", "required": name in required,
                                     "schema": prop}
            if description:
                param["description"] = description
            params.append(param)
    return params


def _problem(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _operation(op: Operation, defs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary,
                           "tags": [op.tag]}
    if op.description:
        out["description"] = op.description
    if op.rights:
        out["x-lk-rights"] = list(op.rights)
    params = _parameters(op)
    if params:
        out["parameters"] = params
    if op.body == "pdf":
        pdf = {"schema": {"contentMediaType": "application/pdf"}}
        out["requestBody"] = {"required": True, "content": {
            "application/pdf": pdf, "application/octet-stream": pdf}}
    elif isinstance(op.body, type):
        out["requestBody"] = {"required": True,
                              "content": {"application/json": {"schema": _ref(op.body)}}}
    if op.answer == "pdf":
        content: dict[str, Any] = {"application/pdf": {
            "schema": {"contentMediaType": "application/pdf"}}}
    elif op.answer == "object":
        content = {"application/json": {"schema": {"type": "object"}}}
    else:
        content = {"application/json": {"schema": _ref(op.answer)}}
    responses: dict[str, Any] = {str(op.success): {"description": "OK", "content": content}}
    errors = dict(op.errors) if op.public else {**_COMMON_ERRORS, **op.errors}
    for status in sorted(errors):
        responses[str(status)] = _problem(errors[status])
    out["responses"] = responses
    if op.public:
        out["security"] = []
    return out


@cache
def openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 description of every operation (built once per process)."""
    defs = _schemas()
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, defs)
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "LK Corporate API",
            "version": VERSION,
            "description": (
                "JSON API for accounting software. Authenticate with a personal API token "
                "(profile → «API-токены», or `lk api token create LOGIN`): "
                "`Authorization: Bearer <token>`. A token acts with its user's rights over "
                "the clients the user acts for; another client's ID is 404. Amounts and "
                "quantities are decimal strings. Every error answers `{code, message}`."),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": defs,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A personal API token (lk_…)."}},
        },
    }
