"""CPU-heavy work holds no database connection while it computes: the
engagement-gap analysis and the GeoPackage writer read, give the
connection back, then compute. Each test uses an engine of its own and
records, whenever the heavy function is entered, how many of that engine's
connections are checked out (``checkouts_during``)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pyogrio
import pytest
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import delete
from sqlalchemy.orm import Session

from geo.analysis import cache, gaps_from_db
from geo.db import make_engine
from geo.io import export
from geo.models import Community, Incident

SPOT = (-60.0, -50.0)  # South Atlantic: no other test's data


@pytest.fixture
def own_engine(db_url):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def test_the_analysis_computes_with_no_connection_checked_out(own_engine, checkouts_during, scenario):
    s = scenario()
    s.community(SPOT, population=100)
    s.incident(s.at(SPOT, 0, 2000), s.AS_OF - timedelta(days=2), fatalities=3)
    with Session(own_engine) as w:
        ids = s.store(w)
        w.commit()
    cache.clear()
    seen = checkouts_during(cache, "gap_state", own_engine)  # the computation of the full path
    seen_local = checkouts_during(cache, "local_update", own_engine)  # and of the local path
    local_runs = cache.STATS["incremental"]
    try:
        with Session(own_engine) as caller:
            caller.get(Community, ids["communities"][1])  # the caller's transaction holds a connection
            full = cache.cached_gaps(caller, scenario.PARAMS).table
            with Session(own_engine) as w:  # a new incident: the local path
                w.add(
                    Incident(
                        occurred_on=scenario.AS_OF,
                        event_type="battle",
                        fatalities=1,
                        geom=from_shape(shapely.Point(s.at(SPOT, 90, 1000)), srid=4326),
                    )
                )
                w.commit()
            local = cache.cached_gaps(caller, scenario.PARAMS).table
        assert cache.STATS["incremental"] == local_runs + 1
        assert seen == [0] and seen_local == [0]  # neither the caller's nor the cache's connection was held
        with Session(own_engine) as fresh:
            want = gaps_from_db(fresh, scenario.PARAMS, computed_at=scenario.COMPUTED_AT).table
        pd.testing.assert_frame_equal(local, want, check_exact=False, rtol=1e-12)
        assert local.set_index("community_id").loc[ids["communities"][1], "incidents_window"] == 2
        assert full.set_index("community_id").loc[ids["communities"][1], "incidents_window"] == 1
    finally:
        with Session(own_engine) as w:
            w.execute(
                delete(Incident).where(
                    Incident.geom.ST_Intersects(from_shape(shapely.box(-62, -52, -58, -48), srid=4326))
                )
            )
            w.execute(delete(Community).where(Community.id.in_(ids["communities"].values())))
            w.commit()
        cache.clear()


def test_the_geopackage_is_written_with_no_connection_checked_out(own_engine, checkouts_during, tmp_path):
    seen = checkouts_during(pyogrio, "write_arrow", own_engine)  # export imports it when it writes
    with Session(own_engine) as session:
        counts = export.write_geopackage(
            session, tmp_path / "out.gpkg", export.export_layers(include_sensitive=True, reader="test")
        )
    assert len(seen) == len(counts) and set(seen) == {0}
