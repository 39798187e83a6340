"""Benchmark of server-side PAdES signing, as ratios to one raw RSA-2048 signature.

Every figure is measured in this process on this machine and divided by the
median time of one raw RSA-2048 PKCS#1 v1.5 signature (``cryptography``), so
results from different machines compare. Target: supplier B-B signing of a
one-page PDF <= 60x a raw signature (stock pyHanko: about 450x).

    .venv/bin/python bench/bench_signing.py [--iterations 200] [--markdown]

A fresh demo PKI is generated in a temporary directory and its TSA/OCSP
services run on a free loopback port for the B-T case.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from lk_corporate.pki import init_pki, start_services
from signing import Level, SigningOptions, load_pkcs12_identity, sign_pdf

TARGET_RATIO = 60.0


@dataclass(frozen=True)
class Result:
    name: str
    median: float
    p95: float
    mean: float

    def ratio(self, raw: float) -> float:
        return self.median / raw


def one_page_pdf() -> bytes:
    """A one-page A4 document with Cyrillic text, like a reading act."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    root = Path(__file__).resolve().parents[1]
    font = root / "documents" / "fonts" / "LiberationSans-Regular.ttf"
    if not font.exists():
        font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    pdfmetrics.registerFont(TTFont("BenchSans", str(font)))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    c.setFont("BenchSans", 14)
    c.drawString(72, 770, "Акт снятия показаний приборов учёта № 123/2026-10")
    c.setFont("BenchSans", 10)
    for i in range(30):
        c.drawString(72, 740 - 16 * i, f"Прибор учёта № {1000 + i}: показание {12345 + 7 * i}")
    c.showPage()
    c.save()
    return buf.getvalue()


def measure(name: str, fn: Callable[[], object], iterations: int, warmup: int = 3) -> Result:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return Result(name, statistics.median(times), p95, statistics.fmean(times))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def machine() -> str:
    try:
        model = next(line.split(":", 1)[1].strip() for line in
                     subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
                     if line.startswith("Model name"))
    except (StopIteration, OSError):
        model = platform.processor() or "unknown CPU"
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--markdown", action="store_true", help="print a BENCHMARKS.md table")
    args = parser.parse_args()
    n = args.iterations

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        manifest = init_pki(Path(tmp) / "pki", f"http://127.0.0.1:{port}")
        ident = manifest.identity("supplier")
        identity = load_pkcs12_identity(ident.p12, ident.password)
        # The floor is one raw RSA-2048 signature whatever the supplier's key is (ECDSA P-256
        # in the demo PKI): a measure of the machine, comparable between runs.
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pdf = one_page_pdf()
        data = os.urandom(120)  # about the size of PAdES signed attributes

        raw = measure("raw RSA-2048 signature", lambda: key.sign(
            data, padding.PKCS1v15(), hashes.SHA256()), max(2000, n * 10))

        bb = SigningOptions(level=Level.B_B, visible=False)
        bb_stamp = SigningOptions(level=Level.B_B, visible=True)
        results = [
            measure("B-B, one page, invisible (target)", lambda: sign_pdf(pdf, identity, bb), n),
            measure("B-B, one page, visible stamp", lambda: sign_pdf(pdf, identity, bb_stamp), n),
        ]

        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        stock = signers.SimpleSigner.load_pkcs12(str(ident.p12), passphrase=ident.password.encode())

        def stock_sign() -> None:
            w = IncrementalPdfFileWriter(io.BytesIO(pdf))
            meta = signers.PdfSignatureMetadata(field_name="Signature1",
                                                subfilter=fields.SigSeedSubFilter.PADES)
            signers.PdfSigner(meta, stock).sign_pdf(w)

        results.append(measure("stock pyHanko B-B (for comparison)", stock_sign, max(20, n // 5)))

        with start_services(manifest.directory, "127.0.0.1", port):
            bt = SigningOptions(level=Level.B_T, visible=False, tsa_url=manifest.tsa_url)
            results.append(measure("B-T, one page, local TSA (information)",
                                   lambda: sign_pdf(pdf, identity, bt), max(20, n // 5)))

    r = raw.median
    print(f"Machine: {machine()}")
    print(f"Raw RSA-2048 signature: median {r * 1e3:.3f} ms; the supplier's key: "
          f"{identity.certificate.public_key.algorithm.upper()} "
          f"{identity.certificate.public_key.bit_size} bits")
    rows = []
    for res in results:
        rows.append((res.name, res.median * 1e3, res.p95 * 1e3, 1 / res.mean, res.ratio(r)))
    if args.markdown:
        print()
        print("| case | median ms | p95 ms | signatures/s | × raw RSA-2048 |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, med, p95, thr, ratio in rows:
            print(f"| {name} | {med:.2f} | {p95:.2f} | {thr:.0f} | {ratio:.0f}× |")
    else:
        for name, med, p95, thr, ratio in rows:
            print(f"{name:45} median {med:8.2f} ms  p95 {p95:8.2f} ms  "
                  f"{thr:7.1f}/s  {ratio:6.1f}x raw")
    target = results[0].ratio(r)
    verdict = "OK" if target <= TARGET_RATIO else "ABOVE TARGET"
    print(f"\nTarget: B-B one page <= {TARGET_RATIO:.0f}x raw: {target:.1f}x ({verdict})")
    return 0 if target <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
