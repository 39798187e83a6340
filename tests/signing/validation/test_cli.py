"""`lk verify`: output, JSON, exit status, default trust from LK_TRUST_ROOTS, --crl, --tax-id."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from lk_corporate.verification.cli import verify

from .conftest import Docs
from .testpki import TestPki

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def files(docs: Docs, pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("cli")
    out = {}
    for name in ("b_t", "b_lt", "two_t", "revoked_early", "client_b", "base"):
        out[name] = d / f"{name}.pdf"
        out[name].write_bytes(docs(name))
    out["tampered"] = d / "tampered.pdf"
    out["tampered"].write_bytes(docs("b_t") + b"garbage")
    out["crl"] = d / "ca.crl"
    crl = pki.crl(pki.ca, pki.now, pki.now + dt.timedelta(days=7))
    out["crl"].write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    out["root_crl"] = d / "root.crl"
    out["root_crl"].write_bytes(pki.crl(pki.root, pki.now, pki.now + dt.timedelta(days=7))
                                .public_bytes(serialization.Encoding.DER))
    return out


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    r = CliRunner().invoke(verify, list(args), env=env, catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def crl_args(files: dict[str, Path]) -> list[str]:
    return ["--crl", str(files["crl"]), "--crl", str(files["root_crl"]), "--offline"]


def test_valid_document_exit_0(files: dict[str, Path], root_pem: Path) -> None:
    code, out, _ = run(str(files["b_t"]), "--trust", str(root_pem), *crl_args(files))
    assert code == 0, out
    assert "TOTAL-PASSED" in out and "Иванов Иван" in out and "INNLE 7712345671" in out
    assert "supplied-crl" in out


def test_b_lt_offline_without_crl_files(files: dict[str, Path], root_pem: Path) -> None:
    code, out, _ = run(str(files["b_lt"]), "--trust", str(root_pem), "--offline")
    assert code == 0, out
    assert "embedded-ocsp" in out


def test_json_output(files: dict[str, Path], root_pem: Path) -> None:
    code, out, _ = run(str(files["two_t"]), "--trust", str(root_pem), *crl_args(files), "--json")
    assert code == 0
    data = json.loads(out)
    assert [s["indication"] for s in data["signatures"]] == ["TOTAL-PASSED", "TOTAL-PASSED"]
    assert data["signatures"][0]["changes_after"]["kind"] == "signatures"
    assert data["all_passed"] is True


def test_trust_from_environment(files: dict[str, Path], root_pem: Path, tmp_path: Path) -> None:
    other = tmp_path / "nothing.pem"
    other.write_bytes(b"")
    env = {"LK_TRUST_ROOTS": os.pathsep.join([str(root_pem)])}
    code, out, _ = run(str(files["b_t"]), *crl_args(files), env=env)
    assert code == 0, out
    code, _, _ = run(str(files["b_t"]), *crl_args(files), env={"LK_TRUST_ROOTS": ""})
    assert code == 1  # no trust anchor: INDETERMINATE


def test_revoked_exit_1(files: dict[str, Path], root_pem: Path) -> None:
    code, out, _ = run(str(files["revoked_early"]), "--trust", str(root_pem), *crl_args(files))
    assert code == 1 and "REVOKED" in out


def test_tampered_exit_1(files: dict[str, Path], root_pem: Path) -> None:
    code, out, _ = run(str(files["tampered"]), "--trust", str(root_pem), *crl_args(files))
    assert code == 1 and "after the last %%EOF" in out


def test_no_signature_exit_1(files: dict[str, Path], root_pem: Path) -> None:
    code, out, _ = run(str(files["base"]), "--trust", str(root_pem), "--offline")
    assert code == 1 and "no signature" in out


def test_tax_id(files: dict[str, Path], root_pem: Path) -> None:
    args = ["--trust", str(root_pem), *crl_args(files)]
    assert run(str(files["b_t"]), *args, "--tax-id", "7712345671")[0] == 0
    code, out, _ = run(str(files["client_b"]), *args, "--tax-id", "7712345671")
    assert code == 1 and "Authorized:    NO" in out
    # the last signer decides: client A then the supplier
    assert run(str(files["two_t"]), *args, "--tax-id", "7701234560")[0] == 0
    assert run(str(files["two_t"]), *args, "--tax-id", "7712345671")[0] == 1


def test_unreadable_inputs_exit_2(files: dict[str, Path], root_pem: Path, tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "missing.pdf"), "--trust", str(root_pem))
    assert code == 2 and "cannot read" in err
    bad_trust = tmp_path / "bad.pem"
    bad_trust.write_bytes(b"not a certificate")
    code, _, err = run(str(files["b_t"]), "--trust", str(bad_trust))
    assert code == 2 and "lk verify:" in err
    bad_crl = tmp_path / "bad.crl"
    bad_crl.write_bytes(b"\x30\x03\x02\x01\x00")
    code, _, err = run(str(files["b_t"]), "--trust", str(root_pem), "--crl", str(bad_crl))
    assert code == 2 and "CRL" in err


def test_the_real_lk_command(files: dict[str, Path], root_pem: Path, tmp_path: Path) -> None:
    """Through the ``lk`` console script (Flask CLI group), with no database configured."""
    env = dict(os.environ, LK_TRUST_ROOTS=str(root_pem), LK_DATABASE_URL=f"sqlite:///{tmp_path}/absent/x.db")
    lk = Path(sys.executable).parent / "lk"
    ok = subprocess.run([str(lk), "verify", str(files["b_lt"]), "--offline"], cwd=tmp_path, env=env,
                        check=False, capture_output=True, timeout=120)
    assert ok.returncode == 0, ok.stderr.decode()[-2000:]
    bad = subprocess.run([str(lk), "verify", str(files["tampered"]), "--offline", "--json"], cwd=tmp_path,
                         env=env, check=False, capture_output=True, timeout=120)
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["signatures"][0]["sub_indication"] == "FORMAT_FAILURE"
    assert not (tmp_path / "absent").exists()


FAKETIME = shutil.which("faketime")


@pytest.mark.skipif(FAKETIME is None, reason="faketime is not installed (scripts/install-system-deps.sh)")
@pytest.mark.parametrize(("clock", "year"), [
    ("+3y", dt.datetime.now(dt.UTC).year + 3),
    ("2031-06-01 12:00:00", 2031),  # no "@": the clock stands still
], ids=["three-years-ahead", "frozen"])
def test_lk_verify_ends_whatever_the_clock_does(files: dict[str, Path], root_pem: Path, tmp_path: Path,
                                                clock: str, year: int) -> None:
    """Under libfaketime with the monotonic clock faked too, a wait that computes its deadline
    on the faked clock and waits on the real one never ends (``lk verify`` hung at exit on the
    web app's rate-limiter timer thread). Fetching stays on: the test PKI's OCSP/CRL URLs
    refuse connections, so the network code runs under the faked clock as well."""
    assert FAKETIME is not None
    env = dict(os.environ, FAKETIME_DONT_FAKE_MONOTONIC="0", LK_TRUST_ROOTS=str(root_pem),
               LK_DATABASE_URL=f"sqlite:///{tmp_path}/absent/x.db")
    lk = Path(sys.executable).parent / "lk"
    # a session of its own: faketime forks, and a hung child must not outlive the test
    proc = subprocess.Popen([FAKETIME, "-f", clock, str(lk), "verify", str(files["two_t"]), "--json"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"lk verify did not end within 60 s under faketime -f {clock!r}")
    assert proc.returncode in (0, 1), err.decode()[-2000:]
    report = json.loads(out)
    assert report["validation_time"].startswith(str(year))  # the clock was faked indeed
    assert len(report["signatures"]) == 2
