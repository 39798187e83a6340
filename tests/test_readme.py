"""The README is part of the product: its configuration table names every environment
variable the code reads, and its commands exist with the options it shows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
LK = str(Path(sys.executable).parent / "lk")
_ENV_READ = re.compile(r"""(?:environ\.get\(|environ\[|getenv\()\s*["'](LK_[A-Z0-9_]+)["']""")
# config.py reads the environment through a local ``get = env.get``.
_CONFIG_READ = re.compile(r"""\bget\(\s*["'](LK_[A-Z0-9_]+)["']""")


def _variables_read_by_code() -> set[str]:
    found: set[str] = set()
    for folder in ("lk_corporate", "signing", "documents", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            found |= set(_ENV_READ.findall(text))
            if path.name == "config.py":
                found |= set(_CONFIG_READ.findall(text))
    return found


def test_every_environment_variable_is_documented():
    documented = set(re.findall(r"^\| `(LK_[A-Z0-9_]+)`", README, re.MULTILINE))
    documented |= set(re.findall(r"`(LK_[A-Z0-9_]+)` / `", README))
    documented |= set(re.findall(r"/ `(LK_[A-Z0-9_]+)` \|", README))
    missing = _variables_read_by_code() - documented
    assert not missing, f"README's configuration table lacks {sorted(missing)}"


def test_readme_commands_exist():
    out = subprocess.run([LK, "--help"], capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL, check=False).stdout
    for command in ("run", "db", "demo", "audit", "pki", "sign", "verify", "documents"):
        assert re.search(rf"^\s+{command}\s", out, re.MULTILINE), f"lk {command} missing:\n{out}"
    for args, options in ((["sign"], ["--p12", "--password-file", "--level", "--tsa", "--certify",
                                      "--field", "--add-empty-field"]),
                          (["verify"], ["--trust", "--crl", "--tax-id", "--json"]),
                          (["demo"], ["--host", "--port", "--pki-port"]),
                          (["pki", "init"], ["--base-url"]),
                          (["pki", "serve"], ["--port"])):
        text = subprocess.run([LK, *args, "--help"], capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL, check=False).stdout
        for option in options:
            assert option in text, f"lk {' '.join(args)} lacks {option}"


def test_the_two_commands_are_make_targets():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.MULTILINE) and re.search(r"^test:", makefile, re.MULTILINE)
    assert "make demo" in README and "make test" in README
