"""/api/v1/keys — key management (admin only). Secrets are shown once, at creation."""

from typing import Annotated

from fastapi import APIRouter, Body, Response
from pydantic import BaseModel, Field

from api.deps import Admin, SessionDep
from api.responses import responses
from geo import audit, vocab
from geo.keys import create_key, list_keys, revoke_key
from geo.resources.schema import STORABLE_TEXT

router = APIRouter(prefix="/api/v1/keys", tags=["keys"])


class KeyIn(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=STORABLE_TEXT)]
    role: vocab.Role


@router.get("", summary="List keys (names, roles, prefixes; never the secrets)")
def index(session: SessionDep, principal: Admin) -> list[dict]:
    return list_keys(session)


@router.post("", status_code=201, responses=responses(409), summary="Create a key; the secret is in this response only")
def create(body: Annotated[KeyIn, Body()], session: SessionDep, principal: Admin) -> dict:
    secret = create_key(session, body.name, body.role)
    audit.record(
        session,
        who=principal.name,
        action="create",
        resource="keys",
        resource_id=None,
        after={"name": body.name, "role": body.role},
    )
    return {"name": body.name, "role": body.role, "key": secret}


@router.delete("/{name}", status_code=204, response_class=Response, responses=responses(404), summary="Revoke a key")
def revoke(name: str, session: SessionDep, principal: Admin):
    revoke_key(session, name)
    audit.record(session, who=principal.name, action="revoke", resource="keys", resource_id=None, after={"name": name})
    return Response(status_code=204)
