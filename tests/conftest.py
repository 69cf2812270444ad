"""Parallel runs (`make test` runs pytest-xdist with two workers, `--dist loadgroup`): each test goes to
the worker of its group, so that a fixture is built once, not once per worker. A folder whose
conftest defines session fixtures is one group (its modules share their pipeline runs); any other
module is a group of its own (its module fixtures: a backfill, a history)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

TESTS = Path(__file__).parent


@functools.cache
def _has_session_fixtures(folder: str) -> bool:
    conftest = TESTS / folder / "conftest.py"
    return conftest.is_file() and 'scope="session"' in conftest.read_text(encoding="utf-8")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        relative = Path(item.path).relative_to(TESTS)
        folder = relative.parts[0]
        group = folder if len(relative.parts) > 1 and _has_session_fixtures(folder) else str(relative)
        item.add_marker(pytest.mark.xdist_group(group))
