"""Personal data stays with editors (docs/politics.md#personal-data): every
GET route of the app (``app.routes``, as tests/api/test_route_guards.py walks
them), with every collection and a real id for each path parameter, every
list in every format and the GeoPackage export, read with a viewer key and
with public read, never returns an interlocutor's name or pseudonymous id —
while an editor's reads do return them, and are written to the audit log."""

from __future__ import annotations

import re

import pyogrio
import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import func, select

from api.app import create_app
from api.params import collection_ids
from api.settings import ApiSettings
from geo import models
from geo.models import AuditLog
from geo.resources import REGISTRY

SECRETS = ("Ngakola", "BSB-sample-")  # parts of the sample interlocutors' names and pseudonyms (ASCII: any encoding)
SKIP = {"/api/v1/keys"}  # admin only: a viewer is refused before any data


def _get_routes() -> list[tuple[str, str | None]]:
    app = create_app(ApiSettings())
    return sorted(
        {
            (r.path, getattr(r, "name", None))
            for r in iter_route_contexts(app.routes)
            if "GET" in (r.methods or set()) and r.path not in SKIP
        }
    )


ROUTES = _get_routes()


def _ids(session) -> dict[str, int]:
    """A real id for each resource (the interlocutor and engagement that hold names)."""
    out = {name: session.scalar(select(func.min(spec.model.id))) for name, spec in REGISTRY.items()}
    out["engagements"] = session.scalar(select(func.min(models.EngagementInterlocutor.engagement_id)))
    out["interlocutors"] = session.scalar(
        select(func.min(models.Interlocutor.id)).where(models.Interlocutor.name.is_not(None))
    )
    return out


def _urls(path: str, name: str | None, ids: dict[str, int]) -> list[str]:
    """Every URL of one route worth reading: each collection, real ids, each list format."""
    if "{collection_id}" in path:
        return [u for cid in collection_ids() for u in _urls(path.replace("{collection_id}", cid), name, ids)]
    resource = next((r for r in REGISTRY if path.startswith((f"/api/v1/{r}/", f"/ogc/collections/{r}/"))), None)
    if "{feature_id}" in path:
        gaps = "/engagement-gaps/" in path
        community = ids["communities"]
        path = path.replace("{feature_id}", str(community if gaps else ids.get(resource or "", 1)))
    if "{fid}" in path:
        path = path.replace("{fid}", str(ids["agreements"] if resource is None else ids[resource]))
    if "{raster_id}" in path:  # the raster catalogue holds no personal data; an unknown id still walks the route
        path = path.replace("{raster_id}", "1")
    if "{area_id}" in path:  # the area brief, page and JSON: a real admin area
        path = path.replace("{area_id}", str(ids["admin-areas"]))
    if "{z}" in path:  # a vector tile: the whole world, so every feature of the layer
        path = path.replace("{z}", "0").replace("{x}", "0").replace("{y}", "0")
    if "{path:path}" in path:
        path = path.replace("{path:path}", "js/peacemap.js")
    assert not re.search(r"\{\w+", path), f"no test value for a parameter of {path}"
    if name and name.endswith("-list"):
        return [path, f"{path}?f=csv", f"{path}?f=geojson", f"{path}?limit=10000"]
    if path.endswith("/constituencies"):
        return [path, f"{path}?by=community&limit=10000"]
    return [path]


@pytest.fixture
def named(session, insert_samples):
    insert_samples(session)
    session.commit()  # ends the savepoint, so the clients' requests see the rows
    return _ids(session)


def _leaks(body: bytes) -> list[str]:
    return [s for s in SECRETS if s.encode() in body]


def test_no_route_shows_a_viewer_a_name(client, public_client, viewer, named, tmp_path):
    read = []
    for path, name in ROUTES:
        for url in _urls(path, name, named):
            for who, c, headers in (("viewer", client, viewer), ("public", public_client, {})):
                r = c.get(url, headers=headers)
                assert r.status_code < 500, (url, r.text)
                assert not _leaks(r.content), f"{who} read {_leaks(r.content)} at {url}"
                read.append(url)
    assert len(read) > 2 * len(ROUTES)
    for who, c, headers in (("viewer", client, viewer), ("public", public_client, {})):
        gpkg = c.get("/api/v1/export.gpkg", headers=headers)
        assert gpkg.status_code == 200 and not _leaks(gpkg.content), who
        path = tmp_path / f"{who}.gpkg"
        path.write_bytes(gpkg.content)
        people = pyogrio.read_dataframe(path, layer="interlocutors")
        assert len(people) == 3 and {"name", "pseudonym", "notes", "source_id"}.isdisjoint(people.columns)


def test_an_editor_reads_names_and_each_read_is_audited(client, editor, viewer, named, session):
    def reads() -> int:
        return session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "read"))

    before = reads()
    for url in (
        "/api/v1/interlocutors",
        "/api/v1/interlocutors?f=csv",
        f"/api/v1/interlocutors/{named['interlocutors']}",
        "/ogc/collections/interlocutors/items",
        "/api/v1/export.gpkg?resources=interlocutors&gaps=false",
    ):
        r = client.get(url, headers=editor)
        assert r.status_code == 200 and "Ngakola" in r.content.decode("utf-8", "replace"), url
    assert reads() == before + 5
    row = session.scalars(select(AuditLog).where(AuditLog.action == "read").order_by(AuditLog.id.desc())).first()
    assert row.key_name == "test-editor" and row.resource == "interlocutors" and len(row.after["ids"]) == 3
    assert "name" in row.after["fields"]
    client.get("/api/v1/interlocutors", headers=viewer)
    assert reads() == before + 5  # a viewer reads no personal data: nothing to record
