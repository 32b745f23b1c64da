"""The dates peacemap accepts: 1900-01-01 … 2100-12-31 (UTC), declared once.

Why a range at all: a date far outside it is a typo (``0001-01-01``,
``9999-12-31`` as "no end"), and such values overflowed the analysis' time
arithmetic (pandas' nanoseconds end in 2262) into silently wrong answers or
500s. Why these ends: missions, ACLED and UCDP records start well after 1900,
and 2100 leaves room for planned end dates. An open end is written as no date
(null), never as a far one.

Everything derives from :data:`SUPPORTED` (docs/analysis.md#supported-dates):
the columns' CHECK constraints and the API's property types
(``geo.columns.dated``), the request parameters (``start``/``end``, OGC
``datetime``, ``as_of``, the map's window), the analysis parameters and the
importers' date checks. A date-time is in range when its UTC date is; a
date-time without a zone counts as UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator

from geo.errors import InvalidInput

D = TypeVar("D", date, datetime)


@dataclass(frozen=True)
class DateRange:
    """The calendar days ``first`` … ``last`` (both counted), in UTC."""

    first: date
    last: date

    def utc_day(self, value: date | datetime) -> date:
        """The UTC calendar day of ``value`` (a date is its own day; a naive date-time counts as UTC).

        Parameters
        ----------
        value : datetime.date or datetime.datetime

        Returns
        -------
        datetime.date
        """
        if isinstance(value, datetime):
            return value.astimezone(UTC).date() if value.tzinfo else value.date()
        return value

    def admits(self, value: date | datetime) -> bool:
        """Whether ``value`` falls on a day of the range.

        Parameters
        ----------
        value : datetime.date or datetime.datetime

        Returns
        -------
        bool
        """
        try:
            return self.first <= self.utc_day(value) <= self.last
        except OverflowError:  # a date-time whose UTC day is before year 1 or after 9999
            return False

    @property
    def text(self) -> str:
        """The range as people read it: ``"1900-01-01 … 2100-12-31"``."""
        return f"{self.first.isoformat()} … {self.last.isoformat()}"

    def message(self, field: str) -> str:
        """The refusal naming ``field``.

        Parameters
        ----------
        field : str

        Returns
        -------
        str
        """
        return f"{field} must be between {self.text} (UTC)"

    def check(self, value: D, field: str) -> D:
        """``value`` itself, or :class:`~geo.errors.InvalidInput` naming ``field``.

        Parameters
        ----------
        value : datetime.date or datetime.datetime
        field : str
            The parameter or property at fault.

        Returns
        -------
        datetime.date or datetime.datetime
        """
        if not self.admits(value):
            raise InvalidInput(self.message(field), field=field)
        return value

    def sql(self, column: str, *, timestamp: bool) -> str:
        """The CHECK condition for a ``date`` (or ``timestamptz``) column.

        Parameters
        ----------
        column : str
        timestamp : bool
            A time stamp with time zone: from 00:00 UTC of ``first`` to
            before 00:00 UTC of the day after ``last``.

        Returns
        -------
        str
        """
        if not timestamp:
            return f"{column} BETWEEN '{self.first.isoformat()}' AND '{self.last.isoformat()}'"
        start = datetime.combine(self.first, time.min)
        stop = datetime.combine(self.last + timedelta(days=1), time.min)
        return f"{column} >= '{start.isoformat(' ')}+00' AND {column} < '{stop.isoformat(' ')}+00'"

    def _validate(self, value: D) -> D:
        if not self.admits(value):
            raise ValueError(f"must be between {self.text} (UTC)")
        return value

    def annotated(self, kind: type[D]) -> Any:
        """``kind`` (``date`` or ``datetime``) restricted to the range, as a
        pydantic type: FastAPI and pydantic then refuse a value outside with
        a 422 naming the field.

        Parameters
        ----------
        kind : type
            ``datetime.date`` or ``datetime.datetime``.

        Returns
        -------
        typing.Annotated
        """
        return Annotated[kind, AfterValidator(self._validate)]


SUPPORTED = DateRange(date(1900, 1, 1), date(2100, 12, 31))
SupportedDate = SUPPORTED.annotated(date)
"""A request parameter's type: a calendar day of :data:`SUPPORTED`."""
