"""A KoboToolbox engagement export naming the people heard by their
pseudonymous ids (a select-multiple from the interlocutor register) links
each engagement to those interlocutors; an unknown id rejects the row."""

from __future__ import annotations

from sqlalchemy import select

from geo.io.formats import import_file
from geo.models import Engagement, EngagementInterlocutor, Interlocutor


def test_engagements_are_linked_to_the_people_heard(session, insert_samples, imports_dir, reasons):
    insert_samples(session)  # interlocutors BSB-sample-000 … 002
    people = dict(session.execute(select(Interlocutor.pseudonym, Interlocutor.id)).all())
    report = import_file(session, "engagements", imports_dir / "kobo_engagements_interlocutors.csv")
    assert report.format == "kobo" and (report.inserted, report.rejected) == (3, 1)
    assert reasons(report) == {
        5: [("interlocutors", "interlocutors: NOT-IN-REGISTER not (or not once) in the interlocutor register")]
    }
    heard = {}
    for source_id, person in session.execute(
        select(Engagement.source_id, EngagementInterlocutor.interlocutor_id)
        .join(EngagementInterlocutor, EngagementInterlocutor.engagement_id == Engagement.id)
        .where(Engagement.source == "kobo")
    ):
        heard.setdefault(source_id, set()).add(person)
    assert heard == {
        "k-heard-0001": {people["BSB-sample-000"], people["BSB-sample-001"]},
        "k-heard-0002": {people["BSB-sample-002"]},
    }
    # Re-importing replaces the links, it does not add to them.
    again = import_file(session, "engagements", imports_dir / "kobo_engagements_interlocutors.csv")
    assert again.updated == 3
    count = session.scalars(
        select(EngagementInterlocutor.interlocutor_id)
        .join(Engagement, Engagement.id == EngagementInterlocutor.engagement_id)
        .where(Engagement.source == "kobo")
    ).all()
    assert len(count) == 3
