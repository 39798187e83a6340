"""Our documents carry their signature fields; signing fills them, stamp inside the box.

The reading act from ``documents`` (supplier and client boxes) is signed by the supplier
(certifying) and then by the client — server-side, through ``lk sign`` and through the
staged browser flow — and checked with pyHanko's reader (the fields), pdfsig (valid and
trusted), our validator (TOTAL-PASSED) and poppler's rendering (pixels: the stamps are in
the boxes, the footer and everything else on the page is untouched).
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields

from documents import render_reading_act, signature_fields
from documents.layout import FOOTER_LINE
from lk_corporate.demo import samples
from signing import Level, check_upload
from signing.errors import DocumentLockedError, FieldAlreadySignedError, FieldError
from signing.remote import Scheme, SigningState, finish, prepare
from signing.stamp import STAMP_SIZE, stamp_size
from signing.validation import Indication, ValidationSettings, validate_pdf
from signing.validation.trust import load_certificates
from tests.signing.helpers import assert_pdfsig_all_valid
from tests.signing.test_sign_cli import lk
from tests.signing.test_sign_remote import _browser_sign, _client, _options

Rect = tuple[float, float, float, float]
DPI = 100


@pytest.fixture(scope="module")
def act() -> bytes:
    return render_reading_act(samples.sample_reading_act())


@pytest.fixture(scope="module")
def supplier_signed(sign_sample, act) -> bytes:
    """The supplier signs its box, certifies, and keeps the client's box for the client."""
    return sign_sample("B-T", "supplier", pdf=act, field_name="supplier", certify=True,
                       add_empty_fields=("client",))


@pytest.fixture(scope="module")
def both_signed(sign_sample, supplier_signed) -> bytes:
    return sign_sample("B-T", "romashka", pdf=supplier_signed, field_name="client")


def fields(pdf: bytes) -> dict[str, tuple[Rect, bool, generic.DictionaryObject]]:
    """name → (widget /Rect, signed?, field dictionary), read with pyHanko's reader."""
    reader = PdfFileReader(io.BytesIO(pdf))
    out = {}
    for name, value, ref in enumerate_sig_fields(reader):
        field = ref.get_object()
        x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
        out[name] = ((x1, y1, x2, y2), value is not None, field)
    return out


def render(pdf: bytes, tmp_path: Path, name: str) -> Image.Image:
    src = tmp_path / f"{name}.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(src), str(tmp_path / name)], check=True, timeout=60)
    return Image.open(tmp_path / f"{name}.png").convert("RGB")


def to_pixels(rect: Rect, page_height: float, grow: float = 0) -> tuple[int, int, int, int]:
    """A PDF rect (points, bottom-up) as a pixel box (left, top, right, bottom)."""
    k = DPI / 72
    return (int((rect[0] - grow) * k), int((page_height - rect[3] - grow) * k),
            int((rect[2] + grow) * k) + 1, int((page_height - rect[1] + grow) * k) + 1)


def changed_pixels(a: Image.Image, b: Image.Image) -> int:
    diff = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 24 else 0)
    return int(diff.histogram()[255])


def test_the_act_has_empty_supplier_and_client_fields(act):
    found = fields(act)
    assert list(found) == list(signature_fields("reading_act")) == ["supplier", "client"]
    assert not any(signed for _, signed, _ in found.values())


