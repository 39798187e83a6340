"""Протокол проверки электронных подписей: the public verification page's report as a PDF.

A verifier (an auditor, a court) who checked a file on the portal takes this away: the file's
name, size and SHA-256, when it was checked, and per signature who signed, for which
organisation, when, and each check's outcome in words beside the ETSI verdict. The input is
already in words (the web layer translates); this module only lays it out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.units import mm

from documents.layout import Column, Flow, Frame, Row, Table, render_pages
from documents.model import Party, check_aware, check_text, format_moment

__all__ = ["ReportSignature", "VerificationReportData", "render_verification_report"]

TITLE = "Протокол проверки электронных подписей"


@dataclass(frozen=True)
class ReportSignature:
    """One signature, every value already a sentence or a short phrase."""

    title: str  # "Подпись 1: Иванов Иван Иванович"
    verdict: str  # "Действительна (TOTAL-PASSED)"
    rows: Sequence[tuple[str, str]]  # (label, value) lines: organisation, time, integrity…


@dataclass(frozen=True)
class VerificationReportData:
    portal: Party  # whose portal checked it (the page header)
    file_name: str
    sha256: str
    size: int
    checked_at: dt.datetime
    verdict: str  # the whole file's verdict in words
    signatures: Sequence[ReportSignature]
    verify_url: str
    notes: Sequence[str] = ()  # e.g. "Файл выдан порталом: счёт № 2026-000123 от …"

    def __post_init__(self) -> None:
        check_text(self, "sha256", self.sha256)
        check_aware(self, "checked_at", self.checked_at)


def render_verification_report(data: VerificationReportData) -> bytes:
    flow = Flow()
    flow.title(TITLE)
    flow.space(3)
    width = 42 * mm
    flow.labelled("Файл:", data.file_name or "—", label_width=width)
    flow.labelled("Размер:", f"{data.size} байт", label_width=width)
    flow.labelled("SHA-256:", data.sha256, label_width=width)
    flow.labelled("Проверен:", format_moment(data.checked_at), label_width=width)
    flow.labelled("Заключение:", data.verdict, label_width=width, bold_text=True)
    for note in data.notes:
        flow.paragraph(note, size=8)
    flow.space(4)
    if not data.signatures:
        flow.paragraph("Электронных подписей в файле нет.", size=9, bold=True)
    cols = [Column(50 * mm, "l"), Column(flow.content_width - 50 * mm, "l")]
    for sig in data.signatures:
        flow.space(3)
        flow.paragraph(sig.title, size=9.5, bold=True)
        flow.paragraph(sig.verdict, size=9)
        flow.table(Table(cols, [], [Row((label, value)) for label, value in sig.rows], size=8))
    flow.space(6)
    flow.paragraph("Проверка выполнена по ETSI EN 319 102-1 на портале; файл на портале не "
                   "сохранялся. Проверить файл повторно можно по адресу " + data.verify_url,
                   size=7.5, gray=0.35)
    frame = Frame(data.portal, f"{TITLE} от {format_moment(data.checked_at)}", data.verify_url,
                  data.checked_at, TITLE, subject=data.file_name)
    return render_pages(frame, flow.pages)
