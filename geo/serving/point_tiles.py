"""A layer of points kept in memory, column by column, to make its vector
tiles without PostGIS (the incidents: ``TileSpec.resident``).

Why: a cold tile of the incidents at z6–z8 is PostgreSQL encoding thousands
of points with ``ST_AsMVTGeom`` and ``ST_AsMVT`` — the same work tipg asks of
it, so a server that asks PostGIS cannot be much faster than tipg on a tile's
first request (bench/README.md, vector tiles). Here a tile is a range lookup
in rows sorted by grid cell and an array encoding (:mod:`geo.serving.mvt`).

**The same tile as PostGIS.** The rows hold what ``ST_AsMVTGeom`` starts
from: the point's Web Mercator x/y as PostgreSQL computes them
(:func:`geo.serving.tiles.web_mercator`, read from SQL, so no libm of ours
differs), and its lon/lat for the same index prefilter. A tile then follows
PostGIS 3.3 step by step (``ST_TileEnvelope``, ``mvt_geom``: the affine
transform, ``rint``, the buffer box, inclusive), in float64 with the same
operations in the same order. Properties are kept as PostgreSQL prints them
(``CAST(… AS text)``, dictionary-coded), integers and booleans as such.
tests/api/test_tiles_resident.py compares both, decoded, tile for tile.

**Never stale.** The rows are kept current from the ``analysis_changes`` log
(migrations 0002 and 0007) the way the analysis' resident inputs are
(:mod:`geo.analysis.resident`; the log is read by the same
:func:`geo.changes.snapshot_and_changes`): a refresh reads, in one REPEATABLE
READ snapshot, the logged changes since the store's snapshot, the layer's
version (:func:`geo.serving.tiles.data_version`'s, which makes the ETag) and
the changed rows by id; their old versions die, the new ones are appended to
a small sorted tail (merged into the main rows when it grows). A truncate,
or more than ``MAX_CHANGED_ROWS`` changed, reloads the layer in the
background (tiles come from PostGIS meanwhile). The tile route serves from
memory only when the version its request read equals the store's, after a
refresh if needed; a tile is tagged with the version it was made from. It
does not follow the analysis' store itself: that one holds every analysis
input in the mission frame (hundreds of MB at reference scale) where tiles
need one table in Web Mercator.

**Bounded.** ``budget`` bytes (``PEACEMAP_TILE_MEMORY_MB``, default 256):
a layer whose rows would exceed it is refused, said once in the log, and its
tiles keep coming from PostGIS. Measured at reference scale (bench/README.md,
vector tiles): 97 MB held for 1 000 000 incidents, read in ~27 s in the
background (tiles come from PostGIS meanwhile), reading in chunks of
``CHUNK`` rows so the process grows by ~340 MB at most while it reads.
Each server process holds its own copy.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import numpy as np
from sqlalchemy import BigInteger, Boolean, Engine, Integer, Text, bindparam, cast, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from geo.changes import snapshot_and_changes
from geo.db import long_statements
from geo.resources import REGISTRY
from geo.serving.mvt import Column, point_tile
from geo.serving.tiles import resident_columns, version_query, web_mercator

log = logging.getLogger("peacemap.tiles")

HALF = 20037508.342789244  # ST_TileEnvelope's default bounds (PostGIS 3.3), metres
GRID = 12  # rows are sorted by their cell in a 4096 × 4096 grid of the Web Mercator world
CELLS = 2**GRID
MAX_CHANGED_ROWS = 50_000  # more in one refresh: the layer is read again whole (in the background)
TAIL_SHARE = 0.05  # a tail longer than this share of the main rows is merged into them
DEFAULT_BUDGET_MB = 256
EPOCH = date(1970, 1, 1)
CHUNK = 20_000


def _kind(column) -> str:
    if isinstance(column.type, Boolean):
        return "bool"
    if isinstance(column.type, Integer):
        return "int"
    return "text"  # what ST_AsMVT writes for any other type: PostgreSQL's text of the value


@dataclass(frozen=True)
class _Rows:
    """Rows sorted by grid cell (``key``), with their properties."""

    key: np.ndarray  # int64, the cell: row × CELLS + column
    ids: np.ndarray  # int64
    lon: np.ndarray
    lat: np.ndarray
    mx: np.ndarray
    my: np.ndarray
    day: np.ndarray  # float64 days since 1970-01-01 of the layer's date (NaN: none)
    props: dict[str, tuple[np.ndarray, np.ndarray | None]]  # name → values, present (None: never NULL)

    def __len__(self) -> int:
        return len(self.ids)

    def nbytes(self) -> int:
        arrays = [self.key, self.ids, self.lon, self.lat, self.mx, self.my, self.day]
        arrays += [a for v, p in self.props.values() for a in (v, p) if a is not None]
        return sum(a.nbytes for a in arrays)

    def take(self, i: np.ndarray) -> _Rows:
        return _Rows(
            self.key[i],
            self.ids[i],
            self.lon[i],
            self.lat[i],
            self.mx[i],
            self.my[i],
            self.day[i],
            {k: (v[i], None if p is None else p[i]) for k, (v, p) in self.props.items()},
        )

    @staticmethod
    def join(*parts: _Rows) -> _Rows:
        """All of them, sorted by cell."""

        def cat(f: str) -> np.ndarray:
            return np.concatenate([getattr(r, f) for r in parts])

        def mask(k: str) -> np.ndarray | None:
            if all(r.props[k][1] is None for r in parts):
                return None
            return np.concatenate([_present(r, k) for r in parts])

        both = _Rows(
            cat("key"),
            cat("ids"),
            cat("lon"),
            cat("lat"),
            cat("mx"),
            cat("my"),
            cat("day"),
            {k: (np.concatenate([r.props[k][0] for r in parts]), mask(k)) for k in parts[0].props},
        )
        return both.take(np.argsort(both.key, kind="stable"))

    def candidates(self, rows: tuple[int, int], cols: tuple[int, int]) -> np.ndarray:
        """Positions of the rows in grid rows ``rows`` and columns ``cols`` (both inclusive)."""
        r = np.arange(rows[0], rows[1] + 1, dtype=np.int64) * CELLS
        lo = np.searchsorted(self.key, r + cols[0], "left")
        hi = np.searchsorted(self.key, r + cols[1], "right")
        n = hi - lo
        total = int(n.sum())
        if total == 0:
            return np.zeros(0, np.int64)
        starts = np.repeat(lo - np.concatenate([[0], np.cumsum(n)[:-1]]), n)
        return starts + np.arange(total, dtype=np.int64)


def _values(rows: _Rows, name: str) -> np.ndarray:
    return rows.props[name][0]


def _present(rows: _Rows, name: str) -> np.ndarray:
    p = rows.props[name][1]
    return np.ones(len(rows), bool) if p is None else p


def cell_keys(mx: np.ndarray, my: np.ndarray) -> np.ndarray:
    """Each point's grid cell (row × CELLS + column), clamped to the world."""
    col = np.clip(np.floor((mx + HALF) * (CELLS / (2 * HALF))), 0, CELLS - 1).astype(np.int64)
    row = np.clip(np.floor((HALF - my) * (CELLS / (2 * HALF))), 0, CELLS - 1).astype(np.int64)
    return row * CELLS + col


