"""A snapshot's page and the index, as self-contained HTML strings.

plotly.js is inlined once per page (with the first chart; the others reuse it), styles are inline
and fonts are the system's, so a page opens offline from `file://`. Everything shown comes from the
published file through `queries.py`; text from data is HTML-escaped.
"""

import html
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd
import plotly.graph_objects as go

from pipelines.quarters import Quarter
from pipelines.report import figures, queries
from pipelines.report.texts import METRIC_TITLES, TEXT

STYLE = """
body { font-family: system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif;
       margin: 0 auto; max-width: 1200px; padding: 0 24px 48px; color: #222; }
h1 { font-size: 1.6em; margin: 24px 0 4px; }
h2 { font-size: 1.25em; margin-top: 36px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
nav a { margin-right: 16px; }
table { border-collapse: collapse; margin: 12px 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td { background: #fde8e8; }
.note { color: #555; font-size: 0.9em; }
.other-language { color: #777; font-size: 0.85em; }
.headline { display: flex; gap: 16px; flex-wrap: wrap; margin: 16px 0; }
.headline div { border: 1px solid #ddd; border-radius: 6px; padding: 8px 16px; }
.headline b { display: block; font-size: 1.4em; }
"""


@dataclass(frozen=True)
class SnapshotPage:
    """A rendered page and the figures on it (what tests read the shown numbers from)."""

    snapshot: date
    html: str
    figures: dict[str, go.Figure]


def page_name(snapshot: date) -> str:
    """The file of a snapshot's page in `published/report/`, e.g. `2025Q4.html`."""
    return f"{Quarter.containing(snapshot)}.html"


def build_page(
    conn: duckdb.DuckDBPyConnection,
    snapshot: date,
    language: str,
    previous: date | None,
    publish_id: str,
    generated_at: datetime,
) -> SnapshotPage:
    """The page of `snapshot`, read from the published file behind `conn`."""
    text = TEXT[language]
    names = queries.segment_names(conn, language)
    charts: dict[str, go.Figure] = {}
    sections = [
        _headline(conn, snapshot, names, text),
        _sizes(conn, snapshot, names, language, charts),
        _migration(conn, snapshot, names, language, charts),
        _rfm(conn, snapshot, language, charts),
        _portraits(conn, snapshot, names, language),
        _clusters(conn, snapshot, names, language, charts),
        _effects(conn, snapshot, names, language, charts),
        _value(conn, snapshot, names, language, charts),
        _samples(conn, snapshot, names, text),
        _quality(conn, snapshot, text),
    ]
    body = "\n".join(sections)
    for position, (div_id, figure) in enumerate(charts.items()):
        rendered = figure.to_html(
            full_html=False,
            include_plotlyjs=position == 0,
            div_id=div_id,
            config={"displaylogo": False, "responsive": True},
        )
        body = body.replace(_placeholder(div_id), rendered)
    links = [f'<a href="index.html">{text["index"]}</a>']
    if previous is not None:
        links.append(
            f'<a href="{page_name(previous)}">&larr; {text["previous"]} {Quarter.containing(previous)}</a>'
        )
    title = f"{text['title']} {Quarter.containing(snapshot)} ({snapshot.isoformat()})"
    footer = text["generated"].format(at=f"{generated_at:%Y-%m-%d %H:%M:%S %Z}", publish_id=publish_id)
    document = _document(
        language, title, f'<nav>{"".join(links)}</nav>\n{body}\n<footer class="note">{_e(footer)}</footer>'
    )
    return SnapshotPage(snapshot, document, charts)


def build_index(
    conn: duckdb.DuckDBPyConnection, language: str, publish_id: str, generated_at: datetime
) -> str:
    """The index: one row per published snapshot with its headline numbers, newest first."""
    text = TEXT[language]
    names = queries.segment_names(conn, language)
    rows = [
        [
            f'<a href="{page_name(row.snapshot_date)}">{Quarter.containing(row.snapshot_date)}</a>',
            _e(row.snapshot_date.isoformat()),
            _n(row.customers),
            _n(row.revenue),
            _e(f"{names.label(row.largest_segment)} ({row.largest_share:.1%})"),
            _e(f"{row.failed} / {row.checks}"),
        ]
        for row in queries.headline(conn).iloc[::-1].itertuples()
    ]
    table = _table(
        [
            text["quarter"],
            text["snapshot"],
            text["customers"],
            text["revenue"],
            text["largest_segment"],
            f"{text['checks']}: {text['failed']}",
        ],
        rows,
        numeric={2, 3},
        escaped=True,
    )
    footer = text["generated"].format(at=f"{generated_at:%Y-%m-%d %H:%M:%S %Z}", publish_id=publish_id)
    body = (
        f'<p class="note">{_e(text["index_note"])}</p>\n{table}\n<footer class="note">{_e(footer)}</footer>'
    )
    return _document(language, text["index_title"], body)


