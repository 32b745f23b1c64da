"""The ``peacemap`` command line. Each sub-command lives in ``api/commands/``
and exposes ``command``; domain errors become one clear line, not a traceback."""

from __future__ import annotations

import importlib
import sys

import click

from geo.errors import PeacemapError

COMMAND_MODULES = [
    "api.commands.db",
    "api.commands.keys",
    "api.commands.serve",
    "api.commands.start",
    "api.commands.demo",
    "api.commands.importer",
    "api.commands.gaps",
    "api.commands.export",
    "api.commands.brief",
    "api.commands.maintain",
]


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PeacemapError as exc:
            click.echo(f"peacemap: {exc.message}" + (f" ({exc.cause})" if exc.cause else ""), err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """peacemap — incidents, patrols, engagements and engagement gaps on PostGIS."""


for _name in COMMAND_MODULES:
    main.add_command(importlib.import_module(_name).command)
