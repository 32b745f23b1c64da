"""OGC API – Features: GDAL's OAPIF driver (what QGIS uses) reads every
collection completely from a live server, page by page; the documents and
the error paths follow the standard."""

from __future__ import annotations

from datetime import date

import httpx
import pyogrio
import pytest
from sqlalchemy.orm import Session

from geo.db import make_engine, migrate
from geo.io.derived import DERIVED
from geo.keys import create_key
from geo.resources import REGISTRY

OGC_DB = "peacemap_ogc"
COLLECTIONS = [*REGISTRY, "engagement-gaps", *DERIVED]
N = 23  # rows per repeated resource: several pages at PAGE_SIZE 5


@pytest.fixture(scope="module")
def live(cluster, serve_app, insert_samples):
    """The app in its own process (``serve_app``) over its own database with
    ``N`` sample rows per resource; adds an editor key and the row counts."""
    url = cluster.create_database(OGC_DB)
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as s:
        counts = insert_samples(s, n=N)
        editor_key = create_key(s, "ogc-editor", "editor")
        s.commit()
    engine.dispose()
    with serve_app(url) as server:
        yield {**server, "editor": editor_key, "counts": counts}
    cluster.drop_database(OGC_DB)


def test_gdal_lists_and_reads_every_collection_completely(live):
    base, served = live["base"], live["served"]
    layers = dict(pyogrio.list_layers(f"OAPIF:{base}/ogc"))
    assert sorted(layers) == sorted(COLLECTIONS)
    for cid in COLLECTIONS:
        before = len(served())
        df = pyogrio.read_dataframe(f"OAPIF:{base}/ogc", layer=cid, PAGE_SIZE="5")
        if cid == "engagement-gaps":
            api_count = httpx.get(f"{base}/ogc/collections/{cid}/items", params={"limit": 1}).json()["numberMatched"]
            ids = sorted(
                httpx.get(f"{base}/api/v1/communities", params={"limit": 10000}).json()["features"],
                key=lambda f: f["id"],
            )
            assert sorted(df["community_id"]) == [f["id"] for f in ids]
        elif cid in DERIVED:  # an analysis result: the same features as the OGC items in one page
            items = httpx.get(f"{base}/ogc/collections/{cid}/items", params={"limit": 10000}).json()
            api_count = items["numberMatched"]
            names = sorted(df["name"]) if len(df) else []  # GDAL knows no fields of an empty collection
            assert names == sorted(f["properties"]["name"] for f in items["features"])
        else:
            api = httpx.get(f"{base}/api/v1/{cid}", params={"limit": 10000}).json()
            api_count = api["numberMatched"]
            assert sorted(df["id"]) == sorted(f["id"] for f in api["features"])
        layer = REGISTRY[cid].table if cid in REGISTRY else DERIVED[cid].layer if cid in DERIVED else "engagement_gaps"
        assert len(df) == api_count == live["counts"][layer]
        if cid in REGISTRY and not REGISTRY[cid].has_geometry:  # an attribute-only collection (interlocutors)
            assert df.geometry.isna().all()
        else:
            assert df.geometry.notna().all() and df.geometry.is_valid.all()
        pages = [u for u in served()[before:] if f"/{cid}/items" in u]
        assert len(pages) >= -(-api_count // 5), f"{cid}: GDAL did not page ({pages})"
        # GDAL followed the next links, which carry a keyset cursor (geo.serving.pages), not an
        # offset; the computed gap ranking pages by position ("o…").
        cursor = "cursor=o" if cid == "engagement-gaps" else "cursor=a"
        assert any(cursor in u for u in pages) or api_count <= 5
        assert not any("offset=" in u for u in pages)


def test_gdal_reads_values_and_hides_sensitive_fields(live):
    df = pyogrio.read_dataframe(f"OAPIF:{live['base']}/ogc", layer="incidents")
    assert {"notes", "source", "source_id"}.isdisjoint(df.columns)
    first = df.sort_values("id").iloc[0]
    assert first["event_type"] == "cattle_raid" and first["actor2"] == "Anti-balaka"
    assert (first.geometry.x, first.geometry.y) == (15.6, 5.93)
    gaps = pyogrio.read_dataframe(f"OAPIF:{live['base']}/ogc", layer="engagement-gaps")
    ranked = httpx.get(f"{live['base']}/api/v1/analysis/engagement-gaps", params={"limit": 1000}).json()["features"]
    assert list(gaps.sort_values("rank")["community_id"]) == [f["id"] for f in ranked]
    assert list(gaps.sort_values("rank")["reasons"].iloc[0]) == ranked[0]["properties"]["reasons"]


def test_gdal_applies_a_bbox_filter_on_the_server(live):
    base = live["base"]
    df = pyogrio.read_dataframe(f"OAPIF:{base}/ogc", layer="communities", bbox=(17.5, 5.0, 18.0, 6.0))
    want = httpx.get(f"{base}/api/v1/communities", params={"bbox": "17.5,5.0,18.0,6.0", "limit": 10000}).json()
    assert 0 < len(df) == want["numberMatched"] < N


def test_gdal_with_an_editor_key_reads_sensitive_fields(live, tmp_path):
    """GDAL sends the key from a header file (its OAPIF driver overrides GDAL_HTTP_HEADERS)."""
    headers = tmp_path / "headers.txt"
    headers.write_text(f"Authorization: Bearer {live['editor']}\n")
    pyogrio.set_gdal_config_options({"GDAL_HTTP_HEADER_FILE": str(headers)})
    try:
        df = pyogrio.read_dataframe(f"OAPIF:{live['base']}/ogc", layer="incidents")
    finally:
        pyogrio.set_gdal_config_options({"GDAL_HTTP_HEADER_FILE": None})
    assert sorted(df["notes"]) == sorted(f"confidential source note {i}" for i in range(N))
    assert {"source", "source_id"} <= set(df.columns)


def test_editor_key_sees_sensitive_fields(live):
    headers = {"Authorization": f"Bearer {live['editor']}"}
    r = httpx.get(f"{live['base']}/ogc/collections/incidents/items", params={"limit": 2}, headers=headers)
    assert r.status_code == 200
    assert r.json()["features"][0]["properties"]["notes"].startswith("confidential source note")


def test_landing_conformance_and_collection_documents(live):
    base = live["base"]
    landing = httpx.get(f"{base}/ogc").json()
    rels = {link["rel"]: link for link in landing["links"]}
    assert rels["self"]["href"] == f"{base}/ogc"
    assert rels["service-desc"]["href"] == f"{base}/openapi.json"
    assert rels["conformance"]["href"] == f"{base}/ogc/conformance"
    assert rels["data"]["href"] == f"{base}/ogc/collections"
    assert httpx.get(rels["service-desc"]["href"]).json()["paths"]["/ogc/collections/{collection_id}/items"]
    conf = httpx.get(f"{base}/ogc/conformance").json()["conformsTo"]
    assert {c.rsplit("/", 1)[1] for c in conf} == {
        *("core", "geojson", "oas30"),  # Part 1
        "crs",  # Part 2
        *("queryables", "filter", "features-filter"),  # Part 3
        *("cql2-text", "cql2-json", "basic-cql2", "advanced-comparison-operators", "case-insensitive-comparison"),
        *("basic-spatial-functions", "basic-spatial-functions-plus", "spatial-functions", "array-functions"),
        *("property-property", "sorting"),
    }
    colls = httpx.get(f"{base}/ogc/collections").json()["collections"]
    assert [c["id"] for c in colls] == COLLECTIONS
    inc = httpx.get(f"{base}/ogc/collections/incidents").json()
    assert inc["itemType"] == "feature" and inc["crs"] == [
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        *(
            f"http://www.opengis.net/def/crs/EPSG/0/{code}"
            for code in (4326, 3857, *range(32633, 32637), *range(32733, 32737))
        ),
    ]
    assert inc["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    minx, miny, maxx, maxy = inc["extent"]["spatial"]["bbox"][0]
    assert (minx, miny) == (15.6, 5.93)
    assert maxx == pytest.approx(15.6 + (N - 1) / 7) and maxy == pytest.approx(5.93 + (N - 1) / 9)
    first, last = inc["extent"]["temporal"]["interval"][0]
    assert first == "2024-03-01T00:00:00Z" and last == f"2024-03-{N:02d}T00:00:00Z"
    comm = httpx.get(f"{base}/ogc/collections/communities").json()
    assert "temporal" not in comm["extent"] and comm["extent"]["spatial"]["bbox"]


def test_items_paging_links_and_media_type(live):
    base = live["base"]
    r = httpx.get(f"{base}/ogc/collections/qips/items", params={"limit": 10, "offset": 10})
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    body = r.json()
    assert (body["numberMatched"], body["numberReturned"]) == (N, 10)
    assert body["timeStamp"].endswith("Z")
    links = {link["rel"]: link["href"] for link in body["links"]}
    assert set(links) == {"self", "next", "prev", "collection"}
    nxt = httpx.get(links["next"]).json()
    assert nxt["numberReturned"] == N - 20 and "next" not in {link["rel"] for link in nxt["links"]}
    assert (
        httpx.get(links["prev"]).json()["features"][0]["id"]
        == httpx.get(f"{base}/ogc/collections/qips/items").json()["features"][0]["id"]
    )
    default = httpx.get(f"{base}/ogc/collections/qips/items").json()
    assert default["numberReturned"] == 10  # the standard's default limit
    clamped = httpx.get(f"{base}/ogc/collections/qips/items", params={"limit": 50_000}).json()
    assert clamped["numberReturned"] == N


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-05", 1),
        ("2024-03-05/2024-03-07", 3),
        ("2024-03-20/..", N - 19),
        ("../2024-03-02", 2),
        ("/2024-03-02", 2),
        ("2024-03-05T00:00:00Z/2024-03-06T23:59:59Z", 2),
    ],
)
def test_datetime_instants_and_intervals(live, value, expected):
    body = httpx.get(f"{live['base']}/ogc/collections/incidents/items", params={"datetime": value}).json()
    assert body["numberMatched"] == expected
    days = {date.fromisoformat(f["properties"]["occurred_on"]) for f in body["features"]}
    assert len(days) == min(expected, 10)


