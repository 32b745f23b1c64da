"""Which season a day is in, and the reach settings of a deployment
(env prefix ``PEACEMAP_``).

- ``PEACEMAP_RAINY_MONTHS``: the mission's rainy months, ``5-10`` (May to
  October, the Central African Republic's main rains) by default; a range
  ``A-B`` (which may wrap the year, ``11-3``) or a list ``4,5,6``.
- ``PEACEMAP_REACH_CELL_M``: the cell size of the travel-time grid
  (default 1 000 m).

A season asked as ``auto`` is the season of the analysis day (``as_of``).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from geo.errors import InvalidInput

SEASONS = ("auto", "dry", "rainy")
Resolved = Literal["dry", "rainy"]


def parse_months(value: str) -> frozenset[int]:
    """``"5-10"``, ``"11-3"`` or ``"4,5,6"`` → the months.

    Parameters
    ----------
    value : str

    Returns
    -------
    frozenset of int
    """
    text = value.replace(" ", "")
    try:
        if "-" in text:
            first, last = (int(p) for p in text.split("-"))
            months = range(first, last + 1) if first <= last else [*range(first, 13), *range(1, last + 1)]
        else:
            months = [int(p) for p in text.split(",") if p]
    except ValueError:
        raise InvalidInput(f"rainy months {value!r}: expected A-B or a list like 5,6,7", field="rainy_months") from None
    out = frozenset(months)
    if not out or not out <= set(range(1, 13)):
        raise InvalidInput(f"rainy months {value!r}: months are 1 … 12", field="rainy_months")
    return out


class ReachSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PEACEMAP_", extra="ignore")

    rainy_months: str = "5-10"
    reach_cell_m: float = Field(default=1000.0, ge=100.0, le=50_000.0)

    @field_validator("rainy_months")
    @classmethod
    def _months(cls, v: str) -> str:
        parse_months(v)
        return v


@lru_cache
def get_reach_settings() -> ReachSettings:
    return ReachSettings()


def resolve(season: str, day: date) -> Resolved:
    """``dry`` or ``rainy``: ``season`` itself, or for ``auto`` the season of ``day``.

    Parameters
    ----------
    season : str
        ``auto``, ``dry`` or ``rainy``.
    day : datetime.date

    Returns
    -------
    str
    """
    if season not in SEASONS:
        raise InvalidInput(f"season must be one of {', '.join(SEASONS)}", field="season")
    if season == "dry":
        return "dry"
    if season == "rainy":
        return "rainy"
    return "rainy" if day.month in parse_months(get_reach_settings().rainy_months) else "dry"
