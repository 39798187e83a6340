"""Signature fields: where they go, empty fields for later signers, and their locks.

Every field this package creates carries a ``/Lock`` dictionary that names the
field itself (FieldMDP ``/Include [name]``): whoever signs it also locks it, so
the signed field cannot be changed afterwards while other empty fields remain
fillable. Empty fields for later signers are created in the same revision as,
and before, a certification signature (DocMDP P=2 allows filling them later).

Which field a signature fills (:func:`plan_signing`):

- the named field if it exists (its widget rectangle is where the stamp goes);
- no name given: the one empty field not reserved for a later signer
  (``add_empty_fields``); several such fields are ambiguous and refused;
- otherwise a new field. Its stamp goes along the bottom of the page, left to
  right then upwards, skipping places taken by existing signature widgets — the
  *fallback placement*, for foreign PDFs only. A document that brings its own
  signature boxes (visible signature fields in its original revision: every
  document of ``documents/``) gets no new visible field, since the bottom of its
  page is its footer: signing it means signing one of its boxes (or invisibly).

A document certified with DocMDP P=2 or 3 gets no new field at all (nor new empty
fields): the certification permits filling the fields it had when it was certified, and
a new one would break it (:class:`DocumentLockedError`). The certifier creates the
fields for later signers (``add_empty_fields``) in the certifying revision.

``add_empty_fields`` naming a field that already exists keeps that field as it is
(an empty one is exactly what was asked for); an already signed one is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.rw_common import PdfHandler
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields as ph_fields

from signing.errors import (
    DocumentLockedError,
    DuplicateFieldError,
    FieldAlreadySignedError,
    FieldError,
)
from signing.stamp import STAMP_SIZE

__all__ = [
    "ExistingField",
    "NewField",
    "SigningPlan",
    "add_empty_fields",
    "certification_level",
    "existing_signature_fields",
    "field_spec",
    "plan_fields",
    "plan_signing",
]

MARGIN = 36.0
GAP = 10.0

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class NewField:
    """A signature field to create: ``box`` (x1, y1, x2, y2 in points) or automatic."""

    name: str
    page: int = -1
    box: Box | None = None


@dataclass(frozen=True)
class ExistingField:
    """A signature field already in the document. ``prepared``: a visible field of the
    document's original revision, i.e. a signature box its author drew."""

    name: str
    filled: bool
    page: int | None
    rect: tuple[float, float, float, float] | None
    prepared: bool = False


def _page_count(handler: PdfHandler) -> int:
    return int(handler.root["/Pages"]["/Count"])


def _page_index(handler: PdfHandler, page: int) -> int:
    count = _page_count(handler)
    index = page if page >= 0 else count + page
    if not 0 <= index < count:
        raise FieldError(f"page {page} does not exist (the document has {count})")
    return index


def _page_refs(handler: PdfHandler) -> list[generic.Reference]:
    refs = []
    for ix in range(_page_count(handler)):
        ref, _ = handler.find_page_for_modification(ix)
        refs.append(ref.reference if isinstance(ref, generic.IndirectObject) else ref)
    return refs


