"""What a message may carry: file types recognised by their content, sizes, clean names.

A file is accepted when its name's extension is one of ``FILE_TYPES`` *and* its bytes are
what that extension says: a PDF starts with ``%PDF-``, a PNG with its signature, an XLSX or
DOCX is a ZIP archive with the workbook or document part inside, an XML or TXT file is text.
An executable renamed to ``.pdf`` is refused, and the type stored and sent back on download
is the one the content showed, never the one the browser claimed.

File names are shown to other people and sent back in ``Content-Disposition``: only the last
path component is kept, control and invisible formatting characters (a right-to-left
override that makes ``txt.exe`` read as ``exe.txt``) are dropped, the characters Windows
forbids are replaced, and the length is bounded. Cyrillic stays: accountants name their files
in Russian.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XML = "application/xml"
TEXT = "text/plain"
ZIP = "application/zip"


@dataclass(frozen=True)
class FileType:
    label: str
    """How the type is called in messages («PDF»)."""
    content_type: str
    extensions: tuple[str, ...]


FILE_TYPES: tuple[FileType, ...] = (
    FileType("PDF", PDF, (".pdf",)),
    FileType("JPEG", JPEG, (".jpg", ".jpeg")),
    FileType("PNG", PNG, (".png",)),
    FileType("XLSX", XLSX, (".xlsx",)),
    FileType("DOCX", DOCX, (".docx",)),
    FileType("XML", XML, (".xml",)),
    FileType("TXT", TEXT, (".txt",)),
    FileType("ZIP", ZIP, (".zip",)),
)
_BY_EXTENSION = {ext: t for t in FILE_TYPES for ext in t.extensions}
ACCEPTED_LABELS = ", ".join(t.label for t in FILE_TYPES)
ACCEPT_ATTRIBUTE = ",".join(ext for t in FILE_TYPES for ext in t.extensions)
"""For ``<input type=file accept=...>`` (a hint to the browser's picker, nothing more)."""

MAX_NAME_LENGTH = 150
_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
# Control bytes no text file has: all below 0x20 except tab, line feed, form feed, carriage
# return and the DOS end-of-file mark (0x1A) some exports still add.
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0e-\x19\x1b-\x1f]")


def clean_file_name(raw: str) -> str:
    """A name safe to show and to send back: last path component, no control or invisible
    characters, no characters Windows forbids, at most ``MAX_NAME_LENGTH`` characters, the
    extension kept."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = " ".join(_FORBIDDEN.sub("_", name).split()).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    extension = extension[:16]
    stem = stem.strip(" .")[:MAX_NAME_LENGTH - len(extension) - 1].rstrip(" .") or "file"
    return f"{stem}.{extension}" if extension else stem


def extension(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return f".{ext.lower()}" if dot else ""


def _is_text(data: bytes) -> bool:
    # Text in UTF-8 or in Windows-1251 (bank and 1C exports) has no bytes below 0x20 other
    # than line breaks and tabs; anything binary has plenty.
    return _BINARY.search(data) is None


def _zip_parts(data: bytes) -> set[str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def content_matches(file_type: FileType, data: bytes) -> bool:
    """Whether ``data`` is really a file of ``file_type`` (by its bytes, not its name)."""
    content = file_type.content_type
    if content == PDF:
        return b"%PDF-" in data[:1024]
    if content == JPEG:
        return data.startswith(b"\xff\xd8\xff")
    if content == PNG:
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if content in (XLSX, DOCX, ZIP):
        if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            return False
        parts = _zip_parts(data)
        if parts is None:
            return False
        if content == XLSX:
            return "[Content_Types].xml" in parts and "xl/workbook.xml" in parts
        if content == DOCX:
            return "[Content_Types].xml" in parts and "word/document.xml" in parts
        return True
    if content in (XML, TEXT):
        if not _is_text(data.removeprefix(b"\xef\xbb\xbf")):
            return False
        if content == XML:
            head = data.removeprefix(b"\xef\xbb\xbf").lstrip()
            return head.startswith(b"<?xml") or re.match(rb"<[A-Za-z_]", head) is not None
        return True
    return False  # pragma: no cover - every FileType is handled above


def file_type_for(name: str) -> FileType | None:
    """The accepted type an extension names, or None."""
    return _BY_EXTENSION.get(extension(name))
