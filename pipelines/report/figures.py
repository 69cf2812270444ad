"""Plotly figures of the report, built from the small frames of `queries.py`.

Each function returns a `go.Figure` whose traces hold exactly the numbers shown (tests read them
back from `figure.data`). Colours follow the segment order, so a segment keeps its colour on every
chart and every page.
"""

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from pipelines.report.queries import RFM_METRICS, SegmentNames
from pipelines.report.texts import METRIC_TITLES, TEXT

PALETTE = qualitative.Plotly + qualitative.Set2
# The heavy-tailed metric whose histogram is binned and drawn on a log10 scale.
LOG_METRIC = "monetary"
FONT = "system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"


def _layout(figure: go.Figure, height: int) -> go.Figure:
    figure.update_layout(
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        font={"family": FONT, "size": 12},
        template="plotly_white",
        legend={"orientation": "h", "y": -0.15},
    )
    return figure


def segment_colours(names: SegmentNames) -> dict[str, str]:
    """A colour per segment known to the report (all snapshots), so it is the same on every page."""
    return {segment: PALETTE[i % len(PALETTE)] for i, segment in enumerate(names.sort(list(names.labels)))}


def segment_trend(trend: pd.DataFrame, names: SegmentNames, language: str) -> go.Figure:
    """Stacked bars per snapshot: customers (left) and revenue (right) by segment."""
    text = TEXT[language]
    figure = make_subplots(rows=1, cols=2, subplot_titles=(text["customers"], text["revenue"]))
    segments = names.sort(list(trend["segment"].unique()))
    colours = segment_colours(names)
    for segment in segments:
        rows = trend[trend["segment"] == segment]
        x = [d.isoformat() for d in rows["snapshot_date"]]
        for column, value, share in ((1, "customers", "customer_share"), (2, "revenue", "revenue_share")):
            figure.add_trace(
                go.Bar(
                    x=x,
                    y=rows[value].tolist(),
                    customdata=rows[share].tolist(),
                    name=names.label(segment),
                    legendgroup=segment,
                    showlegend=column == 1,
                    marker_color=colours.get(segment, PALETTE[0]),
                    meta=segment,
                    hovertemplate="%{x}<br>%{fullData.name}: %{y:,.0f} (%{customdata:.1%})<extra></extra>",
                ),
                row=1,
                col=column,
            )
    figure.update_layout(barmode="stack")
    figure.update_xaxes(type="category")
    return _layout(figure, 420)


def migration_heatmap(moves: pd.DataFrame, names: SegmentNames, language: str) -> go.Figure:
    """Customers from each earlier segment (rows) to each segment now (columns); hover: row share."""
    text = TEXT[language]
    origins = names.sort(list(moves["from_segment"].unique()))
    destinations = names.sort(list(moves["to_segment"].unique()))
    counts = moves.pivot_table(
        index="from_segment", columns="to_segment", values="customers", aggfunc="sum", fill_value=0
    ).reindex(index=origins, columns=destinations, fill_value=0)
    row_share = counts.div(counts.sum(axis=1).where(lambda s: s > 0, 1), axis=0)
    figure = go.Figure(
        go.Heatmap(
            z=counts.to_numpy().tolist(),
            x=[names.label(s) for s in destinations],
            y=[names.label(s) for s in origins],
            customdata=row_share.to_numpy().tolist(),
            meta={"from": origins, "to": destinations},
            colorscale="Blues",
            texttemplate="%{z:,}",
            hovertemplate=(
                f"{text['from']}: %{{y}}<br>{text['to']}: %{{x}}<br>{text['customers']}: %{{z:,}}"
                "<br>%{customdata:.1%}<extra></extra>"
            ),
        )
    )
    figure.update_xaxes(title=text["to"], side="top")
    figure.update_yaxes(title=text["from"], autorange="reversed")
    return _layout(figure, 120 + 45 * len(origins))


def _log10(values: pd.Series) -> pd.Series:
    return np.log10(values.astype(float))


def _identity(values: pd.Series) -> pd.Series:
    return values.astype(float)


