"""The evidence bundle of a document, for a dispute: everything in one ZIP file.

A court or an auditor receives the signed PDF as it stands, every earlier revision of it,
the validation report of each signature (as stored when it arrived, and as checked now),
the document's audit trail with each entry's hash and link (anyone can recompute them), and —
for a reading act — the readings payload the client signed. A README in Russian says what
each file is and how to check it without the portal.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from documents import extract_readings_payload
from documents.errors import AttachmentError
from lk_corporate.core.audit import AuditEntry
from lk_corporate.core.db import DbSession
from lk_corporate.core.storage import FileStore
from lk_corporate.docflow.models import Document, DocumentKind

# A fixed time for every member: the same evidence gives the same ZIP bytes.
_EPOCH = (2000, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Evidence:
    file_name: str
    data: bytes


def _entry_dict(entry: AuditEntry) -> dict[str, Any]:
    return {"seq": entry.seq, "created_at": entry.created_at.isoformat(),
            "actor_id": entry.actor_id, "actor": entry.actor, "ip": entry.ip,
            "action": entry.action, "object_type": entry.object_type,
            "object_id": entry.object_id, "details": json.loads(entry.details or "{}"),
            "prev_hash": entry.prev_hash, "hash": entry.hash,
            "hash_checks": entry.computed_hash() == entry.hash}


def build_evidence(session: DbSession, store: FileStore, document: Document, *,
                   current_report: dict[str, Any] | None = None) -> Evidence:
    """The bundle of ``document``; ``current_report`` is the report of its current file
    checked now (the caller validates with the portal's settings)."""
    buffer = io.BytesIO()
    name = f"{document.kind.value}-{_safe(document.number)}"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        def add(path: str, data: bytes) -> None:
            info = zipfile.ZipInfo(f"{name}/{path}", date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)

        current = store.get(document.sha256)
        add("document.pdf", current)
        reports = {}
        for revision in document.revisions:
            add(f"revisions/{revision.seq:02d}-{revision.source.value}.pdf",
                store.get(revision.sha256))
            if revision.report:
                reports[revision.seq] = json.loads(revision.report)
        add("reports/as-received.json", _json({str(k): v for k, v in reports.items()}))
        if current_report is not None:
            add("reports/checked-now.json", _json(current_report))
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "document", AuditEntry.object_id == str(document.id))
            .order_by(AuditEntry.seq)).all()
        add("audit-trail.json", _json([_entry_dict(e) for e in entries]))
        if document.kind is DocumentKind.READING_ACT:
            try:
                payload = extract_readings_payload(current)
                add("readings.json", payload.data)
            except AttachmentError:
                pass
        add("README.txt", _readme(document, len(document.revisions)).encode("utf-8"))
    return Evidence(f"{name}-evidence.zip", buffer.getvalue())


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True,
                      default=str).encode("utf-8")


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)


def _readme(document: Document, revisions: int) -> str:
    return f"""Доказательный пакет документа {document.number} ({document.kind.value})
Дата документа: {document.date:%d.%m.%Y}. Статус: {document.status.value}.

document.pdf — документ в текущем виде (SHA-256 {document.sha256}).
revisions/ — все {revisions} версии файла: как документ сформирован и после каждой подписи.
    Каждую подпись можно проверить в Adobe Acrobat Reader, pdfsig (poppler) или на странице
    проверки портала /verify.
reports/as-received.json — отчёты о проверке подписей, сохранённые при получении каждой версии.
reports/checked-now.json — отчёт о проверке текущего файла при формировании пакета.
audit-trail.json — записи журнала аудита о документе: кто, когда, с какого адреса, что сделал,
    хеши файла до и после. Записи связаны в цепочку: поле hash каждой записи —
    SHA-256 её содержимого вместе с hash предыдущей записи (prev_hash); hash_checks
    показывает, что хеш записи совпадает с её содержимым.
readings.json — показания из вложения акта (только для акта показаний): то, что подписал клиент.
"""
