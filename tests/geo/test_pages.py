"""Pages of features built in SQL (geo.serving.pages): the text PostgreSQL
writes is the same GeoJSON the row-by-row path (geo.repository) makes, key
cursors walk a collection once, and numberMatched is PostgreSQL's estimate
only on an unfiltered collection above the threshold."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import func, select, text

from geo import repository
from geo.errors import InvalidInput
from geo.models import AuditLog
from geo.resources import REGISTRY
from geo.serving.pages import Cursor, PageRequest, page_text


def _instants(value):
    """Times as instants: PostgreSQL writes 12:00:00.5+00:00 where Python writes
    12:00:00.500000+00:00, the same time."""
    if isinstance(value, dict):
        return {k: _instants(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_instants(v) for v in value]
    if isinstance(value, str) and len(value) > 19 and value[10] == "T":
        return datetime.fromisoformat(value)
    return value


@pytest.mark.parametrize("name", list(REGISTRY))
def test_sql_pages_equal_the_row_by_row_features(session, insert_samples, name):
    insert_samples(session, n=4)
    spec = REGISTRY[name]
    seen = session.scalar(select(func.max(AuditLog.id))) or 0  # rows other tests committed
    for sensitive in (False, True):
        want = repository.list_features(session, spec, limit=1000, include_sensitive=sensitive, reader="test")
        page = page_text(session, spec, [], PageRequest(1000), include_sensitive=sensitive, reader="test", via="pg")
        assert _instants(json.loads(page.features)) == _instants(want.features)
        assert (page.returned, page.matched, page.estimated) == (len(want.features), want.matched, False)
        # Personal data read is audited alike: the same ids, once per read (none for the rest).
        read = (AuditLog.action == "read") & (AuditLog.id > seen)
        reads = session.scalars(select(AuditLog).where(read).order_by(AuditLog.id)).all()
        if sensitive and spec.audit_reads:
            assert [r.after["ids"] for r in reads[-2:]] == [[f["id"] for f in want.features]] * 2
            assert reads[-1].after["via"] == "pg" and reads[-1].key_name == "test"
        else:
            assert reads == []


def test_cursors_walk_every_row_once_forwards_and_back(session, insert_samples):
    insert_samples(session, n=11)
    spec = REGISTRY["qips"]
    ids = [f["id"] for f in repository.list_features(session, spec, limit=1000).features]
    pages, asked = [], PageRequest(3)
    while True:
        page = page_text(session, spec, [], asked, include_sensitive=False)
        pages.append([f["id"] for f in json.loads(page.features)])
        nxt = page.next_cursor(asked)
        if nxt is None:
            break
        assert nxt.kind == "a"
        asked = PageRequest(3, cursor=nxt)
    assert [i for p in pages for i in p] == ids and len(pages) == 4
    back = page_text(session, spec, [], PageRequest(3, cursor=Cursor("b", pages[2][0])), include_sensitive=False)
    assert [f["id"] for f in json.loads(back.features)] == pages[1] and back.earlier and back.more


def test_number_matched_is_an_estimate_only_unfiltered_above_the_threshold(session, insert_samples):
    insert_samples(session, n=30)
    spec = REGISTRY["incidents"]
    session.execute(text("ANALYZE incidents"))
    reltuples = session.scalar(text("SELECT reltuples FROM pg_class WHERE oid = 'incidents'::regclass"))
    exact = session.scalar(text("SELECT count(*) FROM incidents"))
    page = page_text(session, spec, [], PageRequest(5), include_sensitive=False, estimate_above=10)
    assert page.estimated and page.matched == int(reltuples)
    filtered = [spec.model.fatalities >= 0]
    page = page_text(session, spec, filtered, PageRequest(5), include_sensitive=False, estimate_above=10)
    assert not page.estimated and page.matched == exact
    page = page_text(session, spec, [], PageRequest(5), include_sensitive=False)
    assert not page.estimated and page.matched == exact


@pytest.mark.parametrize("token", ["", "a", "x5", "a-1", "a1.5", "o" + "9" * 19])
def test_foreign_cursors_are_refused(token):
    with pytest.raises(InvalidInput) as err:
        Cursor.parse(token)
    assert err.value.field == "cursor"
