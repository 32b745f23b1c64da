"""Synthetic Quick Impact Projects near mission sites, in every status and
sector, with dates consistent with their status."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.demo.places import nearest_site_km
from geo.demo.towns import SYNTHETIC_SOURCE, polar_offset
from geo.vocab import QIP_MAX_BUDGET_USD, QIP_SECTORS, QIP_STATUSES

STATUS_SHARE = {"proposed": 0.15, "approved": 0.15, "in_progress": 0.25, "completed": 0.35, "cancelled": 0.10}
TITLES = {
    "water": "Borehole rehabilitation",
    "health": "Health post rehabilitation",
    "education": "Classroom construction",
    "livelihoods": "Market-gardening kits for women's groups",
    "infrastructure": "Bridge repair on the market road",
    "social_cohesion": "Inter-community sports and culture days",
    "state_authority": "Sub-prefecture office rehabilitation",
    "protection": "Solar street lighting",
}
PARTNERS = (
    "Association des femmes de {}",
    "Comité local de paix de {}",
    "Mairie de {}",
    "Groupement agricole de {}",
    "Jeunesse unie de {}",
    "Engineering company (MINUSCA)",
)
SITE_RADIUS_KM = 60.0


def qips(
    rng: np.random.Generator, n: int, communities: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, end: date
) -> gpd.GeoDataFrame:
    """``n`` QIPs at communities within 60 km of a site; the first 40 cover
    every status × sector pair, the rest follow :data:`STATUS_SHARE`."""
    clon, clat = communities.geometry.x.to_numpy(), communities.geometry.y.to_numpy()
    d_site, _ = nearest_site_km(sites, clon, clat)
    w = np.sqrt(communities["population"].to_numpy(float)) * (d_site <= SITE_RADIUS_KM)
    c = rng.choice(len(communities), n, p=w / w.sum())

    pairs = [(st, se) for st in QIP_STATUSES for se in QIP_SECTORS]
    status = rng.choice(np.array(list(STATUS_SHARE), dtype=object), n, p=list(STATUS_SHARE.values()))
    sector = rng.choice(np.array(QIP_SECTORS, dtype=object), n)
    head = min(n, len(pairs))
    status[:head] = [p[0] for p in pairs[:head]]
    sector[:head] = [p[1] for p in pairs[:head]]

    lead = rng.integers(7, 61, n)
    ago = rng.integers(7, 151, n)
    # Projects run 2-6 months; one in progress is planned to end after ``end``.
    duration = rng.integers(60, 181, n)
    duration = np.where(status == "in_progress", np.maximum(duration, ago + 7), duration)
    back = rng.integers(1, 541, n)
    end_d = np.datetime64(end, "D")
    start = np.select(
        [status == "approved", status == "in_progress", status == "completed", status == "cancelled"],
        [end_d + lead, end_d - ago, end_d - duration - back, end_d - ago - back],
        np.datetime64("NaT"),
    ).astype("datetime64[D]")
    finish = np.where(np.isin(status, ["approved", "in_progress", "completed"]), start + duration, np.datetime64("NaT"))

    place = communities["name"].to_numpy()[c]
    partner = np.array(
        [PARTNERS[i].format(p) for i, p in zip(rng.integers(0, len(PARTNERS), n), place, strict=True)], dtype=object
    )
    lon, lat = polar_offset(rng, clon[c], clat[c], rng.uniform(0, 1.0, n))
    df = pd.DataFrame(
        {
            "title": np.array([TITLES[s] for s in sector], dtype=object) + " in " + place,
            "sector": sector,
            "status": status,
            "budget_usd": np.round(rng.uniform(5_000, QIP_MAX_BUDGET_USD, n), -2),
            "start_on": start,
            "end_on": finish,
            "implementing_partner": partner,
            "funded_by": rng.choice(np.array(["civilian", "military"], dtype=object), n, p=[0.7, 0.3]),
            "beneficiaries": np.maximum(50, communities["population"].to_numpy()[c] * rng.uniform(0.1, 0.8, n)).astype(
                np.int64
            ),
            "community_source_id": communities["source_id"].to_numpy()[c],
            "source": SYNTHETIC_SOURCE,
            "source_id": [f"demo-qip-{i:05d}" for i in range(n)],
        }
    )
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326").rename_geometry("geom")
