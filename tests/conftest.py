"""How the suite spreads over the cores (pytest-xdist): a fixture shared by many tests must run once,
so the tests that share one go to the same worker.

A folder with a conftest.py keeps its session fixtures there: its tests form one group. Elsewhere a
module is a group (module fixtures such as a four-quarter backfill). The longest groups start first,
so that none of them begins when the others are done.

The groups are given to xdist through its scheduler hook: its `xdist_group` marks do not reach its
scheduler with pytest 9.2 (xdist 3.8 sets the test's `_nodeid`, which pytest 9.2 no longer reads).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from xdist.scheduler import LoadScopeScheduling

TESTS = Path(__file__).parent

# Groups known to take longest (a four-quarter backfill or many pipeline runs each), started first;
# the rest follow in collection order.
FIRST = ("publish/test_pipeline.py", "publish/test_history_semantics.py", "quality", "transform")


def group_of(path: Path) -> str:
    """`path`'s group: its folder under tests/ if that folder has a conftest.py, else the module."""
    relative = path.resolve().relative_to(TESTS)
    folder = relative.parts[0]
    if len(relative.parts) > 1 and (TESTS / folder / "conftest.py").exists():
        return folder
    return relative.as_posix()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        group = group_of(Path(item.path))
        return FIRST.index(group) if group in FIRST else len(FIRST)

    items.sort(key=rank)  # stable: collection order within a group and among the rest


class GroupScheduling(LoadScopeScheduling):
    """xdist's scope scheduling (a scope's tests on one worker, scopes in collection order, given
    `--no-loadscope-reorder`) with the groups above as scopes (tests/test_suite_groups.py)."""

    def _split_scope(self, nodeid: str) -> str:
        return group_of(Path(self.config.rootpath, nodeid.split("::", 1)[0]))


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> GroupScheduling:
    return GroupScheduling(config, log)
