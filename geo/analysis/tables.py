"""The analysis' inputs as columns, declared once per table.

Each table the analysis reads is an :class:`InputTable`: its model, whether
its geometry is a point or a track, and its columns (:class:`Column`: the
name the kernels use, the value's kind, the SQL expression that reads it and
the :class:`~geo.analysis.inputs.GapInputs` column it comes from in memory).
Everything else derives from the declaration: the database readers
(:mod:`geo.analysis.read`), the conversion of in-memory inputs
(:func:`prepare`), the resident copy kept current from the change log
(:mod:`geo.analysis.resident`) and its memory estimate. A new input table (a
road network, crossings) joins by one more entry in :data:`INPUT_TABLES`
(and the change-log triggers of its migration, docs/architecture.md#add-an-input-table).

In memory a table is a :class:`Rows`: ids, one numpy array per column,
lon/lat and Earth-centred coordinates in a mission frame
(:mod:`geo.analysis.grid`) for points, a :class:`~geo.analysis.tracks.TrackSet`
for tracks, and which slots are alive (a resident table marks deleted rows
dead instead of moving the others). Missing values are NaN (floats) or
``NONE`` (days, microseconds); dates are day numbers and time stamps
microseconds (:mod:`geo.analysis.days`), exact for any stored value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Integer, cast

from geo.analysis.days import day_numbers, to_us
from geo.analysis.fetch import epoch_days, epoch_microseconds
from geo.analysis.grid import frame_coordinates, mission_frame
from geo.analysis.growing import appended
from geo.analysis.inputs import COLUMNS, GapInputs
from geo.analysis.metric import ecef
from geo.analysis.tracks import TrackSet
from geo.models import Community, Engagement, Feature, Incident, Patrol, Qip, Site

ACTIVE_QIP = ("in_progress", "completed")  # the QIP statuses that count as an engagement


class Kind(Enum):
    """How a column is typed in memory (and read from SQL)."""

    INT = "int"  # int64, never null
    FLOAT = "float"  # float64, NaN for null
    DAY = "day"  # a date as its day number (int64), NONE for null or ±infinity
    MICROS = "micros"  # a time stamp as µs since the epoch, UTC (int64), NONE for null
    FLAG = "flag"  # bool
    TEXT = "text"  # Python str (object)


@dataclass(frozen=True)
class Column:
    """One input column: ``name`` in memory, its :class:`Kind`, ``sql`` (the
    model → expression read from the database) and ``source``, the
    GapInputs column it is made from (``convert`` when not by kind alone)."""

    name: str
    kind: Kind
    sql: Callable[[Any], ColumnElement]
    source: str
    convert: Callable[[pd.Series], np.ndarray] | None = None

    def expression(self, model) -> ColumnElement:
        """The SQL expression reading this column, typed as the reader expects.

        Parameters
        ----------
        model : a Feature model

        Returns
        -------
        SQL expression
        """
        expr = self.sql(model)
        if self.kind is Kind.DAY:
            return epoch_days(expr)
        if self.kind is Kind.MICROS:
            return epoch_microseconds(expr)
        return expr

    def from_series(self, s: pd.Series) -> np.ndarray:
        """This column from a GapInputs column.

        Parameters
        ----------
        s : pandas.Series

        Returns
        -------
        numpy.ndarray
        """
        if self.convert is not None:
            return self.convert(s)
        if self.kind is Kind.DAY:
            return day_numbers(to_us(s))
        if self.kind is Kind.MICROS:
            return to_us(s)
        if self.kind is Kind.FLOAT:
            return pd.to_numeric(s, errors="coerce").to_numpy(float)
        if self.kind is Kind.INT:
            return s.to_numpy(np.int64)
        if self.kind is Kind.FLAG:
            return s.to_numpy(bool)
        return s.to_numpy(object)


@dataclass(frozen=True)
class InputTable:
    """One table the analysis reads (its name is the table's, the change
    log's ``table_name`` and the GapInputs field)."""

    name: str
    model: type[Feature]
    geometry: str  # "point" or "track"
    columns: tuple[Column, ...]
    bytes_per_row: int = 0  # memory estimate per row, beyond its columns (a track's vertices are counted apart)

    def column(self, name: str) -> Column:
        """The declared column ``name``.

        Parameters
        ----------
        name : str

        Returns
        -------
        Column
        """
        return next(c for c in self.columns if c.name == name)


def _col(name: str, kind: Kind, source: str | None = None, sql=None, convert=None) -> Column:
    src = source or name
    return Column(name, kind, sql or (lambda m, src=src: getattr(m, src)), src, convert)


INPUT_TABLES: dict[str, InputTable] = {
    t.name: t
    for t in (
        InputTable("communities", Community, "point", (_col("name", Kind.TEXT), _col("population", Kind.FLOAT)), 80),
        InputTable(
            "incidents",
            Incident,
            "point",
            (
                _col("day", Kind.DAY, "occurred_on"),
                _col("fatalities", Kind.INT),
                _col("geo_precision", Kind.INT, sql=lambda m: cast(m.geo_precision, Integer)),
            ),
        ),
        InputTable(
            "patrols", Patrol, "track", (_col("ended", Kind.MICROS, "ended_at"), _col("coverage_m", Kind.FLOAT)), 64
        ),
        InputTable(
            "engagements",
            Engagement,
            "point",
            (_col("at", Kind.MICROS, "occurred_at"), _col("community_id", Kind.FLOAT)),
        ),
        InputTable(
            "qips",
            Qip,
            "point",
            (
                _col(
                    "active",
                    Kind.FLAG,
                    "status",
                    sql=lambda m: m.status.in_(ACTIVE_QIP),
                    convert=lambda s: s.isin(ACTIVE_QIP).to_numpy(bool),
                ),
                _col("start_day", Kind.DAY, "start_on"),
                _col("end_day", Kind.DAY, "end_on"),
            ),
        ),
        InputTable(
            "sites",
            Site,
            "point",
            (_col("active_from", Kind.DAY), _col("active_to", Kind.DAY)),
        ),
    )
}
POINT_BYTES = 8 + 16 + 24 + 1  # id, lon/lat, frame x/y/z, alive
VALUE_BYTES = {Kind.INT: 8, Kind.FLOAT: 8, Kind.DAY: 8, Kind.MICROS: 8, Kind.FLAG: 1, Kind.TEXT: 64}
VERTEX_BYTES = 16 + 24 + 8 + 8 + 8  # lon/lat, frame x/y/z, and per segment its two ends and sag


def row_bytes(table: InputTable) -> int:
    """Estimated memory per row of ``table`` (a track's vertices apart: ``VERTEX_BYTES`` each).

    Parameters
    ----------
    table : InputTable

    Returns
    -------
    int
    """
    return POINT_BYTES + sum(VALUE_BYTES[c.kind] for c in table.columns) + table.bytes_per_row


@dataclass
class Rows:
    """One table in columns (see the module docstring). ``alive`` None: every slot."""

    ids: np.ndarray
    values: dict[str, np.ndarray]
    lonlat: np.ndarray | None = None
    xyz: np.ndarray | None = None
    tracks: TrackSet | None = None
    alive: np.ndarray | None = None
    memo: dict[Any, Any] = field(default_factory=dict)  # derived once per version (e.g. the patrols' recency order)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    def live(self) -> np.ndarray:
        """A mask of the slots holding a row.

        Returns
        -------
        numpy.ndarray of bool
        """
        return np.ones(len(self.ids), bool) if self.alive is None else self.alive

    def count(self) -> int:
        """Rows held.

        Returns
        -------
        int
        """
        return len(self.ids) if self.alive is None else int(self.alive.sum())

    def nbytes(self) -> int:
        """Memory held by the arrays (texts counted at 64 bytes each).

        Returns
        -------
        int
        """
        arrays = [self.ids, *self.values.values(), self.lonlat, self.xyz, self.alive]
        total = sum(a.nbytes + (64 * len(a) if a.dtype == object else 0) for a in arrays if a is not None)
        return total + (self.tracks.nbytes() if self.tracks is not None else 0)

    def dead(self) -> int:
        """Slots no longer holding a row (kept until :meth:`take` compacts them).

        Returns
        -------
        int
        """
        return len(self.ids) - self.count()

    def take(self, slots: np.ndarray) -> Rows:
        """A new Rows of some slots, in that order, every one alive.

        Parameters
        ----------
        slots : numpy.ndarray of int

        Returns
        -------
        Rows
        """
        slots = np.asarray(slots, np.int64)
        return Rows(
            self.ids[slots],
            {k: v[slots] for k, v in self.values.items()},
            None if self.lonlat is None else self.lonlat[slots],
            None if self.xyz is None else self.xyz[slots],
            None if self.tracks is None else self.tracks.slots(slots),
        )

    def with_room(self) -> Rows:
        """The same rows in arrays with spare room to grow (:func:`~geo.analysis.growing.appended`).

        Returns
        -------
        Rows
        """
        return self.replace(np.zeros(0, np.int64), self.take(np.zeros(0, np.int64)))[0]

    def replace(self, ids: np.ndarray, fresh: Rows) -> tuple[Rows, np.ndarray]:
        """A new Rows: the slots holding ``ids`` dead, the rows of ``fresh`` appended.

        Copy-on-write for every reader of ``self``: its arrays' first
        ``len(self)`` entries are never written. The appended rows go into
        the spare room of the arrays (:func:`appended`) when there is some,
        so a change of a few rows in a table of millions copies only its
        ``alive`` mask.

        Parameters
        ----------
        ids : numpy.ndarray of int
            Rows changed (updated, deleted or inserted).
        fresh : Rows
            Those of them that exist now, as read.

        Returns
        -------
        tuple of (Rows, numpy.ndarray)
            The new rows and the slots (of ``self``) that died.
        """
        gone = np.flatnonzero(self.live() & np.isin(self.ids, ids))
        alive = np.r_[self.live(), np.ones(len(fresh), bool)]
        alive[gone] = False

        def both(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
            return None if a is None or b is None else appended(a, b)

        tracks = None
        if self.tracks is not None and fresh.tracks is not None:
            tracks = self.tracks.appended(fresh.tracks)
        rows = Rows(
            appended(self.ids, fresh.ids),
            {k: appended(v, fresh.values[k]) for k, v in self.values.items()},
            both(self.lonlat, fresh.lonlat),
            both(self.xyz, fresh.xyz),
            tracks,
            alive,
        )
        return rows, gone


@dataclass
class Tables:
    """Every input table (:data:`INPUT_TABLES`) in one mission frame."""

    frame: np.ndarray
    rows: dict[str, Rows]

    def __getitem__(self, name: str) -> Rows:
        return self.rows[name]

    @property
    def communities(self) -> Rows:
        return self.rows["communities"]

    @property
    def incidents(self) -> Rows:
        return self.rows["incidents"]

    @property
    def patrols(self) -> Rows:
        return self.rows["patrols"]

    @property
    def engagements(self) -> Rows:
        return self.rows["engagements"]

    @property
    def qips(self) -> Rows:
        return self.rows["qips"]

    @property
    def sites(self) -> Rows:
        return self.rows["sites"]


def point_rows(
    table: InputTable, ids: np.ndarray, lon: np.ndarray, lat: np.ndarray, values: dict, frame: np.ndarray
) -> Rows:
    """A point table's rows, with their frame coordinates.

    Parameters
    ----------
    table : InputTable
    ids, lon, lat : numpy.ndarray
    values : dict of str to numpy.ndarray
        One array per declared column.
    frame : numpy.ndarray

    Returns
    -------
    Rows
    """
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    return Rows(
        np.asarray(ids, np.int64),
        {c.name: values[c.name] for c in table.columns},
        np.column_stack([lon, lat]).reshape(-1, 2),
        frame_coordinates(lon, lat, frame),
    )


def prepare(inputs: GapInputs, frame: np.ndarray | None = None) -> Tables:
    """In-memory inputs (DataFrames) as :class:`Tables`.

    Parameters
    ----------
    inputs : GapInputs
    frame : numpy.ndarray, optional
        The mission frame (default: centred on the communities, else every point).

    Returns
    -------
    Tables
    """
    if frame is None:
        com = inputs.communities
        if not len(com):
            com = pd.concat([getattr(inputs, n)[["lon", "lat"]] for n in COLUMNS if n != "patrols"])
        lon, lat = (pd.to_numeric(com[c], errors="coerce").to_numpy(float) for c in ("lon", "lat"))
        frame = mission_frame(ecef(lon, lat))
    rows: dict[str, Rows] = {}
    for name, table in INPUT_TABLES.items():
        df = getattr(inputs, name)
        ids = df["id"].to_numpy(np.int64)
        values = {c.name: c.from_series(df[c.source]) for c in table.columns}
        if table.geometry == "track":
            rows[name] = Rows(ids, values, tracks=TrackSet.from_geometries(df["geometry"].to_numpy(), frame))
        else:
            lon, lat = (pd.to_numeric(df[c], errors="coerce").to_numpy(float) for c in ("lon", "lat"))
            rows[name] = point_rows(table, ids, lon, lat, values, frame)
    return Tables(frame, rows)
