"""The dbt CLI resource skips dagster-dbt's per-invocation probes and still reports the real version.

`SegmentsDbtCli` overrides two private members of `DbtCliResource`. If a dagster-dbt upgrade
renamed them, the overrides would silently stop applying and every run would be ~4 s slower:
these tests fail instead.
"""

from __future__ import annotations

import inspect
import re
import subprocess

from dagster_dbt import DbtCliResource

from pipelines.transform.dbt import SegmentsDbtCli, defs


def test_cli_still_calls_the_members_we_override():
    source = inspect.getsource(DbtCliResource.cli)
    assert "self._cli_version" in source
    assert "self._initialize_dbt_core_adapter(" in source


def test_the_job_uses_the_resource_without_probes():
    resource = defs.resources["dbt"]
    assert isinstance(resource, SegmentsDbtCli)
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_version_is_that_of_the_dbt_executable():
    resource = defs.resources["dbt"]
    printed = subprocess.run(
        [resource.dbt_executable, "--version"], capture_output=True, text=True, check=True
    ).stdout
    core = re.search(r"(\d+\.\d+\.\d+)", printed)
    assert core is not None, printed
    assert str(resource._cli_version) == core.group(1)
