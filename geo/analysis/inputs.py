"""Plain inputs of the analysis: one pandas DataFrame per table with the
columns the computation reads (lon/lat instead of point geometries; patrol
tracks as shapely geometries in lon/lat). Built from the database
(:mod:`geo.analysis.load`) or from GeoDataFrames such as the demo scenario."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from geo.reach.travel import TravelSurface

COLUMNS = {
    "communities": ("id", "name", "lon", "lat", "population"),
    "incidents": ("id", "lon", "lat", "occurred_on", "fatalities", "geo_precision"),
    "patrols": ("id", "ended_at", "coverage_m", "geometry"),
    "engagements": ("id", "lon", "lat", "occurred_at", "community_id"),
    "qips": ("id", "lon", "lat", "status", "start_on", "end_on"),
    "sites": ("id", "lon", "lat", "active_from", "active_to"),
}


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS[name]})


@dataclass
class GapInputs:
    communities: pd.DataFrame = field(default_factory=lambda: _empty("communities"))
    incidents: pd.DataFrame = field(default_factory=lambda: _empty("incidents"))
    patrols: pd.DataFrame = field(default_factory=lambda: _empty("patrols"))
    engagements: pd.DataFrame = field(default_factory=lambda: _empty("engagements"))
    qips: pd.DataFrame = field(default_factory=lambda: _empty("qips"))
    sites: pd.DataFrame = field(default_factory=lambda: _empty("sites"))
    travel: TravelSurface | None = None  # hours from the active sites (remoteness=travel_time, docs/reach.md)
    population_estimates: pd.Series | None = None  # community id → people from a population raster (docs/reach.md)

    def counts(self) -> dict[str, int]:
        """Rows per table.

        Returns
        -------
        dict of str to int
        """
        return {name: len(getattr(self, name)) for name in COLUMNS}

    @classmethod
    def from_frames(cls, **frames: pd.DataFrame) -> GapInputs:
        """From (Geo)DataFrames with the model's column names.

        Point geometries become lon/lat, missing optional columns get their
        defaults, and rows without an ``id`` are numbered from 1.

        Parameters
        ----------
        **frames : pandas.DataFrame or geopandas.GeoDataFrame
            Keyed by table name (``communities``, ``incidents``, …).

        Returns
        -------
        GapInputs
        """
        import geopandas as gpd  # on first use: the server never builds inputs from frames (cold start)

        out: dict[str, Any] = {}  # table frames only: travel and population_estimates keep their defaults
        for name, df in frames.items():
            if name not in COLUMNS:
                raise TypeError(f"unknown table {name!r}; expected one of {', '.join(COLUMNS)}")
            df = df.copy()
            if "id" not in df.columns:
                df["id"] = np.arange(1, len(df) + 1)
            if name != "patrols" and isinstance(df, gpd.GeoDataFrame) and "lon" not in df.columns:
                df["lon"], df["lat"] = df.geometry.x.to_numpy(), df.geometry.y.to_numpy()
            defaults: dict[str, Any] = {
                "name": "",
                "population": np.nan,
                "fatalities": 0,
                "geo_precision": 1,
                "coverage_m": np.nan,
                "community_id": np.nan,
                "start_on": pd.NaT,
                "end_on": pd.NaT,
                "active_from": pd.NaT,
                "active_to": pd.NaT,
            }
            for col in COLUMNS[name]:
                if col not in df.columns:
                    df[col] = defaults[col]
            out[name] = pd.DataFrame({c: df[c].to_numpy() for c in COLUMNS[name]})
        return cls(**out)
