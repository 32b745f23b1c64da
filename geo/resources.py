"""What each stored resource is, in one table: its model, the geometry it
stores, the date that ``start``/``end`` filter on, the filters it offers and
the fields only editors may see. The API, the exports and the OGC collections
all read these specs."""

from __future__ import annotations

from dataclasses import dataclass, field

from geo import models


@dataclass(frozen=True)
class Filter:
    """A per-resource filter: ``op`` is eq, ge, le, contains (array) or ilike."""

    column: str
    op: str = "eq"


@dataclass(frozen=True)
class ResourceSpec:
    name: str
    model: type[models.Base]
    title: str
    stored_types: tuple[str, ...]
    date_field: str | None = None
    filters: dict[str, Filter] = field(default_factory=dict)
    sensitive: tuple[str, ...] = ()
    description: str = ""

    @property
    def table(self) -> str:
        return self.model.__tablename__


SPECS: dict[str, ResourceSpec] = {
    s.name: s
    for s in (
        ResourceSpec(
            "incidents", models.Incident, "Conflict incidents", ("POINT",), "occurred_on",
            {
                "event_type": Filter("event_type"),
                "min_fatalities": Filter("fatalities", "ge"),
                "geo_precision": Filter("geo_precision"),
                "targets_mission": Filter("targets_mission"),
                "civilian_targeting": Filter("civilian_targeting"),
            },
            sensitive=("notes", "source", "source_id"),
            description="Local conflict events (ACLED/UCDP-style fields; geo_precision 1 exact … 3 region).",
        ),
        ResourceSpec(
            "agreements", models.Agreement, "Local peace agreements", ("MULTIPOLYGON", "POINT"), "signed_on",
            {"status": Filter("status"), "issue": Filter("issues", "contains")},
            description="Written agreements between local parties, with the area they cover.",
        ),
        ResourceSpec(
            "patrols", models.Patrol, "Patrol tracks", ("MULTILINESTRING",), "ended_at",
            {
                "patrol_type": Filter("patrol_type"),
                "component": Filter("component"),
                "site_id": Filter("site_id"),
            },
            description="GPS tracks of patrols; a patrol covers what lies within its coverage radius.",
        ),
        ResourceSpec(
            "engagements", models.Engagement, "Community engagements", ("POINT",), "occurred_at",
            {
                "kind": Filter("kind"),
                "community_id": Filter("community_id"),
                "constituency": Filter("constituencies", "contains"),
            },
            description="Direct contacts with communities and the constituencies reached.",
        ),
        ResourceSpec(
            "qips", models.Qip, "Quick Impact Projects", ("POINT",), "start_on",
            {
                "status": Filter("status"),
                "sector": Filter("sector"),
                "funded_by": Filter("funded_by"),
                "community_id": Filter("community_id"),
            },
            description="Small projects (≤ USD 50 000) with a visible benefit.",
        ),
        ResourceSpec(
            "communities", models.Community, "Communities", ("POINT",), None,
            {
                "kind": Filter("kind"),
                "admin_area_id": Filter("admin_area_id"),
                "min_population": Filter("population", "ge"),
                "q": Filter("name", "ilike"),
            },
            description="Settlements: villages, towns, IDP and PoC sites.",
        ),
        ResourceSpec(
            "sites", models.Site, "Mission sites", ("POINT",), "active_from",
            {"kind": Filter("kind"), "mission": Filter("mission")},
            description="Mission locations: HQ, field offices, operating bases, team sites, UNPOL posts.",
        ),
        ResourceSpec(
            "admin-areas", models.AdminArea, "Admin areas", ("MULTIPOLYGON",), None,
            {"level": Filter("level"), "pcode": Filter("pcode"), "country": Filter("country")},
            description="Administrative boundaries with P-codes.",
        ),
    )
}


def get_spec(name: str) -> ResourceSpec:
    from geo.errors import NotFound

    try:
        return SPECS[name]
    except KeyError:
        raise NotFound(f"unknown resource {name!r}; one of {', '.join(SPECS)}", field="resource") from None
