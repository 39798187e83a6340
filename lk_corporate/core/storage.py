"""Document files, content-addressed: every file is stored once, under its SHA-256.

A file is never overwritten or deleted: a signed revision is a new file beside the one it
extends, so every revision a document ever had can be downloaded again and checked against
the hash the audit log recorded. Writes are atomic (a temporary file renamed into place), so
two workers storing the same bytes at once both succeed and leave one file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


class StoredFileMissing(LookupError):
    """No file with that hash is stored (or it no longer matches its hash)."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class FileStore:
    """Files under ``root/ab/cd/abcd…`` (the SHA-256 in hex)."""

    root: Path

    def path(self, digest: str) -> Path:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise StoredFileMissing(digest)
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        """Store ``data``; its SHA-256 (hex). Storing the same bytes again changes nothing."""
        digest = sha256_hex(data)
        # Plain os calls on strings: a month-end job stores two files per client, and
        # pathlib's objects and a mkdir per level (which raises when the folder exists, as it
        # nearly always does) cost more than writing the file.
        target = os.fspath(self.path(digest))
        if os.path.exists(target):
            return digest
        folder = os.path.dirname(target)
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o440)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return digest

    def get(self, digest: str) -> bytes:
        """The stored bytes, checked against their hash."""
        try:
            data = self.path(digest).read_bytes()
        except FileNotFoundError:
            raise StoredFileMissing(digest) from None
        if sha256_hex(data) != digest:
            raise StoredFileMissing(f"{digest}: the stored file does not match its hash")
        return data

    def exists(self, digest: str) -> bool:
        try:
            return self.path(digest).exists()
        except StoredFileMissing:
            return False
