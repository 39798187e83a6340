"""Benchmark: does the time of a login or a reset request tell whether the account exists?

Builds the portal on a throw-away SQLite database with the production Argon2 cost
(``LK_ARGON2_TIME_COST``/``LK_ARGON2_MEMORY_KIB`` defaults), one client user, and times
through the real HTTP stack (Flask's test client, CSRF and all):

* ``POST /login``: a wrong password for the real login, and an unknown login;
* ``POST /password/forgot``: the real login, and an unknown one.

Each pair alternates, so both see the same machine load. The floor is one Argon2id
verification measured in the same run. Prints medians, p95, and the ratio
unknown / existing per pair (target: 1.0 ± 0.1); the last line is
``timing: login R1, forgot R2 (unknown / existing)``.

Run: ``.venv/bin/python bench/bench_login_timing.py [--rounds N]``
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _token(client: Any, url: str) -> str:
    m = _CSRF.search(client.get(url).get_data(as_text=True))
    assert m, url
    return m.group(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="lk-bench-login-"))
    os.environ.setdefault("LK_INSTANCE_DIR", str(home))
    from flask_migrate import upgrade

    from lk_corporate.app import create_app
    from lk_corporate.core.jobs import wait_idle
    from tests.support.factories import PASSWORD, create_client, create_client_user, create_supplier

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{home / 'lk.sqlite3'}",
                      "SECRET_KEY": "bench", "LK_MAIL_DIR": str(home / "mail"),
                      "LK_LOGIN_ATTEMPTS_PER_ACCOUNT": 10**6,
                      "LK_LOGIN_ATTEMPTS_ACCOUNT_TOTAL": 10**6,
                      "LK_LOGIN_ATTEMPTS_PER_IP": 10**6},
                     instance_path=str(home / "instance"))
    with app.app_context():
        upgrade(directory=str(Path(app.root_path) / "migrations"))
        create_supplier()
        create_client_user(create_client(), login="buh")

    from lk_corporate.accounts.passwords import hash_password, verify_password

    with app.app_context():
        stored = hash_password(PASSWORD)
    floor = []
    for _ in range(10):
        start = time.perf_counter()
        verify_password(stored, "wrong-password-1")
        floor.append(time.perf_counter() - start)
    argon2 = statistics.median(floor)

    samples: dict[str, list[float]] = {k: [] for k in
                                       ("login:existing", "login:unknown",
                                        "forgot:existing", "forgot:unknown")}
    for n in range(args.rounds):
        for kind, path, field, value in (
                ("login:existing", "/login", "login", "buh"),
                ("login:unknown", "/login", "login", "nobody"),
                ("forgot:existing", "/password/forgot", "login", "buh"),
                ("forgot:unknown", "/password/forgot", "login", "nobody")):
            client = app.test_client()
            # Another address each round: the per-address limits are not what is measured.
            client.environ_base["REMOTE_ADDR"] = f"10.{n // 250}.{n % 250}.{len(kind)}"
            data = {field: value, "csrf_token": _token(client, path)}
            if path == "/login":
                data["password"] = "wrong-password-1"
            start = time.perf_counter()
            status = client.post(path, data=data).status_code
            assert status in (302, 401), (kind, status)
            samples[kind].append(time.perf_counter() - start)
        wait_idle(app)  # the reset jobs run after the response; do not let them pile up

    def median(kind: str) -> float:
        return statistics.median(samples[kind])

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print(f"floor: one Argon2id verification {argon2 * 1000:.1f} ms")
    print("| request | median ms | p95 ms | × Argon2 |")
    print("| --- | ---: | ---: | ---: |")
    for kind, values in samples.items():
        p95 = sorted(values)[int(len(values) * 0.95) - 1]
        print(f"| {kind} | {median(kind) * 1000:.1f} | {p95 * 1000:.1f} | "
              f"{median(kind) / argon2:.2f} |")
    login = median("login:unknown") / median("login:existing")
    forgot = median("forgot:unknown") / median("forgot:existing")
    print(f"timing: login {login:.2f}, forgot {forgot:.2f} (unknown / existing)")


if __name__ == "__main__":
    main()
