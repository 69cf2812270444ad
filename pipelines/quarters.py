"""Calendar quarters, the unit of a snapshot: `2025Q4` <-> partition `2025-10-01` <-> as-of `2025-12-31`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from pipelines.settings import first_quarter

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    """One calendar quarter; `as_of` (its last day) is the snapshot date."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Accept `2025Q4` / `2025-Q4`, or a partition key `2025-10-01`."""
        match = _QUARTER.match(text.strip())
        if match:
            return cls(int(match.group(1)), int(match.group(2)))
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            raise ValueError(f"'{text}' is not a quarter: use e.g. 2025Q4 or 2025-10-01") from None
        quarter = cls.containing(day)
        if day != quarter.start:
            raise ValueError(f"'{text}' is not the first day of a quarter (did you mean {quarter.start}?)")
        return quarter

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def ending_on(cls, day: date) -> Quarter:
        """The quarter whose last day is `day` (for `--as-of`); other dates are refused."""
        quarter = cls.containing(day)
        if day != quarter.as_of:
            raise ValueError(f"as-of {day} is not a quarter end (the quarter ends on {quarter.as_of})")
        return quarter

    @classmethod
    def latest_complete(cls, today: date) -> Quarter:
        """The last quarter that ended before `today`."""
        return cls.containing(today).previous

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def as_of(self) -> date:
        return self.next.start - timedelta(days=1)

    @property
    def partition_key(self) -> str:
        return self.start.isoformat()

    @property
    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    @property
    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


def quarter_range(first: Quarter, last: Quarter) -> list[Quarter]:
    """Every quarter from `first` to `last`, inclusive, in order."""
    if last < first:
        raise ValueError(f"--to {last} is before --from {first}")
    quarters = [first]
    while quarters[-1] < last:
        quarters.append(quarters[-1].next)
    return quarters


def first_partition_quarter() -> Quarter:
    """The first quarter of the partitions (`SEGMENTS_FIRST_QUARTER`, default 1990Q1)."""
    text = first_quarter()
    try:
        return Quarter.parse(text)
    except ValueError as exc:
        raise ValueError(f"SEGMENTS_FIRST_QUARTER: {exc}") from None
