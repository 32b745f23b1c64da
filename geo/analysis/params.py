"""The parameters of the engagement-gap analysis (docs/analysis.md), each
declared once: default, bounds and description live in the field's metadata,
and everything else derives from it — the validation here, the API's query
parameters (api/routers/analysis.py), the CLI options (api/commands/gaps.py)
and the map's default window."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, date, datetime
from typing import Any, Literal, get_args

from geo.analysis.metric import MAX_RADIUS_M
from geo.dates import SUPPORTED
from geo.errors import InvalidInput

MAX_DAYS = 3650


def today() -> date:
    """The current UTC calendar day: the default ``as_of``, read at the edge
    (a caller building parameters), never by the computation.

    Returns
    -------
    datetime.date
    """
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Bounds:
    """``low < v ≤ high`` (``low_open``) or ``low ≤ v ≤ high``; NaN is never inside."""

    low: float
    high: float
    low_open: bool = False
    unit: str = ""

    def admits(self, value: float) -> bool:
        """Whether ``value`` is inside.

        Parameters
        ----------
        value : float

        Returns
        -------
        bool
        """
        above = self.low < value if self.low_open else self.low <= value
        return bool(above and value <= self.high)

    def message(self, name: str) -> str:
        """The refusal naming parameter ``name`` and the bounds.

        Parameters
        ----------
        name : str

        Returns
        -------
        str
        """
        if self.low_open:
            return f"{name} must be > {self.low:g} and ≤ {self.high:g}{self.unit}"
        return f"{name} must be between {self.low:g} and {self.high:g}{self.unit}"

    def query(self) -> dict[str, float]:
        """The same bounds as keyword arguments of a FastAPI ``Query``.

        Returns
        -------
        dict
            ``gt`` or ``ge``, and ``le``.
        """
        return {"gt" if self.low_open else "ge": self.low, "le": self.high}


def _param(default: Any, description: str, bounds: Bounds | None = None, choices: tuple[str, ...] = ()) -> Any:
    return field(default=default, metadata={"description": description, "bounds": bounds, "choices": choices})


Remoteness = Literal["distance", "travel_time"]
Season = Literal["auto", "dry", "rainy"]


def _metres(default: float, description: str) -> Any:
    return _param(default, description, Bounds(0, MAX_RADIUS_M, low_open=True, unit=" metres"))


def _days(default: int, description: str, low: int = 1) -> Any:
    return _param(default, description, Bounds(low, MAX_DAYS))


@dataclass(frozen=True)
class GapParams:
    """``as_of`` is a calendar day (UTC): everything dated after it is ignored.
    It may be given as None (the default, meaning today) or a datetime;
    ``__post_init__`` makes it a date, so a constructed GapParams holds one."""

    as_of: date = _param(None, "analysis day (UTC); nothing dated after it counts; default today")
    patrol_radius_m: float = _metres(5_000.0, "default patrol coverage radius (a patrol's coverage_m overrides it)")
    engagement_radius_m: float = _metres(
        2_000.0,
        "an engagement this close to a community counts for it (one linked to the community counts wherever it is)",
    )
    qip_radius_m: float = _metres(5_000.0, "a QIP in progress or completed this close counts as an engagement")
    incident_radius_m: float = _metres(10_000.0, "incidents this close add to a community's violence pressure")
    window_days: int = _days(90, "incidents of the window_days days up to as_of (both included) count")
    half_life_days: float = _param(
        30.0,
        "an incident's weight in the violence pressure halves every half_life_days",
        Bounds(0, MAX_DAYS, low_open=True),
    )
    include_region_precision: bool = _param(False, "count geo_precision 3 (region-level) incidents in pressure")
    cap_days: int = _days(180, "days since the last engagement at which staleness reaches its maximum, 1")
    min_days: int = _days(
        60, "a community with pressure and no engagement for at least min_days is under-engaged", low=0
    )
    remoteness_scale_m: float = _param(
        50_000.0,
        "remoteness factor = 1 + distance to the nearest active mission site / remoteness_scale_m",
        Bounds(1_000.0, 20_000_000.0, unit=" metres"),  # below 1 km a score is all remoteness (or infinite)
    )
    remoteness: Remoteness = _param(
        "distance",
        "distance: straight-line metres to the nearest active mission site; travel_time: hours over the "
        "friction surface (a loaded friction raster, else one built from roads, rivers, crossings and land "
        "cover; docs/reach.md)",
        choices=get_args(Remoteness),
    )
    remoteness_hours: float = _param(
        6.0,
        "with remoteness=travel_time: remoteness factor = 1 + hours to the nearest active site / remoteness_hours",
        Bounds(0, 240.0, low_open=True, unit=" hours"),
    )
    season: Season = _param(
        "auto",
        "with remoteness=travel_time: dry or rainy season speeds; auto: the season of as_of (PEACEMAP_RAINY_MONTHS)",
        choices=get_args(Season),
    )

    def __post_init__(self):
        if self.as_of is None:
            object.__setattr__(self, "as_of", today())
        elif isinstance(self.as_of, datetime):
            utc = self.as_of.astimezone(UTC) if self.as_of.tzinfo else self.as_of
            object.__setattr__(self, "as_of", utc.date())
        for f in fields(self):
            check(f.name, getattr(self, f.name))
        SUPPORTED.check(self.as_of, "as_of")

    def with_(self, **kw) -> GapParams:
        """A copy with some parameters changed (validated again).

        Parameters
        ----------
        **kw
            Field values.

        Returns
        -------
        GapParams
        """
        return replace(self, **kw)

    def to_dict(self) -> dict:
        """JSON-ready parameters (``as_of`` as an ISO date).

        Returns
        -------
        dict
        """
        d = asdict(self)
        d["as_of"] = self.as_of.isoformat()
        return d


PARAM_NAMES = tuple(f.name for f in fields(GapParams))


def default(name: str) -> Any:
    """The declared default of one parameter (e.g. the map's default window,
    ``default("window_days")``).

    Parameters
    ----------
    name : str
        A field of :class:`GapParams`.

    Returns
    -------
    The field's default value.
    """
    return GapParams.__dataclass_fields__[name].default


def check(name: str, value: Any) -> None:
    """Refuse a value outside the declared bounds of parameter ``name``.

    Parameters
    ----------
    name : str
        A field of :class:`GapParams`.
    value : number
        The value to check.

    Returns
    -------
    None
        Raises :class:`~geo.errors.InvalidInput` naming ``name`` instead.
    """
    meta = GapParams.__dataclass_fields__[name].metadata
    bounds, choices = meta["bounds"], meta["choices"]
    if choices and value not in choices:
        raise InvalidInput(f"{name} must be one of {', '.join(choices)}", field=name)
    if bounds is not None and not bounds.admits(value):
        raise InvalidInput(bounds.message(name), field=name)
