"""Controlled vocabularies (README, "Resources and their filters"). The
database CHECK constraints, the API schemas and the importers all read them
from here."""

from __future__ import annotations

from typing import Literal, get_args

COMMUNITY_KINDS = ("village", "town", "idp_site", "poc_site")
SITE_KINDS = ("hq", "field_office", "cob", "tob", "team_site", "unpol_post")
EVENT_TYPES = (
    "battle",
    "violence_against_civilians",
    "explosion_remote_violence",
    "riot",
    "protest",
    "strategic_development",
    "intercommunal_clash",
    "cattle_raid",
    "abduction",
    "other",
)
AGREEMENT_STATUSES = ("in_force", "violated", "lapsed", "superseded")
AGREEMENT_ISSUES = (
    "freedom_of_movement",
    "cattle_taxation",
    "transhumance",
    "land",
    "revenue_sharing",
    "disarmament",
    "return_of_displaced",
    "justice",
    "other",
)
PATROL_TYPES = ("foot", "vehicle", "riverine", "air")
COMPONENTS = ("military", "police", "civilian", "joint")
ENGAGEMENT_KINDS = (
    "townhall",
    "cla_visit",
    "civil_affairs_meeting",
    "joint_protection_team",
    "listening_session",
    "perception_survey",
    "community_alert",
    "radio_callin",
    "other",
)
CONSTITUENCIES = (
    "women",
    "youth",
    "displaced",
    "religious_leaders",
    "traditional_leaders",
    "ethnolinguistic_groups",
    "local_authorities",
    "armed_group_representatives",
)
QIP_SECTORS = (
    "water",
    "health",
    "education",
    "livelihoods",
    "infrastructure",
    "social_cohesion",
    "state_authority",
    "protection",
)
QIP_STATUSES = ("proposed", "approved", "in_progress", "completed", "cancelled")
QIP_FUNDERS = ("civilian", "military")
QIP_MAX_BUDGET_USD = 50_000
Role = Literal["viewer", "editor", "admin"]
ROLES: tuple[str, ...] = get_args(Role)

# --- who was heard, what people think (docs/politics.md) ---------------------------
INTERLOCUTOR_ROLES = (
    "local_authority",
    "traditional_leader",
    "religious_leader",
    "womens_association",
    "youth_group",
    "displaced_committee",
    "armed_group_representative",
    "civil_society",
    "other",
)
GENDERS = ("female", "male", "other", "unknown")
AGE_BANDS = ("under_18", "18_29", "30_44", "45_59", "60_plus", "unknown")
YOUTH_AGE_BANDS = ("under_18", "18_29")  # UNSCR 2250 counts 18–29 as youth; minors are young too
# The constituency an interlocutor's role speaks for (civil society and "other" speak for none of the list).
ROLE_CONSTITUENCY = {
    "local_authority": "local_authorities",
    "traditional_leader": "traditional_leaders",
    "religious_leader": "religious_leaders",
    "womens_association": "women",
    "youth_group": "youth",
    "displaced_committee": "displaced",
    "armed_group_representative": "armed_group_representatives",
}
ROLE_LABELS = {  # how a sentence names a role (never a person)
    "womens_association": "women's association",
    "displaced_committee": "displaced persons' committee",
}
PERCEPTION_INDICATORS = (
    "trust_in_mission",
    "feeling_of_safety",
    "knowledge_of_mandate",
    "satisfaction_with_protection",
    "trust_in_local_authorities",
    "other",
)
# Reach (docs/reach.md): what a friction surface is built from.
# Road classes are OpenStreetMap's ``highway`` values the surface uses (link
# roads fold into their class, footways and bridleways into ``path``).
ROAD_CLASSES = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "service",
    "track",
    "path",
)
# Surface classes: OSM's many ``surface`` values fold into three that behave
# alike in the rainy season (geo/io/osm.py holds the folding).
ROAD_SURFACES = ("paved", "gravel", "earth")
WATER_KINDS = ("river", "stream", "canal", "lake", "reservoir", "wetland")
CROSSING_KINDS = ("bridge", "ferry", "ford")
RASTER_KINDS = ("friction", "population", "landcover")
RASTER_UNITS = ("minutes_per_metre", "people_per_cell", "people_per_km2", "igbp_class")
SEASONS = ("dry", "rainy")
