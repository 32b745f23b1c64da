"""A KoboToolbox export of individual perception-survey responses (a
committed Kobo-shaped fixture) becomes one result per community, indicator
and wave: the favourable share of the valid answers and their number, counted
here by hand from the file. No respondent is stored."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from geo.errors import InvalidInput
from geo.io.formats import import_file
from geo.models import Community, Perception


def _import(session, imports_dir, **kw):
    return import_file(
        session,
        "perceptions",
        imports_dir / "kobo_perception_responses.csv",
        constants={"survey": "Test survey", "wave": "2024-03"},
        **kw,
    )


def test_responses_are_aggregated_to_community_indicator_and_wave(session, insert_samples, imports_dir):
    insert_samples(session)  # communities Bossembélé 0 (P-code CF410) … 2
    report = _import(session, imports_dir)
    assert report.format == "kobo-perceptions" and report.read == 13
    assert {(r.row, r.field) for r in report.rejects} == {(12, "community"), (13, "trust_in_mission"), (14, "today")}
    assert (report.inserted, report.updated) == (4, 0)
    ids = dict(session.execute(select(Community.name, Community.id)).all())
    got = {
        (r.community_id, r.indicator): (r.value, r.sample_size, r.fielded_on, r.survey, r.wave)
        for r in session.scalars(select(Perception).where(Perception.source == "kobo"))
    }
    first, third = ids["Bossembélé 0"], ids["Bossembélé 2"]
    assert got == {
        # CF410: trust yes, yes, no, 4, 2 (dont_know is no answer) → 3 of 5; safety yes, no, no, 5, 3 → 2 of 5
        (first, "trust_in_mission"): (0.6, 5, date(2024, 3, 10), "Test survey", "2024-03"),
        (first, "feeling_of_safety"): (0.4, 5, date(2024, 3, 10), "Test survey", "2024-03"),
        # Bossembélé 2 (by name, any case or accents): trust oui, non, 5, 5 → 3 of 4; safety oui, oui, 1 → 2 of 3
        (third, "trust_in_mission"): (0.75, 4, date(2024, 3, 13), "Test survey", "2024-03"),
        (third, "feeling_of_safety"): (round(2 / 3, 6), 3, date(2024, 3, 13), "Test survey", "2024-03"),
    }
    columns = {c.name for c in Perception.__table__.columns}
    assert not {"gender", "age", "respondent"} & columns  # nothing about a respondent can be stored
    again = _import(session, imports_dir)
    assert (again.inserted, again.updated) == (0, 4)  # re-imported: updated in place


def test_without_a_wave_the_file_is_refused_naming_it(session, insert_samples, imports_dir):
    insert_samples(session)
    with pytest.raises(InvalidInput) as err:
        import_file(session, "perceptions", imports_dir / "kobo_perception_responses.csv", constants={"survey": "S"})
    assert err.value.field == "wave"
