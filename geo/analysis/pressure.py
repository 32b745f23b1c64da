"""The violence-pressure kernel, the only copy (docs/analysis.md, "Violence pressure").

Each incident in the window weighs ``(1 + fatalities) · 2^(−age_days / half_life_days)``,
``age_days`` being whole days before the window end (the analysis' ``as_of``);
region-level incidents (``geo_precision`` 3) weigh nothing unless
``include_region_precision``. Used per community by the engagement-gap
analysis (:mod:`geo.analysis.gaps`) and per admin area by the map's
choropleth (:mod:`geo.analysis.areas`), so the two always agree.
"""

from __future__ import annotations

import numpy as np

from geo.analysis.params import GapParams

REGION_PRECISION = 3  # geo_precision of an incident known only to its region


def counts_in_pressure(geo_precision: np.ndarray, params: GapParams) -> np.ndarray:
    """Which incidents the kernel weighs at all (their location is precise enough).

    Parameters
    ----------
    geo_precision : array of int
        Per incident: 1 exact, 2 near, 3 region.
    params : GapParams
        ``include_region_precision`` decides for precision 3.

    Returns
    -------
    numpy.ndarray of bool
    """
    precision = np.asarray(geo_precision)
    if params.include_region_precision:
        return np.ones(precision.shape, bool)
    return precision != REGION_PRECISION


def incident_weights(
    fatalities: np.ndarray, age_days: np.ndarray, geo_precision: np.ndarray, params: GapParams
) -> np.ndarray:
    """Each incident's weight in the violence pressure.

    Parameters
    ----------
    fatalities : array of number
        Deaths per incident.
    age_days : array of number
        Whole days between the incident and the window end (0 on the last day).
    geo_precision : array of int
        Location precision per incident (see :func:`counts_in_pressure`).
    params : GapParams
        ``half_life_days`` and ``include_region_precision``.

    Returns
    -------
    numpy.ndarray of float
        ``(1 + fatalities) · 2^(−age_days / half_life_days)``, 0 where the
        incident does not count.
    """
    fat = np.asarray(fatalities, float)
    age = np.asarray(age_days, float)
    weight = (1 + fat) * np.exp(-age / params.half_life_days * np.log(2))
    return np.where(counts_in_pressure(geo_precision, params), weight, 0.0)
