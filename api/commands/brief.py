"""``peacemap brief AREA --pdf FILE``: an admin area's brief printed to PDF
through headless Chromium — the page of ``/areas/{id}``, rendered by the
same code (:func:`api.routers.areas.brief_html`)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from api.printing import print_pdf
from api.routers.areas import brief_html
from geo.analysis import GapParams
from geo.analysis.params import today
from geo.db import database_url, make_engine, make_sessionmaker
from geo.i18n import available, negotiate, translator


def system_language() -> str:
    """The served language of the shell's locale (``LC_ALL``, ``LC_MESSAGES``,
    ``LANG``: ``fr_FR.UTF-8`` → ``fr``), English when none is served."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").split(".")[0]
        if value and value not in ("C", "POSIX"):
            return negotiate([value])
    return negotiate([])


@click.command("brief")
@click.argument("area", type=click.IntRange(1))
@click.option("--pdf", "pdf", type=click.Path(dir_okay=False, path_type=Path), required=True, help="the PDF to write")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="analysis day (UTC); default today")
@click.option("--window-days", type=click.IntRange(1, 3650), default=90, show_default=True)
@click.option(
    "--lang",
    type=click.Choice(list(available())),
    default=system_language,
    show_default="the shell's locale, else en",
    help="the brief's language",
)
def command(area: int, pdf: Path, as_of, window_days: int, lang: str) -> None:
    """Print the brief of admin area AREA (an id) to a PDF (A4, one or two pages)."""
    params = GapParams(as_of=as_of.date() if as_of else today(), window_days=window_days)
    engine = make_engine(database_url())
    try:
        with make_sessionmaker(engine)() as session:
            html = brief_html(session, area, params, translator(lang))
    finally:
        engine.dispose()
    click.echo(f"wrote {print_pdf(html, pdf)}")