def _headline(
    conn: duckdb.DuckDBPyConnection, snapshot: date, names: queries.SegmentNames, text: dict
) -> str:
    row = next(r for r in queries.headline(conn).itertuples() if r.snapshot_date == snapshot)
    boxes = [
        (text["customers"], _n(row.customers)),
        (text["revenue"], _n(row.revenue)),
        (text["largest_segment"], f"{names.label(row.largest_segment)} ({row.largest_share:.1%})"),
        (f"{text['checks']}: {text['failed']}", f"{row.failed} / {row.checks}"),
    ]
    inner = "".join(f"<div>{_e(label)}<b>{_e(value)}</b></div>" for label, value in boxes)
    return f'<div class="headline">{inner}</div>'


def _sizes(
    conn: duckdb.DuckDBPyConnection,
    snapshot: date,
    names: queries.SegmentNames,
    language: str,
    charts: dict[str, go.Figure],
) -> str:
    text = TEXT[language]
    trend = queries.segment_trend(conn, snapshot)
    charts["chart-sizes"] = figures.segment_trend(trend, names, language)
    this = trend[trend["snapshot_date"] == snapshot]
    rows = [
        [names.label(r.segment), _n(r.customers), _p(r.customer_share), _n(r.revenue), _p(r.revenue_share)]
        for r in _in_segment_order(this, names).itertuples()
    ]
    table = _table(
        [text["segment"], text["customers"], text["share"], text["revenue"], text["revenue_share"]],
        rows,
        numeric={1, 2, 3, 4},
    )
    return _section("sizes", text["sizes"], text["sizes_note"], _placeholder("chart-sizes"), table)


def _migration(
    conn: duckdb.DuckDBPyConnection,
    snapshot: date,
    names: queries.SegmentNames,
    language: str,
    charts: dict[str, go.Figure],
) -> str:
    text = TEXT[language]
    moves = queries.migration(conn, snapshot)
    if moves.empty:
        return _section("migration", text["migration"], text["migration_none"])
    charts["chart-migration"] = figures.migration_heatmap(moves, names, language)
    note = text["migration_note"].format(before=moves["from_snapshot"].iloc[0].isoformat(), after=snapshot)
    return _section("migration", text["migration"], note, _placeholder("chart-migration"))


def _rfm(conn: duckdb.DuckDBPyConnection, snapshot: date, language: str, charts: dict[str, go.Figure]) -> str:
    text = TEXT[language]
    cuts = queries.cut_points(conn, snapshot)
    charts["chart-rfm"] = figures.rfm_distributions(queries.rfm_histogram(conn, snapshot), cuts, language)
    missing = queries.without_value(conn, snapshot)
    modes = ", ".join(sorted(cuts["scoring_mode"].dropna().unique())) or "-"
    note = text["rfm_note"].format(mode=modes, r=missing["recency_days"], f=missing["frequency"])
    titles = METRIC_TITLES[language]
    rows = [
        [
            titles.get(r.metric, r.metric),
            str(r.score),
            f"{_n(r.lower_bound, 2)} - {_n(r.upper_bound, 2)}",
            _n(r.customers),
        ]
        for r in cuts.itertuples()
    ]
    table = _table([text["metric"], text["score"], text["range"], text["customers"]], rows, numeric={1, 2, 3})
    return _section("rfm", text["rfm"], note, _placeholder("chart-rfm"), table)


def _portraits(
    conn: duckdb.DuckDBPyConnection, snapshot: date, names: queries.SegmentNames, language: str
) -> str:
    text = TEXT[language]
    frame = queries.portraits(conn, snapshot)
    first, second = ("portrait_zh", "portrait_en") if language == "zh" else ("portrait_en", "portrait_zh")
    rows = []
    for r in _in_segment_order(frame, names).itertuples():
        portrait = _e(getattr(r, first) or "")
        if getattr(r, second):
            portrait += f'<div class="other-language">{_e(getattr(r, second))}</div>'
        rows.append(
            [
                _e(names.label(r.segment)),
                _e(_n(r.customers)),
                _e(f"{_p(r.customer_share)} / {_p(r.revenue_share)}"),
                _e(" / ".join(_n(v, 2) for v in (r.mean_r_score, r.mean_f_score, r.mean_m_score))),
                _e(
                    " / ".join(
                        _n(v, 1) for v in (r.median_recency_days, r.median_frequency, r.median_monetary)
                    )
                ),
                _e(_n(r.median_order_value, 2)),
                portrait,
            ]
        )
    table = _table(
        [
            text["segment"],
            text["customers"],
            f"{text['share']} / {text['revenue_share']}",
            text["mean_scores"],
            text["medians"],
            text["median_order_value"],
            text["portrait"],
        ],
        rows,
        numeric={1, 2, 3, 4, 5},
        escaped=True,
    )
    return _section("portraits", text["portraits"], None, table)