def rfm_distributions(histogram: pd.DataFrame, cuts: pd.DataFrame, language: str) -> go.Figure:
    """Histogram of each RFM metric, with the score boundaries of the calibration as dashed lines."""
    titles = METRIC_TITLES[language]
    figure = make_subplots(rows=1, cols=3, subplot_titles=[titles[m] for m in RFM_METRICS])
    for column, metric in enumerate(RFM_METRICS, start=1):
        bins = histogram[histogram["metric"] == metric]
        # Spend is drawn on a log10 axis (its bins are equal on that scale, sql/rfm_histogram.sql).
        scale = _log10 if metric == LOG_METRIC else _identity
        low, high = scale(bins["lower_bound"]), scale(bins["upper_bound"])
        figure.add_trace(
            go.Bar(
                x=((low + high) / 2).tolist(),
                y=bins["customers"].tolist(),
                width=(high - low).tolist(),
                customdata=bins[["lower_bound", "upper_bound"]].to_numpy().tolist(),
                name=titles[metric],
                meta=metric,
                marker_color=PALETTE[column - 1],
                showlegend=False,
                hovertemplate="[%{customdata[0]:,.4~g}, %{customdata[1]:,.4~g}): %{y:,}<extra></extra>",
            ),
            row=1,
            col=column,
        )
        if metric == LOG_METRIC and len(bins):
            powers = range(math.floor(low.min()), math.ceil(high.max()) + 1)
            figure.update_xaxes(
                tickvals=list(powers), ticktext=[f"{10.0**p:,.0f}" for p in powers], row=1, col=column
            )
        ranges = cuts[cuts["metric"] == metric].sort_values("lower_bound")
        letter = metric[0].upper()
        floor = low.min() if len(bins) else 0.0
        for position, (_, cut) in enumerate(ranges.iterrows()):
            # the lowest range may start at 0 (no log on the spend axis): its label sits at the axis' start
            bound = float(cut["lower_bound"])
            x = float(scale(pd.Series([bound])).iloc[0]) if bound > 0 or scale is _identity else floor
            if position > 0:
                figure.add_vline(x=x, line_dash="dash", line_color="#444", line_width=1, row=1, col=column)
            figure.add_annotation(
                x=x,
                y=1.0,
                yref="y domain",
                xref=f"x{column if column > 1 else ''}",
                text=f"{letter}{int(cut['score'])}",
                showarrow=False,
                xanchor="left",
                font={"size": 10},
            )
    return _layout(figure, 380)


def cluster_heatmap(crosstab: pd.DataFrame, names: SegmentNames, language: str) -> go.Figure:
    """Customers per k-means cluster (rows) and business segment (columns); hover: share of cluster."""
    text = TEXT[language]
    clusters = sorted(crosstab["cluster_id"].unique())
    segments = names.sort(list(crosstab["segment"].unique()))
    counts = crosstab.pivot_table(
        index="cluster_id", columns="segment", values="customers", aggfunc="sum", fill_value=0
    ).reindex(index=clusters, columns=segments, fill_value=0)
    shares = crosstab.pivot_table(
        index="cluster_id", columns="segment", values="share_of_cluster", aggfunc="sum", fill_value=0
    ).reindex(index=clusters, columns=segments, fill_value=0)
    labels = crosstab.drop_duplicates("cluster_id").set_index("cluster_id")["cluster_label"]
    figure = go.Figure(
        go.Heatmap(
            z=counts.to_numpy().tolist(),
            x=[names.label(s) for s in segments],
            y=[f"{text['cluster']} {c}: {labels.get(c) or ''}" for c in clusters],
            customdata=shares.to_numpy().tolist(),
            meta={"clusters": [int(c) for c in clusters], "segments": segments},
            colorscale="Greens",
            texttemplate="%{z:,}",
            hovertemplate="%{y}<br>%{x}: %{z:,} (%{customdata:.1%})<extra></extra>",
        )
    )
    figure.update_xaxes(side="top")
    figure.update_yaxes(autorange="reversed")
    return _layout(figure, 120 + 45 * len(clusters))


