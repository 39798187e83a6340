"""Benchmark of the ``lk`` command line: how long a shell waits for one call.

Each case runs the real console script (``.venv/bin/lk``) as a subprocess, several times,
and reports the median wall-clock time and the median CPU time (user + system) of the
process, each also as a ratio to a floor measured in the same run on the same machine: the
start-up of the same interpreter doing nothing (``python -c pass``). On a shared machine the
CPU figures are the ones to compare. Signing or checking a folder of files is one call per
file, so start-up is what counts.

    .venv/bin/python bench/bench_cli.py [--runs 9] [--markdown]

Set-up (not timed): a fresh demo PKI in a temporary directory with its CRL/OCSP/TSA on a
free loopback port, the sample reading act (one page) and a copy signed by the supplier at
B-LT; ``lk sign`` signs the supplier's field of the unsigned act with the visible stamp.
Targets: ``lk --help`` <= 0.5 s, ``lk verify`` of a one-page signed PDF <= 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LK = str(Path(sys.executable).parent / "lk")
TARGETS = {"lk --help": 0.5, "lk verify (B-LT, one page)": 1.0}


@dataclass(frozen=True)
class Case:
    name: str
    argv: list[str]
    expect: tuple[int, ...] = (0,)


@dataclass(frozen=True)
class Result:
    name: str
    median: float
    best: float
    worst: float
    cpu: float  # median user + system time of the process: what load from others does not inflate


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(case: Case, runs: int, env: dict[str, str]) -> Result:
    times, cpu = [], []
    for _ in range(runs + 1):  # the first run warms the page cache and is dropped
        t0, c0 = time.perf_counter(), _cpu()
        proc = subprocess.run(case.argv, env=env, capture_output=True, stdin=subprocess.DEVNULL,
                              check=False)
        times.append(time.perf_counter() - t0)
        cpu.append(_cpu() - c0)
        if proc.returncode not in case.expect:
            raise SystemExit(f"{case.name}: exit {proc.returncode}\n{proc.stderr.decode()}")
    times, cpu = times[1:], cpu[1:]
    return Result(case.name, statistics.median(times), min(times), max(times),
                  statistics.median(cpu))


def _machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{model}, {len(os.sched_getaffinity(0))} cores (nproc), Python {platform.python_version()}, "
            f"load average {load}, {dt.date.today().isoformat()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9, help="timed runs per case")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()

    from documents.reading_act import render_reading_act
    from lk_corporate.demo.samples import sample_reading_act
    from lk_corporate.pki import init_pki, start_services
    from signing import Level, SigningOptions, load_pkcs12_identity, sign_pdf

    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        work = Path(tmp)
        port = _free_port()
        manifest = init_pki(work / "pki", f"http://127.0.0.1:{port}")
        services = start_services(work / "pki", "127.0.0.1", port)
        try:
            unsigned = work / "act.pdf"
            unsigned.write_bytes(render_reading_act(sample_reading_act()))
            supplier = manifest.by_role("supplier")[0]
            identity = load_pkcs12_identity(supplier.p12, supplier.password)
            signed = work / "act-signed.pdf"
            signed.write_bytes(sign_pdf(unsigned.read_bytes(), identity, SigningOptions(
                level=Level.B_LT, tsa_url=manifest.tsa_url, field_name="supplier",
                trust_roots=(manifest.trust_anchor,))).pdf)
            root = str(manifest.trust_anchor)
            # No LK_* from the caller's shell: the commands see only what the cases give them.
            env = {k: v for k, v in os.environ.items() if not k.startswith("LK_")}
            env["LK_TSA_URL"] = manifest.tsa_url
            sign = [LK, "sign", str(unsigned), str(work / "out.pdf"), "--p12", str(supplier.p12),
                    "--password-file", str(supplier.password_file), "--field", "supplier"]
            cases = [
                Case("floor: python -c pass", [sys.executable, "-c", "pass"]),
                Case("lk --help", [LK, "--help"]),
                Case("lk verify (B-LT, one page)", [LK, "verify", str(signed), "--trust", root]),
                Case("lk verify --offline (B-LT, one page)",
                     [LK, "verify", str(signed), "--trust", root, "--offline"]),
                Case("lk sign --level B-B", [*sign, "--level", "B-B"]),
                Case("lk sign (B-T, local TSA)", sign),
            ]
            results = [_time(case, args.runs, env) for case in cases]
        finally:
            services.stop()

    floor, cpu_floor = results[0].median, results[0].cpu
    print(f"Machine: {_machine()}")
    print(f"Runs per case: {args.runs} (median; first run dropped)\n")
    if args.markdown:
        print("| command | wall median s | best s | worst s | × floor (wall) | CPU median s "
              "| × floor (CPU) | target (wall) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for r in results:
            print(f"| {r.name} | {r.median:.3f} | {r.best:.3f} | {r.worst:.3f} | "
                  f"{r.median / floor:.1f}× | {r.cpu:.3f} | {r.cpu / cpu_floor:.1f}× | "
                  f"{_verdict(r)} |")
    else:
        for r in results:
            print(f"{r.name:<40} median {r.median * 1000:6.0f} ms  best {r.best * 1000:6.0f} ms"
                  f"  worst {r.worst * 1000:6.0f} ms  {r.median / floor:5.1f}× floor"
                  f"  CPU {r.cpu * 1000:6.0f} ms {r.cpu / cpu_floor:5.1f}×  {_verdict(r)}")


def _verdict(r: Result) -> str:
    target = TARGETS.get(r.name)
    if target is None:
        return ""
    return f"≤ {target} s: {'met' if r.median <= target else 'NOT met'}"

if __name__ == "__main__":
    main()
