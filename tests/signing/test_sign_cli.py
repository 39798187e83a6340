"""`lk sign` end to end through the real console script (.venv/bin/lk)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.signing.helpers import assert_pdfsig_all_valid, pyhanko_validate_all

LK = Path(sys.executable).parent / "lk"


def lk(*args: object, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([str(LK), *map(str, args)], capture_output=True, text=True, env=env,
                          timeout=180)


@pytest.fixture(scope="module")
def unsigned(tmp_path_factory, sample_pdf) -> Path:
    path = tmp_path_factory.mktemp("cli") / "act.pdf"
    path.write_bytes(sample_pdf)
    return path


def test_supplier_certifies_then_client_countersigns(demo_pki, pki_services, nss_db, unsigned,
                                                     tmp_path):
    supplier, client = demo_pki.supplier, demo_pki.client
    env = {"LK_TSA_URL": demo_pki.tsa_url}
    first = tmp_path / "supplier.pdf"
    proc = lk("sign", unsigned, first, "--p12", supplier.p12, "--password-file",
              supplier.password_file, "--level", "B-LT", "--certify", "--add-empty-field",
              "Client", "--trust-root", demo_pki.root_pem, env_extra=env)
    assert proc.returncode == 0, proc.stderr
    assert "B-LT" in proc.stdout
    second = tmp_path / "both.pdf"
    proc = lk("sign", first, second, "--p12", client.p12, "--password-file",
              client.password_file, "--field", "Client", env_extra=env)  # default level B-T
    assert proc.returncode == 0, proc.stderr
    assert "B-T" in proc.stdout and "7712345671" in proc.stdout
    assert second.read_bytes().startswith(first.read_bytes())
    assert_pdfsig_all_valid(second, nss_db, expected=2)
    assert all(o.ok for o in pyhanko_validate_all(second.read_bytes(), demo_pki.root_pem))


@pytest.mark.parametrize("level", ["B-B", "B-LTA"])
def test_levels_through_cli(demo_pki, pki_services, nss_db, unsigned, tmp_path, level):
    out = tmp_path / "out.pdf"
    ident = demo_pki.identity("zmk")
    proc = lk("sign", unsigned, out, "--p12", ident.p12, "--password-file", ident.password_file,
              "--level", level, "--tsa", demo_pki.tsa_url)
    assert proc.returncode == 0, proc.stderr
    outcomes = pyhanko_validate_all(out.read_bytes(), demo_pki.root_pem)
    assert len(outcomes) == (2 if level == "B-LTA" else 1)
    assert all(o.ok for o in outcomes)
    if level == "B-B":
        assert_pdfsig_all_valid(out, nss_db, expected=1)


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsa"


def test_bad_input_exits_2_without_traceback(demo_pki, unsigned, tmp_path):
    ident = demo_pki.supplier
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the password\n")
    not_pdf = tmp_path / "note.pdf"
    not_pdf.write_text("hello")
    cases = {
        "wrong password": ("sign", unsigned, tmp_path / "o1.pdf", "--p12", ident.p12,
                           "--password-file", wrong, "--level", "B-B"),
        "missing input": ("sign", tmp_path / "nope.pdf", tmp_path / "o2.pdf", "--p12",
                          ident.p12, "--password-file", ident.password_file),
        "not a pdf": ("sign", not_pdf, tmp_path / "o3.pdf", "--p12", ident.p12,
                      "--password-file", ident.password_file, "--level", "B-B"),
        "not a p12": ("sign", unsigned, tmp_path / "o4.pdf", "--p12", unsigned,
                      "--password-file", ident.password_file, "--level", "B-B"),
        "expired": ("sign", unsigned, tmp_path / "o5.pdf", "--p12",
                    demo_pki.identity("zmk-expired").p12, "--password-file",
                    demo_pki.identity("zmk-expired").password_file, "--level", "B-B"),
    }
    expected_words = {"wrong password": "wrong password", "missing input": "does not exist",
                      "not a pdf": "not a PDF", "not a p12": "not a PKCS#12",
                      "expired": "expired"}
    for name, args in cases.items():
        proc = lk(*args)
        assert proc.returncode == 2, (name, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr, (name, proc.stderr)
        assert expected_words[name] in proc.stderr, (name, proc.stderr)
        assert not Path(args[2]).exists()


def test_tsa_down_fails_or_degrades(demo_pki, unsigned, tmp_path):
    ident = demo_pki.supplier
    out = tmp_path / "out.pdf"
    args = ("sign", unsigned, out, "--p12", ident.p12, "--password-file", ident.password_file,
            "--tsa", _closed_port_url())
    proc = lk(*args)
    assert proc.returncode == 1 and "time-stamping" in proc.stderr and not out.exists()
    assert "Traceback" not in proc.stderr
    proc = lk(*args, "--allow-degraded")
    assert proc.returncode == 0, proc.stderr
    assert "B-B" in proc.stdout and "upgrade pending" in proc.stderr
