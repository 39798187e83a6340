"""Checkpoints anchor the audit chain outside the database.

The attacks of the issue, each done the way someone with database access would (raw SQL,
hashes recomputed, the id sequence lowered), must pass the plain hash-chain check and fail
``lk audit verify`` once a checkpoint exists; checkpoints are made by the real ``lk audit
checkpoint`` with the demo supplier key and the demo TSA served on loopback, and openssl
checks them without any of our code.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from lk_corporate.audit.anchor import (
    DOCUMENT_NAME,
    SIGNATURE_NAME,
    TIMESTAMP_NAME,
    AnchorSettings,
    AnchorUnavailableError,
    ChainNotAnchorableError,
    verify_checkpoints,
    write_checkpoint,
)
from lk_corporate.core.audit import Actor, AuditEntry, entry_hash, record, verify_chain
from lk_corporate.core.extensions import db

LK = str(Path(sys.executable).parent / "lk")


@pytest.fixture()
def anchor(tmp_path, demo_pki, pki_services) -> AnchorSettings:
    """Checkpoints in a fresh directory, signed by the demo supplier, timestamped by the demo
    TSA, checked against the demo root."""
    supplier = demo_pki.supplier
    return AnchorSettings(directory=tmp_path / "checkpoints", p12=supplier.p12,
                          password_file=supplier.password_file, tsa_url=demo_pki.tsa_url,
                          trust_roots=(demo_pki.root_pem,))


def _append(n: int) -> None:
    for i in range(n):
        record(db.session(), "test.event", actor=Actor(None, "tester", "127.0.0.1"),
               object_type="thing", object_id=i, details={"i": i, "text": "Привет"})
    db.session.commit()


def _checkpoint(settings: AnchorSettings) -> None:
    assert write_checkpoint(db.session(), settings) is not None
    db.session.rollback()


def _env(database_url: str, settings: AnchorSettings, demo_pki: object) -> dict[str, str]:
    return {
        **os.environ,
        "LK_DATABASE_URL": database_url,
        "LK_AUDIT_CHECKPOINT_DIR": str(settings.directory),
        "LK_SUPPLIER_P12": str(settings.p12 or ""),
        "LK_SUPPLIER_P12_PASSWORD_FILE": str(settings.password_file or ""),
        "LK_TSA_URL": settings.tsa_url,
        "LK_TRUST_ROOTS": ":".join(str(p) for p in settings.trust_roots),
        "LK_PKI_DIR": str(demo_pki.directory),  # type: ignore[attr-defined]
    }


def _lk(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LK, "audit", *args], env=env, capture_output=True, text=True,
                          check=False, timeout=120, stdin=subprocess.DEVNULL)


def _rewrite_from(seq: int) -> None:
    """The attack: edit entry ``seq`` and recompute every later hash and link in the
    database, so that the chain is consistent again."""
    rows = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.seq >= seq).order_by(AuditEntry.seq)).all()
    prev = db.session.scalars(sa.select(AuditEntry.hash).where(AuditEntry.seq == seq - 1)).one()
    updates = []
    for e in rows:
        details = '{"forged":true}' if e.seq == seq else e.details
        new = entry_hash(seq=e.seq, created_at=e.created_at, actor_id=e.actor_id, actor=e.actor,
                         ip=e.ip, action=e.action, object_type=e.object_type,
                         object_id=e.object_id, details=details, prev_hash=prev)
        updates.append({"s": e.seq, "d": details, "p": prev, "h": new})
        prev = new
    db.session.rollback()
    with db.engine.begin() as conn:
        for u in updates:
            conn.execute(sa.text("UPDATE audit_entries SET details = :d, prev_hash = :p, "
                                 "hash = :h WHERE seq = :s"), u)
    db.session.expire_all()


def _delete_tail_and_lower_sequence(from_seq: int) -> None:
    """The attack: delete the last entries and hand their ids out again."""
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_entries WHERE seq >= :s"), {"s": from_seq})
        last_id = conn.execute(sa.text("SELECT max(id) FROM audit_entries")).scalar_one()
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT setval('audit_entries_id_seq', :v)"), {"v": last_id})
        else:
            conn.execute(sa.text("UPDATE sqlite_sequence SET seq = :v "
                                 "WHERE name = 'audit_entries'"), {"v": last_id})
    db.session.expire_all()


def test_clean_chain_with_checkpoints_passes(session, database_url, anchor, demo_pki):
    _append(5)
    _checkpoint(anchor)
    _append(3)
    _checkpoint(anchor)
    _append(2)
    report = verify_checkpoints(db.session(), anchor)
    assert report.intact, report.problems
    assert [v.checkpoint.seq for v in report.checkpoints] == [5, 8]
    assert report.uncovered == 2 and report.pinned_to
    newest = report.newest
    assert newest is not None and newest.timestamp is not None
    assert abs(newest.timestamp - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)

    result = _lk(["verify"], _env(database_url, anchor, demo_pki))
    assert result.returncode == 0, result.stderr
    assert (f"Audit chain intact: 10 entries, 2 checkpoints, newest at seq 8, "
            f"{newest.timestamp:%Y-%m-%d %H:%M} UTC.") in result.stdout
    assert "Not protected: the 2 entries after seq 8" in result.stdout
    assert "Warning" not in result.stderr


def test_rewritten_chain_is_caught_by_the_checkpoint(session, database_url, anchor, demo_pki):
    """Edit entry 15, recompute every later hash: the chain alone looks intact, the
    checkpoint covering it does not agree."""
    _append(12)
    _checkpoint(anchor)  # checkpoint 1: seq 12
    _append(8)
    _checkpoint(anchor)  # checkpoint 2: seq 20
    _append(5)
    _rewrite_from(15)
    assert verify_chain(db.session).intact  # what `lk audit verify` used to settle for

    report = verify_checkpoints(db.session(), anchor)
    assert [(p.checkpoint, p.seq) for p in report.problems] == [(2, 20)]
    assert "entries in 13..20 were rewritten" in report.problems[0].message

    result = _lk(["verify"], _env(database_url, anchor, demo_pki))
    assert result.returncode == 1, result.stdout
    assert "checkpoint 2 (seq 20): entry #20 has hash" in result.stderr
    assert "13..20 were rewritten" in result.stderr


def test_deleted_tail_is_caught_even_with_the_id_sequence_lowered(session, database_url, anchor,
                                                                   demo_pki):
    _append(10)
    _checkpoint(anchor)
    _delete_tail_and_lower_sequence(8)
    assert verify_chain(db.session).intact  # ids and links alone no longer show it

    report = verify_checkpoints(db.session(), anchor)
    assert [(p.checkpoint, p.seq) for p in report.problems] == [(1, 10)]
    assert "entries 8..10 were deleted" in report.problems[0].message

    result = _lk(["verify"], _env(database_url, anchor, demo_pki))
    assert result.returncode == 1
    assert "checkpoint 1 (seq 10): anchored entries up to #10, but the chain ends at #7" \
        in result.stderr


def test_deleted_tail_refilled_with_new_entries_is_caught(session, anchor):
    """Deleting the tail and appending as many fresh entries gives a longer, linked chain:
    the entry at the checkpoint's seq is not the one it anchored."""
    _append(10)
    _checkpoint(anchor)
    _delete_tail_and_lower_sequence(8)
    _append(5)
    assert verify_chain(db.session).intact
    report = verify_checkpoints(db.session(), anchor)
    assert [(p.checkpoint, p.seq) for p in report.problems] == [(1, 10)]
    assert "rewritten" in report.problems[0].message


