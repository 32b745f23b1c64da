"""The parameters of the local-politics analyses (docs/politics.md#parameters),
each declared once as :class:`geo.analysis.GapParams` is
(``geo.analysis.params.declared``): default, bounds and description live in
the field's metadata, :class:`~geo.analysis.params.Declared` checks them and
sets ``as_of``, and the API's query parameters are generated from them
(``api.params.declared_dependency``)."""

from __future__ import annotations

from dataclasses import dataclass

from geo.analysis.params import MAX_DAYS, Bounds, Declared, declared


@dataclass(frozen=True)
class ConstituencyParams(Declared):
    """Who was heard: the window and the thresholds of the flags."""

    window_days: int = declared(
        180, "engagements of the window_days days up to as_of (both counted)", Bounds(1, MAX_DAYS)
    )
    concentration_top: int = declared(
        2, "flag when the concentration_top interlocutors heard most took part in …", Bounds(1, 10)
    )
    concentration_share: float = declared(
        0.6, "… more than this share of the engagements that recorded interlocutors", Bounds(0, 1, low_open=True)
    )
    min_engagements: int = declared(
        5, "no flag for a place with fewer engagements in the window (too few to say)", Bounds(1, 100_000)
    )
    sole_voice_engagements: int = declared(
        3,
        "an engagement-gap reason says 'only one interlocutor heard' after this many engagements in a row with the "
        "same single person",
        Bounds(1, 1000),
    )


@dataclass(frozen=True)
class AgreementParams(Declared):
    """Whether agreements hold: the periods compared."""

    window_days: int = declared(
        365, "compare the window_days days before signing with up to window_days days after", Bounds(1, MAX_DAYS)
    )


@dataclass(frozen=True)
class PerceptionParams(Declared):
    """What people think: only ``as_of`` (from :class:`Declared`); the
    indicator and the admin level are chosen per request (api/routers/politics.py)."""
