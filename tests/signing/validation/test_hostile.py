"""Hostile input: a clear error or a failed report, never a crash, a hang or memory exhaustion.

Files are validated in a subprocess with an address-space limit and a timeout, both through
the library (precise exception types) and through ``lk verify`` (exit status 2 or 1, a message,
no traceback).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from . import tamper
from .conftest import Docs

REPO = Path(__file__).resolve().parents[3]
MEMORY_LIMIT = 1536 * 1024 * 1024


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _malformed_cms(d: bytes) -> bytes:
    b = bytearray(d)
    a, _e = tamper.signature_contents_span(d)
    junk = bytes.fromhex("3084ffffffff0201") + os.urandom(64)
    hexed = junk.hex().encode()
    b[a + 1 : a + 1 + len(hexed)] = hexed
    return bytes(b)


def _deep_array(depth: int) -> bytes:
    return tamper.minimal_pdf(tamper.simple_page_objects(b" /Deep " + b"[" * depth + b"]" * depth))


def _flate_bomb() -> bytes:
    bomb = zlib.compress(b"\0" * (200 * 1024 * 1024), 9)
    objs = tamper.simple_page_objects(b" /AcroForm 4 0 R")
    objs[4] = b"<< /Fields [5 0 R] >>"
    objs[5] = b"<< /FT /Sig /T (S) /V 6 0 R >>"
    objs[6] = (b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(bomb)
               + bomb + b"\nendstream")
    # object 7 is claimed to live in the bomb: resolving it must hit the size limit
    pdf = bytearray(tamper.minimal_pdf(objs))
    return bytes(pdf)


def _xref_stream_bomb() -> bytes:
    bomb = zlib.compress(b"\0" * (300 * 1024 * 1024), 9)
    out = bytearray(b"%PDF-1.7\n")
    pos = len(out)
    out += (b"1 0 obj\n<< /Type /XRef /Size 2 /W [1 4 1] /Filter /FlateDecode /Length %d >>\nstream\n"
            % len(bomb) + bomb + b"\nendstream\nendobj\n")
    out += b"startxref\n%d\n%%%%EOF\n" % pos
    return bytes(out)


def _hostile_files(docs: Docs) -> dict[str, tuple[bytes, set[str]]]:
    """name -> (bytes, acceptable outcome prefixes)."""
    signed = docs("b_t")
    loop_fields = tamper.simple_page_objects(b" /AcroForm << /Fields [4 0 R] >>")
    loop_fields[4] = b"<< /FT /Sig /T (A) /Kids [5 0 R] >>"
    loop_fields[5] = b"<< /T (B) /Parent 4 0 R /Kids [4 0 R 5 0 R] >>"
    parent_loop = {
        1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R] >> >>",
        2: b"<< /Type /Pages /Kids [2 0 R] /Count 1 /Parent 2 0 R >>",
        3: b"<< /FT /Sig /T (S) /V 4 0 R /Parent 3 0 R >>",
        4: b"<< /Type /Sig /ByteRange [0 10 20 30] /Contents <00> >>",
    }
    ref_loop = tamper.simple_page_objects(b" /AcroForm 4 0 R")
    ref_loop[4] = b"5 0 R"
    ref_loop[5] = b"4 0 R"
    return {
        # cut inside the signing update: the unsigned first revision is still readable
        "truncated.pdf": (signed[: len(signed) // 2], {"error:", "report:"}),
        "truncated_tail.pdf": (signed[:-12], {"error:", "report:TOTAL-FAILED"}),
        "not_a_pdf.pdf": (b"PK\x03\x04 this is a zip file" + os.urandom(4096), {"error:PdfStructureError"}),
        "empty.pdf": (b"", {"error:PdfStructureError"}),
        "big_50mb.pdf": (b"%PDF-1.7\n%" + b"A" * (50 * 1024 * 1024) + b"\n", {"error:"}),
        "deep_array.pdf": (_deep_array(100_000), {"error:ResourceLimitError"}),
        "prev_loop.pdf": (tamper.minimal_pdf(tamper.simple_page_objects(), prev=-1), {"error:PdfStructureError"}),
        "field_loop.pdf": (tamper.minimal_pdf(loop_fields), {"report:"}),
        "parent_loop.pdf": (tamper.minimal_pdf(parent_loop), {"report:TOTAL-FAILED"}),
        "ref_loop.pdf": (tamper.minimal_pdf(ref_loop), {"error:PdfStructureError", "report:"}),
        "malformed_cms.pdf": (_malformed_cms(signed), {"report:TOTAL-FAILED"}),
        "xref_bomb.pdf": (_xref_stream_bomb(), {"error:ResourceLimitError"}),
        "flate_bomb.pdf": (_flate_bomb(), {"report:TOTAL-FAILED", "error:ResourceLimitError", "error:PdfStructureError"}),
    }


@pytest.fixture(scope="module")
def hostile_dir(docs: Docs, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, set[str]]]:
    d = tmp_path_factory.mktemp("hostile")
    expected = {}
    for name, (data, ok) in _hostile_files(docs).items():
        (d / name).write_bytes(data)
        expected[name] = ok
    return d, expected


def test_library_on_hostile_files(hostile_dir: tuple[Path, dict[str, set[str]]]) -> None:
    d, expected = hostile_dir
    proc = subprocess.run(
        [sys.executable, "-m", "tests.signing.validation.hostile_worker", *(str(d / n) for n in sorted(expected))],
        cwd=REPO, check=False, capture_output=True, timeout=240, preexec_fn=_limits,
    )
    lines = proc.stdout.decode().splitlines()
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    results = {line.split()[0]: line.split()[1] for line in lines}
    assert set(results) == set(expected), lines
    for name, outcome in results.items():
        assert not outcome.startswith("crash"), (name, outcome)
        assert any(outcome.startswith(p) for p in expected[name]), (name, outcome)
    for line in lines:
        assert float(line.split()[-1]) < 20, line


@pytest.mark.parametrize(
    ("name", "code"),
    [("not_a_pdf.pdf", {2}), ("big_50mb.pdf", {2}), ("deep_array.pdf", {2}), ("truncated.pdf", {1, 2}),
     ("truncated_tail.pdf", {1, 2}), ("malformed_cms.pdf", {1}), ("prev_loop.pdf", {2}),
     ("parent_loop.pdf", {1}), ("xref_bomb.pdf", {2})],
)
def test_lk_verify_on_hostile_files(hostile_dir: tuple[Path, dict[str, set[str]]], name: str, code: set[int],
                                    root_pem: Path) -> None:
    d, _ = hostile_dir
    proc = subprocess.run(
        [sys.executable, "-c", "from lk_corporate.verification.cli import verify; verify()",
         str(d / name), "--trust", str(root_pem), "--offline"],
        cwd=REPO, check=False, capture_output=True, timeout=120, preexec_fn=_limits,
    )
    err = proc.stderr.decode()
    assert proc.returncode in code, (proc.stdout.decode()[-1000:], err[-1000:])
    assert "Traceback" not in err
    if proc.returncode == 2:
        assert err.startswith("lk verify:")
