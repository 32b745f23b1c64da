"""The migrations are the only source of the schema: they must match the models
and round-trip."""

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from alembic import command
from geo.db import alembic_config, include_object, make_engine, migrate
from geo.models import metadata
from geo.resources import REGISTRY


def _diff(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "include_object": include_object,
                "compare_type": True,
            },
        )
        return compare_metadata(ctx, metadata)


def test_models_and_migrations_agree(engine):
    assert _diff(engine) == []


def test_every_resource_table_has_a_gist_index(engine):
    insp = inspect(engine)
    for spec in REGISTRY.values():
        if "geom" not in {c["name"] for c in insp.get_columns(spec.table)}:
            continue  # a resource without geometry (interlocutors)
        idx = insp.get_indexes(spec.table)
        assert any(i["column_names"] == ["geom"] for i in idx), spec.table


def test_downgrade_upgrade_round_trip(cluster):
    url = cluster.create_database("peacemap_migrations")
    try:
        migrate(url)
        command.downgrade(alembic_config(url), "base")
        eng = make_engine(url)
        assert "incidents" not in inspect(eng).get_table_names()
        migrate(url)
        assert "incidents" in inspect(eng).get_table_names()
        assert _diff(eng) == []
        eng.dispose()
    finally:
        cluster.drop_database("peacemap_migrations")


def test_community_status_is_dropped_and_downgrade_recreates_it(cluster):
    """Nothing wrote ``community_status``; migration 0003 drops it, its downgrade brings it back."""
    url = cluster.create_database("peacemap_migrations_0003")
    try:
        migrate(url)
        eng = make_engine(url)
        assert "community_status" not in inspect(eng).get_table_names()
        command.downgrade(alembic_config(url), "0002")
        assert "community_status" in inspect(eng).get_table_names()
        migrate(url)
        assert "community_status" not in inspect(eng).get_table_names()
        eng.dispose()
    finally:
        cluster.drop_database("peacemap_migrations_0003")


def test_0004_keeps_far_dates_stored_before_it_and_checks_every_new_write(cluster):
    """Migration 0004 rewrites no stored row: a range constraint the stored rows
    break stays NOT VALID (and still refuses new far dates), the others are
    validated (docs/analysis.md#supported-dates)."""
    url = cluster.create_database("peacemap_migrations_0004")
    insert = text(
        "INSERT INTO sites (name, kind, active_to, geom) VALUES "
        "(:name, 'team_site', :active_to, ST_SetSRID(ST_MakePoint(1, 1), 4326))"
    )
    try:
        command.upgrade(alembic_config(url), "0003")
        eng = make_engine(url)
        with eng.begin() as conn:
            conn.execute(insert, {"name": "before 0004", "active_to": date(9999, 12, 31)})
        migrate(url)
        with eng.connect() as conn:
            validated = dict(
                conn.execute(
                    text(
                        "SELECT conname, convalidated FROM pg_constraint "
                        "WHERE conrelid = 'sites'::regclass AND conname LIKE '%\\_range'"
                    )
                ).all()
            )
            assert validated == {"ck_sites_active_from_range": True, "ck_sites_active_to_range": False}
            assert conn.execute(text("SELECT active_to FROM sites")).scalar_one() == date(9999, 12, 31)
        with pytest.raises(IntegrityError, match="ck_sites_active_to_range"), eng.begin() as conn:
            conn.execute(insert, {"name": "after 0004", "active_to": date(9999, 12, 31)})
        eng.dispose()
    finally:
        cluster.drop_database("peacemap_migrations_0004")


def test_0008_logs_who_was_heard_and_its_downgrade_stops(cluster):
    """Migration 0008 logs every insert, update, delete and truncate of
    ``interlocutors`` (their ids) and ``engagement_interlocutors`` (the
    engagements' ids) in ``analysis_changes``; its downgrade logs none."""
    url = cluster.create_database("peacemap_migrations_0008")
    writes = [
        "INSERT INTO interlocutors (id, pseudonym, role) VALUES (11, 'A', 'other'), (12, 'B', 'other')",
        "INSERT INTO engagements (id, occurred_at, kind, geom) VALUES"
        " (21, '2026-03-01', 'townhall', ST_SetSRID(ST_MakePoint(1, 1), 4326)),"
        " (22, '2026-03-02', 'townhall', ST_SetSRID(ST_MakePoint(1, 1), 4326))",
        "INSERT INTO engagement_interlocutors VALUES (21, 11), (21, 12)",
        "UPDATE engagement_interlocutors SET engagement_id = 22 WHERE interlocutor_id = 12",
        "UPDATE interlocutors SET role = 'civil_society' WHERE id = 12",
        "DELETE FROM engagement_interlocutors WHERE interlocutor_id = 11",
        "UPDATE interlocutors SET role = 'other' WHERE id = 99",  # no row: nothing logged
        "DELETE FROM interlocutors WHERE id = 11",
        "TRUNCATE engagement_interlocutors",
        "TRUNCATE interlocutors CASCADE",
    ]
    logged = text(
        "SELECT table_name, op, row_ids FROM analysis_changes"
        " WHERE table_name IN ('interlocutors', 'engagement_interlocutors') ORDER BY id"
    )

    def log_of_writes(eng) -> list[tuple]:
        with eng.begin() as conn:
            conn.execute(text("DELETE FROM analysis_changes"))
            for w in writes:
                conn.execute(text(w))
            out = [(t, o, sorted(ids) if ids is not None else None) for t, o, ids in conn.execute(logged).all()]
            conn.execute(text("DELETE FROM engagements"))
        return out

    try:
        migrate(url)
        eng = make_engine(url)
        assert log_of_writes(eng) == [
            ("interlocutors", "INSERT", [11, 12]),
            ("engagement_interlocutors", "INSERT", [21]),
            ("engagement_interlocutors", "UPDATE", [21, 22]),
            ("interlocutors", "UPDATE", [12]),
            ("engagement_interlocutors", "DELETE", [21]),
            ("interlocutors", "DELETE", [11]),
            ("engagement_interlocutors", "TRUNCATE", None),
            ("interlocutors", "TRUNCATE", None),
            ("engagement_interlocutors", "TRUNCATE", None),
        ]
        command.downgrade(alembic_config(url), "0007")
        assert log_of_writes(eng) == []
        migrate(url)
        assert len(log_of_writes(eng)) == 9
        eng.dispose()
    finally:
        cluster.drop_database("peacemap_migrations_0008")