def test_supplier_then_client_fill_their_boxes(act, supplier_signed, both_signed, demo_pki,
                                               nss_db, tmp_path):
    boxes = {name: rect for name, (rect, _, _) in fields(act).items()}
    # the supplier's signature: its box filled, the client's kept (not duplicated)
    after_supplier = fields(supplier_signed)
    assert list(after_supplier) == ["supplier", "client"]
    assert after_supplier["supplier"][1] and not after_supplier["client"][1]
    after_both = fields(both_signed)
    assert list(after_both) == ["supplier", "client"]
    for name, (rect, signed, field) in after_both.items():
        assert signed, name
        assert rect == boxes[name], name  # the stamp's widget is exactly the document's box
        ap = field["/AP"]["/N"]
        x1, y1, x2, y2 = (float(v) for v in ap["/BBox"])
        # drawn at the box's size: no scaling, no distortion
        assert (abs(x2 - x1), abs(y2 - y1)) == pytest.approx(
            (rect[2] - rect[0], rect[3] - rect[1]), abs=0.001)
    # each signature locks its own field (FieldMDP), the first also certifies (DocMDP P=2)
    reader = PdfFileReader(io.BytesIO(both_signed))
    for name, (_, _, field) in after_both.items():
        refs = field["/V"]["/Reference"]
        methods = {str(r["/TransformMethod"]): r["/TransformParams"] for r in refs}
        assert [str(x) for x in methods["/FieldMDP"]["/Fields"]] == [name]
        if name == "supplier":
            assert int(methods["/DocMDP"]["/P"]) == 2
    assert int(reader.root["/AcroForm"]["/SigFlags"]) == 3

    path = tmp_path / "both.pdf"
    path.write_bytes(both_signed)
    report = assert_pdfsig_all_valid(path, nss_db, expected=2)
    assert [s.field_name for s in report.signatures] == ["supplier", "client"]

    settings = ValidationSettings(  # revocation over the network: the demo OCSP responder
        trust_roots=tuple(load_certificates(demo_pki.root_pem.read_bytes())), allow_fetch=True)
    result = validate_pdf(both_signed, settings)
    assert [(s.field_name, s.indication) for s in result.signatures] == [
        ("supplier", Indication.TOTAL_PASSED), ("client", Indication.TOTAL_PASSED)], \
        [s.messages for s in result.signatures]

    # what a reader sees: the stamps are in the boxes; the footer and the rest are untouched
    before = render(act, tmp_path, "unsigned")
    after = render(both_signed, tmp_path, "signed")
    assert before.size == after.size
    page_height = float(reader.root["/Pages"]["/Kids"][0]["/MediaBox"][3])
    footer_top = int((page_height - FOOTER_LINE - 2) * DPI / 72)
    footer = (0, footer_top, before.width, before.height)
    assert ImageChops.difference(before.crop(footer), after.crop(footer)).getbbox() is None, \
        "a stamp covers the footer"
    masked_before, masked_after = before.copy(), after.copy()
    for rect in boxes.values():
        px = to_pixels(rect, page_height, grow=1)
        box_before, box_after = before.crop(px), after.crop(px)
        # a stamp: a good part of the box is newly inked
        assert changed_pixels(box_before, box_after) > 0.05 * box_before.width * box_before.height
        masked_before.paste((255, 255, 255), px)
        masked_after.paste((255, 255, 255), px)
    assert ImageChops.difference(masked_before, masked_after).getbbox() is None, \
        "the signatures changed the page outside the signature boxes"


def test_cli_fills_the_boxes(act, demo_pki, pki_services, nss_db, tmp_path):
    """The walk-through of the problem report, through the real ``lk sign``: the supplier
    names no field, and ``--add-empty-field client`` keeps the act's own client field, so the
    supplier's signature goes into the one box left: ``supplier``."""
    supplier, client = demo_pki.supplier, demo_pki.client
    env = {"LK_TSA_URL": demo_pki.tsa_url}
    src, first, second = tmp_path / "act.pdf", tmp_path / "s.pdf", tmp_path / "sc.pdf"
    src.write_bytes(act)
    proc = lk("sign", src, first, "--p12", supplier.p12, "--password-file",
              supplier.password_file, "--certify", "--add-empty-field", "client", env_extra=env)
    assert proc.returncode == 0, proc.stderr
    assert "field 'supplier'" in proc.stdout
    proc = lk("sign", first, second, "--p12", client.p12, "--password-file",
              client.password_file, "--field", "client", env_extra=env)
    assert proc.returncode == 0, proc.stderr
    boxes = {name: rect for name, (rect, _, _) in fields(act).items()}
    assert {n: (r, s) for n, (r, s, _) in fields(second.read_bytes()).items()} == {
        n: (r, True) for n, r in boxes.items()}
    assert_pdfsig_all_valid(second, nss_db, expected=2)


