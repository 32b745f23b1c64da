"""Many-to-many links set through a list property of a resource
(:class:`geo.resources.Link`, e.g. an engagement's ``interlocutor_ids``): how
they are read with the resource's rows, checked and written. The repository
(API writes), the importers and the demo loader all write through here, so a
link is replaced the same way wherever it comes from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Connection,
    String,
    Table,
    any_,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by, array_agg

from geo.errors import InvalidInput
from geo.resources import REGISTRY, Link, ResourceSpec


def _table(link: Link) -> Table:
    return cast(Table, link.model.__table__)


def read_column(spec: ResourceSpec, link: Link) -> Any:
    """The link's ids of each row of ``spec``, sorted (``[]`` for none), as a
    labelled column of a select on the resource's table.

    Parameters
    ----------
    spec : ResourceSpec
    link : Link

    Returns
    -------
    SQL expression
        Named ``link.prop``, typed ``bigint[]``.
    """
    t = _table(link)
    other = t.c[link.other]
    ids = (
        select(func.coalesce(array_agg(aggregate_order_by(other, other)), text("'{}'::bigint[]")))
        .where(t.c[link.own] == spec.model.id)
        .scalar_subquery()
    )
    return type_coerce(ids, ARRAY(BigInteger)).label(link.prop)


def missing_targets(conn: Connection, link: Link, values: Iterable[Sequence[int]]) -> set[int]:
    """The ids among ``values`` that name no row of the link's target.

    Parameters
    ----------
    conn : sqlalchemy.Connection
    link : Link
    values : iterable of sequences of int

    Returns
    -------
    set of int
    """
    wanted = {int(v) for ids in values for v in ids}
    if not wanted:
        return set()
    target = REGISTRY[link.target].model
    found = set(conn.execute(select(target.id).where(_among(target.id, sorted(wanted), BigInteger))).scalars())
    return wanted - found


def _among(col: Any, values: list, item_type: Any) -> Any:
    """``col = ANY(:values)`` with the values as one array parameter: an IN list takes a parameter
    per value, and the protocol stops at 65 535 (the demo at scale 1 links 81 000 engagements)."""
    return col == any_(bindparam(None, values, type_=ARRAY(item_type)))


def check_targets(conn: Connection, link: Link, ids: Sequence[int]) -> None:
    """Refuse ids of targets that do not exist, naming the property.

    Parameters
    ----------
    conn : sqlalchemy.Connection
    link : Link
    ids : sequence of int

    Returns
    -------
    None
        Raises :class:`~geo.errors.InvalidInput` (field ``properties.<prop>``).
    """
    missing = missing_targets(conn, link, [ids])
    if missing:
        raise InvalidInput(
            f"{link.prop}: no {link.target} with id {', '.join(map(str, sorted(missing)))}",
            field=f"properties.{link.prop}",
        )


def replace(conn: Connection, link: Link, lists: dict[int, Sequence[int]]) -> None:
    """Make each row's link exactly the given ids (row id → target ids).

    Parameters
    ----------
    conn : sqlalchemy.Connection
    link : Link
    lists : dict of int to sequence of int

    Returns
    -------
    None
    """
    if not lists:
        return
    t = _table(link)
    conn.execute(delete(t).where(_among(t.c[link.own], list(lists), BigInteger)))
    pairs = [{link.own: own, link.other: int(o)} for own, ids in lists.items() for o in dict.fromkeys(ids)]
    if pairs:
        conn.execute(insert(t), pairs)


def replace_by_key(
    conn: Connection, spec: ResourceSpec, link: Link, keyed: Sequence[tuple[str, str, Sequence[int]]]
) -> None:
    """:func:`replace` for rows named by ``(source, source_id)`` (imports and the demo).

    Parameters
    ----------
    conn : sqlalchemy.Connection
    spec : ResourceSpec
    link : Link
    keyed : sequence of (source, source_id, ids)

    Returns
    -------
    None
    """
    if not keyed:
        return
    model = spec.model
    # One query per source with ``= ANY(array)``, the array one parameter: a row-valued
    # ``(source, source_id) IN (…)`` of thousands of pairs becomes a nested OR that exceeds the
    # server's stack depth (the demo at scale 0.1 links 8 000 engagements), and an IN list of one
    # parameter per id stops at the protocol's 65 535 parameters (81 000 at scale 1).
    source_ids: dict[str, list[str]] = {}
    for s, i, _ in keyed:
        source_ids.setdefault(s, []).append(i)
    ids_of: dict[tuple[str, str | None], int] = {}
    for source, wanted in source_ids.items():
        found = conn.execute(
            select(model.id, model.source_id).where(model.source == source, _among(model.source_id, wanted, String))
        )
        ids_of.update({(source, i): row_id for row_id, i in found})
    replace(conn, link, {ids_of[(s, i)]: ids for s, i, ids in keyed if (s, i) in ids_of})
