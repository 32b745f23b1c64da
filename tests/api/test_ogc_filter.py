"""OGC API Features Parts 2 and 3 on a live server: queryables, CQL2 filters
(text and JSON) read through OWSLib and GDAL's OAPIF driver, sortby,
properties, crs / bbox-crs, cursor paging and the 400 for a parameter the
API does not define.

Every expected answer is computed independently from the rows as inserted:
pandas for the predicates, shapely for the spatial ones, pyproj for the
distances and the coordinate transformations."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from geoalchemy2.shape import from_shape
from owslib.ogcapi.features import Features
from pyproj import Geod, Transformer
from sqlalchemy.orm import Session

from geo import models, vocab
from geo.db import make_engine, migrate
from geo.keys import create_key

FILTER_DB = "peacemap_ogc_filter"
N = 300
PLACES = ["Bangui", "Bouar", "Bossangoa", "Bria", "Ndélé", None]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


def _values(frame: pd.DataFrame, column: str) -> list:
    """A column as Python values, missing ones as None (pandas reads None in a text column as NaN)."""
    return [None if pd.isna(v) else v for v in frame[column]]


def _incident_rows() -> pd.DataFrame:
    rng = np.random.default_rng(13)
    return pd.DataFrame(
        {
            "lon": rng.uniform(14, 24, N).round(5),
            "lat": rng.uniform(2, 10, N).round(5),
            "fatalities": rng.integers(0, 31, N),
            "event_type": rng.choice(vocab.EVENT_TYPES, N),
            "occurred_on": [date(2024, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 366, N)],
            "location_name": [PLACES[i] for i in rng.integers(0, len(PLACES), N)],
            "actor2": [None if r < 0.3 else f"group {int(r * 10)}" for r in rng.random(N)],
            "targets_mission": rng.random(N) < 0.2,
        }
    )


def _agreement_rows() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    issues = [list(rng.choice(vocab.AGREEMENT_ISSUES, int(k), replace=False)) for k in rng.integers(0, 4, 40)]
    return pd.DataFrame({"lon": rng.uniform(14, 24, 40), "lat": rng.uniform(2, 10, 40), "issues": issues})


@pytest.fixture(scope="module")
def live(cluster, serve_app):
    url = cluster.create_database(FILTER_DB)
    migrate(url)
    engine = make_engine(url)
    incidents, agreements = _incident_rows(), _agreement_rows()
    with Session(engine) as s:
        names, actors = _values(incidents, "location_name"), _values(incidents, "actor2")
        rows = [
            models.Incident(
                occurred_on=r.occurred_on,
                event_type=r.event_type,
                fatalities=int(r.fatalities),
                location_name=names[i],
                actor2=actors[i],
                targets_mission=bool(r.targets_mission),
                notes=f"note {i}",
                geom=from_shape(shapely.Point(r.lon, r.lat), srid=4326),
            )
            for i, r in enumerate(incidents.itertuples())
        ]
        deals = [
            models.Agreement(name=f"deal {i}", issues=r.issues, geom=from_shape(shapely.Point(r.lon, r.lat), srid=4326))
            for i, r in enumerate(agreements.itertuples())
        ]
        s.add_all(rows + deals)
        s.flush()
        incidents["id"] = [r.id for r in rows]
        agreements["id"] = [d.id for d in deals]
        editor = create_key(s, "filter-editor", "editor")
        s.commit()
    engine.dispose()
    with serve_app(url) as server:
        yield {**server, "incidents": incidents, "agreements": agreements, "editor": editor}
    cluster.drop_database(FILTER_DB)


def _items(live, collection="incidents", headers=None, **params) -> httpx.Response:
    params.setdefault("limit", 1000)
    return httpx.get(f"{live['base']}/ogc/collections/{collection}/items", params=params, headers=headers)


def _ids(live, collection="incidents", **params) -> list[int]:
    r = _items(live, collection, **params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["numberMatched"] == body["numberReturned"] == len(body["features"])
    return sorted(f["id"] for f in body["features"])


def _want(frame: pd.DataFrame, mask) -> list[int]:
    return sorted(frame.loc[mask, "id"].tolist())


# --- queryables -------------------------------------------------------------------------


def test_queryables_are_the_columns_a_reader_may_see(live):
    base = live["base"]
    doc = httpx.get(f"{base}/ogc/collections/incidents/queryables")
    assert doc.status_code == 200 and doc.headers["content-type"] == "application/schema+json"
    body = doc.json()
    assert body["$id"] == f"{base}/ogc/collections/incidents/queryables"
    props = body["properties"]
    assert {"notes", "source", "source_id"}.isdisjoint(props)
    # The column's rule (at least 0) and PostgreSQL's integer (at most 2**31 - 1, as the API validates).
    assert props["fatalities"] == {"title": "fatalities", "type": "integer", "minimum": 0, "maximum": 2**31 - 1}
    assert props["occurred_on"]["format"] == "date" and props["occurred_on"]["type"] == "string"
    assert props["event_type"]["enum"] == list(vocab.EVENT_TYPES)
    assert props["geometry"] == {"title": "geometry", "format": "geometry-point", "x-ogc-role": "primary-geometry"}
    editor = httpx.get(doc.url, headers={"Authorization": f"Bearer {live['editor']}"}).json()["properties"]
    assert set(editor) - set(props) == {"notes", "source", "source_id"}
    links = httpx.get(f"{base}/ogc/collections/incidents").json()["links"]
    assert f"{base}/ogc/collections/incidents/queryables" in [link["href"] for link in links]


# --- CQL2 -------------------------------------------------------------------------------

T = _incident_rows()  # the same rows the fixture inserts (ids come later): for building cases

CASES = [
    ("fatalities > 5", lambda f: f.fatalities > 5),
    ("fatalities >= 5 AND fatalities <= 7", lambda f: f.fatalities.between(5, 7)),
    ("NOT fatalities BETWEEN 3 AND 20", lambda f: ~f.fatalities.between(3, 20)),
    (
        "event_type IN ('battle', 'riot') OR targets_mission = true",
        lambda f: f.event_type.isin(["battle", "riot"]) | f.targets_mission,
    ),
    ("location_name LIKE 'Bo%'", lambda f: f.location_name.fillna("").str.startswith("Bo")),
    ("location_name LIKE 'B_ia'", lambda f: f.location_name == "Bria"),
    ("CASEI(location_name) = CASEI('NDÉLÉ')", lambda f: f.location_name == "Ndélé"),
    ("actor2 IS NULL", lambda f: f.actor2.isna()),
    ("actor2 IS NOT NULL AND fatalities < 2", lambda f: f.actor2.notna() & (f.fatalities < 2)),
    ("location_name <> 'Bouar'", lambda f: f.location_name.notna() & (f.location_name != "Bouar")),
    ("occurred_on >= DATE('2024-06-01')", lambda f: f.occurred_on >= date(2024, 6, 1)),
    (
        "T_INTERSECTS(occurred_on, INTERVAL('2024-03-01', '2024-03-31'))",
        lambda f: f.occurred_on.between(date(2024, 3, 1), date(2024, 3, 31)),
    ),
    ("T_BEFORE(occurred_on, DATE('2024-02-01'))", lambda f: f.occurred_on < date(2024, 2, 1)),
    ("T_AFTER(occurred_on, TIMESTAMP('2024-11-30T12:00:00Z'))", lambda f: f.occurred_on > date(2024, 11, 30)),
    ("fatalities + 1 > 30", lambda f: f.fatalities >= 30),
]


@pytest.mark.parametrize(("cql", "mask"), CASES, ids=[c for c, _ in CASES])
def test_cql2_text_returns_exactly_the_matching_features(live, cql, mask):
    frame = live["incidents"]
    want = _want(frame, mask(frame))
    assert 0 < len(want) < N, "a case that selects nothing or everything proves little"
    assert _ids(live, filter=cql) == want


def test_cql2_json_and_text_agree(live):
    frame = live["incidents"]
    expr = {
        "op": "and",
        "args": [
            {"op": ">", "args": [{"property": "fatalities"}, 5]},
            {"op": "in", "args": [{"property": "event_type"}, ["battle", "cattle_raid", "riot"]]},
        ],
    }
    want = _want(frame, (frame.fatalities > 5) & frame.event_type.isin(["battle", "cattle_raid", "riot"]))
    assert _ids(live, filter=json.dumps(expr), **{"filter-lang": "cql2-json"}) == want
    assert _ids(live, filter="fatalities > 5 AND event_type IN ('battle','cattle_raid','riot')") == want


def test_spatial_predicates(live):
    frame = live["incidents"]
    points = shapely.points(frame.lon, frame.lat)
    area = shapely.Polygon([(15, 3), (20, 3.5), (19, 8), (16, 7), (15, 3)])
    assert _ids(live, filter=f"S_INTERSECTS(geometry, {area.wkt})") == _want(frame, shapely.intersects(points, area))
    assert _ids(live, filter="S_WITHIN(geometry, BBOX(20, 5, 23, 9))") == _want(
        frame, frame.lon.between(20, 23) & frame.lat.between(5, 9)
    )
    disjoint = _ids(live, filter=f"S_DISJOINT(geometry, {area.wkt})")
    assert disjoint == _want(frame, ~shapely.intersects(points, area))


def test_s_dwithin_is_geodesic_metres(live):
    frame = live["incidents"]
    _, _, metres = Geod(ellps="WGS84").inv(np.full(N, 19.0), np.full(N, 6.0), frame.lon, frame.lat)
    want = _want(frame, metres <= 150_000)
    assert 5 < len(want) < N
    assert _ids(live, filter="S_DWITHIN(geometry, POINT(19 6), 150000)") == want


def test_array_functions_on_agreements(live):
    deals = live["agreements"]
    contains = deals.issues.map(lambda xs: {"land_access", "cattle_taxation"} <= set(xs))
    overlaps = deals.issues.map(lambda xs: bool({"land_access", "cattle_taxation"} & set(xs)))
    got = _ids(live, "agreements", filter="A_CONTAINS(issues, ('land_access', 'cattle_taxation'))")
    assert got == _want(deals, contains)
    got = _ids(live, "agreements", filter="A_OVERLAPS(issues, ('land_access', 'cattle_taxation'))")
    assert got == _want(deals, overlaps) and len(got) > 0


def test_filter_combines_with_bbox_and_datetime(live):
    frame = live["incidents"]
    got = _ids(live, filter="fatalities > 10", bbox="16,3,22,9", datetime="2024-04-01/..")
    want = (frame.fatalities > 10) & frame.lon.between(16, 22) & frame.lat.between(3, 9)
    assert got == _want(frame, want & (frame.occurred_on >= date(2024, 4, 1)))


@pytest.mark.parametrize(
    ("params", "field", "says"),
    [
        ({"filter": "fatalities >"}, "filter", "cql2-text"),
        ({"filter": "nosuch > 5"}, "filter", "nosuch"),
        ({"filter": "notes LIKE '%source%'"}, "filter", "notes"),  # sensitive: not queryable for viewers
        ({"filter": "fatalities = 'many'"}, "filter", "number"),
        ({"filter": "occurred_on > 5"}, "filter", "compares"),
        ({"filter": "fatalities > 5", "filter-lang": "ecql"}, "filter-lang", "cql2-json"),
        ({"filter": "{not json", "filter-lang": "cql2-json"}, "filter", "cql2-json"),
        ({"filter": "S_INTERSECTS(geometry, POINT(1 2))", "filter-crs": "EPSG:1"}, "filter-crs", "offered"),
        ({"sortby": "nosuch"}, "sortby", "nosuch"),
        ({"sortby": "notes"}, "sortby", "notes"),
        ({"properties": "fatalities,notes"}, "properties", "notes"),
        ({"crs": f"{EPSG}2154"}, "crs", "offered"),
        ({"bbox-crs": "EPSG:3857", "bbox": "1,2,3,4"}, "bbox-crs", "offered"),
        ({"cursor": "x12"}, "cursor", "cursor"),
        ({"foo": "1"}, "foo", "foo"),
        ({"min_fatalities": "5"}, "min_fatalities", "min_fatalities"),  # a /api/v1 filter, not an OGC one
    ],
)
def test_bad_parameters_are_400_naming_them(live, params, field, says):
    r = _items(live, **params)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["field"] == field and says in body["detail"] and body["code"]


def test_editor_may_filter_on_sensitive_fields(live):
    r = _items(live, headers={"Authorization": f"Bearer {live['editor']}"}, filter="notes = 'note 7'")
    assert [f["id"] for f in r.json()["features"]] == [int(live["incidents"]["id"].iloc[7])]


def test_unknown_parameters_are_refused_on_ogc_and_api_alike(live):
    base = live["base"]
    for url, name in [
        (f"{base}/ogc/collections/incidents/items?filtre=fatalities>5", "filtre"),
        (f"{base}/ogc/collections?bbox=1,2,3,4", "bbox"),
        (f"{base}/ogc?limit=3", "limit"),
        (f"{base}/api/v1/incidents?filter=fatalities>5", "filter"),
        (f"{base}/api/v1/incidents?min_fatality=5", "min_fatality"),
        (f"{base}/api/v1/analysis/engagement-gaps?window=30", "window"),
    ]:
        r = httpx.get(url)
        assert r.status_code == 400, (url, r.text)
        assert r.json()["field"] == name and name in r.json()["detail"]


# --- the clients a GIS desk uses -----------------------------------------------------------


def test_owslib_reads_a_filtered_sorted_collection(live):
    frame = live["incidents"]
    api = Features(f"{live['base']}/ogc")
    assert "incidents" in [c["id"] for c in api.collections()["collections"]]
    assert "fatalities" in api.collection_queryables("incidents")["properties"]
    got = api.collection_items("incidents", filter="fatalities > 20", sortby=("fatalities", "desc"), limit=1000)
    want = frame[frame.fatalities > 20].sort_values(["fatalities", "id"], ascending=[False, True])
    assert [f["id"] for f in got["features"]] == want["id"].tolist()
    assert got["numberMatched"] == len(want)


@pytest.fixture
def gdal_cql_text():
    """GDAL sends an attribute filter to an OGC API server as CQL text when
    told the server takes it (README: "GDAL and QGIS")."""
    pyogrio.set_gdal_config_options({"OGR_OAPIF_ALLOW_CQL_TEXT": "YES"})
    yield
    pyogrio.set_gdal_config_options({"OGR_OAPIF_ALLOW_CQL_TEXT": None})


@pytest.mark.parametrize(
    ("where", "mask"),
    [
        ("fatalities > 5", lambda f: f.fatalities > 5),
        ("fatalities > 5 AND location_name = 'Bouar'", lambda f: (f.fatalities > 5) & (f.location_name == "Bouar")),
        (
            "occurred_on < '2024-03-01' OR actor2 IS NULL",
            lambda f: (f.occurred_on < date(2024, 3, 1)) | f.actor2.isna(),
        ),
    ],
)
def test_gdal_sends_a_cql2_filter_and_gets_exactly_the_matching_rows(live, gdal_cql_text, where, mask):
    frame, served = live["incidents"], live["served"]
    before = len(served())
    df = pyogrio.read_dataframe(f"OAPIF:{live['base']}/ogc", layer="incidents", where=where, PAGE_SIZE="40")
    want = _want(frame, mask(frame))
    assert sorted(df["id"]) == want
    sent = [u for u in served()[before:] if "/incidents/items" in u and "limit=20" not in u]
    assert len(sent) == len(want) // 40 + 1, sent  # only the matching rows travelled, 40 a page
    assert all("filter=" in u for u in sent), sent  # filtered on the server


# --- sortby, properties ---------------------------------------------------------------------


def test_sortby_several_keys_and_directions(live):
    frame = live["incidents"]
    body = _items(live, sortby="-fatalities,+occurred_on", limit=50).json()
    want = frame.sort_values(["fatalities", "occurred_on", "id"], ascending=[False, True, True]).head(50)
    assert [f["id"] for f in body["features"]] == want["id"].tolist()
    # The next pages continue the same order.
    nxt = next(link["href"] for link in body["links"] if link["rel"] == "next")
    second = httpx.get(nxt).json()
    assert [f["id"] for f in second["features"]] == frame.sort_values(
        ["fatalities", "occurred_on", "id"], ascending=[False, True, True]
    )["id"].tolist()[50:100]
    names = _items(live, sortby="location_name", limit=N).json()["features"]
    got = [f["properties"]["location_name"] for f in names]
    assert got == sorted(frame.location_name.dropna()) + [None] * int(frame.location_name.isna().sum())


def test_properties_selects_a_subset_and_keeps_id_and_geometry(live):
    f = _items(live, properties="fatalities,event_type", limit=3).json()["features"][0]
    assert set(f["properties"]) == {"fatalities", "event_type"}
    assert isinstance(f["id"], int) and f["geometry"]["type"] == "Point"
    f = _items(live, properties="", limit=1).json()["features"][0]
    assert f["properties"] == {} and f["geometry"]


# --- Part 2: coordinate reference systems -------------------------------------------------------


@pytest.mark.parametrize("code", [3857, 32634, 32734])
def test_crs_transforms_the_output_geometries(live, code):
    frame = live["incidents"].set_index("id")
    r = _items(live, crs=f"{EPSG}{code}", limit=20)
    assert r.headers["content-crs"] == f"<{EPSG}{code}>"
    to = Transformer.from_crs("EPSG:4326", f"EPSG:{code}", always_xy=True)
    for feature in r.json()["features"]:
        row = frame.loc[feature["id"]]
        x, y = to.transform(row.lon, row.lat)
        assert feature["geometry"]["coordinates"] == pytest.approx([x, y], abs=0.01)


def test_epsg_4326_is_latitude_first_and_crs84_longitude_first(live):
    frame = live["incidents"].set_index("id")
    r = _items(live, crs=f"{EPSG}4326", limit=5)
    assert r.headers["content-crs"] == f"<{EPSG}4326>"
    for feature in r.json()["features"]:
        assert feature["geometry"]["coordinates"] == [frame.loc[feature["id"]].lat, frame.loc[feature["id"]].lon]
    r = _items(live, limit=5)
    assert r.headers["content-crs"] == f"<{CRS84}>"
    for feature in r.json()["features"]:
        assert feature["geometry"]["coordinates"] == [frame.loc[feature["id"]].lon, frame.loc[feature["id"]].lat]


@pytest.mark.parametrize("code", [3857, 32634])
def test_bbox_crs_selects_in_that_crs(live, code):
    frame = live["incidents"]
    x, y = Transformer.from_crs("EPSG:4326", f"EPSG:{code}", always_xy=True).transform(frame.lon, frame.lat)
    box = (
        float(np.quantile(x, 0.2)),
        float(np.quantile(y, 0.3)),
        float(np.quantile(x, 0.7)),
        float(np.quantile(y, 0.9)),
    )
    want = _want(frame, (x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3]))
    got = _ids(live, bbox=",".join(map(str, box)), **{"bbox-crs": f"{EPSG}{code}"})
    assert got == want and 0 < len(want) < N


def test_bbox_crs_epsg_4326_is_latitude_first(live):
    frame = live["incidents"]
    got = _ids(live, bbox="3,16,9,22", **{"bbox-crs": f"{EPSG}4326"})
    assert got == _want(frame, frame.lon.between(16, 22) & frame.lat.between(3, 9))


def test_single_feature_in_another_crs(live):
    row = live["incidents"].iloc[0]
    r = httpx.get(f"{live['base']}/ogc/collections/incidents/items/{row.id}", params={"crs": f"{EPSG}3857"})
    assert r.status_code == 200 and r.headers["content-crs"] == f"<{EPSG}3857>"
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform(row.lon, row.lat)
    assert r.json()["geometry"]["coordinates"] == pytest.approx([x, y], abs=0.01)


# --- cursor paging --------------------------------------------------------------------------------


def test_next_and_prev_links_carry_cursors_and_walk_every_feature_once(live):
    frame = live["incidents"]
    url = f"{live['base']}/ogc/collections/incidents/items?limit=37&filter=fatalities%20%3E%203"
    seen, pages = [], []
    while url:
        body = httpx.get(url).json()
        pages.append(body)
        seen += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        assert url is None or ("cursor=a" in url and "offset" not in url)
    assert seen == _want(frame, frame.fatalities > 3)  # in id order, none twice, none missed
    prev = next(link["href"] for link in pages[2]["links"] if link["rel"] == "prev")
    assert "cursor=b" in prev
    assert [f["id"] for f in httpx.get(prev).json()["features"]] == [f["id"] for f in pages[1]["features"]]
    assert "prev" not in {link["rel"] for link in pages[0]["links"]}


def test_api_lists_page_by_cursor_too(live):
    frame = live["incidents"]
    url, seen = f"{live['base']}/api/v1/incidents?limit=64&min_fatalities=10", []
    while url:
        body = httpx.get(url).json()
        seen += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    assert seen == _want(frame, frame.fatalities >= 10)
