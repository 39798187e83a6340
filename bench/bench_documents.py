"""Documents per second per core for every kind, as a ratio to a floor measured in the same run.

Rates are documents per CPU-second of this process (``time.process_time``), so they mean
"per core" and stay meaningful when other work shares the machine. The floor is the cheapest
PDF reportlab can make: one line of Helvetica on an A4 page. Each document is rendered in one
process on one core; the input varies on every iteration (number and verification address), so
no cache (the QR codes' LRU) flatters the figure; one invoice row also changes every amount, so
that the text-width and line-wrapping caches only hit on what really recurs between documents
(headings, labels, names). ``--repeat N`` measures each case N times and reports the median.

    .venv/bin/python bench/bench_documents.py [--seconds 2]

Prints a Markdown table for the "## Documents" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from documents.charges_breakdown import render_charges_breakdown
from documents.invoice import render_invoice
from documents.limit_request import render_limit_request
from documents.reading_act import render_reading_act
from documents.reconciliation_act import render_reconciliation_act
from documents.tax_invoice import render_tax_invoice
from lk_corporate.demo import samples


def floor() -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("Helvetica", 10)
    c.drawString(72, 720, "floor")
    c.showPage()
    c.save()
    return buf.getvalue()


def varying(data: Any, render: Callable[[Any], bytes]) -> Callable[[int], bytes]:
    def make(i: int) -> bytes:
        d = replace(data, number=f"{data.number}-{i}", verify_url=f"{data.verify_url}{i:06d}")
        return render(d)
    return make


def varying_amounts(data: Any, render: Callable[[Any], bytes]) -> Callable[[int], bytes]:
    """Also every volume changes on every iteration: every amount, the totals, the amount in
    words and the payment QR code are new, so the layout caches (text widths, wrapped cells)
    only hit on what really recurs (headings, labels, names), as between real invoices."""
    def make(i: int) -> bytes:
        lines = tuple(replace(line, volume=line.volume + Decimal(i) / 1000)
                      for line in data.lines)
        d = replace(data, number=f"{data.number}-{i}", verify_url=f"{data.verify_url}{i:06d}",
                    lines=lines)
        return render(d)
    return make


def rate(make: Callable[[int], bytes], seconds: float) -> tuple[float, int]:
    make(0)  # warm-up: fonts parsed and registered once per process
    n = 0
    # CPU time of this process: "per core", and robust to other load on the machine
    start = time.process_time()
    while (elapsed := time.process_time() - start) < seconds:
        n += 1
        make(n)
    pages = make(0).count(b"/Type /Page\n")
    return n / elapsed, pages


def machine() -> str:
    try:
        model = next(line.split(":", 1)[1].strip()
                     for line in subprocess.run(["lscpu"], capture_output=True, text=True,
                                                check=False).stdout.splitlines()
                     if line.startswith("Model name"))
    except StopIteration:
        model = platform.processor() or "unknown"
    return (f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"reportlab {__import__('reportlab').Version}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=1,
                        help="measure each case this many times, report the median")
    args = parser.parse_args()
    cases: list[tuple[str, Callable[[int], bytes]]] = [
        ("floor: reportlab, one line of Helvetica", lambda i: floor()),
        ("invoice, 1 page (with payment QR)", varying(samples.sample_invoice(), render_invoice)),
        ("invoice, 1 page, every amount new (with payment QR)",
         varying_amounts(samples.sample_invoice(), render_invoice)),
        ("invoice, 1 page, no payment QR",
         varying(replace(samples.sample_invoice(), payment_qr=False), render_invoice)),
        ("invoice, 300 lines", varying(samples.sample_invoice_long(), render_invoice)),
        ("reading act (with JSON attachment)",
         varying(samples.sample_reading_act(), render_reading_act)),
        ("tax invoice", varying(samples.sample_tax_invoice(), render_tax_invoice)),
        ("limit request", varying(samples.sample_limit_request(), render_limit_request)),
        ("reconciliation act",
         varying(samples.sample_reconciliation_act(), render_reconciliation_act)),
        ("charges breakdown",
         varying(samples.sample_charges_breakdown(), render_charges_breakdown)),
    ]
    print(f"Machine: {machine()}\n")
    print("| document | pages | documents/s per core | ms per document | ratio to floor |")
    print("| --- | ---: | ---: | ---: | ---: |")
    floor_rate = None
    for name, make in cases:
        runs = [rate(make, args.seconds) for _ in range(max(1, args.repeat))]
        r, pages = statistics.median(x[0] for x in runs), runs[0][1]
        if floor_rate is None:
            floor_rate = r
        print(f"| {name} | {pages} | {r:,.0f} | {1000 / r:.2f} | {r / floor_rate:.4f} |")


if __name__ == "__main__":
    main()
