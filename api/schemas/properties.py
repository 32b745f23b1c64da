"""The properties each resource accepts (DESIGN §4), validated at the edge.

Unknown properties are refused so a typo never silently drops data;
read-only ones (``id``, timestamps, ``created_by``) sent back by a client
that round-trips a feature are ignored.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from geo import vocab

Str200 = Annotated[str, Field(max_length=200)]
Str300 = Annotated[str, Field(max_length=300)]
Text = Annotated[str, Field(max_length=20_000)]
NonNeg = Annotated[int, Field(ge=0)]

READ_ONLY = ("id", "created_at", "updated_at", "created_by")


class Props(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: Str200 | None = None
    source_id: Str200 | None = None

    @model_validator(mode="before")
    @classmethod
    def _drop_read_only(cls, data):
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in READ_ONLY}
        return data


def not_before(first: str, later: str):
    """A field validator on ``later`` refusing a value before ``first`` (the
    error then names ``later``)."""

    def check(cls, value, info):
        start = info.data.get(first)
        if value is not None and start is not None and value < start:
            raise ValueError(f"{later} is before {first}")
        return value

    return field_validator(later)(check)


class IncidentProps(Props):
    occurred_on: date
    date_precision: int = Field(1, ge=1, le=5, description="1 exact day … 5 year")
    event_type: Literal[vocab.EVENT_TYPES]
    sub_event_type: Annotated[str, Field(max_length=100)] | None = None
    actor1: Str300 | None = None
    actor2: Str300 | None = None
    fatalities: NonNeg = 0
    civilian_targeting: bool = False
    targets_mission: bool = False
    geo_precision: int = Field(1, ge=1, le=3, description="1 exact town, 2 near/part of region, 3 region centroid")
    location_name: Str300 | None = None
    notes: Text | None = Field(None, description="visible to editors and admins only")


class AgreementProps(Props):
    name: Str300
    signed_on: date | None = None
    status: Literal[vocab.AGREEMENT_STATUSES] = "in_force"
    parties: list[Str300] = Field(default_factory=list, max_length=50)
    issues: list[Literal[vocab.AGREEMENT_ISSUES]] = Field(default_factory=list)
    facilitated_by: Str200 | None = None
    pax_id: Annotated[str, Field(max_length=50)] | None = None


class PatrolProps(Props):
    started_at: datetime
    ended_at: datetime
    patrol_type: Literal[vocab.PATROL_TYPES]
    component: Literal[vocab.COMPONENTS]
    unit: Str200 | None = None
    site_id: int | None = None
    coverage_m: float | None = Field(None, gt=0, le=100_000, description="overrides the analysis patrol radius")

    _order = not_before("started_at", "ended_at")


class EngagementProps(Props):
    occurred_at: datetime
    kind: Literal[vocab.ENGAGEMENT_KINDS]
    community_id: int | None = None
    constituencies: list[Literal[vocab.CONSTITUENCIES]] = Field(default_factory=list)
    participants_women: NonNeg | None = None
    participants_men: NonNeg | None = None
    participants_total: NonNeg | None = None
    summary: Text | None = None
    follow_up: Text | None = None


class QipProps(Props):
    title: Str300
    sector: Literal[vocab.QIP_SECTORS]
    status: Literal[vocab.QIP_STATUSES] = "proposed"
    budget_usd: float | None = Field(
        None, ge=0, le=vocab.QIP_MAX_BUDGET_USD, description="QIPs are capped at USD 50 000"
    )
    start_on: date | None = None
    end_on: date | None = None
    implementing_partner: Str300 | None = None
    funded_by: Literal[vocab.QIP_FUNDERS] | None = None
    beneficiaries: NonNeg | None = None
    community_id: int | None = None

    _order = not_before("start_on", "end_on")


class CommunityProps(Props):
    name: Str200
    kind: Literal[vocab.COMMUNITY_KINDS] = "village"
    population: NonNeg | None = None
    pcode: Annotated[str, Field(max_length=50)] | None = None
    admin_area_id: int | None = None


class SiteProps(Props):
    name: Str200
    kind: Literal[vocab.SITE_KINDS]
    mission: Annotated[str, Field(max_length=50)] | None = None
    active_from: date | None = None
    active_to: date | None = None

    _order = not_before("active_from", "active_to")


class AdminAreaProps(Props):
    name: Str200
    level: int = Field(ge=0, le=5)
    pcode: Annotated[str, Field(max_length=50)] | None = None
    parent_pcode: Annotated[str, Field(max_length=50)] | None = None
    country: Annotated[str, Field(max_length=3)] | None = None
