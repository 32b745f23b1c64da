"""The two web pages (``/map``, ``/qips/plot``), the admin-area choropleth
figures and incident grid they load (computed in ``geo``), and the static
files they need (served from ``frontend/static``: no CDN, field offices are
often offline).

The pages themselves hold no data: the browser fetches every layer from the
JSON API with the key it keeps in sessionStorage (none with public read).
Every URL a page uses comes from ``request.url_for`` on a route name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Annotated
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import func, select
from starlette.background import BackgroundTask

from api.deps import SessionDep, SettingsDep, Viewer
from api.locale import Lang
from api.page_policy import html_page, nonce_scripts, origin
from api.params import BBox, BBoxParam, admin_area_query, bbox_query
from api.responses import responses
from frontend import STATIC_DIR, TEMPLATES_DIR
from geo import vocab
from geo.analysis.areas import admin_area_figures
from geo.analysis.params import default, today
from geo.dates import SupportedDate
from geo.errors import NotFound
from geo.incident_grid import CELLS, incident_grid
from geo.models import AdminArea, Community, Incident, Site
from geo.window import DateWindow
from layers import ROUTE_NAMES, admin_areas, communities, compose, geography, incidents, qips, sites
from layers.controls import language_choices
from layers.messages import browser_messages, vocabulary
from layers.worklist import BRIEF_PAGE as AREA_BRIEF_PAGE

router = APIRouter(tags=["pages"])
_templates = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape())
QIP_PLOT_ROUTES = (
    *geography.ROUTES,
    *qips.ROUTES,
    *admin_areas.ROUTES,
    *sites.ROUTES,
    *communities.ROUTES,
    "incidents-list",
    "agreements-list",
    "engagements-list",
    "communities-list",
    "qip-suggestions",
    compose.MAP_PAGE,
)
NEAR_RADIUS_M = 10_000  # the QIP plotter lists what lies this close to a new site
OVERLAP_RADIUS_M = 5_000  # and warns of another QIP this close
ViewBBox = Annotated[BBox | None, Depends(bbox_query("minx,miny,maxx,maxy to show"))]


def _urls(request: Request, names: Iterable[str]) -> dict[str, str]:
    """The URL path of each named route, as this app is mounted (``root_path``
    included): pages then work behind a proxy, whatever scheme it speaks."""
    return {name: request.url_for(name).path for name in names}


def default_window(session, start: date | None, end: date | None, days: int = default("window_days")) -> DateWindow:
    """Default: the analysis' window length (90 days) up to the latest incident (today when there is none)."""
    if end is None:
        end = session.execute(select(func.max(Incident.occurred_on))).scalar() or today()
    return DateWindow(start, end) if start is not None else DateWindow.ending(end, days)


def _extent(session, column, *where) -> tuple[float, float, float, float] | None:
    box = func.ST_Extent(column)
    row = session.execute(
        select(func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box)).where(*where)
    ).one()
    return None if row[0] is None else tuple(row)


def _bounds(session, admin_area: int | None, bbox: BBox | None):
    """The view: ``bbox``, else the admin area's extent, else the data's."""
    if bbox is not None:
        return bbox
    if admin_area is not None:
        extent = _extent(session, AdminArea.geom, AdminArea.id == admin_area)
        if extent is None:
            raise NotFound(f"admin area {admin_area} does not exist", field="admin_area")
        return extent
    return _extent(session, Community.geom) or _extent(session, Site.geom) or _extent(session, AdminArea.geom)


Start = Annotated[
    SupportedDate | None,
    Query(
        description="window start, counted (default: the window ends on end and "
        "is as long as the analysis' window_days)"
    ),
]
End = Annotated[SupportedDate | None, Query(description="window end, counted (default: the latest incident)")]


@router.get(
    "/map",
    name=compose.MAP_PAGE,
    response_class=HTMLResponse,
    responses=responses(404, why={404: "the admin area does not exist"}),
    summary="The planners' map (all layers)",
)
def map_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    tr: Lang,
    bbox: ViewBBox,
    start: Start = None,
    end: End = None,
    admin_area: Annotated[int | None, admin_area_query("id of an admin area to zoom to")] = None,
    layers: Annotated[str | None, Query(description="comma-separated layers to switch on")] = None,
    level: Annotated[int | None, Query(ge=0, le=5, description="admin level of the choropleth")] = None,
):
    request.app.state.page_started.set()  # the warm-up and the late routes let this page go first (api.first_page)
    window = default_window(session, start, end)
    boundary = (
        admin_area
        if admin_area is not None
        else session.execute(
            select(AdminArea.id).order_by(AdminArea.level, func.ST_Area(AdminArea.geom).desc()).limit(1)
        ).scalar()
    )
    m = compose.build_map(
        window,
        _urls(request, ROUTE_NAMES),
        bounds=_bounds(session, admin_area, bbox),
        layers=compose.parse_layers(layers),
        admin_level=level,
        boundary_area=boundary,
        tiles=settings.tiles_url,
        tiles_attribution=settings.tiles_attribution,
        tr=tr,
        brief_url=unquote(request.url_for(AREA_BRIEF_PAGE, area_id="{id}").path),
    )
    tile_origins = (origin(settings.tiles_url),) if settings.tiles_url else ()
    page = html_page(
        lambda nonce: nonce_scripts(compose.render_map(m, tr.gettext("peacemap — map"), tr), nonce), tile_origins
    )
    page.background = BackgroundTask(request.app.state.page_served.set)  # once sent, they may start (api.first_page)
    return page