def _clusters(
    conn: duckdb.DuckDBPyConnection,
    snapshot: date,
    names: queries.SegmentNames,
    language: str,
    charts: dict[str, go.Figure],
) -> str:
    text = TEXT[language]
    crosstab = queries.cluster_crosstab(conn, snapshot, language)
    if crosstab.empty:
        return _section("clusters", text["clusters"], text["clusters_empty"])
    charts["chart-clusters"] = figures.cluster_heatmap(crosstab, names, language)
    profiles = queries.cluster_profiles(conn, snapshot)
    columns = list(profiles.columns)
    rows = [[_cell(value) for value in record] for record in profiles.itertuples(index=False)]
    numeric = {i for i, c in enumerate(columns) if pd.api.types.is_numeric_dtype(profiles[c])}
    table = _table(columns, rows, numeric=numeric)
    return _section(
        "clusters",
        text["clusters"],
        None,
        _placeholder("chart-clusters"),
        f"<h3>{_e(text['cluster_profiles'])}</h3>",
        table,
    )


def _effects(
    conn: duckdb.DuckDBPyConnection,
    snapshot: date,
    names: queries.SegmentNames,
    language: str,
    charts: dict[str, go.Figure],
) -> str:
    """Treated vs holdout of each segment in the quarter after the snapshot, and the lifts so far."""
    text = TEXT[language]
    outcomes = queries.outcomes(conn, snapshot)
    if outcomes.empty:
        return _section("effects", text["effects"], text["effects_none"])
    outcome = outcomes["outcome_snapshot"].dropna()
    measured = not outcome.empty
    parts = []
    if measured and outcomes["lift"].notna().any():
        charts["chart-lift"] = figures.lift_by_segment(outcomes, names, language)
        parts.append(_placeholder("chart-lift"))
    # treated before holdout within a segment (a stable sort keeps that order)
    ordered = _in_segment_order(outcomes.sort_values("customer_group", ascending=False), names)
    rows = [
        [
            names.label(r.segment),
            text[r.customer_group],
            _n(r.customers),
            _p(r.repurchase_rate),
            _n(r.orders_per_customer, 2),
            _n(r.revenue_per_customer, 2),
            " / ".join(
                _p(v) for v in (r.share_moved_better, r.share_same, r.share_moved_worse, r.share_churned)
            )
            if measured
            else "",
            _signed(r.lift) if r.customer_group == "treated" else "",
            f"{_signed(r.lift_ci_low)} .. {_signed(r.lift_ci_high)}"
            if r.customer_group == "treated" and pd.notna(r.lift)
            else "",
        ]
        for r in ordered.itertuples()
    ]
    parts.append(
        _table(
            [
                text["segment"],
                text["group"],
                text["customers"],
                text["repurchase_rate"],
                text["orders_per_customer"],
                text["revenue_per_customer"],
                text["moves"],
                text["lift"],
                text["ci"],
            ],
            rows,
            numeric={2, 3, 4, 5, 7, 8},
        )
    )
    trend = queries.lift_trend(conn, snapshot)
    if not trend.empty:
        charts["chart-lift-trend"] = figures.lift_trend(trend, names, language)
        parts += [f"<h3>{_e(text['lift_trend'])}</h3>", _placeholder("chart-lift-trend")]
    next_end = Quarter.containing(snapshot).next.as_of
    note = (
        text["effects_note"].format(snapshot=snapshot, outcome=outcome.iloc[0])
        if measured
        else text["effects_pending"].format(outcome=next_end)
    )
    return _section("effects", text["effects"], note, *parts)


