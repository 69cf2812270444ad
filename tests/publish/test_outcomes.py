"""Holdout groups and measured outcomes (issue 14), built by the real history layer (contacts SQL +
dbt history models) on stand-in marts whose next-quarter orders are crafted so that the treated
customers reorder more than the holdout. Every expectation is computed here, independently of the
project's SQL: the holdout draw with hashlib (sha256 of salt | customer | snapshot date, first 52
bits over 2^52), the outcomes and the Wald interval of the lift with pandas and `statistics`.
"""

from __future__ import annotations

import hashlib
import random
import shutil
from datetime import date
from pathlib import Path
from statistics import NormalDist

import duckdb
import pandas as pd
import pytest

from tests.publish.history_builder import build_quarter

Q1, Q2 = date(2026, 3, 31), date(2026, 6, 30)
SALT = "outcome-salt"
# Segments in segment_order (the stand-in catalog orders codes alphabetically); churn_risk is the
# stand-in's churn segment. Holdout shares: a_loyal 30 %, b_potential none, churn_risk the default.
SHARES = {"a_loyal": 0.3, "b_potential": 0.0}
DEFAULT_SHARE = 0.05
ORDER = {"a_loyal": 1, "b_potential": 2, "churn_risk": 3}
CUSTOMERS = 1500
# Chance of a completed order in Q2, by Q1 group: campaigns "work".
REORDER = {"treated": 0.6, "holdout": 0.3}


def draw(salt: str, customer_id: str, snapshot: date) -> float:
    digest = hashlib.sha256(f"{salt}|{customer_id}|{snapshot.isoformat()}".encode()).hexdigest()
    return int(digest[:13], 16) / 2**52


def in_holdout(salt: str, customer_id: str, snapshot: date, segment: str) -> bool:
    return draw(salt, customer_id, snapshot) < SHARES.get(segment, DEFAULT_SHARE)


def scenario(salt: str) -> tuple[dict[str, str], dict[str, str], dict[str, tuple[int, float]]]:
    """Q1 and Q2 segments (2 % of Q1's customers deleted, 100 registered) and Q2's quarter orders."""
    rng = random.Random(14)
    q1 = {f"C{i:05d}": rng.choice(list(ORDER)) for i in range(CUSTOMERS)}
    q2 = {cid: rng.choice(list(ORDER)) for cid in q1 if rng.random() > 0.02}
    q2 |= {f"N{i:05d}": rng.choice(list(ORDER)) for i in range(100)}
    orders = {}
    for cid in q2:
        group = "holdout" if cid in q1 and in_holdout(salt, cid, Q1, q1[cid]) else "treated"
        if rng.random() < REORDER[group]:
            count = rng.randint(1, 3)
            orders[cid] = (count, round(count * rng.uniform(50, 500), 2))
    return q1, q2, orders


def campaign_sends(salt: str) -> list[tuple[str, str]]:
    """Q2's sends: `spring` to about half of the Q1 customers, `vip` to a_loyal ones only; a few
    holdout customers get `spring` anyway (they stay in the holdout group)."""
    q1, q2, _ = scenario(salt)
    rng = random.Random(15)
    sends = [(cid, "spring") for cid in q2 if rng.random() < 0.5]
    sends += [(cid, "vip") for cid in q2 if q1.get(cid) == "a_loyal" and rng.random() < 0.8]
    return sends


def expected_campaign_outcomes(salt: str) -> pd.DataFrame:
    """Q1's outcomes per campaign: contacted (not held out, a Q2 send) versus the segment's holdout."""
    q1, q2, orders = scenario(salt)
    rows = []
    for cid, campaign in set(campaign_sends(salt)):
        if cid in q1 and not in_holdout(salt, cid, Q1, q1[cid]):
            rows.append((campaign, q1[cid], "contacted", cid))
    reached = {(campaign, segment) for campaign, segment, _, _ in rows}
    for cid, segment in q1.items():
        if in_holdout(salt, cid, Q1, segment):
            rows += [(campaign, segment, "holdout", cid) for campaign, s in reached if s == segment]
    frame = pd.DataFrame(rows, columns=["campaign_id", "segment", "group", "customer_id"])
    frame["orders"] = [orders.get(c, (0, 0.0))[0] if c in q2 else 0 for c in frame["customer_id"]]
    frame["repurchased"] = frame["orders"] > 0
    out = frame.groupby(["campaign_id", "segment", "group"]).agg(
        customers=("repurchased", "size"),
        repurchase_rate=("repurchased", "mean"),
        orders_per_customer=("orders", "mean"),
    )
    z = NormalDist().inv_cdf(0.975)
    for campaign, segment in reached:
        if (campaign, segment, "holdout") not in out.index:
            continue
        p1, n1 = out.loc[(campaign, segment, "contacted"), ["repurchase_rate", "customers"]]
        p0, n0 = out.loc[(campaign, segment, "holdout"), ["repurchase_rate", "customers"]]
        se = (p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0) ** 0.5
        for group in ("contacted", "holdout"):
            out.loc[(campaign, segment, group), ["lift", "lift_ci_low", "lift_ci_high"]] = [
                p1 - p0,
                p1 - p0 - z * se,
                p1 - p0 + z * se,
            ]
    return out.sort_index()


