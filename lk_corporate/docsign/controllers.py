"""The signing page and the JSON endpoints of the staged protocol.

One protocol for everyone: the page's script calls these JSON endpoints under
``/documents/<id>/…`` with the session cookie and, like every POST of the portal, the CSRF
token (``X-CSRFToken``); accounting software calls the same operations under
``/api/v1/documents/<id>/signing…`` with a bearer token (``api.signing``), which reuses
``validation_for`` and ``decode_base64`` from here.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from flask import current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from lk_corporate.core import rights as R
from lk_corporate.core.audit import Actor
from lk_corporate.core.auth import active_client_id, require_right
from lk_corporate.core.errors import N_, NotFound
from lk_corporate.core.extensions import db
from lk_corporate.core.net import client_ip
from lk_corporate.docflow import operations as docs
from lk_corporate.docflow.files import document_store
from lk_corporate.docflow.models import Document, DocumentStatus
from lk_corporate.docflow.states import CLIENT_SIGNED, KIND_LABELS, MACHINES, STATUS_LABELS
from lk_corporate.docsign import operations as ops
from lk_corporate.docsign.models import SigningSession
from lk_corporate.docsign.presentation import document_json, started_json
from lk_corporate.docsign.settings import SigningSettings
from lk_corporate.signatures.portal import portal_validation_settings
from lk_corporate.signatures.presentation import summarize
from signing.validation import ValidationError, ValidationSettings, validate_pdf

# The page's endpoints: a logged-in user holding the right, the session cookie and the
# CSRF header. The bearer-token twins live in api.signing.
signer_required = require_right(R.DOCUMENTS_SIGN)


def _client_scope() -> int:
    """The client whose documents the caller may sign."""
    return active_client_id()


def _actor() -> Actor:
    return Actor(current_user.id, current_user.login, client_ip())


def _document(document_id: int) -> Document:
    document = docs.get_document(db.session, document_id, client_id=_client_scope())
    if MACHINES.get(document.kind) is not CLIENT_SIGNED:
        raise NotFound(N_("No such document to sign."))
    return document


def validation_for(document: Document) -> ValidationSettings:
    return portal_validation_settings(
        current_app.config, expected_tax_id=document.client.tax_id,
        registered_fingerprints=ops.registered_fingerprints(db.session, document.client_id))


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ops.InvalidRequest(N_("The request body must be a JSON object."))
    return data


def decode_base64(value: object, field: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise ops.InvalidRequest(N_("%(name)s must be base64 text."), field, name=field)
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise ops.InvalidRequest(N_("%(name)s must be base64 text."), field,
                                 name=field) from exc


def _document_response(document: Document, status: int = 200,
                       signing_session: SigningSession | None = None) -> ResponseReturnValue:
    return jsonify(document_json(document, url=url_for, signing_session=signing_session)), status


# --- the page ------------------------------------------------------------------------------------

def _current_signatures(document: Document) -> list[Any]:
    """The signatures the current file carries, in words: its stored report, else a
    validation made now (a file issued without one), nothing stored."""
    current = document.current_revision
    if current.report:
        return summarize(json.loads(current.report))
    try:
        report = validate_pdf(docs.current_file(document_store(), document), validation_for(document))
    except ValidationError:
        return []
    return summarize(report.to_dict())


def _messages() -> dict[str, str]:
    """What the page's script says, in the page's language."""
    from flask_babel import gettext as _

    return {
        "opening": _("Opening the key file…"),
        "choose_file": _("Choose the key file (.p12 or .pfx) and type its password."),
        "wrong_password": _("The password does not open this key file (or the file is damaged)."),
        "not_pkcs12": _("This is not a PKCS#12 key file (.p12, .pfx)."),
        "unsupported_cipher": _("The key file is protected by an algorithm the browser cannot "
                                "open (%(detail)s). Export it again with current settings."),
        "no_key": _("The file holds no private key: export the certificate together with its key."),
        "no_certificate": _("The file holds no certificate for its key: export the key "
                            "together with its certificate."),
        "unsupported_key": _("This key cannot sign in the browser: RSA and ECDSA P-256 keys "
                             "are supported (%(detail)s)."),
        "key_mismatch": _("The private key in the file does not belong to its certificate."),
        "expired": _("The certificate expired on %(date)s: it cannot sign."),
        "not_yet_valid": _("The certificate is valid only from %(date)s: it cannot sign yet."),
        "other_client": _("The certificate is issued for the tax ID %(found)s, not for %(client)s "
                          "(tax ID %(tax_id)s), and is not registered for it: it cannot sign "
                          "this document."),
        "ready": _("The certificate can sign this document."),
        "preparing": _("Preparing the document for your signature…"),
        "signing": _("Signing in the browser…"),
        "finishing": _("Embedding the signature and checking it…"),
        "signed": _("Signed. Check the signed document and send it to the supplier."),
        "send_failed": _("The document could not be sent: %(detail)s. Retry, or cancel the "
                         "signature (the document will have to be signed again)."),
        "cancelling": _("Cancelling the signature…"),
        "failed": _("Signing failed: %(detail)s"),
        "server_error": _("the portal answered with an error (%(status)s)"),
        "network_error": _("no connection to the portal"),
        "preview_failed": _("The document cannot be shown here; download it instead."),
        "page": _("Page %(n)s of %(total)s"),
        "no_tax_id": _("none"),
    }


@require_right(R.DOCUMENTS_SIGN)
def page(document_id: int) -> ResponseReturnValue:
    """«Подписание»: the document before signing (its PDF and the signatures it carries),
    the key chosen and used only in the browser; after signing, the signed PDF, every
    signature's report, Send and Cancel."""
    document = _document(document_id)
    registered = sorted(ops.registered_fingerprints(db.session, document.client_id))
    return render_template(
        "docsign/sign.html", document=document, signatures=_current_signatures(document),
        kind_labels=KIND_LABELS, status_labels=STATUS_LABELS, messages=_messages(),
        registered=registered, awaiting=document.status is DocumentStatus.AWAITING_SIGNATURE,
        signed=document.status is DocumentStatus.SIGNED,
        completion_pending=ops.pending_completion(db.session, document) is not None,
        pdf_url=url_for("docflow.revision_file", document_id=document.id,
                        seq=document.current_revision.seq))


