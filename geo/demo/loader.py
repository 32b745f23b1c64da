"""Loading a scenario into PostGIS with ``COPY`` (``geo.bulk``), parents first,
foreign keys resolved from ``source_id`` to database ids on the way."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Date, Engine, exists, func, select, text
from sqlalchemy.orm import Session

from geo import links
from geo.bulk import bulk_upsert, geometry_to_ewkb_hex
from geo.demo.generate import generate
from geo.demo.roads import LANDCOVER_FILE, LANDCOVER_PROVENANCE, rivers
from geo.demo.scenario import DEMO_SCALE, MODELS, REFERENCES, Scenario, check_scale
from geo.models import Community, Raster, Waterway
from geo.rasters.catalogue import sha256, store
from geo.resources import REGISTRY

# Any constant works: it only keeps two loaders from racing each other.
_LOCK_KEY = 0x7065616365  # "peace"


def _column_values(series: pd.Series, is_date: bool) -> list:
    """One frame column as Python values psycopg can COPY (missing → None)."""
    missing = series.isna().to_numpy()
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        values = series.dt.to_pydatetime()
    elif pd.api.types.is_datetime64_dtype(series.dtype):
        values = series.dt.date.to_numpy(dtype=object) if is_date else series.dt.to_pydatetime()
    else:
        values = series.to_numpy(dtype=object)
    if missing.any():
        values = np.where(missing, None, values)
    return values.tolist()


def _rows(frame: pd.DataFrame, columns: Sequence[str], model, chunk: int = 100_000) -> Iterator[tuple]:
    """Row tuples, converted a chunk at a time to keep memory flat."""
    for start in range(0, len(frame), chunk):
        part = frame.iloc[start : start + chunk]
        cols = []
        for c in columns:
            if c == "geom":
                cols.append(geometry_to_ewkb_hex(part.geometry.values))
            else:
                cols.append(_column_values(part[c], isinstance(model.__table__.c[c].type, Date)))
        yield from zip(*cols, strict=True)


def _ids_by_source_id(conn: Connection, model, frame: pd.DataFrame) -> dict[str, int]:
    sources = sorted(frame["source"].unique().tolist())
    rows = conn.execute(select(model.source_id, model.id).where(model.source.in_(sources)))
    return dict(rows.all())


def load(conn: Connection, scenario: Scenario) -> dict[str, int]:
    """Upsert every table of ``scenario`` (rows written per table). Loading
    the same scenario again updates rows in place; the caller owns the
    transaction."""
    written: dict[str, int] = {}
    for table, frame in scenario.frames().items():
        model = MODELS[table]
        columns = [c for c in frame.columns if c in model.__table__.c]
        if table in REFERENCES:
            ref_col, parent, fk = REFERENCES[table]
            ids = _ids_by_source_id(conn, MODELS[parent], scenario.frames()[parent])
            frame = frame.assign(**{fk: frame[ref_col].map(ids).astype("Int64")})
            columns.append(fk)
        result = bulk_upsert(conn, model, columns, _rows(frame, columns, model))
        written[table] = result.total
    _load_links(conn, scenario)
    return written


def _load_links(conn: Connection, scenario: Scenario) -> None:
    """Who took part in each engagement (``geo.links``, replacing what a previous load wrote)."""
    spec = REGISTRY["engagements"]
    link = spec.link("interlocutor_ids")
    assert link is not None
    people = _ids_by_source_id(conn, MODELS["interlocutors"], scenario.interlocutors)
    pairs = scenario.engagement_interlocutors
    if not len(scenario.engagements):
        return
    source = str(scenario.engagements["source"].iloc[0])
    keyed = [
        (source, str(sid), [people[p] for p in group["interlocutor_source_id"]])
        for sid, group in pairs.groupby("engagement_source_id", sort=True)
    ]
    links.replace_by_key(conn, spec, link, keyed)


def load_real_ground(conn: Connection) -> dict[str, int]:
    """The real data the demo ships for travel time (``geo.demo.roads``): the
    Natural Earth rivers of the mission area as waterways, and the MODIS land
    cover into the raster catalogue (once: a copy already catalogued is kept)."""
    river_frame = rivers()
    columns = [c for c in river_frame.columns if c != "geom"] + ["geom"]
    result = bulk_upsert(conn, Waterway, columns, _rows(river_frame, columns, Waterway))
    session = Session(bind=conn)
    checksum = sha256(LANDCOVER_FILE)
    if not session.scalar(select(exists().where(Raster.source_checksum == checksum))):
        store(session, LANDCOVER_FILE, "landcover", provenance=LANDCOVER_PROVENANCE, who="peacemap demo")
    session.flush()
    return {"waterways": result.total, "rasters": 1}


def database_is_empty(conn: Connection) -> bool:
    return not conn.scalar(select(exists().where(Community.id.is_not(None))))


def load_demo(
    engine: Engine, scale: float = DEMO_SCALE, seed: int = 7, end: date | None = None, force: bool = False
) -> dict[str, int] | None:
    """Generate and load the demo in one transaction, unless the database
    already has communities (then nothing is loaded and ``None`` returned);
    ``force`` loads anyway (an upsert: the demo's own rows are updated)."""
    check_scale(scale)
    with engine.begin() as conn:
        conn.execute(select(func.pg_advisory_xact_lock(_LOCK_KEY)))
        if not force and not database_is_empty(conn):
            return None
        written = load(conn, generate(scale=scale, seed=seed, end=end))
        written.update(load_real_ground(conn))
        for model in MODELS.values():
            conn.execute(text(f'ANALYZE "{model.__tablename__}"'))
    return written