def _tamper_json(cp: Path) -> None:
    # The attacker rewrote the chain and now makes the checkpoint name the new head.
    doc = (cp / DOCUMENT_NAME).read_text()
    (cp / DOCUMENT_NAME).write_text(doc.replace('"entries":3', '"entries":2'))


def _flip_signature_byte(cp: Path) -> None:
    data = bytearray((cp / SIGNATURE_NAME).read_bytes())
    data[-40] ^= 0x01  # inside the signature timestamp's signature value
    (cp / SIGNATURE_NAME).write_bytes(bytes(data))


def _swap_timestamp(cp: Path) -> None:
    other = cp.parent / "000001" / TIMESTAMP_NAME
    (cp / TIMESTAMP_NAME).write_bytes(other.read_bytes())


def _drop_signature(cp: Path) -> None:
    (cp / SIGNATURE_NAME).unlink()


@pytest.mark.parametrize("tamper,expected", [
    (_tamper_json, "signature invalid: the message digest does not match"),
    (_flip_signature_byte, "signature timestamp"),
    (_swap_timestamp, f"{TIMESTAMP_NAME} is not the timestamp inside the signature"),
    (_drop_signature, "not signed"),
])
def test_tampered_checkpoint_file_fails(session, database_url, anchor, demo_pki, tamper,
                                        expected):
    _append(2)
    _checkpoint(anchor)
    _append(1)
    _checkpoint(anchor)
    cp = anchor.directory / "000002"
    for f in cp.iterdir():
        f.chmod(0o644)  # written read-only
    tamper(cp)
    report = verify_checkpoints(db.session(), anchor)
    assert report.problems and all(p.checkpoint == 2 for p in report.problems), report.problems
    assert any(expected in p.message for p in report.problems), report.problems
    result = _lk(["verify"], _env(database_url, anchor, demo_pki))
    assert result.returncode == 1 and "checkpoint 2 (seq 3)" in result.stderr, result.stderr
    with pytest.raises(ChainNotAnchorableError, match="the newest checkpoint .* does not verify"):
        write_checkpoint(db.session(), anchor)  # nothing is chained onto a forgery


