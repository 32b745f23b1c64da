"""The embedded PostGIS (the cluster peacemap runs itself when no database URL
is set), driven through the real command line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from geo.cluster import LocalCluster

PEACEMAP = [str(Path(sys.executable).parent / "peacemap")]


def run(args, env_extra, check=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEACEMAP_")}
    env.update(env_extra)
    res = subprocess.run(PEACEMAP + args, capture_output=True, text=True, env=env, timeout=180)
    if check and res.returncode != 0:
        raise AssertionError(f"{args} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
    return res


@pytest.fixture(scope="module")
def own_cluster(tmp_path_factory):
    # pytest's temp folders are private (0700): as root this also exercises
    # the relocation of the cluster to where the postgres user can reach it.
    data_dir = tmp_path_factory.mktemp("own-cluster")
    env = {"PEACEMAP_DATA_DIR": str(data_dir)}
    yield env, data_dir
    run(["db", "down"], env, check=False)
    shutil.rmtree(LocalCluster(data_dir).state_dir, ignore_errors=True)


def test_db_up_twice_is_harmless_and_status_url_work(own_cluster):
    env, _ = own_cluster
    first = run(["db", "up"], env)
    assert "database up" in first.stdout
    second = run(["db", "up"], env)
    assert second.stdout == first.stdout
    status = run(["db", "status"], env).stdout
    assert "running" in status and "data directory:" in status
    url = run(["db", "url"], env).stdout.strip()
    assert url.startswith("postgresql+psycopg://peacemap:") and "@127.0.0.1:" in url
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        assert conn.execute("SELECT PostGIS_Version()").fetchone()[0].startswith("3")
    assert "schema at head" in run(["db", "migrate"], env).stdout
    assert "database stopped" in run(["db", "down"], env).stdout
    assert "stopped" in run(["db", "status"], env).stdout
    assert "database up" in run(["db", "up"], env).stdout  # restarts on the same data


def test_the_embedded_cluster_has_room_for_several_server_processes(db_url):
    """The suite's cluster is started as ``peacemap db up`` starts one (LocalCluster):
    four processes at the default budget fit, with the command line beside them."""
    from api.settings import ApiSettings
    from geo.cluster import MAX_CONNECTIONS
    from geo.db import connection_slots

    with psycopg.connect(db_url.replace("postgresql+psycopg", "postgresql")) as conn:
        total = int(conn.execute("SHOW max_connections").fetchone()[0])
        reserved = int(conn.execute("SHOW superuser_reserved_connections").fetchone()[0])
    assert total == MAX_CONNECTIONS, (
        "a cluster started before this setting: `peacemap db down` it, the suite starts it again"
    )
    assert connection_slots(db_url) == total - reserved
    assert 4 * ApiSettings().connections_per_process < total - reserved
    assert connection_slots("postgresql+psycopg://nobody:x@127.0.0.1:1/none") is None  # unreachable: not known


def test_missing_binaries_give_an_actionable_message(tmp_path):
    res = run(
        ["db", "up"], {"PEACEMAP_DATA_DIR": str(tmp_path), "PEACEMAP_PG_BINDIR": str(tmp_path / "nope")}, check=False
    )
    assert res.returncode == 2
    assert "postgresql-15-postgis-3" in res.stderr and "apt-get install" in res.stderr
    assert "Traceback" not in res.stderr


def test_external_url_is_used_and_nothing_is_started(tmp_path, db_url):
    env = {"PEACEMAP_DATA_DIR": str(tmp_path / "unused"), "PEACEMAP_DATABASE_URL": db_url}
    assert run(["db", "url"], env).stdout.strip() == db_url
    assert "PEACEMAP_DATABASE_URL is set" in run(["db", "up"], env).stdout
    assert not (tmp_path / "unused" / "pgdata").exists()


def test_root_keeps_the_cluster_where_the_server_user_can_reach_it(tmp_path):
    private = tmp_path / "home"
    private.mkdir(mode=0o700)
    private.chmod(0o700)
    cluster = LocalCluster(private / ".peacemap")
    if os.geteuid() == 0:
        assert cluster.state_dir != cluster.data_dir
        assert str(cluster.state_dir).startswith("/var/lib/peacemap/")
    else:
        assert cluster.state_dir == cluster.data_dir
    assert cluster.pgdata == cluster.state_dir / "pgdata"


def test_keys_create_prints_the_secret_once_and_stores_a_digest(db_url, engine):
    env = {"PEACEMAP_DATABASE_URL": db_url}
    res = run(["keys", "create", "--role", "viewer", "--name", "cli-test-viewer"], env)
    secret = res.stdout.strip()
    assert secret.startswith("pm_") and len(secret) > 30
    with engine.begin() as conn:
        stored = conn.exec_driver_sql("SELECT key_hash, role FROM api_keys WHERE name = 'cli-test-viewer'").one()
        conn.exec_driver_sql("DELETE FROM api_keys WHERE name = 'cli-test-viewer'")
    assert secret not in stored.key_hash and stored.role == "viewer"
    bad = run(["keys", "create", "--role", "god", "--name", "x"], env, check=False)
    assert bad.returncode == 2 and "god" in bad.stderr