def _errors(frame: pd.DataFrame) -> dict:
    """Asymmetric error bars from lift to its interval bounds."""
    return {
        "type": "data",
        "symmetric": False,
        "array": (frame["lift_ci_high"] - frame["lift"]).tolist(),
        "arrayminus": (frame["lift"] - frame["lift_ci_low"]).tolist(),
    }


def lift_by_segment(outcomes: pd.DataFrame, names: SegmentNames, language: str) -> go.Figure:
    """Lift of treated over holdout repurchase rate per segment, with its 95 % interval."""
    text = TEXT[language]
    measured = outcomes[(outcomes["customer_group"] == "treated") & outcomes["lift"].notna()]
    measured = measured.set_index("segment").loc[names.sort(list(measured["segment"]))].reset_index()
    colours = segment_colours(names)
    figure = go.Figure(
        go.Scatter(
            x=[names.label(s) for s in measured["segment"]],
            y=measured["lift"].tolist(),
            error_y=_errors(measured),
            mode="markers",
            marker={"size": 12, "color": [colours.get(s) for s in measured["segment"]]},
            meta={"segments": measured["segment"].tolist()},
            hovertemplate="%{x}: %{y:+.1%}<extra></extra>",
        )
    )
    figure.add_hline(y=0, line_dash="dot", line_color="#888")
    figure.update_yaxes(title=text["lift"], tickformat="+.0%")
    return _layout(figure, 360)


def lift_trend(trend: pd.DataFrame, names: SegmentNames, language: str) -> go.Figure:
    """Measured lift per segment over the snapshots, with intervals."""
    text = TEXT[language]
    colours = segment_colours(names)
    figure = go.Figure()
    for segment in names.sort(list(trend["segment"].unique())):
        rows = trend[trend["segment"] == segment]
        figure.add_trace(
            go.Scatter(
                x=[d.isoformat() for d in rows["snapshot_date"]],
                y=rows["lift"].tolist(),
                error_y=_errors(rows),
                name=names.label(segment),
                mode="lines+markers",
                line={"color": colours.get(segment)},
                meta={"segment": segment},
                hovertemplate="%{x}: %{y:+.1%}<extra>" + names.label(segment) + "</extra>",
            )
        )
    figure.add_hline(y=0, line_dash="dot", line_color="#888")
    figure.update_yaxes(title=text["lift"], tickformat="+.0%")
    figure.update_xaxes(type="category", title=text["snapshot"])
    return _layout(figure, 360)


def value_distribution(values: pd.DataFrame, names: SegmentNames, language: str) -> go.Figure:
    """Predicted 12-month value per segment as boxes: 10th-90th percentile whiskers, quartiles, median."""
    text = TEXT[language]
    colours = segment_colours(names)
    figure = go.Figure()
    for segment in names.sort(list(values["segment"])):
        row = values[values["segment"] == segment].iloc[0]
        figure.add_trace(
            go.Box(
                x=[names.label(segment)],
                lowerfence=[row["p10"]],
                q1=[row["p25"]],
                median=[row["median"]],
                q3=[row["p75"]],
                upperfence=[row["p90"]],
                mean=[row["mean_clv"]],
                name=names.label(segment),
                marker_color=colours.get(segment),
                meta={"segment": segment},
            )
        )
    figure.update_yaxes(title=text["predicted_clv"])
    figure.update_layout(showlegend=False)
    return _layout(figure, 380)


def backtest(frame: pd.DataFrame, language: str) -> go.Figure:
    """Mean predicted and actual orders per decile of the prediction."""
    text = TEXT[language]
    deciles = [str(d) for d in frame["decile"]]
    figure = go.Figure(
        [
            go.Bar(
                x=deciles, y=frame["predicted_orders_per_customer"].tolist(), name=text["predicted_orders"]
            ),
            go.Bar(x=deciles, y=frame["actual_orders_per_customer"].tolist(), name=text["actual_orders"]),
        ]
    )
    figure.update_layout(barmode="group")
    figure.update_xaxes(title=text["decile"], type="category")
    figure.update_yaxes(title=text["orders_per_customer"])
    return _layout(figure, 340)
