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

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo import vocab
from geo.errors import Conflict, InvalidInput
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


def verify_key(session: Session, secret: str) -> Principal | None:
    d = digest(secret)
    row = session.execute(
        select(ApiKey.name, ApiKey.role, ApiKey.key_hash).where(ApiKey.key_hash == d, ApiKey.revoked_at.is_(None))
    ).first()
    if row is None or not hmac.compare_digest(row.key_hash, d):
        return None
    return Principal(row.name, row.role)