def test_deleted_middle_checkpoint_breaks_the_checkpoint_chain(session, anchor):
    for _ in range(3):
        _append(1)
        _checkpoint(anchor)
    cp = anchor.directory / "000002"
    for f in cp.iterdir():
        f.unlink()
    cp.rmdir()
    report = verify_checkpoints(db.session(), anchor)
    assert [(p.checkpoint, p.message) for p in report.problems] == [
        (2, "checkpoint 2 is missing (deleted?)")]


def test_checkpoint_signed_by_a_client_is_refused(session, anchor, demo_pki):
    """A client's certificate chains to the same root but does not sign for the supplier."""
    _append(1)
    client = demo_pki.client
    as_client = AnchorSettings(anchor.directory, client.p12, client.password_file,
                               anchor.tsa_url, anchor.trust_roots)
    _checkpoint(as_client)
    report = verify_checkpoints(db.session(), anchor)
    assert any("does not sign for the supplier" in p.message for p in report.problems)


def test_checkpoint_remade_later_is_caught(session, anchor):
    """A checkpoint claiming an earlier time than its timestamp was re-made afterwards."""
    _append(1)
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    assert write_checkpoint(db.session(), anchor, now=lambda: an_hour_ago) is not None
    report = verify_checkpoints(db.session(), anchor)
    assert any("re-made later" in p.message for p in report.problems), report.problems


def test_a_broken_chain_is_not_anchored(session, anchor):
    _append(3)
    _checkpoint(anchor)
    _append(2)
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_entries SET actor = 'x' WHERE seq = 5"))
    with pytest.raises(ChainNotAnchorableError, match="#5"):
        write_checkpoint(db.session(), anchor)
    db.session.rollback()
    _rewrite_from(2)  # consistent again, but not with checkpoint 1
    with pytest.raises(ChainNotAnchorableError, match="#3"):
        write_checkpoint(db.session(), anchor)
    assert [p.name for p in anchor.directory.iterdir()] == ["000001"]


def test_no_checkpoint_without_the_tsa(session, anchor, tmp_path):
    _append(1)
    offline = AnchorSettings(anchor.directory, anchor.p12, anchor.password_file,
                             "http://127.0.0.1:9/tsa", anchor.trust_roots, timeout=2.0)
    with pytest.raises(AnchorUnavailableError, match="did not answer"):
        write_checkpoint(db.session(), offline)
    assert not anchor.directory.exists() or not any(anchor.directory.iterdir())


def test_lk_audit_checkpoint_against_the_demo_pki(session, database_url, anchor, demo_pki,
                                                   tmp_path):
    """The real command, as cron or an operator runs it; then openssl alone checks the files."""
    _append(4)
    env = _env(database_url, anchor, demo_pki)
    result = _lk(["checkpoint"], env)
    assert result.returncode == 0, result.stderr
    assert "Checkpoint 1 written to" in result.stdout and "seq 4" in result.stdout
    again = _lk(["checkpoint", "--if-changed"], env)
    assert again.returncode == 0 and "nothing written" in again.stdout
    verified = _lk(["verify"], env)
    assert verified.returncode == 0, verified.stderr
    assert "Audit chain intact: 4 entries, 1 checkpoint, newest at seq 4," in verified.stdout

    cp = anchor.directory / "000001"
    assert sorted(p.name for p in cp.iterdir()) == [DOCUMENT_NAME, SIGNATURE_NAME, TIMESTAMP_NAME]
    cms = subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(cp / SIGNATURE_NAME),
         "-content", str(cp / DOCUMENT_NAME), "-CAfile", str(demo_pki.root_pem),
         "-purpose", "any", "-out", "/dev/null"],
        capture_output=True, text=True, timeout=60, check=False)
    assert cms.returncode == 0 and "Verification successful" in cms.stderr, cms.stderr
    ts = subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(cp / DOCUMENT_NAME), "-in",
         str(cp / TIMESTAMP_NAME), "-token_in", "-CAfile", str(demo_pki.root_pem)],
        capture_output=True, text=True, timeout=60, check=False)
    assert ts.returncode == 0 and "Verification: OK" in ts.stdout, ts.stdout + ts.stderr


