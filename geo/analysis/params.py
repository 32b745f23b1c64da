"""The parameters of the engagement-gap analysis (docs/analysis.md), each
declared once: default, bounds and description live in the field's metadata,
and everything else derives from it — the validation here, the API's query
parameters (api/routers/analysis.py), the CLI options (api/commands/gaps.py)
and the map's default window."""

from __future__ import annotations

from dataclasses import Field, asdict, dataclass, field, fields, replace
from datetime import UTC, date, datetime
from typing import Any, Literal, cast, get_args

from geo.analysis.metric import MAX_RADIUS_M
from geo.dates import SUPPORTED
from geo.errors import InvalidInput

MAX_DAYS = 3650
AS_OF = "analysis day (UTC); nothing dated after it counts; default today"


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


def declared(default: Any, description: str, bounds: Bounds | None = None, choices: tuple[str, ...] = ()) -> Any:
    """A declared parameter: a dataclass field carrying its default, its
    description, its bounds and its choices. The one way analysis parameters
    are declared (here and ``geo.politics.params``); :class:`Declared` checks
    them, and the API generates its query parameters from them
    (``api.params.declared_dependency``).

    Parameters
    ----------
    default : Any
        The value when none is given (``None`` for ``as_of``: today).
    description : str
        What the parameter means, as the API documents it.
    bounds : Bounds, optional
        The values admitted (None: any of the field's type).
    choices : tuple of str, optional
        The words admitted, for a parameter typed by a ``Literal`` (empty: any).

    Returns
    -------
    dataclasses.Field
        Typed ``Any`` so a field may be annotated with its value's type.
    """
    return field(default=default, metadata={"description": description, "bounds": bounds, "choices": choices})


Remoteness = Literal["distance", "travel_time"]
Season = Literal["auto", "dry", "rainy"]


def _metres(default: float, description: str) -> Any:
    return declared(default, description, Bounds(0, MAX_RADIUS_M, low_open=True, unit=" metres"))


def _days(default: int, description: str, low: int = 1) -> Any:
    return declared(default, description, Bounds(low, MAX_DAYS))


# The declarations of the fields typed by a date or a ``Literal`` alias, made
# here rather than in a dataclass body: ruff does not know those annotations
# to be immutable, so a call there would read as a default shared between
# instances (RUF009), which a ``Field`` is not.
_AS_OF_FIELD = declared(None, AS_OF)
_REMOTENESS_FIELD = declared(
    "distance",
    "distance: straight-line metres to the nearest active mission site; travel_time: hours over the "
    "friction surface (a loaded friction raster, else one built from roads, rivers, crossings and land "
    "cover; docs/reach.md)",
    choices=get_args(Remoteness),
)
_SEASON_FIELD = declared(
    "auto",
    "with remoteness=travel_time: dry or rainy season speeds; auto: the season of as_of (PEACEMAP_RAINY_MONTHS)",
    choices=get_args(Season),
)


@dataclass(frozen=True)
class Declared:
    """The base of every frozen dataclass of declared parameters
    (:func:`declared`), and the one owner of their ``as_of`` day (first field
    of each): construction makes ``as_of`` a UTC calendar day (None means
    today, a datetime its UTC day), refuses one outside the supported dates
    and every value outside its declared bounds, naming the parameter."""

    as_of: date = _AS_OF_FIELD

    def __post_init__(self) -> None:
        if self.as_of is None:
            object.__setattr__(self, "as_of", today())
        elif isinstance(self.as_of, datetime):
            utc = self.as_of.astimezone(UTC) if self.as_of.tzinfo else self.as_of
            object.__setattr__(self, "as_of", utc.date())
        for f in fields(cast(Any, self)):
            _refuse_outside(f, getattr(self, f.name))
        SUPPORTED.check(self.as_of, "as_of")


@dataclass(frozen=True)
class GapParams(Declared):
    """``as_of`` is a calendar day (UTC): everything dated after it is ignored.
    It may be given as None (the default, meaning today) or a datetime;
    construction (:class:`Declared`) makes it a date, so a constructed
    GapParams holds one."""

    patrol_radius_m: float = _metres(5_000.0, "default patrol coverage radius (a patrol's coverage_m overrides it)")
    engagement_radius_m: float = _metres(
        2_000.0,
        "an engagement this close to a community counts for it (one linked to the community counts wherever it is)",
    )
    qip_radius_m: float = _metres(5_000.0, "a QIP in progress or completed this close counts as an engagement")
    incident_radius_m: float = _metres(10_000.0, "incidents this close add to a community's violence pressure")
    window_days: int = _days(90, "incidents of the window_days days up to as_of (both included) count")
    half_life_days: float = declared(
        30.0,
        "an incident's weight in the violence pressure halves every half_life_days",
        Bounds(0, MAX_DAYS, low_open=True),
    )
    include_region_precision: bool = declared(False, "count geo_precision 3 (region-level) incidents in pressure")
    cap_days: int = _days(180, "days since the last engagement at which staleness reaches its maximum, 1")
    min_days: int = _days(
        60, "a community with pressure and no engagement for at least min_days is under-engaged", low=0
    )
    remoteness_scale_m: float = declared(
        50_000.0,
        "remoteness factor = 1 + distance to the nearest active mission site / remoteness_scale_m",
        Bounds(1_000.0, 20_000_000.0, unit=" metres"),  # below 1 km a score is all remoteness (or infinite)
    )
    remoteness: Remoteness = _REMOTENESS_FIELD
    remoteness_hours: float = declared(
        6.0,
        "with remoteness=travel_time: remoteness factor = 1 + hours to the nearest active site / remoteness_hours",
        Bounds(0, 240.0, low_open=True, unit=" hours"),
    )
    season: Season = _SEASON_FIELD

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


def default(name: str, of: type = GapParams) -> Any:
    """The declared default of one parameter (e.g. the map's default window,
    ``default("window_days")``).

    Parameters
    ----------
    name : str
        A field of ``of``.
    of : type
        A dataclass of declared parameters (:func:`declared`); GapParams by default.

    Returns
    -------
    The field's default value.
    """
    return next(f.default for f in fields(cast(Any, of)) if f.name == name)


def check(name: str, value: Any) -> None:
    """Refuse a value outside the declared bounds or choices of parameter ``name``.

    Parameters
    ----------
    name : str
        A field of :class:`GapParams`.
    value : number or str
        The value to check.

    Returns
    -------
    None
        Raises :class:`~geo.errors.InvalidInput` naming ``name`` instead.
    """
    _refuse_outside(GapParams.__dataclass_fields__[name], value)


def _refuse_outside(spec: Field, value: Any) -> None:
    """:func:`check` for one declared field (:func:`declared`)."""
    bounds, choices = spec.metadata.get("bounds"), spec.metadata.get("choices")
    if choices and value not in choices:
        raise InvalidInput(f"{spec.name} must be one of {', '.join(choices)}", field=spec.name)
    if bounds is not None and not bounds.admits(value):
        raise InvalidInput(bounds.message(spec.name), field=spec.name)
