"""What bench/api.py and bench/tiles.py share: the demo database, tipg in a
child process (the peer a GIS desk would otherwise deploy, from the ``bench``
extra), and wrk (Debian's package, installed on first use) with a Lua script
that cycles through a list of paths."""

from __future__ import annotations

import importlib.util
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from api.live import listening_socket

TIPG_COLLECTION = "public.incidents"
DB = "bench_api"


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk (Debian package) …")
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is not installed and apt-get could not install it")
    return found


def ensure_tipg() -> None:
    if importlib.util.find_spec("tipg") is None:
        sys.exit("tipg is missing: .venv/bin/pip install -e '.[bench]'")


def load(scale: float, fresh: bool) -> str:
    from geo.cluster import LocalCluster
    from geo.db import make_engine, migrate
    from geo.demo import load_demo
    from geo.maintenance import cluster_by_geometry

    db = f"{DB}_{str(scale).replace('.', '_')}"
    cluster = LocalCluster(Path(os.environ.get("PEACEMAP_BENCH_DIR", "/tmp/pm-bench-api")), db_name=db, fast=True)
    url = cluster.create_database(db) if fresh else cluster.up()  # up() keeps an existing database
    migrate(url)
    engine = make_engine(url)
    t = time.perf_counter()
    rows = load_demo(engine, scale=scale)
    if rows:
        print(f"demo at scale {scale:g} loaded: {sum(rows.values()):,} rows in {time.perf_counter() - t:.0f} s")
        for done in cluster_by_geometry(engine):  # as `peacemap demo load` does (geo/maintenance.py)
            print(f"  {done.table} ordered by {done.index} in {done.seconds:.1f} s")
    engine.dispose()
    return url


class TipgServer:
    """tipg's own app under uvicorn in a child process (one worker), serving the database's tables."""

    def __init__(self, db_url: str, *, env: dict[str, str] | None = None):
        self.sock = listening_socket()  # as api.live.ChildServer: TCP_NODELAY, as deployed
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        settings = {
            **os.environ,
            "DATABASE_URL": db_url.replace("postgresql+psycopg://", "postgresql://"),
            "TIPG_DB_SCHEMAS": '["public"]',
            "TIPG_MAX_FEATURES_PER_QUERY": "10000",
            **(env or {}),
        }
        command = [sys.executable, "-m", "uvicorn", "tipg.main:app", "--fd", str(self.sock.fileno())]
        self.proc = subprocess.Popen(
            [*command, "--log-level", "warning"], env=settings, pass_fds=[self.sock.fileno()], stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/collections/{TIPG_COLLECTION}", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                sys.exit("tipg did not start")
            time.sleep(0.3)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.sock.close()


def incidents_extent(url: str) -> tuple[tuple[float, float, float, float], int]:
    """The incidents' extent (min x, min y, max x, max y) and count: where
    both benchmarks draw their boxes and tiles from."""
    from sqlalchemy import func, select

    from geo.db import make_engine
    from geo.models import Incident

    engine = make_engine(url)
    with engine.connect() as conn:
        box = func.ST_Extent(Incident.geom)
        extent = conn.execute(select(func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box))).one()
        total = conn.scalar(select(func.count()).select_from(Incident)) or 0
    engine.dispose()
    return tuple(extent), total


def clustered(url: str, table: str = "incidents") -> bool:
    """Whether ``table`` was last rewritten in its spatial index's order
    (``peacemap maintain``): the benchmarks print it with their figures."""
    from sqlalchemy import text

    from geo.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        found = conn.scalar(
            text("SELECT bool_or(indisclustered) FROM pg_index WHERE indrelid = CAST(:t AS regclass)"), {"t": table}
        )
    engine.dispose()
    return bool(found)


def boxes(extent, size: float, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    minx, miny, maxx, maxy = extent
    out = []
    for _ in range(n):
        x, y = rng.uniform(minx, maxx - size), rng.uniform(miny, maxy - size)
        out.append(f"{x:.4f},{y:.4f},{x + size:.4f},{y + size:.4f}")
    return out


LUA = """
paths = {%s}
i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


def wrk(binary: str, base: str, paths: list[str], connections: int, duration: int) -> float:
    """Requests per second wrk measured (non-2xx answers abort the run). A
    request may take up to 60 s (wrk's default, 2 s, drops slower answers
    from the count, which on a loaded machine left a slow server at 0)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA % ",".join(f'"{p}"' for p in paths))
        script = f.name
    threads = min(2, connections)
    out = subprocess.run(
        [
            binary,
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{duration}s",
            "--timeout",
            "60s",
            "-s",
            script,
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script)
    if "Non-2xx" in out:
        sys.exit(f"wrk saw errors:\n{out}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        sys.exit(f"wrk printed no rate:\n{out}")
    return float(found[1])
