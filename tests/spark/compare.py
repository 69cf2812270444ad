"""Compare one table as DuckDB and Spark hold it: same columns, same keys, equal values.

Values: DOUBLE to a relative tolerance of 1e-9 (FLOAT_REL_TOL), DECIMAL (money, all scale 2) to the
cent, everything else exactly (strings, integers, booleans, dates). Column order does not matter
(Spark moves a table's partition column to the end).

One difference is accepted, row by row and only where it is exactly this (ACCEPTED, counted in the
report): avg_order_value = monetary / frequency when that mean is an exact half cent (an odd number
of cents over 2 orders, say). DuckDB divides as a DOUBLE and casts the binary value, just below the
half (314.715 is 314.71499999...), to 314.71; Spark divides exact decimals and rounds half up to
314.72. docs/engines.md (b) says how to make both exact.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

FLOAT_REL_TOL = 1e-9
FLOAT_ABS_TOL = 1e-12
CENT = Decimal("0.01")
SHOWN = 5  # differing rows shown per column


def _equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=FLOAT_REL_TOL, abs_tol=FLOAT_ABS_TOL)
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return Decimal(a).quantize(CENT) == Decimal(b).quantize(CENT)
    return a == b


def _half_cent_mean(duck: dict[str, Any], spark: dict[str, Any]) -> bool:
    """avg_order_value: DuckDB one cent below Spark, whose value is the exact mean (a half cent)
    rounded half up."""
    monetary, frequency = duck.get("monetary"), duck.get("frequency")
    if monetary is None or not frequency or duck["avg_order_value"] is None:
        return False
    exact = Decimal(monetary) / Decimal(frequency)
    is_half_cent = (exact * 100) % 1 == Decimal("0.5")
    rounded = exact.quantize(CENT, rounding=ROUND_HALF_UP)
    return (
        is_half_cent
        and Decimal(spark["avg_order_value"]) == rounded
        and Decimal(duck["avg_order_value"]) == rounded - CENT
    )


def _eta_squared_of_rounded_means(duck: dict[str, Any], spark: dict[str, Any]) -> bool:
    """segment_validation: eta squared of avg_order_value, whose inputs differ by the half-cent
    rounding above, agrees to a relative 1e-6 rather than 1e-9."""
    return (
        duck.get("feature") == "avg_order_value"
        and duck["value"] is not None
        and spark["value"] is not None
        and math.isclose(float(duck["value"]), float(spark["value"]), rel_tol=1e-6)
    )


# column -> (a difference accepted for a row, why); see the module's docstring
ACCEPTED = {
    "avg_order_value": (_half_cent_mean, "avg_order_value of an exact half-cent mean"),
    "value": (_eta_squared_of_rounded_means, "eta squared of avg_order_value (half-cent means)"),
}


def compare_table(
    table: str,
    key: Sequence[str],
    duck_columns: Sequence[str],
    duck_rows: Sequence[Sequence[Any]],
    spark_columns: Sequence[str],
    spark_rows: Sequence[Sequence[Any]],
    ignore: Sequence[str] = (),
    accepted: Counter | None = None,
) -> list[str]:
    """The differences between the two versions of `table`, one message each (empty: equal).
    Accepted differences (ACCEPTED) are counted in `accepted` per reason instead."""
    problems: list[str] = []
    duck_set, spark_set = set(duck_columns), set(spark_columns)
    if duck_set != spark_set:
        problems.append(
            f"{table}: columns differ: only in DuckDB {sorted(duck_set - spark_set)}, "
            f"only in Spark {sorted(spark_set - duck_set)}"
        )
    columns = [c for c in duck_columns if c in spark_set and c not in key and c not in ignore]

    def by_key(names: Sequence[str], rows: Sequence[Sequence[Any]], engine: str) -> dict[tuple, dict]:
        out: dict[tuple, dict] = {}
        counts = Counter()
        for row in rows:
            record = dict(zip(names, row, strict=True))
            k = tuple(record[c] for c in key)
            counts[k] += 1
            out[k] = record
        duplicates = [k for k, n in counts.items() if n > 1]
        if duplicates:
            problems.append(
                f"{table}: {len(duplicates)} keys {tuple(key)} more than once in {engine}, "
                f"e.g. {duplicates[:SHOWN]}"
            )
        return out

    duck, spark = by_key(duck_columns, duck_rows, "DuckDB"), by_key(spark_columns, spark_rows, "Spark")
    for engine, mine, other in (("DuckDB", duck, spark), ("Spark", spark, duck)):
        missing = sorted(set(mine) - set(other), key=repr)
        if missing:
            problems.append(
                f"{table}: {len(missing)} of {len(mine)} keys {tuple(key)} only in {engine}, "
                f"e.g. {missing[:SHOWN]}"
            )
    shared = sorted(set(duck) & set(spark), key=repr)
    for column in columns:
        differing = [k for k in shared if not _equal(duck[k][column], spark[k][column])]
        if column in ACCEPTED and differing:
            is_accepted, reason = ACCEPTED[column]
            allowed = {k for k in differing if is_accepted(duck[k], spark[k])}
            if accepted is not None and allowed:
                accepted[f"{reason} ({table})"] += len(allowed)
            differing = [k for k in differing if k not in allowed]
        if differing:
            shown = "\n".join(
                f"    {dict(zip(key, k, strict=True))}: DuckDB {duck[k][column]!r}, "
                f"Spark {spark[k][column]!r}"
                for k in differing[:SHOWN]
            )
            problems.append(f"{table}.{column}: {len(differing)} of {len(shared)} rows differ, e.g.\n{shown}")
    if not duck_rows and not spark_rows:
        problems.append(f"{table}: empty on both engines (nothing compared)")
    return problems