@router.get(
    "/map/admin-areas",
    name=admin_areas.CHOROPLETH,
    summary="Admin areas with violence pressure and community counts (simplified, GeoJSON)",
)
def admin_areas_choropleth(
    session: SessionDep,
    principal: Viewer,
    bbox: BBoxParam,
    start: Start = None,
    end: End = None,
    level: Annotated[int | None, Query(ge=0, le=5)] = None,
):
    window = default_window(session, start, end)
    return admin_area_figures(session, window, level=level, bbox=bbox)


@router.get(
    "/map/incident-grid", name=incidents.GRID, summary="Incidents of a view counted on a grid (GeoJSON points per cell)"
)
def incidents_grid(
    session: SessionDep,
    principal: Viewer,
    bbox: Annotated[BBox, Depends(bbox_query("minx,miny,maxx,maxy (EPSG:4326)", required=True))],
    start: Start = None,
    end: End = None,
    cells: Annotated[int, Query(ge=4, le=200, description="cells across the longer side")] = CELLS,
):
    window = default_window(session, start, end)
    return incident_grid(session, bbox=bbox, window=window, cells=cells)


@router.get(
    "/qips/plot", name="qip-plot-page", response_class=HTMLResponse, summary="Field-office page to plot a new QIP"
)
def qip_plot_page(
    request: Request,
    session: SessionDep,
    tr: Lang,
    bbox: ViewBBox,
):
    window = default_window(session, None, None, days=365)
    urls = _urls(request, QIP_PLOT_ROUTES)
    labels = vocabulary(tr)
    config = {
        "bounds": _bounds(session, None, bbox),
        "window": {"start": window.start.isoformat(), "end": window.end.isoformat()},
        "urls": urls,
        "qips": qips.qips_spec(urls).options(tr),
        "context": [
            geography.geography_spec(urls).options(tr),
            admin_areas.admin_areas_layer(window, urls).spec.options(tr),
            sites.sites_layer(window, urls).spec.options(tr),
        ],
        "communities": communities.communities_spec(window, urls, limit=200).options(tr),
        "messages": browser_messages(tr),
        "language": {"current": tr.lang, "choices": language_choices()},
        "sectors": vocab.QIP_SECTORS,
        "funders": vocab.QIP_FUNDERS,
        "maxBudget": vocab.QIP_MAX_BUDGET_USD,
        "nearRadiusM": NEAR_RADIUS_M,
        "overlapRadiusM": OVERLAP_RADIUS_M,
    }
    return html_page(
        lambda nonce: _templates.get_template("qip_plot.html").render(
            config_json=json.dumps(config).replace("</", "<\\/"),
            sectors=vocab.QIP_SECTORS,
            funders=vocab.QIP_FUNDERS,
            max_budget=tr.number(vocab.QIP_MAX_BUDGET_USD),
            near_km=tr.number(NEAR_RADIUS_M / 1000),
            nonce=nonce,
            lang=tr.lang,
            dir=tr.dir,
            _=tr.gettext,
            vocab=labels.__getitem__,
        )
    )


@router.get("/favicon.ico", include_in_schema=False)
def favicon():
    """The tab's icon. Browsers ask for ``/favicon.ico`` on every page; without it each page
    logged a 404 in the console, which hid real errors from whoever looked there."""
    return FileResponse(
        STATIC_DIR / "img" / "favicon.png", media_type="image/png", headers={"Cache-Control": "public, max-age=86400"}
    )


@router.get("/static/{path:path}", include_in_schema=False)
def static_file(path: str):
    target = (STATIC_DIR / path).resolve()
    if not target.is_relative_to(STATIC_DIR) or not target.is_file():
        hint = " (run `make assets` to fetch the map libraries)" if path.startswith("vendor/") else ""
        raise NotFound(f"no static file {path!r}{hint}", field="path")
    cache = "public, max-age=86400" if path.startswith("vendor/") else "no-cache"
    return FileResponse(target, headers={"Cache-Control": cache})
