"""The comparison of tests/spark on made-up rows (no Spark needed: part of the default run)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

from tests.spark.compare import compare_table

D = date(2025, 12, 31)
COLUMNS = ["snapshot_date", "customer_id", "monetary", "frequency", "avg_order_value", "share", "segment"]
KEY = ("snapshot_date", "customer_id")


def row(cid: str, monetary: str, frequency: int, avg: str | None, share: float, segment: str) -> tuple:
    return (D, cid, Decimal(monetary), frequency, None if avg is None else Decimal(avg), share, segment)


def test_equal_tables_within_the_tolerances() -> None:
    duck = [row("a", "10.00", 2, "5.00", 0.1, "x"), row("b", "0", 0, None, 0.2, "y")]
    # Spark's columns in another order, a float one ulp away
    spark = [(r[5] + 1e-17, *r[:5], r[6]) for r in duck]
    spark_columns = ["share", *COLUMNS[:5], "segment"]
    assert compare_table("marts.t", KEY, COLUMNS, duck, spark_columns, spark) == []


def test_differences_name_table_column_and_rows() -> None:
    duck = [row("a", "10.00", 2, "5.00", 0.1, "x"), row("b", "3.00", 1, "3.00", 0.2, "y")]
    spark = [row("a", "10.01", 2, "5.00", 0.1000001, "x"), row("c", "1.00", 1, "1.00", 0.2, "y")]
    problems = compare_table("marts.t", KEY, COLUMNS, duck, COLUMNS, spark)
    text = "\n".join(problems)
    only_duck = "marts.t: 1 of 2 keys ('snapshot_date', 'customer_id') only in DuckDB, e.g. [(datetime.date"
    assert only_duck in text
    assert "only in Spark" in text and "'c'" in text
    assert "marts.t.monetary: 1 of 1 rows differ" in text
    assert "'customer_id': 'a'}: DuckDB Decimal('10.00'), Spark Decimal('10.01')" in text
    assert "marts.t.share: 1 of 1 rows differ" in text
    assert "avg_order_value" not in text and "segment" not in text


def test_duplicates_and_columns_are_reported() -> None:
    duck = [row("a", "1.00", 1, "1.00", 0.1, "x")]
    spark = [(*r[:6],) for r in duck * 2]
    problems = compare_table("history.t", KEY, COLUMNS, duck, COLUMNS[:6], spark)
    assert any("columns differ: only in DuckDB ['segment']" in p for p in problems)
    assert any(
        "history.t: 1 keys ('snapshot_date', 'customer_id') more than once in Spark" in p for p in problems
    )


def test_only_a_half_cent_mean_may_differ_by_a_cent() -> None:
    # 629.43 / 2 = 314.715: DuckDB (binary double, just below the half) 314.71, Spark (exact) 314.72
    duck = [row("a", "629.43", 2, "314.71", 0.1, "x"), row("b", "629.44", 2, "314.72", 0.1, "x")]
    spark = [row("a", "629.43", 2, "314.72", 0.1, "x"), row("b", "629.44", 2, "314.73", 0.1, "x")]
    accepted: Counter = Counter()
    problems = compare_table("marts.t", KEY, COLUMNS, duck, COLUMNS, spark, accepted=accepted)
    assert accepted == Counter({"avg_order_value of an exact half-cent mean (marts.t)": 1})
    assert len(problems) == 1 and problems[0].startswith("marts.t.avg_order_value: 1 of 2 rows differ")
    assert "'customer_id': 'b'" in problems[0]
