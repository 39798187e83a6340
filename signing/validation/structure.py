"""Byte-level structure of a PDF: its revisions and a strict reading of incremental updates.

A signature covers the bytes of one revision. Whatever follows must be explained, byte for
byte, as incremental updates: each update is exactly the objects its cross-reference section
lists, then the section (table + trailer, or an xref stream), ``startxref``, ``%%EOF`` and an
optional end-of-line, with ``/Prev`` pointing at the previous revision's cross-reference
section. :meth:`PdfFile.strict_update` checks that and reports every deviation; the semantic
question "what does this update change?" is answered by :mod:`.changes`.

This reader does not repair anything: a file whose cross-reference chain cannot be followed
exactly is refused with :class:`~.errors.PdfStructureError` (what a tolerant viewer would
reconstruct is not what was signed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .errors import PdfStructureError, PdfSyntaxError, ResourceLimitError
from .syntax import WHITESPACE, Name, Parser, PdfDict, PdfValue, Ref, Stream, decode_stream

__all__ = [
    "MAX_OBJECTS",
    "MAX_SECTIONS",
    "PdfFile",
    "Resolver",
    "Revision",
    "UpdateAnalysis",
    "XrefEntry",
    "XrefSection",
]

MAX_SECTIONS = 4096
MAX_OBJECTS = 1_000_000
MAX_RESOLVE_HOPS = 32

_STARTXREF_RE = re.compile(rb"startxref[\x00\t\n\x0c\r ]+(\d+)[\x00\t\n\x0c\r ]+%%EOF")
_XREF_ENTRY_RE = re.compile(rb"(\d{1,10}) (\d{1,5}) ([nf])(?:\r\n| \r| \n|\r|\n| ?(?=\d))")
_SUBSECTION_RE = re.compile(rb"(\d+)[ ]+(\d+)[ \t]*(?:\r\n|\r|\n)")


@dataclass(frozen=True)
class XrefEntry:
    """One cross-reference entry: ``n`` (object at ``a``, generation ``b``), ``c`` (in the
    object stream numbered ``a`` at index ``b``) or ``f`` (free)."""

    kind: str
    a: int
    b: int


@dataclass(frozen=True)
class XrefSection:
    offset: int
    is_stream: bool
    entries: Mapping[int, XrefEntry]
    trailer: PdfDict
    end: int  # first byte after the trailer dictionary / the xref stream's ``endobj``
    stream_objnum: int | None = None


@dataclass(frozen=True)
class Revision:
    """One revision: the file from offset 0 to ``end``."""

    number: int  # 1-based
    xref_offset: int  # the startxref value
    sections: tuple[XrefSection, ...]  # newest first (more than one: linearized or hybrid)
    start: int  # end of the previous revision (0 for the first)
    eof_end: int  # just after "%%EOF"
    end: int  # after the single end-of-line that may follow "%%EOF"

    @property
    def trailer(self) -> PdfDict:
        return self.sections[0].trailer


@dataclass(frozen=True)
class UpdateAnalysis:
    """What the strict reading of one incremental update found."""

    revision: int
    listed: frozenset[int]  # object numbers the update's xref section lists as in use
    freed: frozenset[int]  # object numbers it marks free (other than 0)
    structural: frozenset[int]  # xref stream and object streams of the update
    violations: tuple[str, ...] = ()


class PdfFile:
    """A parsed PDF: the cross-reference chain grouped into revisions, and object access."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        if not data.startswith(b"%PDF-"):
            raise PdfStructureError("not a PDF file (no %PDF- header at offset 0)")
        self._parser = Parser(data, self._resolve_length)
        self._obj_cache: dict[int, tuple[int, int, PdfValue, int]] = {}
        self._objstm_cache: dict[int, list[tuple[int, int]]] = {}
        self._objstm_values: dict[tuple[int, int], PdfValue] = {}
        self._resolving_length = False
        self.revisions: list[Revision] = self._read_revisions()
        self._merged: dict[int, dict[int, XrefEntry]] = {}

    # -- cross-reference chain ------------------------------------------------------------------
    def _read_revisions(self) -> list[Revision]:
        data = self.data
        idx = data.rfind(b"startxref")
        if idx < 0:
            raise PdfStructureError("no startxref: truncated or not a PDF")
        m = _STARTXREF_RE.match(data, idx)
        if m is None:
            raise PdfStructureError("malformed startxref/%%EOF at the end of the file", idx)
        offset: int | None = int(m.group(1))
        sections: list[XrefSection] = []
        visited: set[int] = set()
        while offset is not None:
            if offset in visited:
                raise PdfStructureError("cross-reference /Prev chain loops", offset)
            if len(visited) >= MAX_SECTIONS:
                raise ResourceLimitError("too many cross-reference sections")
            visited.add(offset)
            section = self._read_section(offset)
            sections.append(section)
            prev = section.trailer.get("Prev")
            if prev is None:
                offset = None
            elif isinstance(prev, int) and not isinstance(prev, bool) and 0 <= prev < len(data):
                offset = prev
            else:
                raise PdfStructureError("invalid /Prev in trailer", section.offset)

        # Group sections into revisions: a section starts a revision when a
        # "startxref <its offset> %%EOF" marker follows it; others (linearization's main
        # table, hybrid parts) belong to the next newer revision.
        groups: list[tuple[XrefSection, re.Match[bytes], list[XrefSection]]] = []
        pending: list[XrefSection] = []
        for section in reversed(sections):  # oldest first
            marker = self._find_marker(section)
            pending.append(section)
            if marker is not None:
                groups.append((section, marker, pending))
                pending = []
        if pending:
            if not groups:
                raise PdfStructureError("no revision ends with a startxref/%%EOF marker")
            head, marker, members = groups[-1]
            groups[-1] = (head, marker, members + pending)
        revisions: list[Revision] = []
        start = 0
        for i, (head, marker, members) in enumerate(groups):
            eof_end = marker.end()
            end = eof_end + _eol_len(data, eof_end)
            if eof_end <= start:
                raise PdfStructureError("revisions are not in file order", head.offset)
            revisions.append(
                Revision(
                    number=i + 1,
                    xref_offset=head.offset,
                    sections=tuple(reversed(members)),
                    start=start,
                    eof_end=eof_end,
                    end=end,
                )
            )
            start = end
        return revisions

    def _find_marker(self, section: XrefSection) -> re.Match[bytes] | None:
        pattern = re.compile(
            rb"startxref[\x00\t\n\x0c\r ]+0*%d[\x00\t\n\x0c\r ]+%%%%EOF" % section.offset
        )
        return pattern.search(self.data, section.end)

    def _read_section(self, offset: int) -> XrefSection:
        data = self.data
        if data.startswith(b"xref", offset):
            section = self._read_table(offset)
            xrefstm = section.trailer.get("XRefStm")
            if isinstance(xrefstm, int) and not isinstance(xrefstm, bool):
                hybrid = self._read_stream_section(xrefstm)
                merged = dict(hybrid.entries)
                merged.update({k: v for k, v in section.entries.items() if v.kind != "f"})
                for k, v in section.entries.items():
                    merged.setdefault(k, v)
                return XrefSection(offset, False, merged, section.trailer, section.end)
            return section
        return self._read_stream_section(offset)

    def _read_table(self, offset: int) -> XrefSection:
        data, p = self.data, self._parser
        pos = offset + 4
        entries: dict[int, XrefEntry] = {}
        while True:
            pos = p.skip_ws(pos, comments=False)
            if data.startswith(b"trailer", pos):
                break
            m = _SUBSECTION_RE.match(data, pos)
            if m is None:
                raise PdfSyntaxError("malformed cross-reference table", pos)
            first, count = int(m.group(1)), int(m.group(2))
            pos = m.end()
            if count * 18 > len(data) - pos:
                raise PdfSyntaxError("cross-reference subsection longer than the file", pos)
            for i in range(count):
                em = _XREF_ENTRY_RE.match(data, pos)
                if em is None:
                    raise PdfSyntaxError("malformed cross-reference entry", pos)
                pos = em.end()
                a, b = int(em.group(1)), int(em.group(2))
                num = first + i
                entries[num] = XrefEntry("n" if em.group(3) == b"n" else "f", a, b)
                if len(entries) > MAX_OBJECTS:
                    raise ResourceLimitError("too many cross-reference entries")
        trailer, end = p.parse_object(pos + 7)
        if not isinstance(trailer, PdfDict):
            raise PdfSyntaxError("trailer is not a dictionary", pos)
        return XrefSection(offset, False, entries, trailer, end)

    def _read_stream_section(self, offset: int) -> XrefSection:
        num, _gen, value, end = self._read_object_at(offset)
        if not isinstance(value, Stream) or value.dict.get("Type") != "XRef":
            raise PdfStructureError("startxref/Prev does not point at a cross-reference", offset)
        d = value.dict
        w = d.get("W")
        size = d.get("Size")
        if (
            not isinstance(w, list)
            or len(w) != 3
            or not all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= 8 for x in w)
            or not isinstance(size, int)
        ):
            raise PdfSyntaxError("bad /W or /Size in cross-reference stream", offset)
        index = d.get("Index", [0, size])
        if not isinstance(index, list) or len(index) % 2 or not all(isinstance(x, int) for x in index):
            raise PdfSyntaxError("bad /Index in cross-reference stream", offset)
        raw = decode_stream(value)
        width = sum(w)
        if width == 0:
            raise PdfSyntaxError("zero-width cross-reference stream", offset)
        entries: dict[int, XrefEntry] = {}
        pos = 0
        for i in range(0, len(index), 2):
            first, count = index[i], index[i + 1]
            assert isinstance(first, int) and isinstance(count, int)
            if count < 0 or pos + count * width > len(raw):
                raise PdfSyntaxError("cross-reference stream shorter than its /Index", offset)
            for j in range(count):
                fields_ = []
                for k in range(3):
                    wk = w[k]
                    assert isinstance(wk, int)
                    fields_.append(int.from_bytes(raw[pos : pos + wk], "big") if wk else None)
                    pos += wk
                t = 1 if fields_[0] is None else fields_[0]
                a = fields_[1] or 0
                b = fields_[2] or 0
                if t == 0:
                    entries[first + j] = XrefEntry("f", a, b)
                elif t == 1:
                    entries[first + j] = XrefEntry("n", a, b)
                elif t == 2:
                    entries[first + j] = XrefEntry("c", a, b)
                # other types: ignored, as the standard says (treated as null references)
            if len(entries) > MAX_OBJECTS:
                raise ResourceLimitError("too many cross-reference entries")
        return XrefSection(offset, True, entries, d, end, num)

    # -- objects ----------------------------------------------------------------------------------
    def _read_object_at(self, offset: int) -> tuple[int, int, PdfValue, int]:
        hit = self._obj_cache.get(offset)
        if hit is None:
            if not 0 <= offset < len(self.data):
                raise PdfStructureError("object offset outside the file", offset)
            hit = self._parser.parse_indirect(offset)
            self._obj_cache[offset] = hit
        return hit

    def _resolve_length(self, ref: Ref) -> object:
        # /Length of a stream given as a reference: resolved in the newest revision (the
        # number a writer allocates for a length object is never reused by updates).
        if self._resolving_length:
            raise PdfSyntaxError("stream /Length refers to another stream")
        self._resolving_length = True
        try:
            rev = self.revisions[-1] if hasattr(self, "revisions") else None
            if rev is None:
                entry = self._find_entry_anywhere(ref.num)
            else:
                entry = self.entries(rev.number).get(ref.num)
            if entry is None or entry.kind != "n":
                return None
            _num, _gen, value, _end = self._read_object_at(entry.a)
            return value
        finally:
            self._resolving_length = False

    def _find_entry_anywhere(self, num: int) -> XrefEntry | None:
        # During the initial chain walk (before revisions exist): scan the last startxref's
        # section only; a stream /Length in an xref stream dictionary is always direct.
        return None

    def entries(self, revision: int) -> Mapping[int, XrefEntry]:
        """The merged cross-reference of the file as of ``revision`` (1-based)."""
        hit = self._merged.get(revision)
        if hit is not None:
            return hit
        merged: dict[int, XrefEntry] = dict(self.entries(revision - 1)) if revision > 1 else {}
        for section in reversed(self.revisions[revision - 1].sections):
            merged.update(section.entries)
        self._merged[revision] = merged
        return merged

    def resolver(self, revision: int | None = None) -> Resolver:
        rev = self.revisions[-1] if revision is None else self.revisions[revision - 1]
        return Resolver(self, rev.number)

    def object_span(self, revision: int, num: int) -> tuple[int, int] | None:
        """Byte offsets ``(start, end)`` of an uncompressed object as of ``revision``."""
        entry = self.entries(revision).get(num)
        if entry is None or entry.kind != "n":
            return None
        _n, _g, _v, end = self._read_object_at(entry.a)
        return entry.a, end

    def get_object(self, revision: int, num: int) -> PdfValue:
        entry = self.entries(revision).get(num)
        if entry is None or entry.kind == "f":
            return None
        if entry.kind == "n":
            onum, _gen, value, _end = self._read_object_at(entry.a)
            if onum != num:
                raise PdfStructureError(
                    f"cross-reference entry for object {num} points at object {onum}", entry.a
                )
            return value
        return self._compressed(revision, entry.a, entry.b, num)

    def _compressed(self, revision: int, stm_num: int, index: int, num: int) -> PdfValue:
        stm_entry = self.entries(revision).get(stm_num)
        if stm_entry is None or stm_entry.kind != "n":
            raise PdfStructureError(f"object stream {stm_num} of object {num} is missing")
        key = (stm_entry.a, index)
        if key in self._objstm_values:
            return self._objstm_values[key]
        _n, _g, stm, _e = self._read_object_at(stm_entry.a)
        if not isinstance(stm, Stream) or stm.dict.get("Type") != "ObjStm":
            raise PdfStructureError(f"object {stm_num} is not an object stream")
        header = self._objstm_cache.get(stm_entry.a)
        decoded = decode_stream(stm)
        if header is None:
            n = stm.dict.get("N")
            first = stm.dict.get("First")
            if not isinstance(n, int) or not isinstance(first, int) or n < 0 or n > MAX_OBJECTS:
                raise PdfSyntaxError("bad object stream header", stm_entry.a)
            hp = Parser(decoded)
            header = []
            pos = 0
            for _ in range(n):
                onum, pos = hp.read_int(pos)
                off, pos = hp.read_int(pos)
                header.append((onum, first + off))
            self._objstm_cache[stm_entry.a] = header
        if not 0 <= index < len(header):
            raise PdfStructureError(f"object {num}: index {index} outside object stream {stm_num}")
        onum, off = header[index]
        if onum != num:
            raise PdfStructureError(
                f"object stream {stm_num} holds object {onum} where the xref says {num}"
            )
        value, _end = Parser(decoded).parse_object(off)
        self._objstm_values[key] = value
        return value

    def objstm_members(self, revision: int, stm_num: int) -> list[int]:
        """Object numbers held by an object stream (as of ``revision``)."""
        entry = self.entries(revision).get(stm_num)
        if entry is None or entry.kind != "n":
            return []
        _n, _g, stm, _e = self._read_object_at(entry.a)
        if not isinstance(stm, Stream) or stm.dict.get("Type") != "ObjStm":
            return []
        if entry.a not in self._objstm_cache:
            try:
                self._compressed(revision, stm_num, 0, -1)
            except PdfStructureError:
                pass
        return [n for n, _ in self._objstm_cache.get(entry.a, [])]

    # -- revisions -------------------------------------------------------------------------------
    def revision_ending_at(self, offset: int) -> Revision | None:
        """The revision whose ``%%EOF`` (with or without its end-of-line) ends at ``offset``."""
        for rev in self.revisions:
            if offset in (rev.eof_end, rev.end):
                return rev
        return None

    def trailing_garbage(self) -> int:
        """Number of bytes after the last revision (should be 0)."""
        return len(self.data) - self.revisions[-1].end

    def strict_update(self, revision: int) -> UpdateAnalysis:
        """Read revision ``revision`` (> 1) as an incremental update, byte for byte."""
        rev = self.revisions[revision - 1]
        prev = self.revisions[revision - 2]
        data, p = self.data, self._parser
        violations: list[str] = []
        if len(rev.sections) != 1:
            violations.append(
                f"revision {revision}: more than one cross-reference section (hybrid or "
                "linearized) in an incremental update"
            )
        section = rev.sections[0]
        if section.trailer.get("Prev") != prev.xref_offset:
            violations.append(
                f"revision {revision}: trailer /Prev does not point at the previous "
                f"cross-reference section ({prev.xref_offset})"
            )
        if "XRefStm" in section.trailer:
            violations.append(f"revision {revision}: hybrid /XRefStm in an incremental update")
        if "Encrypt" in section.trailer and section.trailer.get("Encrypt") != prev.trailer.get("Encrypt"):
            violations.append(f"revision {revision}: /Encrypt changed")
        objects: dict[int, list[tuple[int, int]]] = {}  # num -> [(gen, offset)]
        pos = rev.start
        reached_xref = False
        while True:
            pos = p.skip_ws(pos, comments=False)
            if pos >= rev.eof_end:
                break
            if pos == section.offset and not section.is_stream:
                reached_xref = True
                pos = section.end
                break
            m = p.match_obj_header(pos)
            if m is None:
                violations.append(
                    f"revision {revision}: unexplained bytes at offset {pos}: "
                    f"{data[pos:pos + 24]!r}"
                )
                break
            try:
                num, gen, _value, end = self._read_object_at(pos)
            except (PdfSyntaxError, PdfStructureError) as e:
                violations.append(f"revision {revision}: unreadable object at {pos}: {e}")
                break
            objects.setdefault(num, []).append((gen, pos))
            if pos == section.offset:
                reached_xref = True
                pos = end
                break
            pos = end
        if not reached_xref:
            violations.append(
                f"revision {revision}: the update's bytes are not objects followed by its "
                "cross-reference section"
            )
        else:
            marker = _STARTXREF_RE.match(data, p.skip_ws(pos, comments=False))
            if marker is None or marker.end() != rev.eof_end or int(marker.group(1)) != section.offset:
                violations.append(
                    f"revision {revision}: bytes between the cross-reference section and "
                    "startxref/%%EOF"
                )
        listed: set[int] = set()
        freed: set[int] = set()
        structural: set[int] = set()
        if section.stream_objnum is not None:
            structural.add(section.stream_objnum)
        for num, entry in section.entries.items():
            if entry.kind == "n":
                bodies = objects.get(num, [])
                if (entry.b, entry.a) not in bodies:
                    if rev.start <= entry.a < rev.eof_end:
                        violations.append(
                            f"revision {revision}: xref entry of object {num} does not point at "
                            "an object header of this update"
                        )
                    else:
                        violations.append(
                            f"revision {revision}: object {num} is redirected to bytes outside "
                            f"this update (offset {entry.a})"
                        )
                listed.add(num)
            elif entry.kind == "c":
                stm_bodies = objects.get(entry.a, [])
                if not stm_bodies:
                    violations.append(
                        f"revision {revision}: object {num} is placed in object stream "
                        f"{entry.a}, which is not part of this update"
                    )
                structural.add(entry.a)
                listed.add(num)
            elif num != 0:
                freed.add(num)
        for num, bodies in objects.items():
            if len(bodies) > 1:
                violations.append(
                    f"revision {revision}: object {num} is defined {len(bodies)} times in one update"
                )
            for gen, off in bodies:
                listed_entry = section.entries.get(num)
                if num == section.stream_objnum and off == section.offset:
                    continue
                if (listed_entry is None or listed_entry.kind != "n" or listed_entry.a != off
                        or listed_entry.b != gen):
                    violations.append(
                        f"revision {revision}: object {num} at offset {off} is not referenced "
                        "by the update's cross-reference section (orphan body)"
                    )
        return UpdateAnalysis(
            revision=revision,
            listed=frozenset(listed - structural),
            freed=frozenset(freed),
            structural=frozenset(structural),
            violations=tuple(violations),
        )

