"""KoboToolbox CSV exports → engagements."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from geo.io.formats import import_file
from geo.models import Engagement


def test_geolocation_group_paths_and_select_multiple(session, imports_dir, reasons):
    report = import_file(session, "engagements", imports_dir / "kobo_engagements.csv")
    assert report.format == "kobo" and (report.imported, report.rejected) == (2, 3)
    got = reasons(report)
    assert got[4][0][0] == "constituencies" and "wizards" in got[4][0][1]
    assert got[5][0][0] == "kind" and "tea_party" in got[5][0][1]
    assert got[6][0][0] == "_geolocation"
    town_hall = session.scalars(select(Engagement).where(Engagement.source_id == "a1b2c3d4-0001")).one()
    assert town_hall.kind == "townhall" and town_hall.constituencies == ["traditional_leaders", "women", "youth"]
    assert (town_hall.participants_women, town_hall.participants_total) == (35, 75)
    assert town_hall.occurred_at == datetime(2024, 4, 2, tzinfo=UTC)
    assert town_hall.follow_up == "Share corridor map"
    lon, lat = session.execute(
        select(func.ST_X(Engagement.geom), func.ST_Y(Engagement.geom)).where(Engagement.id == town_hall.id)
    ).one()
    assert (lon, lat) == (17.4552, 6.4926)  # Kobo writes [lat, lon]


def test_semicolon_export_with_latitude_longitude_columns(session, imports_dir):
    report = import_file(session, "engagements", imports_dir / "kobo_semicolon_latlon.csv", fmt="kobo")
    assert (report.imported, report.rejected) == (2, 0)
    radio = session.scalars(select(Engagement).where(Engagement.source == "kobo", Engagement.source_id == "77")).one()
    assert radio.kind == "radio_callin" and radio.constituencies == ["local_authorities", "religious_leaders"]
    assert radio.summary == "Call-in on Radio Ndeke Luka"
