"""The audit trail: every write, who made it, and the record before and after;
and every read of personal data (``ResourceSpec.audit_reads``), who made it
and which records it returned."""

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


def record_read(
    session: Session, *, who: str, resource: str, ids: list[int], via: str, fields: tuple[str, ...]
) -> None:
    """One row per read of personal data: who, which records (``resource_id``
    for a single record, else the ids in ``after``), the sensitive fields
    returned and the route or command that served them."""
    session.add(
        AuditLog(
            key_name=who,
            action="read",
            resource=resource,
            resource_id=ids[0] if len(ids) == 1 else None,
            after={"ids": ids, "fields": list(fields), "via": via},
        )
    )
