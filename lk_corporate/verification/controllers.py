"""The public verification page: anyone uploads a PDF and gets the report of its signatures.

Nothing is stored: the file is read, validated with the portal's settings (no network
fetch; revocation from the CRL index) and forgotten. The answer is a page, JSON (``Accept:
application/json``) or a PDF report. A file the portal issued is recognised by its hash and
linked to the document's public summary — number, kind, date, parties; the amounts only for
a signed-in user of that client. Size and rate are limited; a file that is not a PDF, is cut
short or is built to exhaust the parser gets a clear message, not a stack trace.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from flask import Response, current_app, jsonify, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from documents import Party
from documents.verification_report import (
    ReportSignature,
    VerificationReportData,
    render_verification_report,
)
from lk_corporate.core.db import utcnow
from lk_corporate.core.extensions import db
from lk_corporate.core.requests import wants_json
from lk_corporate.docflow import operations as docflow
from lk_corporate.docflow.models import Document
from lk_corporate.docflow.states import KIND_LABELS, STATUS_LABELS
from lk_corporate.signatures.portal import portal_validation_settings
from lk_corporate.signatures.presentation import INDICATIONS, SignatureSummary, summarize
from lk_corporate.supplier.operations import get_settings
from signing.validation import validate_pdf
from signing.validation.errors import ValidationError

MAX_VERIFY_MB = 20


def _refuse(message: str, status: int) -> ResponseReturnValue:
    if wants_json():
        return jsonify(code="invalid_file", message=message), status
    return render_template("verification/verify.html", error=message), status


def verify() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("verification/verify.html")
    upload = request.files.get("file")
    if upload is None or not upload.filename and not upload.content_length:
        return _refuse(_("Choose a PDF file to check."), 400)
    data = upload.read(MAX_VERIFY_MB * 1024 * 1024 + 1)
    if len(data) > MAX_VERIFY_MB * 1024 * 1024:
        return _refuse(_("The file is larger than %(n)s MB.", n=MAX_VERIFY_MB), 413)
    if b"%PDF-" not in data[:1024]:
        return _refuse(_("This is not a PDF file."), 422)
    try:
        report = validate_pdf(data, portal_validation_settings(current_app.config))
    except (ValidationError, ValueError, RecursionError, MemoryError):
        return _refuse(_("The PDF file is damaged or cannot be read, so its signatures cannot "
                         "be checked."), 422)
    report_dict = report.to_dict()
    sha256 = hashlib.sha256(data).hexdigest()
    issued = docflow.find_by_file(db.session, sha256)
    signatures = summarize(report_dict)
    verdict = INDICATIONS.get(report.indication.value, report.indication.value)
    if wants_json():
        body: dict[str, Any] = {"sha256": sha256, "size": len(data),
                                "indication": report.indication.value,
                                "all_passed": report.all_passed, "report": report_dict,
                                "issued_by_portal": None}
        if issued is not None:
            body["issued_by_portal"] = _public_summary(issued[0])
        return jsonify(body)
    if request.form.get("format") == "pdf":
        return _pdf_report(upload.filename or "document.pdf", data, sha256, str(verdict),
                           signatures, issued[0] if issued else None)
    return render_template("verification/verify.html", report=report_dict, sha256=sha256,
                           size=len(data), file_name=upload.filename, verdict=verdict,
                           indication=report.indication.value, signatures=signatures,
                           issued=issued[0] if issued else None, kind_labels=KIND_LABELS)


def public_document(kind: str, token: str) -> ResponseReturnValue:
    """The page a document's QR code and footer link to."""
    document = docflow.find_by_token(db.session, kind, token)
    own = (current_user.is_authenticated and not current_user.is_staff
           and any(m.client_id == document.client_id for m in current_user.memberships))
    return render_template("verification/document.html", document=document,
                           summary=_public_summary(document), own=own or current_user.is_staff,
                           kind_labels=KIND_LABELS, status_labels=STATUS_LABELS)


def trust() -> ResponseReturnValue:
    """«Как проверить подпись»: the CA chain to download and how to trust it in readers."""
    return render_template("verification/trust.html", roots=_roots())


def root_certificate(name: str) -> Response:
    roots = {p.name: p for p in _roots()}
    if name not in roots:
        from werkzeug.exceptions import NotFound

        raise NotFound()
    return send_file(roots[name], mimetype="application/x-pem-file", as_attachment=True,
                     download_name=name)


def _roots() -> list[Path]:
    paths = [Path(p) for p in str(current_app.config.get("LK_TRUST_ROOTS") or "").split(":") if p]
    return [p for p in paths if p.is_file()]


def _public_summary(document: Document) -> dict[str, Any]:
    supplier = get_settings(db.session)
    return {"kind": document.kind.value, "kind_name": str(KIND_LABELS[document.kind]),
            "number": document.number, "date": document.date.isoformat(),
            "status": document.status.value,
            "supplier": supplier.name if supplier else "", "client": document.client.name,
            "url": docflow.verify_url(str(current_app.config["LK_BASE_URL"]), document.kind,
                                      document.public_token) if document.public_token else None}


def _pdf_report(file_name: str, data: bytes, sha256: str, verdict: str,
                signatures: list[SignatureSummary], issued: Document | None) -> Response:
    supplier = get_settings(db.session)
    portal = Party(name=supplier.name if supplier else "ЛК Корпоративный",
                   tax_id=supplier.tax_id if supplier else "—",
                   address=supplier.address or "—" if supplier else "—",
                   short_name=supplier.short_name if supplier else None)
    items = [ReportSignature(
        title=_("Signature %(n)s", n=s.index) + f": {s.signer}",
        verdict=f"{s.verdict} ({s.indication}{' / ' + s.sub_indication if s.sub_indication else ''})",
        rows=[(_("Organisation"), s.organization or "—"), (_("Identifiers"), s.tax_ids or "—"),
              (_("Signed"), _moment(s.claimed_time)),
              (_("timestamp"), _moment(s.timestamp_time)),
              (_("Integrity"), _("intact") if s.intact else _("broken")),
              (_("Trust"), (_("chains to a trusted CA") if s.trusted else _("not trusted"))
               + ", " + str(s.revocation)),
              (_("After it"), str(s.changes)), (_("Level"), s.level or "—")])
        for s in signatures]
    notes = []
    if issued is not None:
        notes.append(_("The portal issued this file: %(kind)s № %(number)s of %(date)s.",
                       kind=KIND_LABELS[issued.kind], number=issued.number,
                       date=issued.date.strftime("%d.%m.%Y")))
    pdf = render_verification_report(VerificationReportData(
        portal=portal, file_name=file_name, sha256=sha256, size=len(data), checked_at=utcnow(),
        verdict=verdict, signatures=items, notes=notes,
        verify_url=str(current_app.config["LK_BASE_URL"]) + "/verify"))
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'attachment; filename="verification-report.pdf"'
    return response


def _moment(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%d.%m.%Y %H:%M:%S UTC") if value else "—"
