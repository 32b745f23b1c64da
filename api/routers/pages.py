"""The two web pages (``/map``, ``/qips/plot``), the admin-area choropleth
figures they load, and the static files they need (served from
``frontend/static``: no CDN, field offices are often offline).

The pages themselves hold no data: the browser fetches every layer from the
JSON API with the key it keeps in sessionStorage (none with public read).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import func, select

from api.deps import SessionDep, Viewer
from api.resource_router import parse_bbox
from frontend import STATIC_DIR, TEMPLATES_DIR
from geo import vocab
from geo.errors import NotFound
from geo.models import AdminArea, Community, Incident, Site
from layers.admin_areas import admin_areas_layer
from layers.admin_stats import admin_choropleth
from layers.aggregate import incident_grid
from layers.communities import communities_spec
from layers.compose import build_map, parse_layers, render_map
from layers.incidents import GRID as INCIDENT_GRID
from layers.qips import qips_spec
from layers.sites import sites_layer
from layers.spec import DateWindow

router = APIRouter(tags=["pages"])
_templates = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape())
CHOROPLETH_URL = "/map/admin-areas"


def default_window(session, start: date | None, end: date | None, days: int = 90) -> DateWindow:
    """Default: the 90 days up to the latest incident (today when there is none)."""
    if end is None:
        end = session.execute(select(func.max(Incident.occurred_on))).scalar() or date.today()
    return DateWindow(start, end) if start is not None else DateWindow.ending(end, days)


def _extent(session, column, *where) -> tuple[float, float, float, float] | None:
    box = func.ST_Extent(column)
    row = session.execute(
        select(func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box)).where(*where)
    ).one()
    return None if row[0] is None else tuple(row)


def _bounds(session, admin_area: int | None, bbox: str | None):
    """The view: ``bbox``, else the admin area's extent, else the data's."""
    if bbox is not None:
        return parse_bbox(bbox)
    if admin_area is not None:
        extent = _extent(session, AdminArea.geom, AdminArea.id == admin_area)
        if extent is None:
            raise NotFound(f"admin area {admin_area} does not exist", field="admin_area")
        return extent
    return _extent(session, Community.geom) or _extent(session, Site.geom) or _extent(session, AdminArea.geom)


@router.get("/map", response_class=HTMLResponse, summary="The planners' map (all layers)")
def map_page(
    session: SessionDep,
    start: Annotated[date | None, Query(description="window start (default: 90 days before end)")] = None,
    end: Annotated[date | None, Query(description="window end (default: latest incident)")] = None,
    bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy to show")] = None,
    admin_area: Annotated[int | None, Query(description="id of an admin area to zoom to")] = None,
    layers: Annotated[str | None, Query(description="comma-separated layers to switch on")] = None,
    level: Annotated[int | None, Query(ge=0, le=5, description="admin level of the choropleth")] = None,
):
    window = default_window(session, start, end)
    choropleth = {
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        **({"level": level} if level is not None else {}),
    }
    boundary = (
        admin_area
        if admin_area is not None
        else session.execute(
            select(AdminArea.id).order_by(AdminArea.level, func.ST_Area(AdminArea.geom).desc()).limit(1)
        ).scalar()
    )
    m = build_map(
        window,
        bounds=_bounds(session, admin_area, bbox),
        layers=parse_layers(layers),
        boundary_area=boundary,
        admin_choropleth_url=f"{CHOROPLETH_URL}?{urlencode(choropleth)}",
    )
    return HTMLResponse(render_map(m, "peacemap — map"))


@router.get(CHOROPLETH_URL, summary="Admin areas with violence pressure and community counts (simplified, GeoJSON)")
def admin_areas_choropleth(
    session: SessionDep,
    principal: Viewer,
    start: Annotated[date | None, Query(description="window start (default: 90 days before end)")] = None,
    end: Annotated[date | None, Query(description="window end (default: latest incident)")] = None,
    level: Annotated[int | None, Query(ge=0, le=5)] = None,
    bbox: str | None = None,
):
    window = default_window(session, start, end)
    return admin_choropleth(session, start=window.start, end=window.end, level=level, bbox=parse_bbox(bbox))


@router.get(INCIDENT_GRID, summary="Incidents of a view counted on a grid (GeoJSON points per cell)")
def incidents_grid(
    session: SessionDep,
    principal: Viewer,
    bbox: Annotated[str, Query(description="minx,miny,maxx,maxy (EPSG:4326)")],
    start: Annotated[date | None, Query(description="window start (default: 90 days before end)")] = None,
    end: Annotated[date | None, Query(description="window end (default: latest incident)")] = None,
    cells: Annotated[int, Query(ge=4, le=200, description="cells across the longer side")] = 48,
):
    window = default_window(session, start, end)
    return incident_grid(session, bbox=parse_bbox(bbox), start=window.start, end=window.end, cells=cells)


@router.get("/qips/plot", response_class=HTMLResponse, summary="Field-office page to plot a new QIP")
def qip_plot_page(
    session: SessionDep,
    bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy to show")] = None,
):
    window = default_window(session, None, None, days=365)
    config = {
        "bounds": _bounds(session, None, bbox),
        "window": {"start": window.start.isoformat(), "end": window.end.isoformat()},
        "qips": qips_spec().options(),
        "context": [admin_areas_layer(window).spec.options(), sites_layer(window).spec.options()],
        "communities": communities_spec(window, limit=200).options(),
        "sectors": vocab.QIP_SECTORS,
        "funders": vocab.QIP_FUNDERS,
        "maxBudget": vocab.QIP_MAX_BUDGET_USD,
        "nearRadiusM": 10_000,
        "overlapRadiusM": 5_000,
    }
    html = _templates.get_template("qip_plot.html").render(
        config_json=json.dumps(config).replace("</", "<\\/"),
        sectors=vocab.QIP_SECTORS,
        funders=vocab.QIP_FUNDERS,
        max_budget=vocab.QIP_MAX_BUDGET_USD,
    )
    return HTMLResponse(html)


@router.get("/static/{path:path}", include_in_schema=False)
def static_file(path: str):
    target = (STATIC_DIR / path).resolve()
    if not target.is_relative_to(STATIC_DIR) or not target.is_file():
        hint = " (run `make assets` to fetch the map libraries)" if path.startswith("vendor/") else ""
        raise NotFound(f"no static file {path!r}{hint}", field="path")
    cache = "public, max-age=86400" if path.startswith("vendor/") else "no-cache"
    return FileResponse(target, headers={"Cache-Control": cache})
