"""The report's pages show what the published tables hold: numbers read back from the figures and
checked against plain SQL over the published file, and the rule of which pages a publish rewrites."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.report.page import SnapshotPage, build_index, build_page
from pipelines.report.writer import pages_to_write, write_report
from tests.report.conftest import Q1, Q2, Q3, SNAPSHOTS, Published

NOW = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)


def page_of(database: Path, snapshot: date, language: str = "zh") -> SnapshotPage:
    with duckdb.connect(str(database), read_only=True) as conn:
        before = [d for d in SNAPSHOTS if d < snapshot]
        return build_page(conn, snapshot, language, before[-1] if before else None, "publish-x", NOW)


def frame(database: Path, sql: str, params: dict | None = None) -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as conn:
        return conn.execute(sql, params or {}).df()


def query(database: Path, sql: str, params: dict | None = None) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as conn:
        return conn.execute(sql, params or {}).fetchall()


def test_segment_sizes_and_revenue_in_the_chart_equal_segment_history(published: Published) -> None:
    figure = page_of(published.database, Q3).figures["chart-sizes"]
    shown = {"customers": {}, "revenue": {}}
    for trace in figure.data:
        measure = "customers" if trace.xaxis == "x" else "revenue"
        for x, y in zip(trace.x, trace.y, strict=True):
            shown[measure][(x, trace.meta)] = y
    expected = query(
        published.database,
        "select strftime(snapshot_date, '%Y-%m-%d'), segment, count(*), sum(monetary)::double "
        "from segment_history group by all",
    )
    assert shown["customers"] == {(d, s): n for d, s, n, _ in expected}
    assert shown["revenue"] == pytest.approx({(d, s): m for d, s, _, m in expected})


def test_the_migration_heat_map_counts_customers_by_their_segments_in_both_snapshots(
    published: Published,
) -> None:
    heatmap = page_of(published.database, Q3).figures["chart-migration"].data[0]
    shown = {
        (origin, destination): heatmap.z[i][j]
        for i, origin in enumerate(heatmap.meta["from"])
        for j, destination in enumerate(heatmap.meta["to"])
        if heatmap.z[i][j]
    }
    expected = query(
        published.database,
        "select coalesce(earlier.segment, 'newly_registered'), later.segment, count(*) "
        "from segment_history as later left join segment_history as earlier "
        "on earlier.customer_id = later.customer_id and earlier.snapshot_date = $before "
        "where later.snapshot_date = $after group by all",
        {"before": Q2, "after": Q3},
    )
    assert shown == {(origin, destination): n for origin, destination, n in expected}
    assert shown[("newly_registered", "loyal")] + shown.get(("newly_registered", "potential"), 0) > 0


def test_the_first_snapshot_has_no_migration_chart(published: Published) -> None:
    page = page_of(published.database, Q1)
    assert "chart-migration" not in page.figures
    assert "历史中的第一个快照" in page.html


def test_rfm_histograms_count_every_customer_with_a_value_once_and_mark_the_cut_points(
    published: Published,
) -> None:
    figure = page_of(published.database, Q3).figures["chart-rfm"]
    bars = {trace.meta: trace for trace in figure.data}
    expected = dict(
        zip(
            ["recency_days", "frequency", "monetary"],
            query(
                published.database,
                "select count(recency_days), count(*) filter (frequency > 0), count(*) filter (monetary > 0) "
                "from segment_history where snapshot_date = $d",
                {"d": Q3},
            )[0],
            strict=True,
        )
    )
    assert {metric: sum(trace.y) for metric, trace in bars.items()} == expected
    for metric, trace in bars.items():
        last = len(trace.y) - 1
        for position, ((low, high), count) in enumerate(zip(trace.customdata, trace.y, strict=True)):
            column = f"(case when {metric} > 0 then {metric} end)" if metric != "recency_days" else metric
            below = "true" if position == last else f"{column} < $high"  # the last bin: all above
            in_bin = query(
                published.database,
                f"select count(*) from segment_history where snapshot_date = $d and {column} >= $low "
                f"and {below}",
                {"d": Q3, "low": low} | ({} if position == last else {"high": high}),
            )[0][0]
            assert in_bin == count, (metric, low, high)
    lines = sorted(shape.x0 for shape in figure.layout.shapes)
    # spend is drawn on a log10 axis
    bounds = query(
        published.database,
        "select case when metric = 'monetary' then log10(lower_bound) else lower_bound end::double "
        "from rfm_calibration where snapshot_date = $d and score > 1 order by 1",
        {"d": Q3},
    )
    # Each metric's lowest range has no line before it (the fake calibration: scores 1..5 ascending).
    assert lines == pytest.approx(sorted(b for (b,) in bounds))


def test_portraits_samples_and_quality_are_on_the_page(published: Published) -> None:
    page = page_of(published.database, Q3)
    html = page.html
    assert "高价值忠实客户：无突出特征" in html and "loyal: no distinctive attribute" in html
    samples = query(
        published.database,
        "select segment, count(*) from segment_samples where snapshot_date = $d group by all",
        {"d": Q3},
    )
    assert samples and all(f'<td class="number">{n:,}</td>' in html for _, n in samples)
    assert "a_check" in html and "1 项通过，0 项未通过" in html
    assert '<script src="http' not in html and "<link" not in html
    assert html.count("Plotly.newPlot") == len(page.figures) and html.count("plotly.js v") == 1


def without_clusters(published: Published, tmp_path: Path) -> Path:
    """A copy of the published file whose cluster tables hold no rows (k-means found no clusters)."""
    database = tmp_path / "segments.duckdb"
    shutil.copyfile(published.database, database)
    with duckdb.connect(str(database)) as conn:
        for table in ("cluster_profiles", "cluster_segment_crosstab"):
            conn.execute(f"create or replace table {table} as select * from {table} limit 0")
    return database


def test_the_cluster_section_says_not_available_when_a_snapshot_has_no_clusters(
    published: Published, tmp_path: Path
) -> None:
    page = page_of(without_clusters(published, tmp_path), Q3)
    assert "chart-clusters" not in page.figures
    assert "本快照没有聚类结果" in page.html


def test_the_cluster_section_shows_clusters_by_segment(published: Published) -> None:
    heatmap = page_of(published.database, Q3).figures["chart-clusters"].data[0]
    shown = {
        (cluster, segment): heatmap.z[i][j]
        for i, cluster in enumerate(heatmap.meta["clusters"])
        for j, segment in enumerate(heatmap.meta["segments"])
        if heatmap.z[i][j]
    }
    # independently: every customer's cluster as published on segment_history
    expected = query(
        published.database,
        "select cluster_id, segment, count(*) from segment_history "
        "where snapshot_date = $d and cluster_id is not null group by all",
        {"d": Q3},
    )
    assert expected and shown == {(c, s): n for c, s, n in expected}


def test_labels_follow_the_display_language(published: Published) -> None:
    english = page_of(published.database, Q3, "en")
    assert {trace.name for trace in english.figures["chart-sizes"].data} == {
        "loyal",
        "potential",
        "churn_risk",
    }
    assert "Segment sizes and revenue over quarters" in english.html
    chinese = page_of(published.database, Q3, "zh")
    assert {trace.name for trace in chinese.figures["chart-sizes"].data} == {
        "高价值忠实客户",
        "潜力开发客户",
        "流失风险客户",
    }


@pytest.mark.parametrize(
    ("snapshot", "have", "expected"),
    [
        # The usual run: the latest quarter and the one before (whose outcomes it decides).
        (Q3, {Q1, Q2, Q3}, [Q2, Q3]),
        # Re-running an older quarter: the one before, its page and every later one (migration, trends).
        (Q2, {Q1, Q2, Q3}, [Q1, Q2, Q3]),
        # The first run with the report: pages of older quarters are filled in.
        (Q3, set(), [Q1, Q2, Q3]),
        # A page lost in between is written again.
        (Q1, {Q1, Q3}, [Q1, Q2, Q3]),
    ],
)
def test_pages_to_write(snapshot: date, have: set[date], expected: list[date]) -> None:
    assert pages_to_write(SNAPSHOTS, snapshot, lambda d: d in have) == expected


def test_pages_to_write_refuses_a_snapshot_that_is_not_published() -> None:
    with pytest.raises(ValueError, match="2026-12-31 is not in the published file"):
        pages_to_write(SNAPSHOTS, date(2026, 12, 31), lambda d: True)


def test_write_report_writes_pages_and_an_index_atomically_and_rewrites_only_what_changed(
    published: Published, tmp_path: Path
) -> None:
    database = tmp_path / "published" / "segments.duckdb"
    database.parent.mkdir()
    shutil.copyfile(published.database, database)
    first = write_report(database, Q3, "zh", lambda message: None)
    report = database.parent / "report"
    assert sorted(p.name for p in report.iterdir()) == [
        "2026Q1.html",
        "2026Q2.html",
        "2026Q3.html",
        "index.html",
    ]
    assert first.page == report / "2026Q3.html" and len(first.written) == 4
    index = first.index.read_text(encoding="utf-8")
    for name in ("2026Q1", "2026Q2", "2026Q3"):
        assert f'<a href="{name}.html">{name}</a>' in index
    customers = query(database, "select count(*) from segment_history where snapshot_date = $d", {"d": Q3})[
        0
    ][0]
    assert f'<td class="number">{customers:,}</td>' in index
    (report / "2020Q1.html").write_text("a page of a snapshot no longer published")
    again = write_report(database, Q2, "zh", lambda message: None)
    assert [p.name for p in again.written] == ["2026Q1.html", "2026Q2.html", "2026Q3.html", "index.html"]
    assert [p.name for p in again.removed] == ["2020Q1.html"]
    assert not list(report.glob(".*"))  # no temporary file left behind


def test_the_index_lists_snapshots_newest_first(published: Published) -> None:
    with duckdb.connect(str(published.database), read_only=True) as conn:
        index = build_index(conn, "en", "publish-x", NOW)
    assert index.index("2026Q3.html") < index.index("2026Q2.html") < index.index("2026Q1.html")


def test_the_effects_section_shows_each_segments_lift_as_segment_history_gives_it(
    published: Published,
) -> None:
    """Lift recomputed in pandas: Q1's treated vs holdout customers (in_holdout) and whether they
    have a completed order in the quarter ending on Q2 (quarter_orders of Q2; 0 when gone)."""
    history = frame(
        published.database,
        "select snapshot_date, customer_id, segment, in_holdout, quarter_orders from segment_history",
    )
    before = history[history.snapshot_date == pd.Timestamp(Q1)].copy()
    after = history[history.snapshot_date == pd.Timestamp(Q2)].set_index("customer_id")
    before["bought"] = before.customer_id.map(after.quarter_orders).fillna(0) > 0
    rates = before.groupby(["segment", "in_holdout"]).bought.mean().unstack()
    expected = (rates[False] - rates[True]).dropna()
    assert len(expected) >= 2 and expected.abs().sum() > 0
    page = page_of(published.database, Q1, "en")
    chart = page.figures["chart-lift"].data[0]
    assert dict(zip(chart.meta["segments"], chart.y, strict=True)) == pytest.approx(expected.to_dict())
    assert "Strategy effects: treated vs holdout" in page.html
    # the intervals hold the lift
    assert all(low >= 0 for low in chart.error_y.arrayminus) and all(h >= 0 for h in chart.error_y.array)
    # the lifts so far, per segment over the snapshots measured (Q1 and Q2; Q3 has no next quarter)
    trend = page_of(published.database, Q3, "en").figures["chart-lift-trend"]
    assert {point for trace in trend.data for point in trace.x} == {Q1.isoformat(), Q2.isoformat()}
    # the latest snapshot: nothing measured yet, the groups are listed
    latest = page_of(published.database, Q3, "en")
    assert "chart-lift" not in latest.figures and "is not published yet" in latest.html


def test_the_value_section_shows_the_predicted_value_per_segment(published: Published) -> None:
    values = frame(
        published.database,
        "select segment, predicted_clv_12m from segment_history "
        "where snapshot_date = $d and predicted_clv_12m is not null",
        {"d": Q3},
    )
    assert not values.empty
    page = page_of(published.database, Q3, "en")
    boxes = {trace.meta["segment"]: trace for trace in page.figures["chart-value"].data}
    medians = values.groupby("segment").predicted_clv_12m.median()
    assert {s: b.median[0] for s, b in boxes.items()} == pytest.approx(medians.to_dict())
