"""/map/context draws the mission's own roads and waterways beneath the
data (a waterway drawn as an area is a lake), clipped to the view, beside
the Natural Earth borders and the GeoNames towns."""

from __future__ import annotations

import shapely

BOX = "18.0,4.0,19.0,5.0"  # around Bangui


def _post(client, editor, resource: str, feature: dict) -> int:
    r = client.post(f"/api/v1/{resource}", json=feature, headers=editor)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_the_missions_roads_and_waterways_are_drawn(client, editor, viewer):
    road = [[18.2, 4.2], [18.5, 4.4], [19.5, 4.6]]  # leaves the view: clipped at 19.0
    _post(
        client,
        editor,
        "roads",
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": road},
            "properties": {"name": "RN test", "highway": "primary"},
        },
    )
    _post(
        client,
        editor,
        "waterways",
        {
            "type": "Feature",
            "properties": {"name": "Test river", "kind": "river"},
            "geometry": {"type": "LineString", "coordinates": [[18.1, 4.9], [18.9, 4.1]]},
        },
    )
    lake = [[18.6, 4.6], [18.7, 4.6], [18.7, 4.7], [18.6, 4.7], [18.6, 4.6]]
    _post(
        client,
        editor,
        "waterways",
        {
            "type": "Feature",
            "properties": {"name": "Test lake", "kind": "lake"},
            "geometry": {"type": "Polygon", "coordinates": [lake]},
        },
    )
    _post(
        client,
        editor,
        "roads",
        {
            "type": "Feature",
            "properties": {"name": "Far road", "highway": "track"},
            "geometry": {"type": "LineString", "coordinates": [[25.0, 7.0], [25.5, 7.5]]},
        },
    )
    r = client.get("/map/context", params={"bbox": BOX, "zoom": 9}, headers=viewer)
    assert r.status_code == 200, r.text
    by_name = {f["properties"].get("name"): f for f in r.json()["features"] if f["properties"].get("name")}
    assert by_name["RN test"]["properties"]["layer"] == "road"
    assert shapely.geometry.shape(by_name["RN test"]["geometry"]).bounds[2] <= 19.0 + 1e-9  # clipped to the view
    assert by_name["Test river"]["properties"]["layer"] == "river"
    assert by_name["Test lake"]["properties"]["layer"] == "lake"
    assert "Far road" not in by_name
    kinds = {f["properties"]["layer"] for f in r.json()["features"]}
    assert {"country", "town"} <= kinds and "Bangui" in by_name  # Natural Earth and GeoNames beside them
