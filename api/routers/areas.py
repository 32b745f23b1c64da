"""An admin area's brief (docs/analysis.md#area-brief): the printable page
``/areas/{id}`` and the same content as JSON for other mission tools
(:mod:`geo.analysis.brief`, drawn by :mod:`layers.brief`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.deps import SessionDep, Viewer
from api.locale import Lang
from api.page_policy import html_page
from api.responses import responses
from api.routers.analysis import gap_params
from api.routers.geography import natural_earth_file
from geo.analysis import GapParams
from geo.analysis.brief import area_brief
from geo.basemap import context
from geo.i18n import Translator
from layers.brief import inset_bbox, render_brief

router = APIRouter(tags=["areas"])
PAGE = "area-brief-page"
AreaId = Annotated[int, Path(ge=1, le=2**31 - 1, description="admin area id")]
NOT_FOUND = responses(404, why={404: "the admin area does not exist"})
INSET_ZOOM = 8


def brief_html(session: Session, area_id: int, params: GapParams, tr: Translator) -> str:
    """The brief page of an area (also what ``peacemap brief`` prints)."""
    brief = area_brief(session, area_id, params, tr)
    ctx = context(session, natural_earth_file(), inset_bbox(brief["area"]["bbox"]), INSET_ZOOM)
    return render_brief(brief, ctx, tr)


@router.get(
    "/api/v1/areas/{area_id}/brief",
    name="area-brief",
    responses=NOT_FOUND,
    summary="An admin area's brief as JSON: figures, monthly series, under-engaged communities, agreements",
)
def area_brief_json(
    session: SessionDep,
    _: Viewer,
    tr: Lang,
    area_id: AreaId,
    params: Annotated[GapParams, Depends(gap_params)],
) -> dict:
    return area_brief(session, area_id, params, tr)


@router.get(
    "/areas/{area_id}",
    name=PAGE,
    response_class=HTMLResponse,
    responses=NOT_FOUND,
    summary="An admin area's brief: one printable page (A4)",
)
def area_brief_page(
    session: SessionDep,
    _: Viewer,
    tr: Lang,
    area_id: AreaId,
    params: Annotated[GapParams, Depends(gap_params)],
):
    html = brief_html(session, area_id, params, tr)
    return html_page(lambda nonce: html)