def expected_outcomes(salt: str) -> pd.DataFrame:
    """Q1's outcomes, from the scenario's rows only."""
    q1, q2, orders = scenario(salt)
    rows = []
    for cid, segment in q1.items():
        later = q2.get(cid)
        if later is None or (later == "churn_risk" and segment != "churn_risk"):
            movement = "churned"
        elif later == segment:
            movement = "same"
        else:
            movement = "better" if ORDER[later] < ORDER[segment] else "worse"
        count, revenue = orders.get(cid, (0, 0.0)) if later is not None else (0, 0.0)
        rows.append(
            {
                "segment": segment,
                "group": "holdout" if in_holdout(salt, cid, Q1, segment) else "treated",
                "repurchased": count > 0,
                "orders": count,
                "revenue": revenue,
                "movement": movement,
            }
        )
    frame = pd.DataFrame(rows)
    out = frame.groupby(["segment", "group"]).agg(
        customers=("repurchased", "size"),
        repurchase_rate=("repurchased", "mean"),
        orders_per_customer=("orders", "mean"),
        revenue_per_customer=("revenue", "mean"),
        share_moved_better=("movement", lambda m: (m == "better").mean()),
        share_same=("movement", lambda m: (m == "same").mean()),
        share_moved_worse=("movement", lambda m: (m == "worse").mean()),
        share_churned=("movement", lambda m: (m == "churned").mean()),
    )
    z = NormalDist().inv_cdf(0.975)
    for segment in ORDER:
        if (segment, "treated") not in out.index or (segment, "holdout") not in out.index:
            continue
        p1, n1 = out.loc[(segment, "treated"), ["repurchase_rate", "customers"]]
        p0, n0 = out.loc[(segment, "holdout"), ["repurchase_rate", "customers"]]
        se = (p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0) ** 0.5
        for group in ("treated", "holdout"):
            out.loc[(segment, group), ["lift", "lift_ci_low", "lift_ci_high"]] = [
                p1 - p0,
                p1 - p0 - z * se,
                p1 - p0 + z * se,
            ]
    return out.sort_index()


def build(warehouse: Path, salt: str, quarters: tuple[date, ...] = (Q1, Q2)) -> None:
    q1, q2, orders = scenario(salt)
    for as_of in quarters:
        segments, quarter_orders, sends = (q1, {}, []) if as_of == Q1 else (q2, orders, campaign_sends(salt))
        build_quarter(
            warehouse,
            as_of,
            segments,
            salt=salt,
            quarter_orders=quarter_orders,
            holdout_shares=SHARES,
            campaign_sends=sends,
        )