@pytest.mark.parametrize("change,message", [
    ({"LK_SUPPLIER_P12": "", "LK_SUPPLIER_P12_PASSWORD_FILE": ""}, "no supplier key"),
    ({"LK_TSA_URL": "http://127.0.0.1:9/tsa"}, "did not answer"),
])
def test_lk_audit_checkpoint_fails_clearly(session, database_url, anchor, demo_pki, change,
                                           message):
    _append(1)
    result = _lk(["checkpoint"], {**_env(database_url, anchor, demo_pki), **change})
    assert result.returncode == 1
    assert result.stderr.startswith("No checkpoint written: ") and message in result.stderr
    assert not anchor.directory.exists() or not any(anchor.directory.iterdir())


def test_removed_newest_checkpoint_shows_only_against_a_copy(session, database_url, anchor,
                                                            demo_pki, tmp_path):
    """What a checkpoint cannot protect: its own removal. An off-site copy can."""
    import shutil

    _append(3)
    _checkpoint(anchor)
    _append(3)
    _checkpoint(anchor)
    offsite = tmp_path / "offsite"
    shutil.copytree(anchor.directory, offsite)
    newest = anchor.directory / "000002"
    for f in newest.iterdir():
        f.unlink()
    newest.rmdir()
    _rewrite_from(5)
    env = _env(database_url, anchor, demo_pki)
    local = _lk(["verify"], env)
    assert local.returncode == 0 and "Not protected: the 3 entries after seq 3" in local.stdout
    copy = _lk(["verify", "--checkpoint-dir", str(offsite)], env)
    assert copy.returncode == 1
    assert "checkpoint 2 (seq 6): entry #6 has hash" in copy.stderr


def test_hourly_job_checkpoints_when_the_head_moved(session, clean_app, demo_pki, pki_services,
                                                    tmp_path, monkeypatch):
    """The Celery beat task (and the demo's thread, which runs the same function); the demo
    signs with the demo PKI's supplier, as no LK_SUPPLIER_P12 is configured there."""
    from lk_corporate import tasks
    from lk_corporate.core import jobs

    assert tasks.celery_app.conf.beat_schedule["audit-checkpoint"] == {
        "task": "lk.audit_checkpoint", "schedule": 3600.0}
    monkeypatch.setattr(jobs, "_app", clean_app)  # other tests may have made apps since
    directory = tmp_path / "checkpoints"
    config = {"LK_DEMO": True, "LK_SUPPLIER_P12": "", "LK_PKI_DIR": str(demo_pki.directory),
              "LK_TSA_URL": demo_pki.tsa_url, "LK_TRUST_ROOTS": str(demo_pki.root_pem),
              "LK_AUDIT_CHECKPOINT_DIR": str(directory)}
    for key, value in config.items():
        monkeypatch.setitem(clean_app.config, key, value)
    _append(2)
    jobs.run_now("lk.audit_checkpoint")
    jobs.run_now("lk.audit_checkpoint")  # the head did not move: nothing new
    assert sorted(p.name for p in directory.iterdir()) == ["000001"]
    _append(1)
    jobs.run_now("lk.audit_checkpoint")
    assert sorted(p.name for p in directory.iterdir()) == ["000001", "000002"]
    settings = AnchorSettings.from_app(clean_app)
    assert settings.p12 == demo_pki.supplier.p12
    assert verify_checkpoints(db.session(), settings).intact


def test_checkpoint_signed_with_a_revoked_key_fails(session, anchor, demo_pki, tmp_path):
    """A stolen key, once revoked, signs nothing that verifies (the CRL index knows)."""
    from signing.validation import CrlIndex, refresh_crl_index
    from signing.validation.trust import load_certificates

    _append(1)
    revoked = demo_pki.by_role("revoked")[0]
    as_thief = AnchorSettings(anchor.directory, revoked.p12, revoked.password_file,
                              anchor.tsa_url, anchor.trust_roots)
    _checkpoint(as_thief)
    index = tmp_path / "crl-index.sqlite3"
    refreshed = refresh_crl_index(
        CrlIndex(index), load_certificates(demo_pki.manifest.ca_chain.read_bytes()),
        urls=list(demo_pki.manifest.crl_urls.values()), timeout=10.0)
    assert refreshed.updated, refreshed.errors
    unpinned = AnchorSettings(anchor.directory, None, None, anchor.tsa_url, anchor.trust_roots)
    assert verify_checkpoints(db.session(), unpinned).intact  # revocation unknown: not judged
    with_crls = AnchorSettings(anchor.directory, None, None, anchor.tsa_url, anchor.trust_roots,
                               crl_index=index)
    report = verify_checkpoints(db.session(), with_crls)
    assert report.pinned_to is None
    assert [(p.checkpoint, p.seq) for p in report.problems] == [(1, 1)]
    assert "was revoked on" in report.problems[0].message
