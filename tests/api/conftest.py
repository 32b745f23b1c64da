"""Fixtures of the API tests that need the app in a real server process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from api.live import ChildServer


@pytest.fixture(scope="module")
def serve_app(tmp_path_factory):
    """``with serve_app(db_url) as server``: peacemap's app in a child process
    (``api.live.ChildServer``: GDAL holds the GIL while it reads, so a server
    thread in this process would never answer), public read, over that
    database. ``server["base"]`` is its URL, ``server["served"]()`` the
    request lines it served so far."""

    @contextmanager
    def serve(url: str) -> Iterator[dict]:
        log = tmp_path_factory.mktemp("server") / "server.log"
        try:
            server = ChildServer(url, log=log)
        except RuntimeError as exc:
            pytest.fail(f"{exc}: {log.read_text()[-2000:]}")

        def served() -> list[str]:
            lines = log.read_text().splitlines()
            return [line.split('"GET ', 1)[1].split(" HTTP/")[0] for line in lines if '"GET ' in line]

        try:
            yield {"base": server.url, "served": served}
        finally:
            server.close()

    return serve
