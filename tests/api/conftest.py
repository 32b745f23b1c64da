"""API fixtures: the real app over the test database, each test in a
transaction that is rolled back afterwards."""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_session, unit_of_work
from api.settings import ApiSettings
from geo.keys import create_key


def _client(db_url, session, **settings) -> TestClient:
    app = create_app(ApiSettings(**settings), db_url=db_url)

    def test_session():
        yield from unit_of_work(session)

    app.dependency_overrides[get_session] = test_session
    return TestClient(app)


@pytest.fixture
def client(db_url, session):
    with _client(db_url, session, public_read=False) as c:
        yield c


@pytest.fixture
def public_client(db_url, session):
    with _client(db_url, session, public_read=True) as c:
        yield c


@pytest.fixture
def make_client(db_url, session):
    """``make_client(**settings)``: a client of an app made with those ApiSettings."""
    with ExitStack() as stack:
        yield lambda **settings: stack.enter_context(_client(db_url, session, **settings))


def _key(session, role):
    secret = create_key(session, f"test-{role}", role)
    session.commit()  # ends the savepoint, so a failed request's rollback keeps the key
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def viewer(session) -> dict:
    """Headers carrying a viewer key."""
    return _key(session, "viewer")


@pytest.fixture
def editor(session) -> dict:
    return _key(session, "editor")


@pytest.fixture
def admin(session) -> dict:
    return _key(session, "admin")