class Resolver:
    """Object access as of one revision."""

    def __init__(self, pdf: PdfFile, revision: int) -> None:
        self.pdf = pdf
        self.revision = revision
        self.entries = pdf.entries(revision)
        self.trailer = pdf.revisions[revision - 1].trailer

    def exists(self, num: int) -> bool:
        entry = self.entries.get(num)
        return entry is not None and entry.kind != "f"

    def get(self, num: int) -> PdfValue:
        return self.pdf.get_object(self.revision, num)

    def resolve(self, value: PdfValue) -> PdfValue:
        """Follow references (``n 0 R`` -> its value) up to a bounded number of hops."""
        hops = 0
        while isinstance(value, Ref):
            hops += 1
            if hops > MAX_RESOLVE_HOPS:
                raise PdfStructureError("reference chain too long or looping")
            value = self.get(value.num)
        return value

    def dict_of(self, value: PdfValue) -> PdfDict | None:
        value = self.resolve(value)
        if isinstance(value, Stream):
            return value.dict
        return value if isinstance(value, PdfDict) else None

    @property
    def root(self) -> PdfDict:
        root = self.dict_of(self.trailer.get("Root"))
        if root is None:
            raise PdfStructureError("trailer /Root is not a dictionary")
        return root

    def reachable(self, roots: list[PdfValue], limit: int = MAX_OBJECTS) -> dict[int, None]:
        """Object numbers reachable from ``roots`` (iterative; loops are harmless)."""
        seen: dict[int, None] = {}
        stack: list[PdfValue] = list(roots)
        while stack:
            v = stack.pop()
            if isinstance(v, Ref):
                if v.num in seen:
                    continue
                seen[v.num] = None
                if len(seen) > limit:
                    raise ResourceLimitError("object graph too large")
                if self.exists(v.num):
                    stack.append(self.get(v.num))
            elif isinstance(v, PdfDict):
                stack.extend(v.values())
            elif isinstance(v, list):
                stack.extend(v)
            elif isinstance(v, Stream):
                stack.extend(v.dict.values())
        return seen


def iter_refs(value: PdfValue) -> Iterator[Ref]:
    """References directly inside a value (not following them)."""
    stack: list[PdfValue] = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, Ref):
            yield v
        elif isinstance(v, PdfDict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, Stream):
            stack.extend(v.dict.values())


def _eol_len(data: bytes, pos: int) -> int:
    if data.startswith(b"\r\n", pos):
        return 2
    if data[pos : pos + 1] in (b"\n", b"\r"):
        return 1
    return 0


def is_name(value: PdfValue, name: str) -> bool:
    return isinstance(value, Name) and value == name


_ = (WHITESPACE, field)  # re-exported helpers kept importable
