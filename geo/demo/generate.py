"""The scenario generator: one seed, one scale, one end date → the same
scenario every time. Each table draws from its own child of the seed, so a
change to one table's generator does not reshuffle the others."""

from __future__ import annotations

from datetime import date

import numpy as np

from geo.demo import agreements as _agreements
from geo.demo import engagements as _engagements
from geo.demo import incidents as _incidents
from geo.demo import patrols as _patrols
from geo.demo import places, politics
from geo.demo import qips as _qips
from geo.demo import roads as _roads
from geo.demo.scenario import DEMO_SCALE, Scenario, counts_for

_STREAMS = ("sites", "communities", "incidents", "patrols", "engagements", "qips", "roads")
_POLITICS_STREAMS = ("interlocutors", "strain", "perceptions")  # spawned apart: the streams above stay as they were


def generate(scale: float = DEMO_SCALE, seed: int = 7, end: date | None = None) -> Scenario:
    """Generate the CAR (MINUSCA) demo scenario.

    Parameters
    ----------
    scale : float
        1 is the reference scale (50 000 communities, 1 000 000
        incidents, 200 000 patrols …); the default is the demo size. Counts
        are linear in ``scale`` above small-scale minimums (see
        :func:`geo.demo.scenario.counts_for`).
    seed : int
        Same seed, scale and end → identical frames.
    end : date, optional
        Last day of the scenario (default today); incidents cover the two
        years before it, patrols one year.
    """
    n = counts_for(scale)
    end = end or date.today()
    rng = dict(
        zip(
            _STREAMS, (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(_STREAMS))), strict=True
        )
    )
    areas = places.admin_areas()
    sites = places.sites(rng["sites"], n["sites"], end)
    communities = places.communities(rng["communities"], n["communities"], areas, sites)
    agreements = _agreements.agreements(end)
    own = np.random.SeedSequence([seed, 11]).spawn(len(_POLITICS_STREAMS))
    more = dict(zip(_POLITICS_STREAMS, (np.random.default_rng(s) for s in own), strict=True))
    engagements = _engagements.engagements(rng["engagements"], n["engagements"], communities, sites, end)
    interlocutors, links, engagements = politics.hearings(more["interlocutors"], engagements, communities, areas)
    incidents = _incidents.incidents(rng["incidents"], n["incidents"], communities, areas, end)
    roads = _roads.roads(rng["roads"], communities)
    return Scenario(
        seed=seed,
        scale=float(scale),
        end=end,
        admin_areas=areas,
        communities=communities,
        sites=sites,
        incidents=politics.strain(more["strain"], incidents, agreements, end),
        agreements=agreements,
        patrols=_patrols.patrols(rng["patrols"], n["patrols"], sites, end),
        engagements=engagements,
        qips=_qips.qips(rng["qips"], n["qips"], communities, sites, end),
        interlocutors=interlocutors,
        perceptions=politics.perceptions(more["perceptions"], communities, areas, agreements, end),
        engagement_interlocutors=links,
        roads=roads,
        crossings=_roads.crossings(roads, _roads.rivers()),
    )
