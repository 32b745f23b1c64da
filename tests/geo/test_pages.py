"""Pages of features built in SQL (geo.serving.pages): the text PostgreSQL
writes is the same GeoJSON the row-by-row path (geo.repository) makes, key
cursors walk a collection once, and numberMatched is PostgreSQL's estimate
only on an unfiltered collection above the threshold."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta

import pytest
import shapely
from geoalchemy2.shape import from_shape
from pyproj import Transformer
from shapely.geometry import Point
from sqlalchemy import func, select, text

from geo import repository
from geo.errors import InvalidInput
from geo.models import AuditLog, Incident
from geo.resources import REGISTRY
from geo.serving import pages as pages_module
from geo.serving.crs import BY_URI, bbox_clause
from geo.serving.crs import CRS84 as CRS84_CRS
from geo.serving.pages import Cursor, PageRequest, page_text


def _instants(value):
    """Times as instants: PostgreSQL writes 12:00:00.5+00:00 where Python writes
    12:00:00.500000+00:00, the same time."""
    if isinstance(value, dict):
        return {k: _instants(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_instants(v) for v in value]
    if isinstance(value, str) and len(value) > 19 and value[10] == "T":
        return datetime.fromisoformat(value)
    return value


@pytest.mark.parametrize("name", list(REGISTRY))
def test_sql_pages_equal_the_row_by_row_features(session, insert_samples, name):
    insert_samples(session, n=4)
    spec = REGISTRY[name]
    seen = session.scalar(select(func.max(AuditLog.id))) or 0  # rows other tests committed
    for sensitive in (False, True):
        want = repository.list_features(session, spec, limit=1000, include_sensitive=sensitive, reader="test")
        page = page_text(session, spec, [], PageRequest(1000), include_sensitive=sensitive, reader="test", via="pg")
        assert _instants(json.loads(page.features)) == _instants(want.features)
        assert (page.returned, page.matched, page.estimated) == (len(want.features), want.matched, False)
        # Personal data read is audited alike: the same ids, once per read (none for the rest).
        read = (AuditLog.action == "read") & (AuditLog.id > seen)
        reads = session.scalars(select(AuditLog).where(read).order_by(AuditLog.id)).all()
        if sensitive and spec.audit_reads:
            assert [r.after["ids"] for r in reads[-2:]] == [[f["id"] for f in want.features]] * 2
            assert reads[-1].after["via"] == "pg" and reads[-1].key_name == "test"
        else:
            assert reads == []


def test_cursors_walk_every_row_once_forwards_and_back(session, insert_samples):
    insert_samples(session, n=11)
    spec = REGISTRY["qips"]
    ids = [f["id"] for f in repository.list_features(session, spec, limit=1000).features]
    pages, asked = [], PageRequest(3)
    while True:
        page = page_text(session, spec, [], asked, include_sensitive=False)
        pages.append([f["id"] for f in json.loads(page.features)])
        nxt = page.next_cursor(asked)
        if nxt is None:
            break
        assert nxt.kind == "a"
        asked = PageRequest(3, cursor=nxt)
    assert [i for p in pages for i in p] == ids and len(pages) == 4
    back = page_text(session, spec, [], PageRequest(3, cursor=Cursor("b", pages[2][0])), include_sensitive=False)
    assert [f["id"] for f in json.loads(back.features)] == pages[1] and back.earlier and back.more


def test_number_matched_is_an_estimate_only_unfiltered_after_the_first_page_above_the_threshold(
    session, insert_samples
):
    insert_samples(session, n=30)
    spec = REGISTRY["incidents"]
    session.execute(text("ANALYZE incidents"))
    reltuples = session.scalar(text("SELECT reltuples FROM pg_class WHERE oid = 'incidents'::regclass"))
    exact = session.scalar(text("SELECT count(*) FROM incidents"))
    first = min(f["id"] for f in repository.list_features(session, spec, limit=1).features)
    for later in (PageRequest(5, cursor=Cursor("a", first)), PageRequest(5, offset=1)):
        page = page_text(session, spec, [], later, include_sensitive=False, estimate_above=10)
        assert page.estimated and page.matched == int(reltuples)
    # The first page is counted: GDAL reads no more features than a first page's numberMatched.
    page = page_text(session, spec, [], PageRequest(5), include_sensitive=False, estimate_above=10)
    assert not page.estimated and page.matched == exact
    filtered = [spec.model.fatalities >= 0]
    page = page_text(session, spec, filtered, PageRequest(5), include_sensitive=False, estimate_above=10)
    assert not page.estimated and page.matched == exact
    page = page_text(session, spec, [], PageRequest(5), include_sensitive=False)
    assert not page.estimated and page.matched == exact


@pytest.mark.parametrize("token", ["", "a", "x5", "a-1", "a1.5", "o" + "9" * 19])
def test_foreign_cursors_are_refused(token):
    with pytest.raises(InvalidInput) as err:
        Cursor.parse(token)
    assert err.value.field == "cursor"


def _brute_force_page_ids(features: list[dict], inside, keep) -> list[int]:
    return sorted(f["id"] for f in features if inside(f["geometry"]["coordinates"]) and keep(f["properties"]))


def test_requests_of_one_shape_reuse_a_statement_with_their_own_values(session, scenario):
    """Pages of one shape (same clauses, other values) are answered by one
    cached statement bound to each request's values: every page, walked by
    its cursors forwards, backwards and by offset, is the brute-force
    selection of every incident (shapely boxes, pyproj for EPSG:3857) and the
    same features the row-by-row path (geo.repository) writes."""
    rng = random.Random(13)
    (x0, y0, x1, y1) = scenario.OCEAN_BOX
    session.add_all(
        Incident(
            occurred_on=date(2024, 1, 1) + timedelta(days=i),
            event_type="battle",
            fatalities=rng.randrange(10),
            geom=from_shape(Point(rng.uniform(x0, x1), rng.uniform(y0, y1)), srid=4326),
        )
        for i in range(150)
    )
    session.flush()
    spec = REGISTRY["incidents"]
    every = repository.list_features(session, spec, limit=100_000).features
    by_id = {f["id"]: f for f in every}
    mercator = Transformer.from_crs(4326, 3857, always_xy=True)
    web = next(c for c in BY_URI.values() if c.srid == 3857)
    statements = len(pages_module._STATEMENTS)
    for round_ in range(6):
        lon, lat = rng.uniform(x0, x1 - 1.5), rng.uniform(y0, y1 - 1.5)
        lonlat = (lon, lat, lon + 1.5, lat + 1.5)
        least = rng.randrange(6)
        projected = round_ % 2 == 1  # the projected bbox's clause holds one parameter object twice
        if projected:
            (mx0, my0), (mx1, my1) = mercator.transform(lonlat[0], lonlat[1]), mercator.transform(lonlat[2], lonlat[3])
            numbers = (mx0, my0, mx1, my1)
            clause = bbox_clause(spec.column("geom"), numbers, web)
            box = shapely.box(mx0, my0, mx1, my1)

            def inside(xy, box=box):
                return box.intersects(Point(mercator.transform(*xy)))
        else:
            numbers = lonlat
            clause = bbox_clause(spec.column("geom"), numbers, CRS84_CRS)
            box = shapely.box(*lonlat)

            def inside(xy, box=box):
                return box.intersects(Point(xy))

        want = _brute_force_page_ids(every, inside, lambda p, least=least: p["fatalities"] >= least)
        assert want, "a box with no incident tests little"
        # The bbox as a clause of the caller's, or as page_text's argument (its cached clause).
        for clauses, box_arg in (
            ([clause, spec.model.fatalities >= least], None),
            ([spec.model.fatalities >= least], (numbers, web if projected else CRS84_CRS)),
        ):

            def page_of(asked, clauses=clauses, box_arg=box_arg):
                return page_text(session, spec, clauses, asked, include_sensitive=False, bbox=box_arg)

            walked, asked = [], PageRequest(4)
            while True:
                page = page_of(asked)
                got = json.loads(page.features)
                assert _instants(got) == _instants([by_id[f["id"]] for f in got])
                assert page.matched == len(want) and not page.estimated
                walked += [f["id"] for f in got]
                nxt = page.next_cursor(asked)
                if nxt is None:
                    break
                asked = PageRequest(4, cursor=nxt)
            assert walked == want
            if len(want) > 8:
                back = page_of(PageRequest(4, cursor=Cursor("b", want[8])))
                assert [f["id"] for f in json.loads(back.features)] == want[4:8]
                skipped = page_of(PageRequest(3, offset=2))
                assert [f["id"] for f in json.loads(skipped.features)] == want[2:5]
    # Two CRSs, two ways of giving the bbox, four cursor kinds: not one statement per request.
    assert len(pages_module._STATEMENTS) - statements <= 16
