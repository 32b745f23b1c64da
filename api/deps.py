"""Typed FastAPI dependencies: the database session (one unit of work per
request) and the caller's role.

The session is a dependency with ``scope="function"``: FastAPI runs its exit
code — the COMMIT — when the endpoint has returned and *before* the response
is sent (a plain ``yield`` dependency exits after the response has gone, so
a client could hold a 201 for a row whose COMMIT then failed, or read it
back before it was committed). A COMMIT that fails therefore reaches the
error handlers and the client gets that error instead of the 2xx.

The session dependency is ``async``: opening a session does no I/O, and its
end goes to the thread pool only when the session holds a transaction. A
sync generator dependency costs two thread hops per request (entered and
left in the thread pool), about a fifth of a small feature page's time
(bench/README.md, "Feature serving"); the hot read routes finish their unit
of work in their one hop (:func:`run_unit_of_work`) and leave none here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from api.responses import answers
from api.settings import ApiSettings
from geo.keys import Principal, verify_key

ANONYMOUS = Principal("anonymous", "viewer")
T = TypeVar("T")


async def get_settings(request: Request) -> ApiSettings:
    """The settings of the app serving the request (``create_app`` keeps them on ``app.state``)."""
    return request.app.state.settings


SettingsDep = Annotated[ApiSettings, Depends(get_settings)]


def unit_of_work(session: Session) -> Iterator[Session]:
    """Commit on success, roll back on error (the request is the unit of work)."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def _end(session: Session, ok: bool) -> None:
    """Commit (``ok``) or roll back, then close: :func:`unit_of_work`'s end."""
    try:
        if ok:
            try:
                session.commit()
            except BaseException:
                session.rollback()
                raise
        else:
            session.rollback()
    finally:
        session.close()


@answers(503)  # the database is unreachable (api.errors)
async def get_session(request: Request) -> AsyncIterator[Session]:
    """One unit of work per request (see the module docstring)."""
    session = request.app.state.sessionmaker()
    ok = False
    try:
        yield session
        ok = True
    finally:
        if session.in_transaction():
            with anyio.CancelScope(shield=True):  # a client gone mid-request still gets its session closed
                await run_in_threadpool(_end, session, ok)
        else:
            session.close()


@answers(503)
async def get_read_session(request: Request) -> AsyncIterator[Session]:
    """A session for the feature pages (the OGC items and the JSON API's
    lists): one statement, so no transaction — its pool is in autocommit
    (no BEGIN and COMMIT round trips) and does not ping a connection before
    lending it (SQLAlchemy discards the whole pool at the first disconnect,
    so a database restart costs one 503, which a client retries). A read
    that writes the audit log commits that row by itself."""
    session = request.app.state.read_sessionmaker()
    try:
        yield session
    finally:
        if session.in_transaction():
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(session.close)
        else:
            session.close()


ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]


async def run_unit_of_work(session: Session, work: Callable[[], T]) -> T:
    """``work()`` and the COMMIT of ``session`` in one thread hop (the read
    routes' whole database part); an error leaves the rollback to
    :func:`get_session`."""

    def run() -> T:
        result = work()
        session.commit()
        return result

    return await run_in_threadpool(run)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "Authorization header must be 'Bearer <key>'", headers={"WWW-Authenticate": "Bearer"})
    return token.strip()


def _look_up(session: Session, token: str) -> Principal | None:
    """The key's holder, its read-only transaction then ended: the
    connection goes back to the pool before the route runs, so a keyed
    feature page (which reads from the read pool) holds one connection at a
    time, not one of each pool (api/settings.py counts the connections)."""
    principal = verify_key(session, token)
    session.commit()  # nothing written: it only ends the transaction (a rollback would drop a test's pending rows)
    return principal


@answers(401)
async def get_principal(request: Request, session: SessionDep) -> Principal | None:
    """The key's holder (None without a key). Async: an anonymous read costs no
    thread hop; a key is looked up in the thread pool (a database query)."""
    token = _bearer(request)
    if token is None:
        return None
    principal = await run_in_threadpool(_look_up, session, token)
    if principal is None:
        raise HTTPException(401, "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"})
    return principal


def require(role: str):
    """Dependency factory: the caller must hold ``role`` (viewer < editor < admin)."""

    @answers(401) if role == "viewer" else answers(401, 403)  # every key has at least the viewer role
    async def check(settings: SettingsDep, principal: Annotated[Principal | None, Depends(get_principal)]) -> Principal:
        if principal is None:
            if role == "viewer" and settings.public_read:
                return ANONYMOUS
            raise HTTPException(
                401, f"an API key with the {role} role is required", headers={"WWW-Authenticate": "Bearer"}
            )
        if not principal.has(role):
            raise HTTPException(403, f"this key has the {principal.role} role; {role} is required")
        return principal

    return check


Viewer = Annotated[Principal, Depends(require("viewer"))]
Editor = Annotated[Principal, Depends(require("editor"))]
Admin = Annotated[Principal, Depends(require("admin"))]
