"""The audit trail: every write, who made it, and the record before and after."""

from __future__ import annotations

from sqlalchemy.orm import Session

from geo.models import AuditLog


def record(
    session: Session,
    *,
    who: str | None,
    action: str,
    resource: str,
    resource_id: int | None,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    session.add(
        AuditLog(key_name=who, action=action, resource=resource, resource_id=resource_id, before=before, after=after)
    )