def existing_signature_fields(handler: PdfHandler) -> tuple[ExistingField, ...]:
    """Every signature field with its page (if known) and widget rectangle."""
    page_refs: list[generic.Reference] | None = None
    out = []
    for name, value, ref in ph_fields.enumerate_sig_fields(handler):
        field = ref.get_object()
        widget = field
        kids = field.get("/Kids")
        if kids:
            widget = kids[0].get_object()
        rect = None
        if "/Rect" in widget:
            x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
            rect = (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
        page = None
        p_ref = widget.get_value_as_reference("/P", optional=True) if "/P" in widget else None
        if p_ref is not None:
            if page_refs is None:
                page_refs = _page_refs(handler)
            if p_ref in page_refs:
                page = page_refs.index(p_ref)
        visible = rect is not None and rect[2] > rect[0] and rect[3] > rect[1]
        out.append(ExistingField(str(name), value is not None, page, rect,
                                 visible and _introduced_in(handler, ref) == 0))
    return tuple(out)


def _introduced_in(handler: PdfHandler, ref: object) -> int | None:
    """The revision (0 = the original document) that introduced the object ``ref``."""
    xrefs = getattr(handler, "xrefs", None)
    reference = getattr(ref, "reference", None)
    if xrefs is None or reference is None:
        return None
    try:
        return int(xrefs.get_introducing_revision(reference))
    except (KeyError, ValueError):  # pragma: no cover - an object missing from the xref
        return None


def _media_box(handler: PdfHandler, page_ix: int) -> tuple[float, float, float, float]:
    page_ref, _ = handler.find_page_for_modification(page_ix)
    node = page_ref.get_object()
    while node is not None:
        if "/MediaBox" in node:
            x1, y1, x2, y2 = (float(v) for v in node["/MediaBox"])
            return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return 0.0, 0.0, 595.0, 842.0


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _auto_box(handler: PdfHandler, page_ix: int,
              taken: list[tuple[float, float, float, float]]) -> Box:
    x0, y0, x1, y1 = _media_box(handler, page_ix)
    width, height = STAMP_SIZE
    cols = max(1, int((x1 - x0 - 2 * MARGIN + GAP) // (width + GAP)))
    for slot in range(200):
        col, row = slot % cols, slot // cols
        bx = x0 + MARGIN + col * (width + GAP)
        by = y0 + MARGIN + row * (height + GAP)
        if by + height > y1 - MARGIN:
            break
        box = (bx, by, bx + width, by + height)
        if not any(_overlaps(box, t) for t in taken):
            taken.append(box)
            return (round(box[0]), round(box[1]), round(box[2]), round(box[3]))
    raise FieldError(f"no free place for another signature stamp on page {page_ix + 1}")


def field_spec(name: str, page_ix: int, box: Box | None) -> ph_fields.SigFieldSpec:
    """A field that locks itself when signed (FieldMDP /Include [name])."""
    return ph_fields.SigFieldSpec(
        sig_field_name=name,
        on_page=page_ix,
        box=box,
        field_mdp_spec=ph_fields.FieldMDPSpec(ph_fields.FieldMDPAction.INCLUDE, fields=[name]),
    )


def plan_fields(handler: PdfHandler, new: list[NewField], *, visible: bool
                ) -> list[ph_fields.SigFieldSpec]:
    """Field specs for ``new`` fields, placed so they do not overlap existing stamps."""
    existing = existing_signature_fields(handler)
    names = {f.name for f in existing}
    taken_by_page: dict[int, list[tuple[float, float, float, float]]] = {}
    for f in existing:
        if f.rect is not None and f.rect[2] - f.rect[0] > 0:
            for p in ([f.page] if f.page is not None else range(_page_count(handler))):
                taken_by_page.setdefault(p, []).append(f.rect)
    specs = []
    for nf in new:
        if nf.name in names:
            raise DuplicateFieldError(f"a field named {nf.name!r} already exists")
        if "." in nf.name or not nf.name:
            raise FieldError(f"invalid field name {nf.name!r}")
        names.add(nf.name)
        page_ix = _page_index(handler, nf.page)
        if not visible:
            box = None
        elif nf.box is not None:
            box = nf.box
            taken_by_page.setdefault(page_ix, []).append(tuple(float(v) for v in box))  # type: ignore[arg-type]
        else:
            box = _auto_box(handler, page_ix, taken_by_page.setdefault(page_ix, []))
        specs.append(field_spec(nf.name, page_ix, box))
    return specs


def check_fillable(handler: PdfHandler, name: str) -> ExistingField | None:
    """The existing field called ``name`` if it is empty; ``None`` if there is none."""
    for f in existing_signature_fields(handler):
        if f.name == name:
            if f.filled:
                raise FieldAlreadySignedError(f"the field {name!r} is already signed")
            return f
    return None


def next_field_name(handler: PdfHandler) -> str:
    """``Signature1``, ``Signature2``… the first name not used yet."""
    names = {f.name for f in existing_signature_fields(handler)}
    n = 1
    while f"Signature{n}" in names:
        n += 1
    return f"Signature{n}"


def add_empty_fields(writer: BasePdfFileWriter, specs: list[ph_fields.SigFieldSpec]) -> None:
    """Create the empty fields in the writer's current revision."""
    for spec in specs:
        ph_fields.append_signature_field(writer, spec)


@dataclass(frozen=True)
class SigningPlan:
    """What one signature does to the fields (see the module's docstring).

    ``target_spec`` is ``None`` when an existing field is filled; ``rect`` is where the
    stamp goes (x1, y1, x2, y2), ``None`` for an invisible signature — an existing visible
    field always gets the stamp, its widget is the place the document made for it;
    ``prepared``: the target is a signature box the document drew itself.
    """

    field_name: str
    target_spec: ph_fields.SigFieldSpec | None
    empty_specs: tuple[ph_fields.SigFieldSpec, ...]
    rect: tuple[float, float, float, float] | None
    prepared: bool


def certification_level(handler: PdfHandler) -> int | None:
    """The DocMDP ``/P`` of the document's certification signature (1, 2 or 3), or None
    when the document is not certified."""
    try:
        sig = handler.root["/Perms"]["/DocMDP"]
        refs = sig.get("/Reference", generic.ArrayObject())
    except (KeyError, TypeError, AttributeError):
        return None
    for ref in refs:
        ref = ref.get_object()
        if ref.get("/TransformMethod") != "/DocMDP":
            continue
        p = ref.get("/TransformParams", generic.DictionaryObject()).get("/P", 2)
        return int(p) if int(p) in (1, 2, 3) else 2
    return 2  # certified without a readable level: the default permissions (ISO 32000, 12.8.2.2)


def plan_signing(handler: PdfHandler, field_name: str | None, add_empty: tuple[str, ...] = (),
                 *, page: int = -1, visible: bool = True) -> SigningPlan:
    """The field to sign and the empty fields to create, checked against the document."""
    existing = existing_signature_fields(handler)
    by_name = {f.name: f for f in existing}
    reserved = list(dict.fromkeys(add_empty))
    name = field_name
    if name is None:
        free = [f.name for f in existing if not f.filled and f.name not in reserved]
        if len(free) > 1:
            raise FieldError(f"the document has several empty signature fields "
                             f"({', '.join(free)}): name the one to sign (--field NAME)")
        name = free[0] if free else next_field_name(handler)
    if name in reserved:
        raise FieldError(f"the field {name!r} cannot be signed and left empty at once")
    target = by_name.get(name)
    if target is not None and target.filled:
        raise FieldAlreadySignedError(f"the field {name!r} is already signed")
    new_empty = []
    for n in reserved:
        kept = by_name.get(n)
        if kept is None:
            new_empty.append(n)
        elif kept.filled:
            raise FieldAlreadySignedError(
                f"the field {n!r} is already signed: it cannot be left empty for a later signer")
        # an existing empty field is exactly what was asked for: kept as it is
    wanted = ([] if target is not None else [NewField(name, page)])
    wanted += [NewField(n, page) for n in new_empty]
    level = certification_level(handler)
    if wanted and level in (2, 3):
        raise DocumentLockedError(
            f"the document is certified (DocMDP P={level}): only the signature fields it had when "
            f"it was certified may be signed, and a new field "
            f"({', '.join(w.name for w in wanted)}) would break the certification; the certifier "
            f"creates the fields for later signers (add_empty_fields / --add-empty-field)")
    boxes = [f.name for f in existing if f.prepared]
    if visible and wanted and boxes:
        raise FieldError(
            f"the document has its own signature boxes ({', '.join(boxes)}); a new visible "
            f"field ({', '.join(w.name for w in wanted)}) would cover its text: sign one of "
            f"the boxes (--field NAME) or sign invisibly")
    specs = plan_fields(handler, wanted, visible=visible)
    target_spec = None if target is not None else specs.pop(0)
    rect: tuple[float, float, float, float] | None = None
    if target is not None:
        r = target.rect
        rect = r if r is not None and r[2] > r[0] and r[3] > r[1] else None
    elif target_spec is not None and target_spec.box is not None:
        rect = tuple(float(v) for v in target_spec.box)  # type: ignore[assignment]
    return SigningPlan(name, target_spec, tuple(specs), rect,
                       target is not None and target.prepared)
