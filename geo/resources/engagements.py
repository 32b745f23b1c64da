"""Engagements: direct contacts with communities."""

from geo.models import Engagement, EngagementInterlocutor
from geo.resources.spec import Filter, Link, ResourceSpec

SPEC = ResourceSpec(
    name="engagements",
    model=Engagement,
    title="Community engagements",
    description="Direct contacts with communities and the constituencies reached.",
    date_field="occurred_at",
    filters=(
        Filter("kind", "kind", "eq", "one or more kinds of engagement"),
        Filter("community_id", "community_id", "eq", "engagements with this community (id)"),
        Filter("constituency", "constituencies", "contains", "engagements that reached this group"),
    ),
    sensitive=(),
    example={
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [20.67, 5.76]},
        "properties": {
            "occurred_at": "2024-03-20T10:00:00Z",
            "kind": "townhall",
            "constituencies": ["women", "youth", "traditional_leaders"],
            "participants_women": 34,
            "participants_men": 41,
            "participants_total": 75,
            "summary": "Concerns about movement restrictions on the Bambari–Ippy axis.",
        },
    },
    layer="engagements",
    order=40,
    links=(
        Link(
            "interlocutor_ids",
            EngagementInterlocutor,
            own="engagement_id",
            other="interlocutor_id",
            target="interlocutors",
            description="the interlocutors heard (docs/politics.md#who-was-heard)",
        ),
    ),
)