def tile_box(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """``ST_TileEnvelope(z, x, y)``'s box as PostGIS 3.3 computes it (margin 0)."""
    size = (HALF - -HALF) / float(2**z)
    x1, x2 = -HALF + size * (x - 0.0), -HALF + size * (x + 1 + 0.0)
    y1, y2 = HALF - size * (y + 1 + 0.0), HALF - size * (y - 0.0)
    return x1, max(y1, -HALF), x2, min(y2, HALF)


@dataclass(frozen=True)
class State:
    """One version of the layer in memory (never changed: a refresh makes a new one)."""

    version: str
    snapshot: str
    main: _Rows
    live: np.ndarray  # bool per main row: False once changed or deleted
    tail: _Rows
    words: Words  # the text properties' words (append-only, shared between versions)
    text: frozenset[str]  # the properties held as words

    @functools.cached_property
    def every_live(self) -> bool:
        return bool(self.live.all())

    def nbytes(self) -> int:
        text = sum(len(w) + 100 for w in self.words.list)  # the string, its list slot and its index entry
        return self.main.nbytes() + self.live.nbytes + self.tail.nbytes() + text


class PointTiles:
    """The resident layers of one server process (``app.state.point_tiles``),
    each loaded at its first tile request, in the background."""

    def __init__(self, budget: int):
        self.budget = budget
        self._states: dict[str, State | None] = {}
        self._loading: set[str] = set()
        self.refused: dict[str, str] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def state(self, name: str, engine: Engine) -> State | None:
        """The layer's rows if they are loaded (else the load starts, in the background, and None)."""
        state = self._states.get(name)
        if state is None and name not in self.refused:
            self._start(name, engine)
        return state

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the loads under way (tests, benchmarks)."""
        for t in list(self._threads):
            t.join(timeout)

    def _start(self, name: str, engine: Engine) -> None:
        with self._lock:
            if name in self._loading or self._states.get(name) is not None:
                return
            self._loading.add(name)
        t = threading.Thread(target=self._load, args=(name, engine), name=f"tiles-{name}", daemon=True)
        self._threads.append(t)
        t.start()

    def _load(self, name: str, engine: Engine) -> None:
        t0 = time.perf_counter()
        try:
            with engine.connect() as conn, Session(bind=conn.execution_options(isolation_level="REPEATABLE READ")) as s:
                snap, _ = snapshot_and_changes(s, None)
                long_statements(s.connection())
                version = _version(s, name)
                count = s.scalar(select(func.count()).select_from(REGISTRY[name].model.__table__)) or 0
                per_row = 7 * 8 + 9 * len(_props(name))
                if count * per_row > self.budget:
                    raise MemoryError(f"about {count * per_row / 2**20:.0f} MB for {count:,} rows")
                words = Words()
                rows = _read(s, name, words, None)
                text = frozenset(p.name for p in _props(name) if _kind(p) == "text")
                empty = rows.take(np.zeros(0, np.int64))
                state = State(version, snap, rows, np.ones(len(rows), bool), empty, words, text)
                if state.nbytes() > self.budget:
                    raise MemoryError(f"{state.nbytes() / 2**20:.0f} MB for {len(rows):,} rows")
            self._states[name] = state
            log.info(
                "tiles of %s from memory: %d rows, %.1f MB, read in %.1f s",
                name,
                len(rows),
                state.nbytes() / 2**20,
                time.perf_counter() - t0,
            )
        except MemoryError as e:
            self.refused[name] = f"{e}, over the budget of {self.budget / 2**20:.0f} MB (PEACEMAP_TILE_MEMORY_MB)"
            log.warning("tiles of %s stay in PostGIS: %s", name, self.refused[name])
        except Exception:
            log.exception("tiles of %s: loading them into memory failed (they come from PostGIS)", name)
        finally:
            with self._lock:
                self._loading.discard(name)

    def catch_up(self, name: str, engine: Engine, version: str) -> None:
        """A request read ``version`` of the layer (on the SQL path): the rows are
        refreshed if they hold another, so the next requests can use them."""
        state = self._states.get(name)
        if state is not None and state.version != version:
            try:
                self.refresh(name, engine)
            except Exception:  # the request's own tile is made: the next one will try again
                log.exception("tiles of %s: refreshing the rows in memory failed", name)

    def refresh(self, name: str, engine: Engine) -> State | None:
        """The layer brought to the database's latest snapshot (None: it is
        being read again whole, in the background)."""
        with self._lock:
            state = self._states.get(name)
            if state is None:
                return None
            with engine.connect() as conn, Session(bind=conn.execution_options(isolation_level="REPEATABLE READ")) as s:
                snap, changes = snapshot_and_changes(s, state.snapshot)
                table = REGISTRY[name].table
                mine = [ids for t, _op, ids in changes if t == table]
                if any(ids is None for ids in mine) or sum(map(len, mine)) > MAX_CHANGED_ROWS:
                    self._states[name] = None  # read again whole
                    refreshed = None
                else:
                    version = _version(s, name)
                    changed = np.unique(np.fromiter((i for ids in mine for i in ids), np.int64))
                    fresh = _read(s, name, state.words, changed)
                    refreshed = _apply(state, version, snap, changed, fresh)
                    self._states[name] = refreshed
        if refreshed is None:
            self._start(name, engine)
        return refreshed


def _apply(state: State, version: str, snap: str, changed: np.ndarray, fresh: _Rows) -> State:
    live = state.live & ~np.isin(state.main.ids, changed)
    tail = state.tail.take(np.flatnonzero(~np.isin(state.tail.ids, changed)))
    tail = _Rows.join(tail, fresh)
    main = state.main
    if len(tail) > TAIL_SHARE * max(len(main), 1) or (~live).sum() > TAIL_SHARE * max(len(main), 1):
        main, tail = _Rows.join(main.take(np.flatnonzero(live)), tail), tail.take(np.zeros(0, np.int64))
        live = np.ones(len(main), bool)
    return replace(state, version=version, snapshot=snap, main=main, live=live, tail=tail)


def _version(s: Session, name: str) -> str:
    return str(s.execute(version_query(name)).scalar())


def _props(name: str) -> list:
    return resident_columns(name)


@dataclass
class Words:
    """The words of every text property of a layer, one code each (so a word
    in two properties is one value of a tile), appended to, never changed."""

    list: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)

    def code(self, word: str) -> int:
        code = self.index.get(word)
        if code is None:
            code = self.index[word] = len(self.list)
            self.list.append(word)
        return code


def _read(s: Session, name: str, words: Words, ids: np.ndarray | None) -> _Rows:
    """The layer's rows with a point (all, or those of ``ids``), sorted by cell."""
    spec = REGISTRY[name]
    table = spec.model.__table__
    merc = web_mercator(spec, table.c.geom)
    props = _props(name)
    day = (table.c[spec.date_field] - literal(EPOCH)) if spec.date_field else literal(None, Integer)
    cols = [table.c.id, func.ST_X(table.c.geom), func.ST_Y(table.c.geom), func.ST_X(merc), func.ST_Y(merc), day]
    cols += [cast(p, Text) if _kind(p) == "text" else p for p in props]
    q = select(*cols).where(func.ST_X(table.c.geom).is_not(None))
    if ids is not None:
        q = q.where(table.c.id == func.any(bindparam("ids", ids.tolist(), type_=ARRAY(BigInteger))))
    chunks = [_chunk(list(zip(*chunk, strict=True)), props, words) for chunk in _partitions(s, q)]
    if not chunks:
        chunks = [_chunk([()] * len(cols), props, words)]
    return _Rows.join(*chunks)


