"""The one definition of a date window: which days a time-bound figure counts.

Every place that counts events "in the window" — the map's incident points,
their grid, the admin-area choropleth and the engagement-gap analysis — takes
a :class:`DateWindow` and counts a day when ``start <= day <= end``: both
ends are inclusive, so a window of ``days`` days ending on ``end`` starts on
``end − (days − 1)``. The analysis window for ``(as_of, window_days)`` is
``DateWindow.ending(as_of, window_days)`` (see docs/analysis.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from geo.errors import InvalidInput


@dataclass(frozen=True)
class DateWindow:
    """The calendar days ``start`` … ``end``, both counted."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput("the window end is before its start", field="end")

    @classmethod
    def ending(cls, end: date, days: int) -> DateWindow:
        """The ``days`` days up to and including ``end``."""
        if days < 1:
            raise InvalidInput("a window holds at least one day", field="days")
        return cls(end - timedelta(days=days - 1), end)

    @property
    def days(self) -> int:
        """How many days the window counts (1 when start == end)."""
        return (self.end - self.start).days + 1

    def between(self, column):
        """The SQL condition ``start <= column <= end`` on a date column."""
        return column.between(self.start, self.end)
