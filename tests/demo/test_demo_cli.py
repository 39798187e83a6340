"""``lk demo`` on a shared machine: its PKI port, a port held by another PKI, the user's
settings. Every demo here runs through the real console script in its own folder.

Before ``--pki-port``, a demo whose port 8765 was taken printed "that is fine" and carried
on: its signatures were timestamped by whatever answered there (another demo's TSA) and did
not validate.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from lk_corporate.pki import load_manifest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
LK = str(Path(sys.executable).parent / "lk")
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _env(home: Path, **extra: str) -> dict[str, str]:
    """A demo in ``home``: nothing from the caller's LK_* settings leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LK_")}
    env.update(LK_INSTANCE_DIR=str(home), LK_DATABASE_URL=f"sqlite:///{home / 'lk.sqlite3'}", LK_PKI_DIR=str(home / "pki"),
               LK_MAIL_DIR=str(home / "outbox"), LK_STORAGE_DIR=str(home / "files"),
               LK_SECRET_KEY="demo-test-secret", LK_ARGON2_TIME_COST="1",
               LK_ARGON2_MEMORY_KIB="1024", **extra)
    return env


def lk(*args: object, env: dict[str, str], cwd: Path,
       timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LK, *map(str, args)], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False)


@dataclass
class Demo:
    home: Path
    port: int
    process: subprocess.Popen[str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def output(self) -> str:
        return (self.home / "demo.log").read_text(encoding="utf-8")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def start_demo(home: Path, *args: object, env: dict[str, str]) -> Demo:
    """``lk demo --port P ARGS``; returns once the portal answers or the command has ended."""
    home.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = open(home / "demo.log", "w", encoding="utf-8")
    process = subprocess.Popen([LK, "demo", "--port", str(port), *map(str, args)], env=env,
                               cwd=home, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, text=True)
    log.close()
    demo = Demo(home, port, process)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None and not _listening(port):
        time.sleep(0.3)
    if process.poll() is None and not _listening(port):
        demo.stop()
        pytest.fail("lk demo neither started nor stopped:\n" + demo.output)
    return demo


@pytest.fixture()
def demos() -> Iterator[list[Demo]]:
    """Demos a test starts; all stopped at the end, whatever happened."""
    started: list[Demo] = []
    yield started
    for demo in started:
        demo.stop()


@pytest.fixture()
def foreign_pki(tmp_path: Path) -> Iterator[int]:
    """Another PKI (not any demo's here) served by ``lk pki serve`` on a free port."""
    port = _free_port()
    other = tmp_path / "other-pki"
    env = _env(tmp_path / "other")
    assert lk("pki", "init", other, "--base-url", f"http://127.0.0.1:{port}", env=env,
              cwd=tmp_path).returncode == 0
    server = subprocess.Popen([LK, "pki", "serve", str(other), "--port", str(port)], env=env,
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not _listening(port):
            assert server.poll() is None and time.monotonic() < deadline, "lk pki serve died"
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_port_serving_another_pki_is_refused(tmp_path, foreign_pki, demos):
    # A new demo: refused before anything is generated.
    fresh = tmp_path / "fresh"
    demos.append(demo := start_demo(fresh, "--pki-port", foreign_pki, env=_env(fresh)))
    assert demo.process.returncode == 1, demo.output
    assert f"port {foreign_pki}" in demo.output and "not by this demo's PKI" in demo.output
    assert "--pki-port" in demo.output and "Traceback" not in demo.output
    assert not _listening(demo.port)
    assert not (fresh / "pki").exists() and not (fresh / "lk.sqlite3").exists()

    # A demo whose own PKI was made for that port (LK_PKI_PORT this time): refused as well.
    made = tmp_path / "made"
    env = _env(made, LK_PKI_PORT=str(foreign_pki))
    assert lk("demo", "--no-server", env=env, cwd=tmp_path).returncode == 0
    demos.append(demo := start_demo(made, env=env))
    assert demo.process.returncode == 1 and "not by this demo's PKI" in demo.output, demo.output


def _sign_and_verify(demo: Demo, tmp_path: Path, root: Path) -> subprocess.CompletedProcess[str]:
    """The supplier of ``demo`` signs a sample act at B-LT (the demo's TSA, OCSP and CRL);
    ``lk verify`` checks it against ``root``."""
    manifest = load_manifest(demo.home / "pki")
    env = _env(demo.home)
    docs = tmp_path / f"docs-{demo.port}"
    assert lk("documents", "sample", docs, env=env, cwd=tmp_path).returncode == 0
    supplier = manifest.identity("supplier")
    signed = docs / "signed.pdf"
    proc = lk("sign", docs / "reading_act.pdf", signed, "--p12", supplier.p12, "--password-file",
              supplier.password_file, "--field", "supplier", "--level", "B-LT", "--tsa",
              manifest.tsa_url, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return lk("verify", signed, "--trust", root, env=env, cwd=tmp_path)


def test_two_demos_side_by_side_each_with_its_own_pki(tmp_path, demos):
    first, second = tmp_path / "first", tmp_path / "second"
    ports = _free_port(), _free_port()
    demos.append(start_demo(first, "--pki-port", ports[0], env=_env(first)))
    demos.append(start_demo(second, env=_env(second, LK_PKI_PORT=str(ports[1]))))
    for demo, pki_port in zip(demos, ports, strict=True):
        assert demo.process.poll() is None, demo.output
        assert load_manifest(demo.home / "pki").base_url == f"http://127.0.0.1:{pki_port}"
        assert f"CRL / OCSP / TSA: http://127.0.0.1:{pki_port}" in demo.output
    for demo in demos:
        proc = _sign_and_verify(demo, tmp_path, demo.home / "pki" / "root-ca.pem")
        assert proc.returncode == 0 and "every signature is TOTAL-PASSED" in proc.stdout, \
            proc.stdout + proc.stderr
    # Each PKI is its own: the first demo's document does not chain to the second's root.
    foreign = _sign_and_verify(demos[0], tmp_path, second / "pki" / "root-ca.pem")
    assert foreign.returncode == 1 and "TOTAL-PASSED" not in foreign.stdout.splitlines()[-1]


def test_a_port_served_by_this_pki_is_shared(tmp_path, demos):
    home, pki_port = tmp_path / "home", _free_port()
    env = _env(home, LK_PKI_PORT=str(pki_port))
    assert lk("demo", "--no-server", env=env, cwd=tmp_path).returncode == 0
    server = subprocess.Popen([LK, "pki", "serve", str(home / "pki"), "--port", str(pki_port)],
                              env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        while not _listening(pki_port):
            assert server.poll() is None, "lk pki serve died"
            time.sleep(0.2)
        demos.append(demo := start_demo(home, env=env))
        assert demo.process.poll() is None, demo.output
        assert "already served there for this PKI" in demo.output
        proc = _sign_and_verify(demo, tmp_path, home / "pki" / "root-ca.pem")
        assert proc.returncode == 0, proc.stdout + proc.stderr
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_an_existing_pki_keeps_its_port_and_another_port_is_refused(tmp_path):
    home, pki_port = tmp_path / "home", _free_port()
    env = _env(home)
    made = lk("demo", "--no-server", "--pki-port", pki_port, env=env, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    # Without --pki-port the demo serves the PKI where its certificates point.
    again = lk("demo", "--no-server", env=env, cwd=tmp_path)
    assert again.returncode == 0 and f"at http://127.0.0.1:{pki_port}" in again.stdout
    # Another port: refused with what to do, the PKI left as it was.
    other = lk("demo", "--no-server", "--pki-port", pki_port + 1, env=env, cwd=tmp_path)
    assert other.returncode == 1, other.stdout
    assert f"generated for http://127.0.0.1:{pki_port}" in other.stderr
    assert f"--pki-port {pki_port}" in other.stderr and "LK_PKI_DIR" in other.stderr
    assert load_manifest(home / "pki").base_url == f"http://127.0.0.1:{pki_port}"


def test_lk_commands_beside_the_demo_use_its_addresses(tmp_path):
    """A demo on ports of its own: an ``lk`` command run beside it with ``LK_DEMO`` set (``lk
    period calculate`` from a shell) links and timestamps what it issues as the demo does.
    Before, it printed verification links to port 5000 and asked the TSA on port 8765 —
    another demo's, or nobody's, so the invoices were signed at B-B."""
    from lk_corporate.config import load_config

    home, port, pki_port = tmp_path / "home", _free_port(), _free_port()
    env = _env(home)
    made = lk("demo", "--no-server", "--port", port, "--pki-port", pki_port, env=env,
              cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    beside = load_config(home, {**env, "LK_DEMO": "1"})
    assert beside["LK_BASE_URL"] == f"http://127.0.0.1:{port}"
    assert beside["LK_TSA_URL"] == f"http://127.0.0.1:{pki_port}/tsa"
    assert beside["LK_TRUST_ROOTS"] == str(load_manifest(home / "pki").trust_anchor)
    # What the environment says still wins, and without LK_DEMO the defaults stay.
    told = load_config(home, {**env, "LK_DEMO": "1", "LK_BASE_URL": "https://lk.example",
                              "LK_TSA_URL": "http://tsa.example.test/tsa"})
    assert (told["LK_BASE_URL"], told["LK_TSA_URL"]) == ("https://lk.example",
                                                         "http://tsa.example.test/tsa")
    plain = load_config(home, env)
    assert plain["LK_BASE_URL"] == "http://127.0.0.1:5000"
    assert plain["LK_TSA_URL"] == "http://127.0.0.1:8765/tsa"
    # A damaged file is as good as none.
    (home / "demo-addresses.json").write_text("{not json", encoding="utf-8")
    assert load_config(home, {**env, "LK_DEMO": "1"})["LK_BASE_URL"] == "http://127.0.0.1:5000"


def test_lk_verify_beside_the_demo_trusts_its_root_and_nothing_else_without(tmp_path):
    """``lk verify`` run beside the demo with ``LK_DEMO`` set checks a downloaded PDF against
    the demo's PKI (as the other ``lk`` commands there use its addresses); without it, it
    trusts nothing it was not told to. The demo's summary says how."""
    home = tmp_path / "home"
    env = _env(home)
    made = lk("demo", "--no-server", env=env, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    manifest = load_manifest(home / "pki")
    assert f"lk verify FILE.pdf --trust {manifest.trust_anchor}" in made.stdout
    docs = tmp_path / "docs"
    assert lk("documents", "sample", docs, env=env, cwd=tmp_path).returncode == 0
    supplier = manifest.identity("supplier")
    signed = docs / "signed.pdf"
    proc = lk("sign", docs / "reading_act.pdf", signed, "--p12", supplier.p12,
              "--password-file", supplier.password_file, "--field", "supplier", "--level",
              "B-B", env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    alone = lk("verify", signed, "--offline", env=env, cwd=tmp_path)
    assert "no trust anchors configured" in alone.stdout, alone.stdout
    beside = lk("verify", signed, "--offline", env={**env, "LK_DEMO": "1"}, cwd=tmp_path)
    assert "no trust anchors configured" not in beside.stdout, beside.stdout
    assert "Chain:         NOT trusted" not in beside.stdout, beside.stdout
    told = lk("verify", signed, "--offline", "--trust", signed,  # not a certificate
              env={**env, "LK_DEMO": "1"}, cwd=tmp_path)
    assert told.returncode == 2, told.stdout + told.stderr  # what the user says wins


def test_lk_sign_beside_the_demo_timestamps_with_its_tsa(tmp_path):
    """``lk sign`` run beside a demo whose PKI is on a port of its own, with ``LK_DEMO`` set:
    it asks that demo's TSA, as the other ``lk`` commands there do. Before, it asked port
    8765 unless ``--tsa`` was given, and failed ("the time-stamping authority failed")."""
    home, pki_port = tmp_path / "home", _free_port()
    env = _env(home)
    made = lk("demo", "--no-server", "--port", _free_port(), "--pki-port", pki_port, env=env,
              cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    manifest = load_manifest(home / "pki")
    docs = tmp_path / "docs"
    assert lk("documents", "sample", docs, env=env, cwd=tmp_path).returncode == 0
    client = manifest.by_role("client")[0]
    server = subprocess.Popen([LK, "pki", "serve", str(home / "pki"), "--port",
                               str(pki_port)], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not _listening(pki_port):
            assert server.poll() is None and time.monotonic() < deadline, "lk pki serve"
            time.sleep(0.1)
        signed = docs / "signed.pdf"
        proc = lk("sign", docs / "reading_act.pdf", signed, "--p12", client.p12,
                  "--password-file", client.password_file, "--field", "client",
                  env={**env, "LK_DEMO": "1"}, cwd=tmp_path)  # B-T, the default
        assert proc.returncode == 0, proc.stderr
        assert "B-T" in proc.stdout, proc.stdout
        # What the environment says still wins over the demo's.
        told = lk("sign", docs / "reading_act.pdf", tmp_path / "told.pdf", "--p12",
                  client.p12, "--password-file", client.password_file, "--field", "client",
                  env={**env, "LK_DEMO": "1", "LK_TSA_URL": f"http://127.0.0.1:{_free_port()}"
                                                         "/tsa"}, cwd=tmp_path)
        assert told.returncode == 1, told.stdout + told.stderr
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_users_mail_backend_and_tsa_are_kept(tmp_path, smtp_server, demos):
    home = tmp_path / "home"
    env = _env(home, LK_PKI_PORT=str(_free_port()), LK_MAIL_BACKEND="smtp",
               LK_SMTP_HOST=smtp_server.host, LK_SMTP_PORT=str(smtp_server.port),
               LK_TSA_URL="http://tsa.example.test/tsa")
    demos.append(demo := start_demo(home, env=env))
    assert demo.process.poll() is None, demo.output
    assert f"sent through {smtp_server.host}:{smtp_server.port}" in demo.output
    assert "TSA:      http://tsa.example.test/tsa (LK_TSA_URL)" in demo.output
    # A password reset goes out through the user's SMTP server, not into a file.
    with requests.Session() as browser:
        form = browser.get(f"{demo.url}/password/forgot", timeout=30)
        token = _CSRF.search(form.text)
        assert token, form.text
        sent = browser.post(f"{demo.url}/password/forgot", timeout=30,
                            data={"login": "admin", "csrf_token": token.group(1)})
        assert sent.status_code == 200, sent.text
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not smtp_server.messages:
        time.sleep(0.2)
    assert "/password/reset/" in smtp_server.last_to("admin@demo.lk.example").get_content()
    assert not list((home / "outbox").glob("*.eml"))


def test_make_demo_passes_pki_port():
    def dry_run(*variables: str) -> str:
        env = {k: v for k, v in os.environ.items() if k not in ("PKI_PORT", "LK_PKI_PORT")}
        return subprocess.run(["make", "-n", "demo", *variables], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=True).stdout

    assert re.search(r"lk demo .*--pki-port 8799\b", dry_run("PKI_PORT=8799"))
    # Unset: the demo decides (LK_PKI_PORT, the existing PKI's port, else 8765).
    assert "--pki-port" not in dry_run()