def _partitions(s: Session, q) -> Iterator[Sequence]:
    """The rows of ``q`` in chunks (a server-side cursor: the whole layer is never Python objects at once)."""
    yield from s.execute(q.execution_options(yield_per=CHUNK)).partitions()


def _chunk(parts: list, props: list, words: Words) -> _Rows:
    """Columns of rows read (``parts``: one sequence per selected column) as arrays (unsorted)."""
    n = len(parts[0])
    ids_ = np.array(parts[0], np.int64)
    lon, lat, mx, my = (np.array(parts[j], np.float64).reshape(n) for j in range(1, 5))
    day_ = np.array([np.nan if d is None else d for d in parts[5]], np.float64).reshape(n)
    held: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
    for p, values in zip(props, parts[6:], strict=True):
        present = np.fromiter((v is not None for v in values), bool, n)
        if _kind(p) == "text":
            arr = np.fromiter((-1 if w is None else words.code(w) for w in values), np.int32, n)
        elif _kind(p) == "bool":
            arr = np.fromiter((bool(v) for v in values), bool, n)
        else:
            arr = np.fromiter((0 if v is None else v for v in values), np.int64, n)
        held[p.name] = (arr, None if present.all() else present)
    return _Rows(cell_keys(mx, my), ids_.reshape(n), lon, lat, mx, my, day_, held)