def test_datetime_on_timestamps_and_on_collections_without_dates(live):
    base = live["base"]
    r = httpx.get(f"{base}/ogc/collections/patrols/items", params={"datetime": "2024-03-02"}).json()
    assert [f["properties"]["ended_at"][:10] for f in r["features"]] == ["2024-03-02"]
    r = httpx.get(f"{base}/ogc/collections/communities/items", params={"datetime": "2024-03-02/.."}).json()
    assert r["numberMatched"] == N  # no temporal property: not restricted
    r = httpx.get(f"{base}/ogc/collections/engagement-gaps/items", params={"datetime": "2024-04-02/.."}).json()
    assert r["numberMatched"] == N


def test_single_feature_of_a_resource_and_of_the_gaps(live):
    base = live["base"]
    first = httpx.get(f"{base}/ogc/collections/sites/items").json()["features"][0]
    r = httpx.get(f"{base}/ogc/collections/sites/items/{first['id']}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    feat = r.json()
    assert feat["properties"]["name"] == "Bangui HQ" and feat["geometry"]["type"] == "Point"
    assert {link["rel"] for link in feat["links"]} == {"self", "collection"}
    gap = httpx.get(f"{base}/ogc/collections/engagement-gaps/items").json()["features"][0]
    again = httpx.get(f"{base}/ogc/collections/engagement-gaps/items/{gap['id']}").json()
    assert again["properties"]["rank"] == 1 and again["id"] == gap["id"]


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        ("/ogc/collections/incidents/items", {"bbox": "1,2,3"}, 400, "bbox"),
        ("/ogc/collections/incidents/items", {"bbox": "10,5,9,6"}, 400, "bbox"),
        ("/ogc/collections/incidents/items", {"datetime": "yesterday"}, 400, "datetime"),
        ("/ogc/collections/incidents/items", {"datetime": "../.."}, 400, "datetime"),
        ("/ogc/collections/incidents/items", {"datetime": "2024-03-09/2024-03-01"}, 400, "end"),
        ("/ogc/collections/incidents/items", {"limit": "0"}, 400, "limit"),
        ("/ogc/collections/incidents/items", {"limit": "ten"}, 400, "limit"),
        ("/ogc/collections/incidents/items", {"offset": "-1"}, 400, "offset"),
        ("/ogc/collections/incidents/items", {"f": "html"}, 400, "f"),
        ("/ogc/collections/nope/items", {}, 404, "collectionId"),
        ("/ogc/collections/nope", {}, 404, "collectionId"),
        ("/ogc/collections/incidents/items/999999", {}, 404, "id"),
        ("/ogc/collections/incidents/items/abc", {}, 404, "featureId"),
        ("/ogc/collections/engagement-gaps/items/999999", {}, 404, "featureId"),
    ],
)
def test_errors_are_json_naming_the_parameter(live, path, params, status, field):
    r = httpx.get(live["base"] + path, params=params)
    assert r.status_code == status, r.text
    assert r.json()["field"] == field and r.json()["detail"]


def test_reads_need_a_key_without_public_read(client, viewer):
    for path in ("/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/incidents/items"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=viewer).status_code == 200
    bad = client.get("/ogc/collections", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["code"] == "unauthorized"
