"""/api/v1/analysis — who was heard, whether local agreements hold, what
people think (docs/politics.md). The parameters are generated from their
declarations (``geo.politics.params``). No response names a person:
interlocutors appear as roles, counts and shares. Reasons are in the
request's language (``reasons``, and the ``text`` beside each code of
``explanation``: api/locale.py, docs/politics.md#reasons)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from api.deps import SessionDep, Viewer
from api.locale import Lang
from api.params import ID_LIMITS, PagingParam, declared_dependency
from api.responses import responses
from geo import vocab
from geo.politics.agreements import agreement_detail, ranked_agreements
from geo.politics.constituencies import constituencies
from geo.politics.params import AgreementParams, ConstituencyParams, PerceptionParams
from geo.politics.perceptions import perception_trends

router = APIRouter(prefix="/api/v1/analysis", tags=["analysis"])

Level = Annotated[int | None, Query(ge=0, le=5, description="admin level of the areas (default: the usual one)")]


def _page(request: Request, body: dict, paging) -> dict:
    features = body["features"]
    body["features"] = features[paging.offset : paging.offset + paging.limit]
    body["numberMatched"], body["numberReturned"] = len(features), len(body["features"])
    body["links"] = paging.links(request, len(body["features"]), len(features))
    return body


@router.get(
    "/constituencies",
    name="constituencies",
    summary="Who was heard: constituencies reached, interlocutor concentration and flags, per area or community",
)
def constituencies_route(
    request: Request,
    session: SessionDep,
    _: Viewer,
    tr: Lang,
    params: Annotated[ConstituencyParams, Depends(declared_dependency(ConstituencyParams))],
    paging: PagingParam,
    by: Annotated[Literal["area", "community"], Query(description="admin areas of one level, or communities")] = "area",
    level: Level = None,
) -> dict:
    return _page(request, constituencies(session, params, by=by, level=level, tr=tr), paging)


@router.get("/agreements", name="agreement-strain", summary="Local agreements ranked by strain (docs/politics.md)")
def agreements_route(
    request: Request,
    session: SessionDep,
    _: Viewer,
    tr: Lang,
    params: Annotated[AgreementParams, Depends(declared_dependency(AgreementParams))],
    paging: PagingParam,
) -> dict:
    ranked = ranked_agreements(session, params, tr)
    body = {"params": {"as_of": params.as_of.isoformat(), "window_days": params.window_days}, "features": ranked}
    body = _page(request, body, paging)
    body["agreements"] = body.pop("features")
    return body


@router.get(
    "/agreements/{fid}",
    name="agreement-strain-detail",
    responses=responses(404, why={404: "the agreement does not exist"}),
    summary="One local agreement: before and after signing, per month, possible violations, status history",
)
def agreement_route(
    fid: Annotated[int, Path(description="the agreement's id", **ID_LIMITS)],
    session: SessionDep,
    _: Viewer,
    tr: Lang,
    params: Annotated[AgreementParams, Depends(declared_dependency(AgreementParams))],
) -> dict:
    return agreement_detail(session, fid, params, tr)


@router.get(
    "/perceptions",
    name="perception-trends",
    summary="What people think: an indicator's trend per admin area, with 95 % intervals",
)
def perceptions_route(
    request: Request,
    session: SessionDep,
    _: Viewer,
    tr: Lang,
    params: Annotated[PerceptionParams, Depends(declared_dependency(PerceptionParams))],
    paging: PagingParam,
    indicator: Annotated[
        str, Query(description="the indicator", json_schema_extra={"enum": list(vocab.PERCEPTION_INDICATORS)})
    ] = "trust_in_mission",
    level: Level = None,
) -> dict:
    return _page(request, perception_trends(session, params, indicator=indicator, level=level, tr=tr), paging)
