"""Fuzz the whole API against its own document (issue 9): schemathesis
requests for every operation of ``/openapi.json``, valid and invalid, as a
viewer, an editor, an admin and without a key (public read off and on),
against the real app served by uvicorn over a fresh database of its own
cluster holding the demo at a small scale (:func:`api.fuzz.fuzz_target`).

    .venv/bin/python bench/fuzz.py [--cases 10000] [--seed 1]

Prints the cases per operation, the answers per status, the failures per
check (no 5xx; status, content type and body as documented; a 400/422 names
its field), the machine's load, and every failure with a request that
reproduces it. Exits 1 on any failure. The test suite runs the same fuzzing
on a smaller seeded subset (``tests/api/test_fuzz.py``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from api.fuzz import fuzz, fuzz_target
from geo.cluster import LocalCluster
from geo.db import migrate

DB = "peacemap_bench_fuzz"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000, help="at least this many requests in all")
    parser.add_argument("--seed", type=int, default=1, help="the same seed sends the same requests")
    args = parser.parse_args()

    cluster = LocalCluster(Path(os.environ.get("PEACEMAP_BENCH_DIR", "/tmp/pm-bench-fuzz")), fast=True)
    cluster.up()
    url = cluster.create_database(DB)  # a fresh one: the fuzzing writes and deletes at will
    migrate(url)
    load_before = os.getloadavg()
    started = time.monotonic()
    with fuzz_target(url) as (schema_url, callers):
        print(f"fuzzing {schema_url}: ≥ {args.cases} cases, seed {args.seed}, as {', '.join(c.name for c in callers)}")
        report = fuzz(
            schema_url,
            callers,
            cases=args.cases,
            seed=args.seed,
            progress=lambda label, n, s: print(f"  {n:6d} cases {s:6.1f} s  {label}", flush=True),
        )
    wall = time.monotonic() - started
    load_after = os.getloadavg()

    print(
        f"\n{report.total} cases over {len(report.cases)} operations in {report.seconds:.0f} s "
        f"({report.total / report.seconds:.1f} cases/s; {wall:.0f} s with the setup)"
    )
    print("cases per caller: " + ", ".join(f"{name} {n}" for name, n in report.callers.items()))
    print("answers per status: " + ", ".join(f"{s}: {n}" for s, n in sorted(report.statuses.items())))
    print("failures per check:")
    for name, n in report.failures_by_check().items():
        print(f"  {n:6d}  {name}")
    fivexx = sum(n for s, n in report.statuses.items() if s >= 500)
    print(f"5xx answers: {fivexx}")
    print(
        f"load average (1, 5, 15 min): before {' '.join(f'{v:.2f}' for v in load_before)}, "
        f"after {' '.join(f'{v:.2f}' for v in load_after)}; {os.cpu_count()} cores"
    )
    cluster.drop_database(DB)
    if report.findings:
        print("\n" + report.describe(limit=len(report.findings)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