def frame(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute(sql).df()


def outcomes(warehouse: Path, snapshot: date) -> pd.DataFrame:
    return frame(
        warehouse,
        f"select * exclude (snapshot_date) from history.segment_outcomes where snapshot_date = '{snapshot}'",
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("outcomes") / "warehouse.duckdb"
    build(path, SALT)
    return path


def assert_outcomes_equal(got: pd.DataFrame, salt: str) -> None:
    expected = expected_outcomes(salt)
    got = got.set_index(["segment", "group"]).sort_index()
    # Both groups are listed for every segment: b_potential has an empty holdout (share 0).
    assert got.loc[("b_potential", "holdout"), "customers"] == 0
    assert pd.isna(got.loc[("b_potential", "holdout"), "repurchase_rate"])
    assert got.loc[("b_potential", "treated"), ["lift", "lift_ci_low", "lift_ci_high"]].isna().all()
    got = got[got["customers"] > 0]
    assert list(got.index) == list(expected.index)
    assert (got["outcome_snapshot"] == pd.Timestamp(Q2)).all()
    assert got["customers"].tolist() == expected["customers"].tolist()
    columns = [c for c in expected.columns if c != "customers"]
    pd.testing.assert_frame_equal(
        got[columns].astype(float), expected[columns].astype(float), check_exact=False, atol=1e-9
    )


def test_holdouts_follow_the_salted_draw_and_the_configured_shares(warehouse: Path) -> None:
    got = frame(
        warehouse,
        f"select customer_id, segment, in_holdout from history.segment_history where snapshot_date = '{Q1}'",
    )
    expected = [in_holdout(SALT, c, Q1, s) for c, s in zip(got["customer_id"], got["segment"], strict=True)]
    assert got["in_holdout"].tolist() == expected
    shares = got.groupby("segment")["in_holdout"].mean()
    assert abs(shares["a_loyal"] - 0.3) < 0.07  # ~500 customers: 3.5 standard errors
    assert shares["b_potential"] == 0  # share 0: nobody held out
    assert abs(shares["churn_risk"] - DEFAULT_SHARE) < 0.035
    # customer_segments carries it too (the latest snapshot)
    latest = frame(
        warehouse, "select count(*) as n, count(in_holdout) as known from history.customer_segments"
    )
    assert latest["n"][0] == latest["known"][0] > 0


def test_outcomes_equal_an_independent_computation_with_the_lift_and_its_interval(warehouse: Path) -> None:
    got = outcomes(warehouse, Q1)
    assert_outcomes_equal(got, SALT)
    # The crafted effect is found: treated loyal customers reorder about 30 points more.
    loyal = got[(got["segment"] == "a_loyal") & (got["group"] == "treated")].iloc[0]
    assert loyal["lift_ci_low"] > 0.15 and loyal["lift_ci_high"] < 0.45


def test_outcomes_are_null_until_the_next_quarter_is_in_history(warehouse: Path) -> None:
    got = outcomes(warehouse, Q2)
    assert set(got["group"]) == {"treated", "holdout"}
    assert got["outcome_snapshot"].isna().all() and got["repurchase_rate"].isna().all()
    assert got["lift"].isna().all()


def test_rerunning_a_quarter_with_another_salt_redraws_its_holdout_and_recomputes_its_outcomes(
    warehouse: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    # Same inputs, same salt: the same assignment.
    build(copy, SALT, (Q1,))
    query = (
        f"select customer_id, in_holdout from history.segment_history where snapshot_date = '{Q1}' order by 1"
    )
    assert frame(copy, query).equals(frame(warehouse, query))
    # Another salt changes it, and Q1's outcomes follow (recomputed by the re-run of Q1).
    build(copy, "another-salt", (Q1,))
    redrawn = frame(copy, query)
    assert (redrawn["in_holdout"] != frame(warehouse, query)["in_holdout"]).sum() > 50
    got = outcomes(copy, Q1)
    # Q2's orders were crafted for SALT's groups: recompute the expectation for the new groups.
    expected_groups = {
        cid: in_holdout("another-salt", cid, Q1, seg) for cid, seg in scenario(SALT)[0].items()
    }
    assert redrawn.set_index("customer_id")["in_holdout"].to_dict() == expected_groups
    assert got.groupby("group")["customers"].sum().to_dict() == {
        "holdout": sum(expected_groups.values()),
        "treated": CUSTOMERS - sum(expected_groups.values()),
    }


def test_campaign_outcomes_compare_the_contacted_with_the_segments_holdout(warehouse: Path) -> None:
    got = frame(
        warehouse,
        'select campaign_id, segment, "group", outcome_snapshot, customers, repurchase_rate, '
        "orders_per_customer, lift, lift_ci_low, lift_ci_high from history.campaign_outcomes "
        f"where snapshot_date = '{Q1}'",
    ).set_index(["campaign_id", "segment", "group"])
    expected = expected_campaign_outcomes(SALT)
    # b_potential has no holdout: listed with 0 customers, no lift
    assert got.loc[("spring", "b_potential", "holdout"), "customers"] == 0
    assert got.loc[("spring", "b_potential", "contacted"), ["lift", "lift_ci_low"]].isna().all()
    got = got[got["customers"] > 0].sort_index()
    assert list(got.index) == list(expected.index)
    assert (got["outcome_snapshot"] == pd.Timestamp(Q2)).all()
    assert got["customers"].tolist() == expected["customers"].tolist()
    columns = [c for c in expected.columns if c != "customers"]
    pd.testing.assert_frame_equal(
        got[columns].astype(float), expected[columns].astype(float), check_exact=False, atol=1e-9
    )
    # Q2's campaigns are measured once Q3 is in: no rows yet.
    later = frame(
        warehouse, f"select count(*) as n from history.campaign_outcomes where snapshot_date = '{Q2}'"
    )
    assert later["n"][0] == 0


def test_rerunning_the_next_quarter_recomputes_the_outcomes_of_the_one_before(
    warehouse: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    _, q2, _ = scenario(SALT)
    # Q2 again, now without a single order in the quarter: Q1's customers repurchased nothing.
    build_quarter(copy, Q2, q2, salt=SALT, quarter_orders={}, holdout_shares=SHARES)
    got = outcomes(copy, Q1)
    assert got["customers"].sum() == CUSTOMERS
    assert (got.loc[got["customers"] > 0, "repurchase_rate"] == 0).all()
    assert (got.loc[got["customers"] > 0, "revenue_per_customer"] == 0).all()
