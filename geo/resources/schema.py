"""Python types derived from a resource's columns: the pydantic model of the
properties the API accepts (create and patch) and the value type of each
list filter. Both read the column types and rules (``geo.columns``), so a
length, a vocabulary, a range or an order is written once, on the column."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import GenericAlias
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, create_model, field_validator, model_validator
from sqlalchemy import BigInteger, Boolean, Column, Date, DateTime, Float, Integer, SmallInteger, String
from sqlalchemy.dialects.postgresql import ARRAY

from geo.columns import Rule, rule_of, server_default_value
from geo.models import READ_ONLY

if TYPE_CHECKING:
    from geo.resources.spec import Filter, ResourceSpec

TEXT_MAX_LENGTH = 20_000  # an unbounded text column (notes, summaries) at the API
FILTER_TEXT_MAX_LENGTH = 100  # a part-of-the-text (ilike) filter value
SENSITIVE = "visible to editors and admins only"
STORABLE_TEXT = r"^[^\x00]*$"  # PostgreSQL text cannot hold a NUL character: refused at the edge, naming the field
# PostgreSQL's range of each integer type (most specific first): a value the
# database would refuse as out of range is refused at the edge, naming its field.
_INTEGER_MAX = ((SmallInteger, 2**15 - 1), (BigInteger, 2**63 - 1), (Integer, 2**31 - 1))


class Properties(BaseModel):
    """The base of every resource's properties model.

    Unknown properties are refused, so a typo never silently drops data;
    read-only ones (``id``, timestamps, ``created_by``) sent back by a client
    that round-trips a feature are ignored.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_read_only(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in READ_ONLY}
        return data


def _scalar_type(column: Column) -> type:
    for sql_type, python_type in (
        (Boolean, bool),
        (DateTime, datetime),
        (Date, date),
        (Integer, int),
        (Float, float),
        (String, str),
    ):
        if isinstance(column.type, sql_type):
            return python_type
    raise TypeError(f"no Python type for column {column.name} ({column.type})")


def integer_limits(sql_type: Any) -> dict[str, int]:
    """``ge``/``le`` of an integer column type's range (``{}`` for other types)."""
    for integer_type, hi in _INTEGER_MAX:
        if isinstance(sql_type, integer_type):
            return {"ge": -hi - 1, "le": hi}
    return {}


def _limits(column: Column, rule: Rule) -> dict[str, Any]:
    limits: dict[str, Any] = {}
    type_range = integer_limits(column.type)
    if rule.lo is not None:
        limits["gt" if rule.lo_open else "ge"] = rule.lo
    elif type_range:
        limits["ge"] = type_range["ge"]
    if rule.hi is not None:
        limits["le"] = rule.hi
    elif type_range:
        limits["le"] = type_range["le"]
    if isinstance(column.type, String):
        limits.update(max_length=column.type.length or TEXT_MAX_LENGTH, pattern=STORABLE_TEXT)
    return limits


def value_type(column: Column) -> tuple[Any, dict[str, Any]]:
    """The Python type of ``column``'s values and their limits, as keyword
    arguments of pydantic's ``Field`` (and FastAPI's ``Query``)."""
    rule = rule_of(column)
    if isinstance(column.type, ARRAY):
        item: Any = (
            Literal[rule.vocabulary]
            if rule.vocabulary
            else Annotated[str, Field(max_length=rule.item_max_length or TEXT_MAX_LENGTH, pattern=STORABLE_TEXT)]
        )
        return GenericAlias(list, (item,)), ({"max_length": rule.max_items} if rule.max_items else {})
    if rule.vocabulary is not None:
        return Literal[rule.vocabulary], {}
    if rule.dates is not None:
        return rule.dates.annotated(_scalar_type(column)), {}
    return _scalar_type(column), _limits(column, rule)


def filter_type(spec: ResourceSpec, f: Filter) -> tuple[Any, dict[str, Any]]:
    """The type and limits of one filter's query value: several values of a
    vocabulary for ``eq``, one element for ``contains``, a bounded text for
    ``ilike``, else a value of the column."""
    column = spec.column(f.column)
    typ, limits = value_type(column)
    if f.op == "contains":
        item = typ.__args__[0]
        return item, {}
    if f.op == "ilike":
        return str, {"max_length": FILTER_TEXT_MAX_LENGTH, "pattern": STORABLE_TEXT}
    if f.op == "eq" and rule_of(column).vocabulary is not None:
        return GenericAlias(list, (typ,)), {}
    return typ, limits


def _description(spec: ResourceSpec, column: Column) -> str | None:
    parts = [column.doc, SENSITIVE if column.name in spec.sensitive else None]
    return "; ".join(p for p in parts if p) or None


def _field(spec: ResourceSpec, column: Column) -> tuple[Any, Any]:
    typ, limits = value_type(column)
    annotation: Any = Annotated[typ, Field(**limits)] if limits else typ
    description = _description(spec, column)
    if column.nullable:
        return annotation | None, Field(None, description=description)
    default = server_default_value(column)
    if isinstance(default, list):
        return annotation, Field(default_factory=list, description=description)
    if column.server_default is None:
        return annotation, Field(description=description)
    return annotation, Field(default, description=description)


def _comparable(value: Any) -> Any:
    """Naive date-times count as UTC (as the database stores them), so a naive
    start and an aware end compare instead of failing."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _not_before(first: str, later: str) -> Any:
    """A validator on ``later`` refusing a value before ``first`` (the error then names ``later``)."""

    def check(cls: type, value: Any, info: ValidationInfo) -> Any:
        start = info.data.get(first)
        if value is not None and start is not None and _comparable(value) < _comparable(start):
            raise ValueError(f"{later} is before {first}")
        return value

    return field_validator(later)(check)


def properties_model(spec: ResourceSpec) -> type[Properties]:
    """``<Model>Properties``: every writable column of ``spec`` with its type,
    length, vocabulary, range, server default and order, the sensitive ones
    described as such."""
    fields: dict[str, Any] = {c.name: _field(spec, c) for c in spec.columns if c.name not in READ_ONLY}
    for link in spec.links:
        ids = GenericAlias(list, (Annotated[int, Field(ge=1)],))
        fields[link.prop] = (
            Annotated[ids, Field(max_length=link.max_items)],
            Field(default_factory=list, description=f"{link.description} (ids of {link.target})"),
        )
    validators = {}
    names = list(fields)
    for column in spec.columns:
        first = rule_of(column).not_before
        if first is None:
            continue
        if names.index(first) > names.index(column.name):
            raise ValueError(f"{spec.name}: {column.name} must come after {first} in the model to be checked")
        validators[f"_{column.name}_not_before_{first}"] = _not_before(first, column.name)
    return create_model(
        f"{spec.model.__name__}Properties",
        __base__=Properties,
        __doc__=spec.description,
        __validators__=validators,
        **fields,
    )
