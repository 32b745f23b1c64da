"""Import benchmark (issue 5): a generated UCDP-GED-shaped CSV of 1 000 000
incidents is imported into a fresh database with ``peacemap``'s importer
(streamed pandas chunks → vectorised checks → COPY → upsert).

Baselines measured in the same run: the server alone COPYing the same file
into an unindexed, unchecked text table (the floor for any loader), and the
importer's own reading and checking without a database (the client's
share). Peak memory is the resident high-water mark during the import only.

    .venv/bin/python bench/imports.py [--rows 1000000] [--reimport]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import text

from geo.cluster import LocalCluster
from geo.db import make_engine, migrate
from geo.io.formats import import_file, prepare

BAD_EVERY = 1000  # one row in a thousand is broken on purpose (bad date or coordinates)
COLUMNS = [
    "id",
    "year",
    "type_of_violence",
    "conflict_name",
    "side_a",
    "side_b",
    "where_prec",
    "where_coordinates",
    "adm_1",
    "latitude",
    "longitude",
    "country",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_civilians",
    "best",
    "low",
    "high",
    "source_article",
]
SIDES = np.array(
    [
        "Government of Central African Republic",
        "anti-Balaka",
        "UPC",
        "FPRC",
        "3R",
        "MPC",
        "Christians (CAR)",
        "Muslims (CAR)",
        "Civilians",
        "Wagner Group",
    ]
)


def write_csv(path: Path, rows: int, seed: int = 7, chunk: int = 100_000) -> None:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2021-01-01")
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for lo in range(0, rows, chunk):
            n = min(chunk, rows - lo)
            ids = np.arange(lo + 1, lo + n + 1)
            day = start + rng.integers(0, 730, n).astype("timedelta64[D]")
            tov = rng.integers(1, 4, n)
            best = rng.poisson(2.0, n)
            frame = pd.DataFrame(
                {
                    "id": ids,
                    "year": day.astype("datetime64[Y]").astype(int) + 1970,
                    "type_of_violence": tov,
                    "conflict_name": "CAR: Government",
                    "side_a": SIDES[rng.integers(0, 8, n)],
                    "side_b": SIDES[rng.integers(1, 10, n)],
                    "where_prec": rng.integers(1, 8, n),
                    "where_coordinates": "Bambari town",
                    "adm_1": "Ouaka prefecture",
                    "latitude": np.round(rng.uniform(2.5, 10.5, n), 5),
                    "longitude": np.round(rng.uniform(15, 27, n), 5),
                    "country": "Central African Republic",
                    "date_prec": rng.integers(1, 6, n),
                    "date_start": day.astype(str),
                    "date_end": day.astype(str),
                    "deaths_civilians": np.where(tov == 3, best, 0),
                    "best": best,
                    "low": best,
                    "high": best + 1,
                    "source_article": "generated for the import benchmark",
                },
                columns=COLUMNS,
            )
            broken = ids % BAD_EVERY == 0
            frame.loc[broken & (ids % 2000 == 0), "date_start"] = "2021-02-30"
            frame.loc[broken & (ids % 2000 != 0), "latitude"] = 123.4
            frame.to_csv(fh, header=lo == 0, index=False)


def _peak_reset() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def raw_copy_seconds(engine, csv_path: Path) -> float:
    with engine.begin() as conn:
        cols = ", ".join(f'"{c}" text' for c in COLUMNS)
        conn.execute(text(f"CREATE TEMP TABLE raw_copy ({cols})"))
        raw = conn.connection.driver_connection
        t = time.perf_counter()
        with (
            raw.cursor() as cur,
            open(csv_path, "rb") as fh,
            cur.copy("COPY raw_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while block := fh.read(1 << 20):
                copy.write(block)
        return time.perf_counter() - t


def check_only_seconds(csv_path: Path) -> float:
    fmt, opts = prepare("incidents", csv_path)
    t = time.perf_counter()
    for batch in fmt.read(opts):
        fmt.map(batch, opts)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--reimport", action="store_true", help="import the same file again (all updates)")
    args = ap.parse_args()
    cluster = LocalCluster(Path("/tmp/pm-bench-import"), fast=True)
    cluster.up()
    url = cluster.create_database("bench_import")
    migrate(url)
    engine = make_engine(url)
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "ged_bench.csv"
        t = time.perf_counter()
        write_csv(csv_path, args.rows)
        print(
            f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s"
        )
        base = raw_copy_seconds(engine, csv_path)
        print(f"baseline: raw COPY into an unindexed text table: {base:.1f} s")
        print(f"baseline: read and check only, no database: {check_only_seconds(csv_path):.1f} s")
        runs = ["import"] + (["re-import"] if args.reimport else [])
        for label in runs:
            _peak_reset()
            t = time.perf_counter()
            with engine.begin() as conn:
                report = import_file(conn, "incidents", csv_path)
            secs = time.perf_counter() - t
            print(f"{label}: {report.summary()}")
            print(
                f"{label}: {secs:.1f} s, {report.read / secs:,.0f} rows/s, {secs / base:.1f}× the raw COPY, "
                f"peak memory {_peak_mb():.0f} MB, target ≤ 60 s for 1 000 000 rows"
            )
    with engine.begin() as conn:
        assert conn.scalar(text("SELECT count(*) FROM incidents")) == report.imported
    engine.dispose()
    cluster.drop_database("bench_import")


if __name__ == "__main__":
    main()