# --- the protocol (JSON) ----------------------------------------------------------------------------

@signer_required
def start(document_id: int) -> ResponseReturnValue:
    """``{certificates: [base64 DER, signer first], signature_algorithm?}`` →
    ``{session, to_be_signed, signature_algorithm, digest_algorithm, …}`` (201)."""
    document = _document(document_id)
    body = _body()
    certificates = body.get("certificates")
    if not isinstance(certificates, list):
        raise ops.InvalidRequest(N_("certificates must be a list of base64 DER certificates, "
                                    "the signer's first."), "certificates")
    if len(certificates) > ops.MAX_CERTIFICATES:
        raise ops.InvalidRequest(N_("At most %(n)s certificates can be sent."), "certificates",
                                 n=ops.MAX_CERTIFICATES)
    ders = [decode_base64(c, "certificates") for c in certificates]
    scheme = body.get("signature_algorithm")
    if scheme is not None and not isinstance(scheme, str):
        raise ops.InvalidRequest(N_("signature_algorithm must be text."), "signature_algorithm")
    started = ops.start_signing(db.session, document_store(), document, ders, actor=_actor(),
                                settings=SigningSettings.from_config(current_app.config),
                                validation=validation_for(document), scheme=scheme)
    return jsonify(started_json(started)), 201


@signer_required
def finish(document_id: int, session_id: str) -> ResponseReturnValue:
    """``{signature: base64}`` → the document, «Подписан» (a repeat: the same answer)."""
    document = _document(document_id)
    signature = decode_base64(_body().get("signature"), "signature")
    finished = ops.finish_signing(db.session, document_store(), document, session_id, signature,
                                  actor=_actor(), validation=validation_for(document))
    return _document_response(finished.document, 200 if finished.replayed else 201,
                              finished.signing_session)


@signer_required
def send(document_id: int) -> ResponseReturnValue:
    """``{idempotency_key?}`` (or the ``Idempotency-Key`` header) → the document as sent."""
    document = _document(document_id)
    body = request.get_json(silent=True)
    key = request.headers.get("Idempotency-Key") or (
        body.get("idempotency_key") if isinstance(body, dict) else None)
    if key is not None and not isinstance(key, str):
        raise ops.InvalidRequest(N_("idempotency_key must be text."), "idempotency_key")
    ops.send(db.session, document_store(), document, idempotency_key=key, actor=_actor(),
             validation=validation_for(document), config=current_app.config)
    return _document_response(document)


@signer_required
def cancel(document_id: int) -> ResponseReturnValue:
    """Discard the unsent signature → the document, «Ожидает подписи» again."""
    document = _document(document_id)
    ops.cancel(db.session, document, actor=_actor())
    return _document_response(document)