def _day(v: date | datetime | None) -> float | None:
    if v is None:
        return None
    return float(((v.date() if isinstance(v, datetime) else v) - EPOCH).days)


def make_tile(
    state: State,
    name: str,
    z: int,
    x: int,
    y: int,
    prefilter: tuple[float, float, float, float],
    names: list[str],
    *,
    extent: int,
    buffer: int,
    start: date | datetime | None = None,
    end: date | datetime | None = None,
) -> bytes:
    """The MVT of layer ``name`` for tile z/x/y, as ``geo.serving.tiles.tile_query``
    makes it: the rows inside ``prefilter`` (minlon, minlat, maxlon, maxlat,
    inclusive) and the date window (a datetime end is taken as its day, as the
    SQL does for a date column), at ``ST_AsMVTGeom``'s integer coordinates
    within the buffer, with properties ``id`` and ``names``.

    Parameters
    ----------
    state : State
    name : str
    z, x, y : int
    prefilter : tuple of float
    names : list of str
    extent, buffer : int
    start, end : date or datetime, optional

    Returns
    -------
    bytes
    """
    x1, y1, x2, y2 = tile_box(z, x, y)
    fx = extent / (x2 - x1)
    fy = -(extent / (y2 - y1))
    xoff, yoff = -x1 * fx, -y2 * fy
    # the grid cells that can hold a kept point: the buffer box in metres, one cell more each side
    grow = (buffer + 1) * (x2 - x1) / extent
    scale = CELLS / (2 * HALF)
    cols = (max(0, int((x1 - grow + HALF) * scale) - 1), min(CELLS - 1, int((x2 + grow + HALF) * scale) + 1))
    rows = (max(0, int((HALF - y2 - grow) * scale) - 1), min(CELLS - 1, int((HALF - y1 + grow) * scale) + 1))
    w, s, e, n = prefilter
    lo, hi = _day(start), _day(end)
    parts: list[tuple[_Rows, np.ndarray, np.ndarray, np.ndarray]] = []
    runs = [(state.main, None if state.every_live else state.live)] + ([(state.tail, None)] if len(state.tail) else [])
    for run, live in runs:
        i = run.candidates(rows, cols)
        if live is not None:
            i = i[live[i]]
        lon, lat = run.lon[i], run.lat[i]
        keep = (lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)
        if lo is not None:
            keep &= run.day[i] >= lo
        if hi is not None:
            keep &= run.day[i] <= hi
        i = i[keep]
        tx = np.rint(fx * run.mx[i] + xoff)
        ty = np.rint(fy * run.my[i] + yoff)
        inside = (tx >= -buffer) & (tx <= extent + buffer) & (ty >= -buffer) & (ty <= extent + buffer)
        parts.append((run, i[inside], tx[inside].astype(np.int64), ty[inside].astype(np.int64)))

    def gather(column: Callable[[_Rows], np.ndarray]) -> np.ndarray:
        return (
            column(parts[0][0])[parts[0][1]]
            if len(parts) == 1
            else np.concatenate([column(r)[i] for r, i, _, _ in parts])
        )

    tx, ty = (parts[0][2], parts[0][3]) if len(parts) == 1 else (np.concatenate([p[k] for p in parts]) for k in (2, 3))
    columns = [Column("id", "int", gather(lambda r: r.ids), distinct=True)]
    for p in names:
        values = gather(functools.partial(_values, name=p))
        present = None if all(r.props[p][1] is None for r, *_ in parts) else gather(functools.partial(_present, name=p))
        kind = "text" if p in state.text else ("bool" if values.dtype == bool else "int")
        columns.append(Column(p, kind, values, present, state.words.list if p in state.text else ()))
    return point_tile(name, extent, tx, ty, columns)
