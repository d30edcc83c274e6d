"""Periods and bases of the results analysis (thesis II.5, III.1.5).

A *period* is a range of days, both ends inclusive, written ``2024``, ``2024-Q1``, ``2024-01``,
``2024-01-15`` or a range of those, ``2024-01..2024-06`` (from the start of the first to the end
of the last). A *basis* says which figures a period holds (thesis II.5):

* **calendar** — what happened in the period: premiums written and earned in it, payments booked
  in it, reserves moved in it. Once the period is closed its figures never change.
* **underwriting** — everything about the contracts *underwritten* in the period (their term
  started in it), evaluated at a date: premiums, losses on them, their commissions.
* **accident** — everything about the losses that *occurred* in the period, evaluated at a date;
  premiums and expenses stay on the calendar basis.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from assurdb.domain.errors import DomainError


class ReportError(DomainError):
    """A report cannot be made as asked (bad period, unknown report, basis not meaningful…)."""


class Basis(StrEnum):
    CALENDAR = "calendar"
    UNDERWRITING = "underwriting"
    ACCIDENT = "accident"


_PART = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(\d{2}))(?:-(\d{2}))?)?$")


def _bounds(text: str) -> tuple[dt.date, dt.date]:
    match = _PART.match(text.strip())
    if not match:
        raise ReportError(f"period {text!r}: expected 2024, 2024-Q1, 2024-01, 2024-01-15 or a range A..B")
    year, quarter, month, day = match.groups()
    y = int(year)
    try:
        if quarter:
            if day:
                raise ValueError("a quarter has no day")
            first = 3 * int(quarter) - 2
            return dt.date(y, first, 1), dt.date(y, first + 2, calendar.monthrange(y, first + 2)[1])
        if month and day:
            one = dt.date(y, int(month), int(day))
            return one, one
        if month:
            m = int(month)
            return dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1])
    except ValueError as exc:
        raise ReportError(f"period {text!r}: {exc}") from None
    return dt.date(y, 1, 1), dt.date(y, 12, 31)


def _year_earlier(day: dt.date) -> dt.date:
    """The same day a year earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True, slots=True)
class Period:
    start: dt.date
    end: dt.date
    label: str

    @classmethod
    def parse(cls, text: str) -> Period:
        if not isinstance(text, str) or not text.strip():
            raise ReportError("a period is needed, e.g. 2024, 2024-Q1, 2024-01..2024-06")
        first, sep, last = text.partition("..")
        start, end = _bounds(first)
        if sep:
            end = _bounds(last)[1]
        if end < start:
            raise ReportError(f"period {text!r} ends before it starts")
        return cls(start, end, text.strip())

    @classmethod
    def between(cls, start: dt.date, end: dt.date, label: str | None = None) -> Period:
        return cls(start, end, label or f"{start.isoformat()}..{end.isoformat()}")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def year_to_date(self) -> Period:
        """From 1 January of the period's last year to its end (thesis III.2.1 "year-to-date")."""
        return Period(dt.date(self.end.year, 1, 1), self.end, f"{self.end.year} to {self.end.isoformat()}")

    def year_earlier(self) -> Period:
        """The same days a year earlier: the base of the premium growth rate (thesis III.2.1)."""
        start, end = _year_earlier(self.start), _year_earlier(self.end)
        return Period(start, end, f"{start.isoformat()}..{end.isoformat()}")

    def months(self) -> list[Period]:
        """The calendar months the period touches, each cut to the period."""
        out = []
        y, m = self.start.year, self.start.month
        while dt.date(y, m, 1) <= self.end:
            first = max(dt.date(y, m, 1), self.start)
            last = min(dt.date(y, m, calendar.monthrange(y, m)[1]), self.end)
            out.append(Period(first, last, f"{y:04d}-{m:02d}"))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def years(self) -> list[int]:
        return list(range(self.start.year, self.end.year + 1))
