"""Fixtures for the document tests: the samples rendered once per session, and helpers that
run the poppler tools on them (real binaries, no mocks)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from lk_corporate.demo.samples import SAMPLE_FILES, write_samples

TOOLS = ("pdftotext", "pdffonts", "pdftoppm", "pdfdetach", "pdfinfo")


@pytest.fixture(scope="session", autouse=True)
def _poppler() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.fail(f"poppler-utils missing: {missing}")


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("samples")
    write_samples(directory)
    assert sorted(p.name for p in directory.iterdir()) == sorted(SAMPLE_FILES)
    return directory


def run(*args: str | Path) -> str:
    return subprocess.run([str(a) for a in args], check=True, capture_output=True,
                          text=True).stdout


def layout_text(pdf: Path) -> str:
    """``pdftotext -layout`` with runs of spaces squeezed: cells come out as "a b  c"."""
    return run("pdftotext", "-layout", pdf, "-")


def squeezed(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text)


def page_count(pdf: Path) -> int:
    match = re.search(r"^Pages:\s+(\d+)$", run("pdfinfo", pdf), re.MULTILINE)
    assert match
    return int(match.group(1))
