"""What an incremental update changes, and whether a signed document may change that way.

The policy is a whitelist, decided per object from the role the object had in the previous
revision (catalog, page, annotation array, signature field, DSS...). An update may only:

* add or extend the DSS (``/DSS``, its arrays and VRI dictionaries) and ``/Extensions``;
* add document timestamps and signatures: new signature fields (with their widgets and
  appearance streams), or fill a pre-existing empty signature field (``/V``, ``/AP``);
  after a certification only the latter, and new fields for document timestamps;
* append those fields to ``/AcroForm /Fields`` and their widgets to a page's ``/Annots``;
* change ``/Info``, the catalog's ``/Metadata`` stream, ``/Version``, ``/AcroForm /SigFlags``
  and ``/DR``.

Everything else is a violation: changed page contents or resources, new pages, any non-widget
annotation, a new or changed action, a redefined object used by a page, a freed object, a new
object nobody references, a new object filling a reference that dangled in the signed revision
(the "shadow" trick), a changed signature dictionary. DocMDP and FieldMDP locks are applied per
signature by :func:`judge_changes_after`: a certification with P=2 or P=3 permits filling the
signature fields that existed when the document was certified, not creating new ones (the
certifier laid out who signs where); P=1 permits only LTV data and document timestamps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import PdfStructureError
from .report import ChangesAfter, ChangesReport
from .structure import PdfFile, Resolver, UpdateAnalysis
from .syntax import Name, PdfDict, PdfString, PdfValue, Ref, Stream

__all__ = ["SignatureLocks", "UpdateChanges", "analyse_update", "field_names", "judge_changes_after"]

CATALOG_MUTABLE = frozenset({"AcroForm", "DSS", "Metadata", "Extensions", "Version"})
ACROFORM_MUTABLE = frozenset({"Fields", "SigFlags", "DR"})
EMPTY_SIGFIELD_MUTABLE = frozenset({"V", "AP", "AS"})
SIG_WIDGET_MUTABLE = frozenset({"AP", "AS"})
MAX_FIELDS = 100_000
MAX_PAGES = 100_000


@dataclass(frozen=True)
class UpdateChanges:
    """The meaning of one incremental update (independent of which signature asks)."""

    revision: int
    adds_signature: bool  # a new approval signature (/Type /Sig)
    adds_doc_timestamp: bool
    adds_dss: bool
    filled_fields: frozenset[str]  # pre-existing signature fields that received a value
    new_fields: frozenset[str]  # every field created by the update
    details: tuple[str, ...]
    violations: tuple[str, ...]
    #: the new fields holding a document timestamp added by the same update (LTV data, which
    #: every certification level permits)
    new_timestamp_fields: frozenset[str] = frozenset()

    @property
    def new_form_fields(self) -> frozenset[str]:
        """New fields other than document timestamps': a change of the form's layout."""
        return self.new_fields - self.new_timestamp_fields

    @property
    def ltv_only(self) -> bool:
        return not self.adds_signature and not self.filled_fields_with_signature and not self.violations

    @property
    def filled_fields_with_signature(self) -> bool:
        return self.adds_signature


@dataclass(frozen=True)
class SignatureLocks:
    """What a signature forbids for later updates."""

    docmdp: int | None = None  # 1, 2, 3 when certifying (or a PDF 2.0 /Lock /P)
    field_action: str | None = None  # "All", "Include", "Exclude"
    fields: frozenset[str] = frozenset()


@dataclass
class _Roles:
    catalog: int | None = None
    acroform: int | None = None
    fields_array: int | None = None
    info: int | None = None
    metadata: int | None = None
    pages_nodes: set[int] = field(default_factory=set)
    pages: set[int] = field(default_factory=set)
    annots_arrays: dict[int, int] = field(default_factory=dict)  # array -> page
    annots: dict[int, str] = field(default_factory=dict)  # annot -> "sigwidget"/"other"
    sig_fields: dict[int, tuple[str, bool]] = field(default_factory=dict)  # num -> (name, filled)
    other_fields: dict[int, str] = field(default_factory=dict)
    sig_widget_parent: dict[int, int] = field(default_factory=dict)  # widget -> field
    sig_dicts: set[int] = field(default_factory=set)
    dss: set[int] = field(default_factory=set)


def field_names(res: Resolver) -> dict[int | None, str]:
    """Map field object numbers to their fully qualified names (direct fields: key None)."""
    return {num: name for num, (name, _f) in _collect_roles(res).sig_fields.items()}


def _collect_roles(res: Resolver) -> _Roles:
    roles = _Roles()
    root_ref = res.trailer.get("Root")
    if isinstance(root_ref, Ref):
        roles.catalog = root_ref.num
    info = res.trailer.get("Info")
    if isinstance(info, Ref):
        roles.info = info.num
    root = res.root
    md = root.get("Metadata")
    if isinstance(md, Ref):
        roles.metadata = md.num
    # page tree
    stack: list[PdfValue] = [root.get("Pages")]
    seen: set[int] = set()
    while stack:
        ref = stack.pop()
        node = res.dict_of(ref)
        if node is None:
            continue
        if isinstance(ref, Ref):
            if ref.num in seen:
                continue
            seen.add(ref.num)
            if len(seen) > MAX_PAGES:
                raise PdfStructureError("page tree too large")
        kids = node.get("Kids")
        if node.get("Type") == "Pages" or isinstance(kids, list):
            if isinstance(ref, Ref):
                roles.pages_nodes.add(ref.num)
            kids_v = res.resolve(kids)
            if isinstance(kids_v, list):
                stack.extend(kids_v)
            continue
        if isinstance(ref, Ref):
            roles.pages.add(ref.num)
            annots = node.get("Annots")
            if isinstance(annots, Ref):
                roles.annots_arrays[annots.num] = ref.num
            annots_v = res.resolve(annots)
            if isinstance(annots_v, list):
                for a in annots_v:
                    if isinstance(a, Ref):
                        ad = res.dict_of(a)
                        roles.annots[a.num] = "sigwidget" if ad is not None and _is_sig_widget(res, ad) else "other"
    # form fields
    af_ref = root.get("AcroForm")
    if isinstance(af_ref, Ref):
        roles.acroform = af_ref.num
    af = res.dict_of(af_ref)
    if af is not None:
        flds = af.get("Fields")
        if isinstance(flds, Ref):
            roles.fields_array = flds.num
        flds_v = res.resolve(flds)
        fstack: list[tuple[PdfValue, str, PdfValue]] = [
            (f, "", None) for f in (flds_v if isinstance(flds_v, list) else [])
        ]
        fseen: set[int] = set()
        while fstack:
            fref, prefix, inherited_ft = fstack.pop()
            fd = res.dict_of(fref)
            if fd is None or not isinstance(fref, Ref) or fref.num in fseen:
                continue
            fseen.add(fref.num)
            if len(fseen) > MAX_FIELDS:
                raise PdfStructureError("form field tree too large")
            t = fd.get("T")
            name = prefix
            if isinstance(t, PdfString):
                name = f"{prefix}.{t.text()}" if prefix else t.text()
            ft = fd.get("FT", inherited_ft)
            kids = res.resolve(fd.get("Kids"))
            if ft == "Sig":
                v = fd.get("V")
                if "T" in fd or fd.get("Subtype") != "Widget":
                    roles.sig_fields[fref.num] = (name, v is not None)
                if isinstance(v, Ref):
                    roles.sig_dicts.add(v.num)
            elif "T" in fd:
                roles.other_fields[fref.num] = name
            if isinstance(kids, list):
                for k in kids:
                    if ft == "Sig" and isinstance(k, Ref):
                        kd = res.dict_of(k)
                        if kd is not None and "T" not in kd:
                            roles.sig_widget_parent[k.num] = fref.num
                    fstack.append((k, name, ft))
    dss_ref = root.get("DSS")
    if isinstance(dss_ref, Ref):
        roles.dss.add(dss_ref.num)
    dss = res.dict_of(dss_ref)
    if dss is not None:
        for key in ("Certs", "OCSPs", "CRLs", "VRI"):
            part = dss.get(key)
            if isinstance(part, Ref):
                roles.dss.add(part.num)
        vri = res.dict_of(dss.get("VRI"))
        if vri is not None:
            for entry in vri.values():
                if isinstance(entry, Ref):
                    roles.dss.add(entry.num)
                ed = res.dict_of(entry)
                if ed is not None:
                    for part in ed.values():
                        if isinstance(part, Ref) and not isinstance(res.resolve(part), Stream):
                            roles.dss.add(part.num)
    return roles


def _is_sig_widget(res: Resolver, d: PdfDict) -> bool:
    if d.get("Subtype") != "Widget":
        return False
    if d.get("FT") == "Sig":
        return True
    parent = res.dict_of(d.get("Parent"))
    depth = 0
    while parent is not None and depth < 32:
        if parent.get("FT") == "Sig":
            return True
        if "FT" in parent:
            return False
        parent = res.dict_of(parent.get("Parent"))
        depth += 1
    return False


class _UpdateJudge:
    def __init__(self, pdf: PdfFile, ua: UpdateAnalysis) -> None:
        self.k = ua.revision
        self.old = pdf.resolver(self.k - 1)
        self.new = pdf.resolver(self.k)
        self.ua = ua
        self.violations: list[str] = list(ua.violations)
        self.details: list[str] = []
        self.added = {n for n in ua.listed if not self.old.exists(n)}
        self.changed = {n for n in ua.listed if self.old.exists(n)}
        self.adds_signature = False
        self.adds_doc_timestamp = False
        self.adds_dss = False
        self.filled: set[str] = set()
        self.new_fields: set[str] = set()
        self.new_timestamp_fields: set[str] = set()
        self.new_widgets_ok: set[int] = set()

    def v(self, msg: str) -> None:
        self.violations.append(f"revision {self.k}: {msg}")

    def run(self) -> UpdateChanges:
        old, new = self.old, self.new
        if new.trailer.get("Root") != old.trailer.get("Root"):
            self.v("the trailer points at another document catalog")
        if new.trailer.get("Encrypt") != old.trailer.get("Encrypt"):
            self.v("encryption changed")
        for num in sorted(self.ua.freed):
            if old.exists(num):
                self.v(f"object {num} of the signed revision is deleted")
        for num in sorted(self.ua.structural):
            if old.exists(num):
                self.v(f"object {num} of the signed revision is replaced by a structural stream")
        roles = _collect_roles(old)
        for num in sorted(self.changed):
            before, after = old.get(num), new.get(num)
            if before == after:
                continue
            self._judge_modified(num, before, after, roles)
        self._judge_added(roles)
        return UpdateChanges(
            revision=self.k,
            adds_signature=self.adds_signature,
            adds_doc_timestamp=self.adds_doc_timestamp,
            adds_dss=self.adds_dss,
            filled_fields=frozenset(self.filled),
            new_fields=frozenset(self.new_fields),
            details=tuple(dict.fromkeys(self.details)),
            violations=tuple(dict.fromkeys(self.violations)),
            new_timestamp_fields=frozenset(self.new_timestamp_fields),
        )

    # -- modified objects ------------------------------------------------------------------------
    def _judge_modified(self, num: int, before: PdfValue, after: PdfValue, roles: _Roles) -> None:
        if num == roles.catalog:
            self._dict_rule(num, "document catalog", before, after, CATALOG_MUTABLE)
            if isinstance(before, PdfDict) and isinstance(after, PdfDict):
                self._catalog_parts(before, after)
        elif num == roles.acroform:
            self._acroform(before, after)
        elif num == roles.fields_array:
            self._fields_list(before, after)
        elif num in roles.pages:
            self._dict_rule(num, "page", before, after, frozenset({"Annots"}))
            if isinstance(before, PdfDict) and isinstance(after, PdfDict):
                self._annots(num, before.get("Annots"), after.get("Annots"))
        elif num in roles.annots_arrays:
            self._annots_list(roles.annots_arrays[num], before, after)
        elif num in roles.sig_fields:
            name, filled = roles.sig_fields[num]
            if filled:
                self.v(f"signature field {name!r}, already signed, is changed")
                return
            self._dict_rule(num, f"signature field {name!r}", before, after, EMPTY_SIGFIELD_MUTABLE)
            if (isinstance(after, PdfDict) and "V" in after
                    and self._check_sig_value(after.get("V"), f"field {name!r}") is not None):
                self.filled.add(name)
            elif isinstance(after, PdfDict) and isinstance(before, PdfDict) and _appearance_changed(before, after):
                # an appearance without a signature is an overlay, not a signature
                self.v(f"unsigned signature field {name!r} gets a new visible appearance")
        elif num in roles.sig_widget_parent:
            parent = roles.sig_widget_parent[num]
            name, filled = roles.sig_fields.get(parent, ("?", True))
            if filled:
                self.v(f"widget of the signed field {name!r} is changed")
            else:
                self._dict_rule(num, f"widget of signature field {name!r}", before, after, SIG_WIDGET_MUTABLE)
                parent_now = self.new.dict_of(Ref(parent, 0))
                if (isinstance(before, PdfDict) and isinstance(after, PdfDict)
                        and _appearance_changed(before, after)
                        and (parent_now is None or "V" not in parent_now)):
                    self.v(f"widget of unsigned signature field {name!r} gets a new visible appearance")
        elif num in roles.dss:
            self.adds_dss = True
            self.details.append("DSS updated")
        elif num == roles.info:
            self.details.append("document information dictionary updated")
        elif num == roles.metadata:
            self.details.append("XMP metadata updated")
        elif num in roles.sig_dicts:
            self.v(f"signature dictionary {num} is changed")
        elif num in roles.other_fields:
            self.v(f"form field {roles.other_fields[num]!r} is changed")
        elif num in roles.annots:
            self.v(f"annotation {num} is changed")
        elif num in roles.pages_nodes:
            self.v(f"page tree node {num} is changed (pages added, removed or reordered)")
        else:
            self.v(f"object {num} ({_describe(before)}) is redefined")

    def _dict_rule(self, num: int | None, what: str, before: PdfValue, after: PdfValue,
                   mutable: frozenset[str]) -> None:
        b = before.dict if isinstance(before, Stream) else before
        a = after.dict if isinstance(after, Stream) else after
        if not isinstance(b, PdfDict) or not isinstance(a, PdfDict):
            self.v(f"{what} is replaced by a {_describe(after)}")
            return
        if isinstance(before, Stream) != isinstance(after, Stream) or (
            isinstance(before, Stream) and isinstance(after, Stream) and before.raw != after.raw
        ):
            self.v(f"{what}: stream data changed")
        for key in set(a) | set(b):
            if key not in mutable and a.get(key) != b.get(key):
                self.v(f"{what}: /{key} changed")

    def _catalog_parts(self, before: PdfDict, after: PdfDict) -> None:
        b_af, a_af = before.get("AcroForm"), after.get("AcroForm")
        if a_af != b_af:
            if isinstance(b_af, Ref) and isinstance(a_af, Ref) and b_af.num == a_af.num:
                pass
            else:
                self._acroform(self.old.resolve(b_af), self.new.resolve(a_af))
        if after.get("DSS") != before.get("DSS"):
            self.adds_dss = True
            self.details.append("DSS added" if "DSS" not in before else "DSS replaced")
        if after.get("Metadata") != before.get("Metadata"):
            self.details.append("XMP metadata replaced")
        if after.get("Extensions") != before.get("Extensions"):
            self.details.append("developer extensions declared")

    def _acroform(self, before: PdfValue, after: PdfValue) -> None:
        before = before if before is not None else PdfDict()
        self._dict_rule(None, "AcroForm", before, after, ACROFORM_MUTABLE)
        if isinstance(before, PdfDict) and isinstance(after, PdfDict):
            b_f, a_f = before.get("Fields"), after.get("Fields")
            if isinstance(b_f, Ref) and isinstance(a_f, Ref) and b_f.num == a_f.num:
                return
            self._fields_list(self.old.resolve(b_f), self.new.resolve(a_f))

    def _appended(self, what: str, before: PdfValue, after: PdfValue) -> list[PdfValue] | None:
        b = before if before is not None else []
        if not isinstance(b, list) or not isinstance(after, list):
            self.v(f"{what} is not an array")
            return None
        if after[: len(b)] != b:
            self.v(f"{what}: existing entries removed or reordered")
            return None
        return after[len(b):]

    def _fields_list(self, before: PdfValue, after: PdfValue) -> None:
        extra = self._appended("AcroForm /Fields", before, after)
        for item in extra or []:
            if not isinstance(item, Ref) or item.num not in self.added:
                self.v("AcroForm /Fields: an entry that is not a new field is added")
                continue
            self._new_field(item)

    def _new_field(self, ref: Ref, prefix: str = "", depth: int = 0) -> None:
        d = self.new.dict_of(ref)
        if d is None or depth > 8:
            self.v(f"new field {ref.num} is not a dictionary")
            return
        t = d.get("T")
        name = f"{prefix}.{t.text()}" if prefix and isinstance(t, PdfString) else (
            t.text() if isinstance(t, PdfString) else prefix
        )
        if d.get("FT") != "Sig" and not prefix:
            self.v(f"new form field {name!r} is not a signature field")
            return
        for key in ("A", "AA"):
            if key in d:
                self.v(f"new field {name!r} carries an action (/{key})")
        self.new_fields.add(name)
        signed = False
        if "V" in d:
            value = self._check_sig_value(d.get("V"), f"new field {name!r}")
            signed = value is not None
            if value == "DocTimeStamp":
                self.new_timestamp_fields.add(name)
        widgets = []
        if d.get("Subtype") == "Widget":
            widgets.append((ref, d))
        kids = self.new.resolve(d.get("Kids"))
        for k in kids if isinstance(kids, list) else []:
            if not isinstance(k, Ref) or k.num not in self.added:
                self.v(f"new field {name!r} adopts an existing object as its kid")
                continue
            kd = self.new.dict_of(k)
            if kd is None:
                continue
            if "T" in kd:
                self._new_field(k, name, depth + 1)
            else:
                widgets.append((k, kd))
        for wref, wd in widgets:
            if wd.get("Subtype") != "Widget":
                self.v(f"kid {wref.num} of new field {name!r} is not a widget")
                continue
            for key in ("A", "AA"):
                if key in wd:
                    self.v(f"widget of new field {name!r} carries an action (/{key})")
            self.new_widgets_ok.add(wref.num)
            if not signed and _visible(wd):
                self.v(f"new unsigned signature field {name!r} has a visible appearance")

    def _check_sig_value(self, value: PdfValue, where: str) -> str | None:
        """What a field's new value is, ``"Sig"`` or ``"DocTimeStamp"``; None (with a
        violation) when it is not a new signature dictionary."""
        if not isinstance(value, Ref) or value.num not in self.added:
            self.v(f"{where}: /V is not a new signature dictionary")
            return None
        sd = self.new.dict_of(value)
        if sd is None:
            self.v(f"{where}: /V is not a dictionary")
            return None
        typ = sd.get("Type")
        if typ == "DocTimeStamp" or sd.get("SubFilter") == "ETSI.RFC3161":
            self.adds_doc_timestamp = True
            self.details.append("document timestamp added")
            return "DocTimeStamp"
        if typ in ("Sig", None):
            self.adds_signature = True
            self.details.append("signature added")
            return "Sig"
        self.v(f"{where}: /V is a /{typ}, not a signature")
        return None

    def _annots(self, page: int, before: PdfValue, after: PdfValue) -> None:
        if before == after:
            return
        if isinstance(before, Ref) and isinstance(after, Ref) and before.num == after.num:
            return
        self._annots_list(page, self.old.resolve(before), self.new.resolve(after))

    def _annots_list(self, page: int, before: PdfValue, after: PdfValue) -> None:
        extra = self._appended(f"/Annots of page object {page}", before, after)
        for item in extra or []:
            d = self.new.dict_of(item) if isinstance(item, Ref) else None
            if not isinstance(item, Ref) or item.num not in self.added or d is None:
                self.v(f"page object {page}: an existing or direct object is added to /Annots")
                continue
            if not _is_sig_widget(self.new, d):
                sub = d.get("Subtype")
                self.v(f"page object {page}: a /{sub} annotation is added (not a signature widget)")
                continue
            self.new_widgets_ok.add(item.num)

    # -- added objects ---------------------------------------------------------------------------
    def _judge_added(self, roles: _Roles) -> None:
        if not self.added:
            return
        new_roots = [self.new.trailer.get("Root"), self.new.trailer.get("Info")]
        reach_new = self.new.reachable(new_roots)
        old_roots = [self.old.trailer.get("Root"), self.old.trailer.get("Info")]
        reach_old = self.old.reachable(old_roots)
        for num in sorted(self.added):
            if num not in reach_new:
                self.v(f"new object {num} ({_describe(self.new.get(num))}) is not referenced by the document")
            elif num in reach_old:
                self.v(
                    f"new object {num} fills a reference that was dangling in the signed revision"
                )
        # Widgets that got into a page's /Annots must belong to a field added or filled here.
        for num in self.new_widgets_ok:
            d = self.new.dict_of(Ref(num, 0))
            if d is None:
                continue
            if d.get("FT") != "Sig" and "Parent" in d:
                parent = d.get("Parent")
                if not isinstance(parent, Ref):
                    continue
                if parent.num not in self.added and parent.num not in roles.sig_fields:
                    self.v(f"widget {num} is attached to a field that is not a signature field")


def _appearance_changed(before: PdfDict, after: PdfDict) -> bool:
    return (before.get("AP") != after.get("AP") or before.get("AS") != after.get("AS")) and _visible(after)


def _visible(d: PdfDict) -> bool:
    if "AP" not in d:
        return False
    flags = d.get("F", 0)
    if isinstance(flags, int) and flags & 0x22:  # Hidden or NoView
        return False
    rect = d.get("Rect")
    if isinstance(rect, list) and len(rect) == 4 and all(isinstance(x, (int, float)) or hasattr(x, "as_tuple") for x in rect):
        try:
            x1, y1, x2, y2 = (float(x) for x in rect)
        except (TypeError, ValueError):
            return True
        return abs(x2 - x1) > 0 and abs(y2 - y1) > 0
    return True


def _describe(value: PdfValue) -> str:
    if isinstance(value, Stream):
        t = value.dict.get("Type") or value.dict.get("Subtype")
        return f"stream /{t}" if isinstance(t, Name) else "stream"
    if isinstance(value, PdfDict):
        t = value.get("Type") or value.get("Subtype")
        return f"dictionary /{t}" if isinstance(t, Name) else "dictionary"
    if isinstance(value, list):
        return "array"
    return type(value).__name__ if value is not None else "null"


def analyse_update(pdf: PdfFile, ua: UpdateAnalysis) -> UpdateChanges:
    """Decide what the incremental update ``ua`` does (see the module docstring)."""
    try:
        return _UpdateJudge(pdf, ua).run()
    except PdfStructureError as e:
        return UpdateChanges(
            revision=ua.revision, adds_signature=False, adds_doc_timestamp=False, adds_dss=False,
            filled_fields=frozenset(), new_fields=frozenset(), details=(),
            violations=tuple(ua.violations) + (f"revision {ua.revision}: unreadable: {e}",),
        )


def judge_changes_after(
    updates: Iterable[UpdateChanges], locks: SignatureLocks, trailing_bytes: int = 0
) -> ChangesReport:
    """The verdict on everything after one signature, with that signature's locks applied."""
    details: list[str] = []
    violations: list[str] = []
    kind = ChangesAfter.NONE
    any_update = False
    for u in updates:
        any_update = True
        details.extend(u.details)
        violations.extend(u.violations)
        changes_form = u.adds_signature or bool(u.filled_fields) or bool(u.new_form_fields)
        if u.adds_signature or changes_form:
            kind = ChangesAfter.SIGNATURES
        elif kind is ChangesAfter.NONE:
            kind = ChangesAfter.LTV_ONLY
        if locks.docmdp == 1 and changes_form:
            violations.append(
                f"revision {u.revision}: the certification (DocMDP P=1) forbids any change but "
                "LTV data and document timestamps"
            )
        elif locks.docmdp in (2, 3):
            for name in sorted(u.new_form_fields):
                violations.append(
                    f"revision {u.revision}: signature field {name!r} is created after the "
                    f"certification (DocMDP P={locks.docmdp} permits only filling the fields "
                    "that existed when the document was certified)"
                )
        if locks.field_action is not None and u.filled_fields:
            if locks.field_action == "All":
                locked = set(u.filled_fields)
            elif locks.field_action == "Include":
                locked = set(u.filled_fields) & locks.fields
            else:
                locked = set(u.filled_fields) - locks.fields
            for name in sorted(locked):
                violations.append(f"revision {u.revision}: locked field {name!r} is filled")
    if trailing_bytes:
        violations.append(f"{trailing_bytes} bytes after the last %%EOF")
    if violations:
        kind = ChangesAfter.OTHER
    elif not any_update:
        kind = ChangesAfter.NONE
    return ChangesReport(kind=kind, details=tuple(dict.fromkeys(details)), violations=tuple(dict.fromkeys(violations)))
