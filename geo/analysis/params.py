"""The parameters of the engagement-gap analysis (DESIGN §5), with the
defaults of the contract and validation that names the offending field."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime, timezone

from geo.analysis.metric import MAX_RADIUS_M
from geo.errors import InvalidInput


def today() -> date:
    return datetime.now(timezone.utc).date()


@dataclass(frozen=True)
class GapParams:
    """``as_of`` is a calendar day (UTC): everything dated after it is ignored."""

    as_of: date | None = None
    patrol_radius_m: float = 5_000.0
    engagement_radius_m: float = 2_000.0
    qip_radius_m: float = 5_000.0
    incident_radius_m: float = 10_000.0
    window_days: int = 90
    half_life_days: float = 30.0
    include_region_precision: bool = False
    cap_days: int = 180
    min_days: int = 60

    def __post_init__(self):
        if self.as_of is None:
            object.__setattr__(self, "as_of", today())
        elif isinstance(self.as_of, datetime):
            object.__setattr__(self, "as_of", self.as_of.astimezone(timezone.utc).date() if self.as_of.tzinfo else self.as_of.date())
        for name in ("patrol_radius_m", "engagement_radius_m", "qip_radius_m", "incident_radius_m"):
            v = getattr(self, name)
            if not (0 < v <= MAX_RADIUS_M):
                raise InvalidInput(f"{name} must be > 0 and ≤ {MAX_RADIUS_M:.0f} metres", field=name)
        for name, lo, hi in (("window_days", 1, 3650), ("cap_days", 1, 3650), ("min_days", 0, 3650)):
            v = getattr(self, name)
            if not (lo <= v <= hi):
                raise InvalidInput(f"{name} must be between {lo} and {hi}", field=name)
        if not (0 < self.half_life_days <= 3650):
            raise InvalidInput("half_life_days must be > 0 and ≤ 3650", field="half_life_days")
        if not (date(1900, 1, 1) <= self.as_of <= date(2200, 1, 1)):
            raise InvalidInput("as_of must be a date between 1900 and 2200", field="as_of")

    def with_(self, **kw) -> "GapParams":
        return replace(self, **kw)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["as_of"] = self.as_of.isoformat()
        return d


PARAM_NAMES = tuple(f.name for f in fields(GapParams))
