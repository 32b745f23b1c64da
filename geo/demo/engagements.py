"""Synthetic engagements: contacts concentrated near mission sites and, as
the background paper warns, on the same few interlocutors."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.demo.places import nearest_site_km
from geo.demo.scenario import ENGAGEMENT_YEARS
from geo.demo.towns import SYNTHETIC_SOURCE, polar_offset
from geo.vocab import CONSTITUENCIES

KINDS = {  # kind: (share, log-mean and log-sd of participants, label)
    "cla_visit": (0.25, 2.0, 0.5, "CLA visit"),
    "civil_affairs_meeting": (0.20, 2.7, 0.5, "Civil Affairs meeting"),
    "townhall": (0.10, 4.0, 0.5, "Town-hall meeting"),
    "joint_protection_team": (0.10, 3.0, 0.5, "Joint protection team visit"),
    "listening_session": (0.08, 3.2, 0.5, "Listening session"),
    "perception_survey": (0.05, 3.9, 0.4, "Perception survey round"),
    "community_alert": (0.12, 0.4, 0.4, "Community alert network call"),
    "radio_callin": (0.07, 1.0, 0.6, "Radio call-in"),
    "other": (0.03, 2.5, 0.6, "Meeting"),
}
# How often each constituency is reached (order of CONSTITUENCIES).
REACH = np.array([0.35, 0.30, 0.15, 0.25, 0.45, 0.10, 0.55, 0.05])
TOPICS = (
    "security and freedom of movement",
    "transhumance and cattle movements",
    "return of displaced families",
    "local peace committee follow-up",
    "protection concerns on the roads",
    "QIP priorities",
    "rumours about the mission",
    "access to fields and markets",
)
FOLLOW_UPS = (
    "Share protection concerns with the JOC.",
    "Schedule a follow-up visit within a month.",
    "Refer land dispute to the local peace committee.",
    "Request a night patrol on the market road.",
    "Pass QIP proposal to the field office.",
)


def engagements(
    rng: np.random.Generator, n: int, communities: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, end: date
) -> gpd.GeoDataFrame:
    """``n`` engagements over the ``ENGAGEMENT_YEARS`` up to ``end``."""
    clon, clat = communities.geometry.x.to_numpy(), communities.geometry.y.to_numpy()
    d_site, _ = nearest_site_km(sites, clon, clat)
    favour = rng.lognormal(0.0, 1.2, len(communities))  # the usual interlocutors
    w = np.sqrt(communities["population"].to_numpy(float)) * np.exp(-d_site / 30.0) * favour
    c = rng.choice(len(communities), n, p=w / w.sum())

    names = list(KINDS)
    share = np.array([KINDS[k][0] for k in names])
    ki = rng.choice(len(names), n, p=share / share.sum())
    kind = np.array(names, dtype=object)[ki]
    mu = np.array([KINDS[k][1] for k in names])[ki]
    sd = np.array([KINDS[k][2] for k in names])[ki]
    total = np.maximum(1, np.round(rng.lognormal(mu, sd))).astype(np.int64)

    reach = rng.random((n, len(CONSTITUENCIES))) < REACH
    displaced_site = np.isin(communities["kind"].to_numpy()[c], ["idp_site", "poc_site"])
    reach[:, CONSTITUENCIES.index("displaced")] |= displaced_site & (rng.random(n) < 0.8)
    none = ~reach.any(axis=1)
    reach[none, CONSTITUENCIES.index("local_authorities")] = True
    labels = np.array(CONSTITUENCIES, dtype=object)
    constituencies = [list(labels[row]) for row in reach]
    women_share = np.where(reach[:, CONSTITUENCIES.index("women")], 0.6, 0.25)
    women = rng.binomial(total, women_share)

    # Working hours (06-17 UTC) of a day in the window; day 0 is ``end``.
    day = rng.integers(0, 365 * ENGAGEMENT_YEARS, n)
    midnight = datetime.combine(end, time(0, 0), tzinfo=UTC).timestamp()
    seconds = midnight - day * 86400 + rng.integers(6 * 3600, 17 * 3600, n)
    occurred_at = pd.to_datetime(seconds, unit="s", utc=True)

    kind_label = np.array([KINDS[k][3] for k in names], dtype=object)[ki]
    place = communities["name"].to_numpy()[c]
    topic = rng.choice(np.array(TOPICS, dtype=object), n)
    summary = kind_label + " in " + place + " on " + topic + "."
    has_follow_up = rng.random(n) < 0.3
    follow_up = rng.choice(np.array(FOLLOW_UPS, dtype=object), n)
    follow_up[~has_follow_up] = None
    lon, lat = polar_offset(rng, clon[c], clat[c], rng.uniform(0, 0.5, n))
    df = pd.DataFrame(
        {
            "occurred_at": occurred_at,
            "kind": kind,
            "community_source_id": communities["source_id"].to_numpy()[c],
            "constituencies": constituencies,
            "participants_women": women,
            "participants_men": total - women,
            "participants_total": total,
            "summary": summary,
            "follow_up": follow_up,
            "source": SYNTHETIC_SOURCE,
            "source_id": [f"demo-engagement-{i:07d}" for i in range(n)],
        }
    )
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326").rename_geometry("geom")
