"""Changing a threshold in the config changes the tags, with no code change."""

from __future__ import annotations

from pathlib import Path

from tests.transform.conftest import CHANGED_PARAMETERS, DbtResult, query


def _tagged(warehouse: Path, tag_code: str) -> set[str]:
    sql = "select customer_id from marts.fct_customer_tags where tag_code = ?"
    return {row[0] for row in query(warehouse, sql, [tag_code])}


def _customers(warehouse: Path, condition: str) -> set[str]:
    return {
        row[0] for row in query(warehouse, f"select customer_id from marts.dim_customers where {condition}")
    }


def test_lower_thresholds_in_the_config_tag_more_customers(
    dbt_runs: dict[str, DbtResult], latest_build: Path
) -> None:
    changed = dbt_runs["changed_thresholds"].check()
    spend, complaints = (
        CHANGED_PARAMETERS["contribution_high_min_spend"],
        CHANGED_PARAMETERS["complaint_high_min"],
    )
    spenders = _customers(changed, f"annual_spend >= {spend}")
    complainers = _customers(changed, f"complaints_365d >= {complaints}")

    assert _tagged(changed, "contribution_high") == spenders
    assert _tagged(changed, "complaint_risk_high") == complainers
    # with the default thresholds fewer customers pass
    assert _tagged(latest_build, "contribution_high") < spenders
    assert _tagged(latest_build, "complaint_risk_high") < complainers
    # the published catalog and the segment columns follow the config
    assert query(changed, "select rule from marts.dim_tag_catalog where tag_code = 'contribution_high'") == [
        (f"annual_spend >= {spend}",)
    ]
    assert _customers(changed, "value_tier = 'high'") == spenders
