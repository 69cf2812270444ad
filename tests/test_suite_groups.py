"""The suite's grouping over the cores (tests/conftest.py) holds: each group's tests go to one worker,
so a shared fixture (a four-quarter backfill, a folder's session fixtures) runs once. Fails if
pytest-xdist stops deriving its scopes through the method the grouping overrides."""

from __future__ import annotations

import inspect

from xdist.scheduler import LoadScopeScheduling

from tests.conftest import FIRST, TESTS, group_of


def test_a_folder_with_a_conftest_is_one_group_and_other_modules_are_their_own() -> None:
    assert group_of(TESTS / "quality" / "test_blocking_checks.py") == "quality"
    assert group_of(TESTS / "transform" / "test_transform_tags.py") == "transform"
    assert group_of(TESTS / "publish" / "test_pipeline.py") == "publish/test_pipeline.py"
    assert group_of(TESTS / "test_cli.py") == "test_cli.py"


def test_the_groups_started_first_exist() -> None:
    groups = {group_of(module) for module in TESTS.rglob("test_*.py")}
    assert set(FIRST) <= groups, set(FIRST) - groups


def test_xdist_still_splits_its_scopes_with_the_overridden_method() -> None:
    assert "self._split_scope(" in inspect.getsource(LoadScopeScheduling.schedule)
    assert "config" in inspect.signature(LoadScopeScheduling.__init__).parameters
