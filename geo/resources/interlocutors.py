"""Interlocutors: the people the mission heard. Personal data: the name and
the pseudonymous id are shown to editors and admins only, and every read of
them is written to the audit log (docs/politics.md#personal-data)."""

from geo.models import Interlocutor
from geo.resources.spec import Filter, ResourceSpec

SPEC = ResourceSpec(
    name="interlocutors",
    model=Interlocutor,
    title="Interlocutors",
    description="People the mission heard, by role, gender, age band and community; no geometry of their own "
    "(names and pseudonymous ids for editors and admins only).",
    date_field=None,
    filters=(
        Filter("role", "role", "eq", "one or more roles"),
        Filter("gender", "gender", "eq", "one or more genders"),
        Filter("age_band", "age_band", "eq", "one or more age bands"),
        Filter("community_id", "community_id", "eq", "interlocutors of this community (id)"),
    ),
    sensitive=("pseudonym", "name", "notes", "source_id"),
    example={
        "type": "Feature",
        "geometry": None,
        "properties": {
            "pseudonym": "EXAMPLE-TL-001",
            "name": "Example Person",
            "role": "traditional_leader",
            "gender": "male",
            "age_band": "45_59",
        },
    },
    layer=None,
    order=45,
    audit_reads=True,
)