def _value(
    conn: duckdb.DuckDBPyConnection,
    snapshot: date,
    names: queries.SegmentNames,
    language: str,
    charts: dict[str, go.Figure],
) -> str:
    """Predicted 12-month value per segment, and the backtest of the predicted orders."""
    text = TEXT[language]
    values = queries.value_by_segment(conn, snapshot)
    if values.empty:
        return _section("value", text["value"], text["value_none"])
    charts["chart-value"] = figures.value_distribution(values, names, language)
    rows = [
        [
            names.label(r.segment),
            _n(r.customers),
            _n(r.median, 2),
            _n(r.mean_clv, 2),
            _n(r.total_clv),
            _n(r.mean_p_alive, 3),
        ]
        for r in _in_segment_order(values, names).itertuples()
    ]
    table = _table(
        [
            text["segment"],
            text["customers"],
            text["median_clv"],
            text["mean_clv"],
            text["total_clv"],
            text["mean_p_alive"],
        ],
        rows,
        numeric={1, 2, 3, 4, 5},
    )
    parts = [_placeholder("chart-value"), table, f"<h3>{_e(text['backtest'])}</h3>"]
    backtest = queries.backtest(conn, snapshot)
    if backtest.empty or backtest["actual_orders_per_customer"].isna().all():
        parts.append(f'<p class="note">{_e(text["backtest_pending"])}</p>')
    else:
        charts["chart-backtest"] = figures.backtest(backtest, language)
        parts.append(_placeholder("chart-backtest"))
    return _section("value", text["value"], text["value_note"], *parts)


def _samples(conn: duckdb.DuckDBPyConnection, snapshot: date, names: queries.SegmentNames, text: dict) -> str:
    frame = queries.sample_counts(conn, snapshot)
    rows = [
        [names.label(r.segment), _n(r.customers), _n(r.samples)]
        for r in _in_segment_order(frame, names).itertuples()
    ]
    table = _table([text["segment"], text["customers"], text["sampled"]], rows, numeric={1, 2})
    return _section("samples", text["samples"], text["samples_note"], table)


def _quality(conn: duckdb.DuckDBPyConnection, snapshot: date, text: dict) -> str:
    frame = queries.quality(conn, snapshot)
    failed = frame[~frame["passed"]]
    note = text["quality_note"].format(
        passed=int(frame["passed"].sum()),
        failed=len(failed),
        blocking=int((failed["severity"] == "blocking").sum()),
        warning=int((failed["severity"] != "blocking").sum()),
    )
    headers = [text["check"], text["asset"], text["severity"], text["result"], text["description"]]

    def rows(part: pd.DataFrame) -> list[list[str]]:
        return [
            [
                r.check_name,
                r.asset_key,
                r.severity,
                text["passed"] if r.passed else text["failed"],
                r.description or "",
            ]
            for r in part.itertuples()
        ]

    failures = _table(headers, rows(failed), failed_rows=set(range(len(failed)))) if len(failed) else ""
    everything = _table(
        headers, rows(frame), failed_rows={i for i, ok in enumerate(frame["passed"]) if not ok}
    )
    details = f"<details><summary>{_e(text['all_checks'])} ({len(frame)})</summary>{everything}</details>"
    return _section("quality", text["quality"], note, failures, details)


def _in_segment_order(frame: pd.DataFrame, names: queries.SegmentNames) -> pd.DataFrame:
    """Rows by the config order of their segment (unknown codes last); stable within a segment."""
    return frame.sort_values(
        "segment", key=lambda s: s.map(lambda x: names.order.get(x, 10_000)), kind="stable"
    )


def _section(anchor: str, title: str, note: str | None, *parts: str) -> str:
    paragraph = f'<p class="note">{_e(note)}</p>' if note else ""
    return f'<section id="{anchor}"><h2>{_e(title)}</h2>{paragraph}{"".join(parts)}</section>'


def _placeholder(div_id: str) -> str:
    return f"<!--figure:{div_id}-->"


def _table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    numeric: Collection[int] = (),
    escaped: bool = False,
    failed_rows: Collection[int] = (),
) -> str:
    """An HTML table; cells are escaped unless `escaped` says the caller did (links, markup)."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = []
    for index, row in enumerate(rows):
        cells = "".join(
            f'<td class="number">{c if escaped else _e(c)}</td>'
            if i in numeric
            else f"<td>{c if escaped else _e(c)}</td>"
            for i, c in enumerate(row)
        )
        css = ' class="failed"' if index in failed_rows else ""
        body.append(f"<tr{css}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _document(language: str, title: str, body: str) -> str:
    lang = "zh-CN" if language == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{_e(title)}</title>\n'
        f"<style>{STYLE}</style>\n</head>\n<body>\n<h1>{_e(title)}</h1>\n{body}\n</body>\n</html>\n"
    )


def _e(value: object) -> str:
    return html.escape(str(value))


def _n(value: object, decimals: int = 0) -> str:
    """A number with thousands separators; blank when missing."""
    if value is None or pd.isna(value):
        return ""
    return f"{float(value):,.{decimals}f}"


def _signed(value: object) -> str:
    """A difference of rates in percentage points with its sign; blank when missing."""
    return "" if value is None or pd.isna(value) else f"{float(value) * 100:+.1f} pp"


def _p(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):.1%}"


def _cell(value: object) -> str:
    if isinstance(value, float):
        return _n(value, 2)
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
