"""Calendar of the synthetic history: the default end date, the window, and shopping seasonality.

Seasonality is an hourly weight over the whole window (Beijing local time decides the day and hour):
Double 11 and 618 sales, December, the run-up to Chinese New Year and the holiday lull, weekends,
evenings. Orders are placed by inverting its cumulative sum; the weights are integers, so the
cumulative sum is exact (and thus identical on every run). SQL in `sql/calendar.sql`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb

from pipelines.generate.engine import run_script
from pipelines.quarters import Quarter

EPOCH = datetime(1970, 1, 1)

# Chinese New Year (Spring Festival) dates; other years fall back to February 1st.
CHINESE_NEW_YEAR = {
    2015: date(2015, 2, 19),
    2016: date(2016, 2, 8),
    2017: date(2017, 1, 28),
    2018: date(2018, 2, 16),
    2019: date(2019, 2, 5),
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
    2033: date(2033, 1, 31),
    2034: date(2034, 2, 19),
    2035: date(2035, 2, 8),
}
MONTH_FACTOR = (0.95, 0.85, 0.95, 0.95, 1.0, 1.1, 0.95, 0.95, 1.0, 1.05, 1.3, 1.25)
# Local hour of day: quiet nights, a late-morning peak and the evening peak.
HOUR_FACTOR = (
    0.3,
    0.15,
    0.1,
    0.08,
    0.08,
    0.12,
    0.3,
    0.6,
    0.9,
    1.1,
    1.3,
    1.3,
    1.2,
    1.1,
    1.1,
    1.1,
    1.1,
    1.2,
    1.3,
    1.5,
    1.7,
    1.8,
    1.5,
    0.8,
)
SALE_DAYS = {(11, 11): 5.0, (11, 10): 2.0, (11, 1): 1.6, (6, 18): 3.0, (6, 1): 1.4, (12, 12): 2.5}
PROMO_MONTHS = (6, 11, 12)
WEEKEND_FACTOR = 1.15
CNY_SHOPPING_FACTOR = 1.3  # 8-21 days before the festival: new-year shopping
CNY_HOLIDAY_FACTOR = 0.5  # 6 days before to 3 days after: the holiday, little delivery


def latest_complete_quarter_end(today: date) -> date:
    """The last day of the latest calendar quarter that ended before `today`."""
    return Quarter.latest_complete(today).as_of


def history_start(end_date: date, years: int) -> date:
    """First day of a history of `years` years ending on `end_date` (inclusive)."""
    nxt = end_date + timedelta(days=1)
    try:
        return nxt.replace(year=nxt.year - years)
    except ValueError:  # 29 February
        return nxt.replace(year=nxt.year - years, day=28)


def epoch_seconds(day: date) -> int:
    """Seconds since 1970-01-01 00:00 UTC at the start of `day` (UTC)."""
    return int((datetime(day.year, day.month, day.day) - EPOCH).total_seconds())


def build_hours(conn: duckdb.DuckDBPyConnection, start: date, end: date) -> int:
    """Create `hours`: one row per UTC hour from `start` 00:00 to `end` 23:00 (see sql/calendar.sql).

    Columns: `h` (hour index from the window start), `cum_before` (sum of the integer weights of the
    hours before it), `weight`, `promo` (a sales period: discounts are used more).
    """
    first_year = start.year - 1
    years = range(first_year, end.year + 3)
    n_hours = (epoch_seconds(end) - epoch_seconds(start)) // 3600 + 24
    run_script(
        conn,
        "calendar.sql",
        {
            "start_s": epoch_seconds(start),
            "n_hours": n_hours,
            "cny": [CHINESE_NEW_YEAR.get(y, date(y, 2, 1)) for y in years],
            "cny_first_year": first_year,
            "month_factor": list(MONTH_FACTOR),
            "hour_factor": list(HOUR_FACTOR),
            "weekend_factor": WEEKEND_FACTOR,
            "sale_days": [f"{m:02d}-{d:02d}" for m, d in SALE_DAYS],
            "sale_boost": list(SALE_DAYS.values()),
            "cny_shopping_factor": CNY_SHOPPING_FACTOR,
            "cny_holiday_factor": CNY_HOLIDAY_FACTOR,
            "promo_months": list(PROMO_MONTHS),
        },
    )
    return n_hours
