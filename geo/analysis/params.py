"""The parameters of the engagement-gap analysis (docs/analysis.md), each
declared once: default, bounds and description live in the field's metadata,
and everything else derives from it — the validation here, the API's query
parameters (api/routers/analysis.py), the CLI options (api/commands/gaps.py)
and the map's default window."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, date, datetime
from typing import Any, cast

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


def declared(default: Any, description: str, bounds: Bounds | None = None) -> Any:
    """A declared parameter: a dataclass field carrying its default, its
    description and its bounds. The one way analysis parameters are declared
    (here and ``geo.politics.params``); :class:`Declared` checks them, and the
    API generates its query parameters from them (``api.params.declared_dependency``).

    Parameters
    ----------
    default : Any
        The value when none is given (``None`` for ``as_of``: today).
    description : str
        What the parameter means, as the API documents it.
    bounds : Bounds, optional
        The values admitted (None: any of the field's type).

    Returns
    -------
    dataclasses.Field
        Typed ``Any`` so a field may be annotated with its value's type.
    """
    return field(default=default, metadata={"description": description, "bounds": bounds})


def _metres(default: float, description: str) -> Any:
    return declared(default, description, Bounds(0, MAX_RADIUS_M, low_open=True, unit=" metres"))


def _days(default: int, description: str, low: int = 1) -> Any:
    return declared(default, description, Bounds(low, MAX_DAYS))


_AS_OF_FIELD = declared(None, AS_OF)
"""``as_of``'s declaration, made once here rather than in a dataclass body:
its annotation (``date``) is not one ruff knows to be immutable, so a call
there reads as a shared default (RUF009), which a ``Field`` is not."""


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
            bounds = f.metadata.get("bounds")
            if bounds is not None and not bounds.admits(getattr(self, f.name)):
                raise InvalidInput(bounds.message(f.name), field=f.name)
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
    bounds = GapParams.__dataclass_fields__[name].metadata["bounds"]
    if bounds is not None and not bounds.admits(value):
        raise InvalidInput(bounds.message(name), field=name)
