"""The parameters of the local-politics analyses (docs/politics.md#parameters),
each declared once like :class:`geo.analysis.GapParams`: default, bounds and
description live in the field's metadata; the API's query parameters are
generated from them (``api.params.declared_query``)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from typing import Any, cast

from geo.analysis.params import FIRST_DAY, LAST_DAY, MAX_DAYS, Bounds, today
from geo.errors import InvalidInput


def declared(default: Any, description: str, bounds: Bounds | None = None) -> Any:
    """A parameter field: its default, description and bounds.

    Parameters
    ----------
    default : Any
    description : str
    bounds : Bounds, optional

    Returns
    -------
    dataclasses.Field
    """
    return field(default=default, metadata={"description": description, "bounds": bounds})


def _as_of(value: date | datetime | None) -> date:
    if value is None:
        return today()
    if isinstance(value, datetime):
        value = (value.astimezone(UTC) if value.tzinfo else value).date()
    if not (FIRST_DAY <= value <= LAST_DAY):
        raise InvalidInput(f"as_of must be a date between {FIRST_DAY.year} and {LAST_DAY.year}", field="as_of")
    return value


class Declared:
    """Checks every field against its declared bounds and sets ``as_of`` (default today, UTC)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "as_of", _as_of(self.as_of))
        for f in fields(cast(Any, self)):
            bounds = f.metadata.get("bounds")
            if bounds is not None and not bounds.admits(getattr(self, f.name)):
                raise InvalidInput(bounds.message(f.name), field=f.name)


AS_OF = "analysis day (UTC); nothing dated after it counts; default today"


@dataclass(frozen=True)
class ConstituencyParams(Declared):
    """Who was heard: the window and the thresholds of the flags."""

    as_of: date | None = declared(None, AS_OF)
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

    as_of: date | None = declared(None, AS_OF)
    window_days: int = declared(
        365, "compare the window_days days before signing with up to window_days days after", Bounds(1, MAX_DAYS)
    )


@dataclass(frozen=True)
class PerceptionParams(Declared):
    """What people think: the indicator and how areas are drawn."""

    as_of: date | None = declared(None, AS_OF)
