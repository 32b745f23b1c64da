"""Where the next QIP should go (docs/reach.md#qip-siting): communities a
field office can reach, ranked by need, away from running QIPs and from
each other, each with plain reasons.

1. **Reach**: travel time from the office (a mission site, or a point)
   over the season's friction surface (:mod:`geo.reach.load`) at most
   ``max_hours``.
2. **Absence**: no active QIP — ``proposed``, ``approved`` or
   ``in_progress`` (:data:`ACTIVE`: planned or running; a completed or
   cancelled one is not) — within ``absence_m`` (5 km, the overlap warning
   of the QIP page) of the community, "within" as the analysis measures it
   (geodesic, docs/analysis.md#distances).
3. **Need**: the engagement-gap score (the map's analysis: remoteness as
   travel time, as of ``as_of``), then violence pressure, then the shorter
   trip, then the community id.
4. **Spread**: walking down the ranking, a community within ``spread_m``
   (5 km) of one already suggested is passed over, until ``n`` are chosen.

Sector and budget do not change the choice: they are carried into each
suggestion (the QIP form they fill), with the community's population (recorded,
or estimated from a population raster) as the beneficiaries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo import vocab
from geo.analysis.cache import cached_gaps
from geo.analysis.metric import TOL_M, Points, geodesic, nearest
from geo.analysis.params import GapParams
from geo.errors import InvalidInput, NotFound
from geo.models import Qip, Site
from geo.reach.extent import mission_grid
from geo.reach.load import Origins, travel_from
from geo.reach.season import resolve
from geo.reasons import text

ACTIVE = ("proposed", "approved", "in_progress")
ABSENCE_M = 5_000.0
SPREAD_M = 5_000.0
MAX_HOURS = 48.0


@dataclass(frozen=True)
class Office:
    """Where the trips start: a site (``site_id``, named) or a point."""

    lon: float
    lat: float
    label: str
    site_id: int | None = None


def office(session: Session, site_id: int | None, lon: float | None, lat: float | None) -> Office:
    """The office of a request: a site id, or a point; one of the two.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    site_id : int, optional
    lon, lat : float, optional

    Returns
    -------
    Office
    """
    point = lon is not None or lat is not None
    if (site_id is None) == (not point):
        raise InvalidInput("give either site (a field office's id) or lon and lat, not both", field="site")
    if site_id is not None:
        row = session.execute(
            select(Site.name, Site.kind, func.ST_X(Site.geom), func.ST_Y(Site.geom)).where(Site.id == site_id)
        ).first()
        if row is None:
            raise NotFound(f"site {site_id} does not exist", field="site")
        return Office(float(row[2]), float(row[3]), f"{row[0]} ({row[1].replace('_', ' ')})", site_id)
    if lon is None or lat is None:
        raise InvalidInput("a point needs both lon and lat", field="lon" if lon is None else "lat")
    return Office(float(lon), float(lat), f"the point {lat:.4f}, {lon:.4f}")


def _active_qips(session: Session) -> pd.DataFrame:
    rows = session.execute(
        select(Qip.id, Qip.title, Qip.status, func.ST_X(Qip.geom), func.ST_Y(Qip.geom)).where(Qip.status.in_(ACTIVE))
    ).all()
    return pd.DataFrame(rows, columns=["id", "title", "status", "lon", "lat"])


def suggest(
    session: Session,
    *,
    site_id: int | None = None,
    lon: float | None = None,
    lat: float | None = None,
    max_hours: float = 4.0,
    n: int = 5,
    sector: str | None = None,
    budget_usd: float | None = None,
    as_of: date,
    season: str = "auto",
    absence_m: float = ABSENCE_M,
    spread_m: float = SPREAD_M,
) -> dict:
    """QIP site suggestions for one office.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    site_id : int, optional
        The office: a mission site …
    lon, lat : float, optional
        … or a point.
    max_hours : float
        The longest trip (hours) from the office.
    n : int
        How many suggestions.
    sector : str, optional
        Carried into each suggestion (one of ``geo.vocab.QIP_SECTORS``).
    budget_usd : float, optional
        Carried into each suggestion (at most the QIP cap).
    as_of : datetime.date
        The analysis day (gap scores, season when ``auto``).
    season : str
        ``auto``, ``dry`` or ``rainy``.
    absence_m, spread_m : float
        The two 5 km rules.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection of the suggestions (best first) with
        ``office``, ``season``, ``max_hours`` and ``considered`` counts.
    """
    if not 0 < max_hours <= MAX_HOURS:
        raise InvalidInput(f"max_hours must be > 0 and ≤ {MAX_HOURS:g}", field="max_hours")
    if sector is not None and sector not in vocab.QIP_SECTORS:
        raise InvalidInput(f"sector must be one of {', '.join(vocab.QIP_SECTORS)}", field="sector")
    if budget_usd is not None and not 0 <= budget_usd <= vocab.QIP_MAX_BUDGET_USD:
        raise InvalidInput(f"budget_usd must be between 0 and {vocab.QIP_MAX_BUDGET_USD:,}", field="budget_usd")
    start = office(session, site_id, lon, lat)
    resolved = resolve(season, as_of)
    params = GapParams(as_of=as_of, remoteness="travel_time", season=resolved)
    result = cached_gaps(session, params)
    gaps = result.table
    grid = mission_grid(session)
    if grid is None or gaps.empty:
        return _collection(start, resolved, max_hours, [], {"communities": 0})
    origin = Origins((start.site_id or 0,), (start.lon,), (start.lat,))
    hours, _ = travel_from(session, grid, resolved, origin).at(gaps["lon"].to_numpy(float), gaps["lat"].to_numpy(float))
    reach = np.isfinite(hours) & (hours <= max_hours)

    qips = _active_qips(session)
    where = Points(gaps["lon"].to_numpy(float), gaps["lat"].to_numpy(float))
    q_index, q_dist = nearest(where, Points(qips["lon"].to_numpy(float), qips["lat"].to_numpy(float)))
    crowded = (q_index >= 0) & (q_dist <= absence_m + TOL_M)
    keep = reach & ~crowded
    order = np.lexsort(
        (gaps["community_id"].to_numpy(), hours, -gaps["pressure"].to_numpy(float), -gaps["gap_score"].to_numpy(float))
    )
    chosen: list[int] = []
    for i in order:
        if len(chosen) == n:
            break
        if not keep[i]:
            continue
        if (
            chosen
            and (
                geodesic(
                    np.full(len(chosen), where.lon[i]),
                    np.full(len(chosen), where.lat[i]),
                    where.lon[chosen],
                    where.lat[chosen],
                )
                <= spread_m + TOL_M
            ).any()
        ):
            continue
        chosen.append(int(i))
    considered = {
        "communities": len(gaps),
        "within_max_hours": int(reach.sum()),
        "active_qip_within_5_km": int((reach & crowded).sum()),
        "candidates": int(keep.sum()),
    }
    explained, _ = result.explained(gaps.iloc[chosen])  # the analysis' own reasons, of the chosen rows only
    features = [
        _suggestion(
            k + 1,
            gaps.iloc[i],
            explained[k],
            float(hours[i]),
            start,
            resolved,
            qips,
            q_index[i],
            q_dist[i],
            len(gaps),
            sector,
            budget_usd,
            absence_m,
        )
        for k, i in enumerate(chosen)
    ]
    return _collection(start, resolved, max_hours, features, considered)


def _collection(start: Office, season: str, max_hours: float, features: list, considered: dict) -> dict:
    return {
        "type": "FeatureCollection",
        "numberReturned": len(features),
        "features": features,
        "office": {"site_id": start.site_id, "label": start.label, "lon": start.lon, "lat": start.lat},
        "season": season,
        "max_hours": max_hours,
        "considered": considered,
    }


def _plain(v):
    """A JSON-ready parameter (numpy scalars as Python numbers)."""
    return v.item() if isinstance(v, np.generic) else v


def _suggestion(
    order, row, gap_reasons, hours, start, season, qips, q_index, q_dist, ranked, sector, budget, absence_m
) -> dict:
    population = None if pd.isna(row["population"]) else int(row["population"])
    explanation: list[dict] = [
        {"code": "qip_gap", "params": {"score": float(row["gap_score"]), "rank": int(row["rank"]), "of": ranked}},
        *gap_reasons[:2],  # the analysis' own engagement and violence reasons
        {"code": "qip_trip", "params": {"hours": hours, "office": start.label, "season": season}},
    ]
    if q_index < 0:
        explanation.append({"code": "no_active_qip", "params": {}})
    else:
        q = qips.iloc[int(q_index)]
        explanation.append(
            {
                "code": "qip_nearest",
                "params": {"absence_m": absence_m, "title": q["title"], "status": q["status"], "distance_m": q_dist},
            }
        )
    if population is not None:
        code = "qip_people_estimated" if row["population_estimated"] else "qip_people"
        explanation.append({"code": code, "params": {"people": population}})
    explanation = [{"code": e["code"], "params": {k: _plain(v) for k, v in e["params"].items()}} for e in explanation]
    days = row["days_since_engagement"]
    return {
        "type": "Feature",
        "id": int(row["community_id"]),
        "geometry": {"type": "Point", "coordinates": [float(row["lon"]), float(row["lat"])]},
        "properties": {
            "order": order,
            "community_id": int(row["community_id"]),
            "name": row["name"],
            "gap_score": float(row["gap_score"]),
            "gap_rank": int(row["rank"]),
            "pressure": float(row["pressure"]),
            "days_since_engagement": None if pd.isna(days) else int(days),
            "travel_hours": round(hours, 3),
            "nearest_active_qip_m": None if q_index < 0 else round(float(q_dist), 1),
            "population": population,
            "population_estimated": bool(row["population_estimated"]),
            "sector": sector,
            "budget_usd": budget,
            "beneficiaries": population,
            "reasons": [text(e) for e in explanation],
            "explanation": explanation,
        },
    }
