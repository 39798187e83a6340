"""Every vendored front-end file VENDORED.md lists is committed with the recorded checksum.

A clean clone is what CI and a new user get: a file present on one machine but ignored by
git (a ``build/`` or ``dist/`` rule) would leave the signing page without pdf.js there.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest

VENDOR = Path(__file__).resolve().parents[2] / "lk_corporate" / "static" / "vendor"
ROW = re.compile(r"^\| `([^`]+)` \| `[^`]+` \| `([0-9a-f]{64})` \|$", re.MULTILINE)


def _files() -> list[tuple[str, str]]:
    return ROW.findall((VENDOR / "VENDORED.md").read_text(encoding="utf-8"))


def test_every_listed_file_has_its_checksum() -> None:
    files = _files()
    assert len(files) >= 10
    for name, digest in files:
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.skipif(shutil.which("git") is None or not (VENDOR.parents[2] / ".git").exists(),
                    reason="not a git checkout")
def test_every_listed_file_is_committed_not_ignored() -> None:
    names = [f"lk_corporate/static/vendor/{name}" for name, _ in _files()]
    ignored = subprocess.run(["git", "check-ignore", "--no-index", *names], cwd=VENDOR.parents[2],
                             capture_output=True, text=True)
    assert ignored.stdout.strip() == "", f"ignored by .gitignore: {ignored.stdout}"
