"""Print a self-contained HTML page to PDF with headless Chromium (Debian's
``/usr/bin/chromium``, the settings of :mod:`api.live`): the page's print
CSS decides the paper (``@page { size: A4 }``), so what the browser prints
from ``/areas/{id}`` and what ``peacemap brief --pdf`` writes are the same."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from api.live import CHROMIUM, CHROMIUM_ARGS
from geo.errors import PeacemapError

PRINT_TIMEOUT_S = 120


def print_pdf(html: str, out: Path) -> Path:
    """Write ``html`` (no external file needed) to ``out`` as PDF.

    Raises ``PeacemapError`` naming the cause when Chromium is missing or fails.
    """
    if not Path(CHROMIUM).is_file():
        raise PeacemapError(f"{CHROMIUM} is needed to print (apt-get install chromium)")
    out = out.resolve()
    with tempfile.TemporaryDirectory(prefix="peacemap-print-") as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(html, encoding="utf-8")
        run = subprocess.run(
            [
                CHROMIUM,
                *CHROMIUM_ARGS,
                f"--user-data-dir={tmp}/profile",
                "--no-pdf-header-footer",
                f"--print-to-pdf={out}",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=PRINT_TIMEOUT_S,
            check=False,
        )
    if run.returncode != 0 or not out.is_file():
        raise PeacemapError(f"chromium could not print the page (exit {run.returncode})", cause=run.stderr[-500:])
    return out
