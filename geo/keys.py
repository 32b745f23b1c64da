"""API keys: random secrets shown once, stored only as SHA-256 digests.

Keys are 256-bit random values, so an unsalted digest is enough to make a
leaked table useless; lookups go by digest and the final check is
constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo import vocab
from geo.errors import Conflict, InvalidInput, NotFound
from geo.models import ApiKey

ROLE_RANK = {role: i for i, role in enumerate(vocab.ROLES)}


@dataclass(frozen=True)
class Principal:
    name: str
    role: str

    def has(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, name: str, role: str) -> str:
    """Store a new key and return the secret (the only time it is visible)."""
    if role not in vocab.ROLES:
        raise InvalidInput(f"role must be one of {', '.join(vocab.ROLES)}", field="role")
    if not name or len(name) > 100:
        raise InvalidInput("name must be 1–100 characters", field="name")
    if session.scalar(select(ApiKey.id).where(ApiKey.name == name)):
        raise Conflict(f"a key named {name!r} already exists", field="name")
    secret = "pm_" + secrets.token_urlsafe(32)
    session.add(ApiKey(name=name, role=role, key_hash=digest(secret), prefix=secret[:10]))
    session.flush()
    return secret


def list_keys(session: Session) -> list[dict]:
    rows = session.execute(
        select(ApiKey.name, ApiKey.role, ApiKey.prefix, ApiKey.created_at, ApiKey.revoked_at).order_by(ApiKey.id)
    ).all()
    return [
        {
            "name": r.name,
            "role": r.role,
            "prefix": r.prefix,
            "created_at": r.created_at.isoformat(),
            "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
        }
        for r in rows
    ]


def revoke_key(session: Session, name: str) -> None:
    key = session.scalar(select(ApiKey).where(ApiKey.name == name))
    if key is None:
        raise NotFound(f"no key named {name!r}", field="name")
    if key.revoked_at is None:
        key.revoked_at = func.now()
        session.flush()


def verify_key(session: Session, secret: str) -> Principal | None:
    d = digest(secret)
    row = session.execute(
        select(ApiKey.name, ApiKey.role, ApiKey.key_hash).where(ApiKey.key_hash == d, ApiKey.revoked_at.is_(None))
    ).first()
    if row is None or not hmac.compare_digest(row.key_hash, d):
        return None
    return Principal(row.name, row.role)