def test_browser_flow_fills_the_client_box(act, supplier_signed, demo_pki, pki_services, nss_db,
                                           tmp_path):
    key, chain = _client(demo_pki, "romashka")
    tbs = prepare(supplier_signed, chain, _options(demo_pki, Level.B_T, field_name="client"),
                  scheme=Scheme.RSA_PKCS1)
    result = finish(SigningState.from_bytes(tbs.state.to_bytes()),
                    _browser_sign(key, tbs.signed_attributes, Scheme.RSA_PKCS1))
    assert result.field_name == "client"
    assert fields(result.pdf)["client"][:2] == (fields(act)["client"][0], True)
    path = tmp_path / "browser.pdf"
    path.write_bytes(result.pdf)
    assert_pdfsig_all_valid(path, nss_db, expected=2)
    # the portal's upload check accepts a client signature in the act's own field
    assert check_upload(supplier_signed, result.pdf).field_name == "client"


def test_field_contract_on_a_document_with_boxes(sign_sample, act, supplier_signed):
    # two empty boxes and no field named: ambiguous
    with pytest.raises(FieldError, match="supplier, client"):
        sign_sample("B-B", "supplier", pdf=act)
    # a signed field cannot be signed again, nor kept "empty" for a later signer
    with pytest.raises(FieldAlreadySignedError):
        sign_sample("B-B", "zmk", pdf=supplier_signed, field_name="supplier")
    with pytest.raises(FieldAlreadySignedError):
        sign_sample("B-B", "romashka", pdf=supplier_signed, field_name="client",
                    add_empty_fields=("supplier",))
    with pytest.raises(FieldError, match="signed and left empty"):
        sign_sample("B-B", "supplier", pdf=act, field_name="client", add_empty_fields=("client",))
    # no new visible field on a document with its own boxes: it would cover its text
    with pytest.raises(FieldError, match="own signature boxes"):
        sign_sample("B-B", "zmk", pdf=act, field_name="auditor")
    with pytest.raises(FieldError, match="own signature boxes"):
        sign_sample("B-B", "supplier", pdf=act, field_name="supplier",
                    add_empty_fields=("auditor",))
    # ...an invisible one is fine, and leaves the boxes as they were
    invisible = sign_sample("B-B", "zmk", pdf=act, field_name="auditor", visible=False)
    found = fields(invisible)
    assert found["auditor"][1] and found["auditor"][0] == (0, 0, 0, 0)
    assert {n: found[n][:2] for n in ("supplier", "client")} == {
        n: v[:2] for n, v in fields(act).items()}
    # the only box left is chosen when no field is named
    client_only = sign_sample("B-B", "romashka", pdf=supplier_signed)
    assert fields(client_only)["client"][1]


def test_no_new_field_after_a_certification(sign_sample, supplier_signed):
    """DocMDP P=2 permits filling the fields the certified document has; a new one would
    break the certification (our validator and pyHanko refuse it), so the signer refuses to
    create it and names the way: the certifier keeps an empty field for each later signer."""
    with pytest.raises(DocumentLockedError, match=r"certified \(DocMDP P=2\).*auditor"):
        sign_sample("B-B", "zmk", pdf=supplier_signed, field_name="auditor", visible=False)
    with pytest.raises(DocumentLockedError, match="auditor"):
        sign_sample("B-B", "romashka", pdf=supplier_signed, field_name="client",
                    add_empty_fields=("auditor",))
    certified = sign_sample("B-B", "supplier", certify=True)  # a foreign PDF, no field kept
    with pytest.raises(DocumentLockedError, match="Signature2"):
        sign_sample("B-B", "romashka", pdf=certified)


def test_stamp_size():
    assert stamp_size(None) == STAMP_SIZE
    assert stamp_size((36, 36, 36 + 256, 36 + 94)) == STAMP_SIZE  # the fallback box
    assert stamp_size((0, 0, 250, 73.7)) == (250, 73.7)  # a document's box: its own size
    assert stamp_size((0, 0, 100, 30)) == pytest.approx((213.333, 64))  # small: drawn larger
    w, h = stamp_size((0, 0, 1000, 100))  # huge and flat: 94 high, at most 6:1
    assert (w, h) == pytest.approx((564, 94))
