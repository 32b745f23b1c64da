"""Shared bits of the importer tests: where the hand-made fixtures live and a
row counter."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"


def count(session, model, **where) -> int:
    q = select(func.count()).select_from(model)
    for name, value in where.items():
        q = q.where(getattr(model, name) == value)
    return session.scalar(q)


def reasons(report) -> dict[int, list[tuple[str, str]]]:
    """row → [(field, reason)] of a report's rejects."""
    out: dict[int, list[tuple[str, str]]] = {}
    for r in report.rejects:
        out.setdefault(r.row, []).append((r.field, r.reason))
    return out
