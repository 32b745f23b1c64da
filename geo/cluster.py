"""The embedded PostGIS: a private PostgreSQL cluster the app manages itself.

Users must be able to try peacemap without setting up a database (README,
"The two commands"). The cluster lives under ``data_dir/pgdata``, listens on 127.0.0.1 on a
private port derived from its path (so two checkouts never collide) and has no
Unix socket, so socket-directory permissions never matter. PostgreSQL refuses
to run as root; as root the server runs as the ``postgres`` user, and when that
user cannot reach the checkout (a home directory of mode 700) the cluster is
kept under ``/var/lib/peacemap/<name>-<hash>`` instead.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import os
import pwd
import re
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg

from geo.config import get_database_settings
from geo.errors import DatabaseUnavailable, MissingSystemPackage

SERVER_USER = "postgres"
SUPERUSER = "peacemap"
RELOCATED_ROOT = Path("/var/lib/peacemap")

_CONF = """
# written by peacemap (geo/cluster.py)
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
shared_buffers = 256MB
work_mem = 64MB
maintenance_work_mem = 512MB
max_wal_size = 2GB
logging_collector = off
"""
# Room for four server processes at the default connection budget (80 each:
# api/settings.py) and the command line beside them; given at every start, so a
# cluster made before this line gets it too. Each slot costs ≈ 48 kB of shared
# memory: 293 MB in all instead of 279 MB at the default 100 (`postgres -C shared_memory_size`).
MAX_CONNECTIONS = 400
# Test and benchmark clusters hold throw-away data: durability costs them time.
_FAST_CONF = """
fsync = off
synchronous_commit = off
full_page_writes = off
"""


def _install_hint(version: str | None = None) -> str:
    major = version or "15"
    return (
        f"install them with: sudo apt-get update && sudo apt-get install -y "
        f"postgresql postgresql-{major}-postgis-3 "
        f"(or point PEACEMAP_DATABASE_URL at an existing PostGIS server)"
    )


def find_bindir() -> Path:
    """Locate the PostgreSQL server binaries: the ``pg_bindir`` setting
    (``PEACEMAP_PG_BINDIR``), PATH, ``pg_config --bindir``, then
    ``/usr/lib/postgresql/*/bin`` (newest first)."""
    explicit = get_database_settings().pg_bindir
    if explicit:
        if (explicit / "initdb").exists() and (explicit / "pg_ctl").exists():
            return explicit
        raise MissingSystemPackage(
            f"PEACEMAP_PG_BINDIR={explicit} has no initdb/pg_ctl; fix the path or unset it, or " + _install_hint()
        )
    candidates: list[Path] = []
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
            candidates.append(Path(out))

    def version_key(p: str) -> float:
        m = re.search(r"/postgresql/(\d+(?:\.\d+)?)/bin", p)
        return float(m.group(1)) if m else 0.0

    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version_key, reverse=True)]
    for c in candidates:
        if (c / "initdb").exists() and (c / "pg_ctl").exists():
            return c
    raise MissingSystemPackage("PostgreSQL server binaries (initdb, pg_ctl) were not found; " + _install_hint())


def derived_port(path: Path) -> int:
    """A stable private port in 20000–39999 derived from the cluster's path."""
    digest = hashlib.sha1(str(path).encode()).digest()
    return 20000 + int.from_bytes(digest[:4], "big") % 20000


@dataclass
class ClusterStatus:
    running: bool
    initialised: bool
    pgdata: Path
    port: int
    url: str | None
    log: Path


class LocalCluster:
    """Create, start, stop and describe the embedded cluster.

    ``fast=True`` trades durability for speed (tests, benchmarks).
    """

    def __init__(self, data_dir: Path, *, port: int | None = None, db_name: str = "peacemap", fast: bool = False):
        self.data_dir = Path(data_dir).resolve()
        self.db_name = db_name
        self.fast = fast
        self.as_root = os.geteuid() == 0
        self.state_dir = self._choose_state_dir()
        self.pgdata = self.state_dir / "pgdata"
        self.log = self.state_dir / "postgres.log"
        self.port = port or derived_port(self.data_dir)
        self.password_file = self.data_dir / "db-password"

    # -- where things live -------------------------------------------------
    def _server_user(self) -> pwd.struct_passwd | None:
        if not self.as_root:
            return None
        try:
            return pwd.getpwnam(SERVER_USER)
        except KeyError:
            raise MissingSystemPackage(
                f"running as root, the database server must run as the '{SERVER_USER}' user, "
                "which does not exist; " + _install_hint()
            ) from None

    def _reachable_by_server_user(self, path: Path) -> bool:
        user = self._server_user()
        if user is None:
            return True
        probe = path
        while not probe.exists():
            probe = probe.parent
        res = subprocess.run(
            ["test", "-x", str(probe), "-a", "-r", str(probe)],
            user=user.pw_uid,
            group=user.pw_gid,
            extra_groups=[],
            cwd="/",
        )
        return res.returncode == 0

    def _choose_state_dir(self) -> Path:
        if not self.as_root or self._reachable_by_server_user(self.data_dir):
            return self.data_dir
        tag = hashlib.sha1(str(self.data_dir).encode()).hexdigest()[:10]
        name = re.sub(r"[^A-Za-z0-9]+", "-", str(self.data_dir)).strip("-")[-40:]
        return RELOCATED_ROOT / f"{name}-{tag}"

    # -- running commands --------------------------------------------------
    def _run(self, args: list[str], **kw) -> subprocess.CompletedProcess:
        user = self._server_user()
        if user is not None:
            kw.update(user=user.pw_uid, group=user.pw_gid, extra_groups=[], cwd="/")
        return subprocess.run(args, capture_output=True, text=True, **kw)

    def _chown(self, path: Path) -> None:
        user = self._server_user()
        if user is not None:
            os.chown(path, user.pw_uid, user.pw_gid)

    @contextlib.contextmanager
    def _lock(self):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.data_dir / ".lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # -- state -------------------------------------------------------------
    @property
    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def password(self) -> str:
        return self.password_file.read_text().strip()

    def url(self, db_name: str | None = None) -> str:
        return (
            f"postgresql+psycopg://{SUPERUSER}:{quote(self.password(), safe='')}"
            f"@127.0.0.1:{self.port}/{db_name or self.db_name}"
        )

    def is_running(self) -> bool:
        if not self.initialised:
            return False
        bindir = find_bindir()
        return self._run([str(bindir / "pg_ctl"), "status", "-D", str(self.pgdata)]).returncode == 0

    def status(self) -> ClusterStatus:
        running = self.is_running()
        return ClusterStatus(
            running=running,
            initialised=self.initialised,
            pgdata=self.pgdata,
            port=self.port,
            url=self.url() if self.initialised and self.password_file.exists() else None,
            log=self.log,
        )

    # -- lifecycle ---------------------------------------------------------
    def up(self) -> str:
        """Create (first time) and start the cluster, create the database with
        PostGIS; harmless when it is already up. Returns the SQLAlchemy URL."""
        bindir = find_bindir()
        with self._lock():
            if not self.initialised:
                self._initdb(bindir)
            if not self.is_running():
                self._start(bindir)
            self._create_database()
        return self.url()

    def _initdb(self, bindir: Path) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._chown(self.state_dir)
        if self.pgdata.exists() and any(self.pgdata.iterdir()):
            raise DatabaseUnavailable(
                f"{self.pgdata} exists but is not a PostgreSQL data directory; remove it and retry",
                field="data_dir",
            )
        if not self.password_file.exists():
            self.password_file.write_text(secrets.token_urlsafe(24))
            self.password_file.chmod(0o600)
        pwfile = self.state_dir / ".pwfile"
        pwfile.write_text(self.password() + "\n")
        self._chown(pwfile)
        try:
            res = self._run(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    SUPERUSER,
                    "--auth-host=scram-sha-256",
                    "--auth-local=peer",
                    f"--pwfile={pwfile}",
                    "-E",
                    "UTF8",
                    "--no-locale",
                ]
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if res.returncode != 0:
            raise DatabaseUnavailable(f"initdb failed in {self.pgdata}:\n{res.stderr.strip()}")
        with open(self.pgdata / "postgresql.conf", "a") as fh:
            fh.write(_CONF)
            if self.fast:
                fh.write(_FAST_CONF)

    def _start(self, bindir: Path) -> None:
        if not self.log.exists():
            self.log.touch()
            self._chown(self.log)
        res = self._run(
            [
                str(bindir / "pg_ctl"),
                "start",
                "-D",
                str(self.pgdata),
                "-l",
                str(self.log),
                "-w",
                "-t",
                "60",
                "-o",
                f"-p {self.port} -c max_connections={MAX_CONNECTIONS}",
            ]
        )
        if res.returncode != 0:
            tail = self.log.read_text(errors="replace").strip().splitlines()[-5:] if self.log.exists() else []
            raise DatabaseUnavailable(
                f"the embedded PostgreSQL did not start on port {self.port} "
                f"(data: {self.pgdata}, log: {self.log}):\n" + "\n".join(tail or [res.stderr.strip()])
            )

    def _connect(self, db: str) -> psycopg.Connection:
        deadline = time.monotonic() + 30
        while True:
            try:
                return psycopg.connect(
                    host="127.0.0.1",
                    port=self.port,
                    user=SUPERUSER,
                    password=self.password(),
                    dbname=db,
                    autocommit=True,
                    connect_timeout=5,
                )
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def _create_database(self) -> None:
        with self._connect("postgres") as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.db_name,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{self.db_name}"')
            available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'").fetchone()
            if not available:
                major = conn.info.server_version // 10000
                raise MissingSystemPackage(
                    f"PostGIS is not installed for PostgreSQL {major}; " + _install_hint(str(major))
                )
        with self._connect(self.db_name) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    def create_database(self, name: str) -> str:
        """Create one more PostGIS database in this cluster (tests: one per run)."""
        with self._connect("postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        with self._connect(name) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self._connect("postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def down(self) -> bool:
        """Stop the server; returns whether it was running."""
        if not self.is_running():
            return False
        bindir = find_bindir()
        res = self._run([str(bindir / "pg_ctl"), "stop", "-D", str(self.pgdata), "-m", "fast", "-w"])
        if res.returncode != 0:
            raise DatabaseUnavailable(f"pg_ctl stop failed: {res.stderr.strip()}")
        return True
