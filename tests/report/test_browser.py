"""The report renders in a real browser: headless Chromium opens the index and the pages from
file:// (no network), logs no console error, and draws every chart; Chinese text is on the page."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.report.writer import write_report
from tests.report.conftest import Q3, Published

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium (dev dependency) is not installed")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="needs chromium and chromedriver on PATH (Debian: apt-get install chromium chromium-driver "
    "fonts-noto-cjk; .ci/run installs them)",
)
# Charts that draw their SVG within this time count as rendered (Plotly draws in well under a second).
RENDER_TIMEOUT_SECONDS = 20


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1280,2000")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def report(published: Published, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of three quarters (a copy: the shared file's directory stays as it is)."""
    directory = tmp_path_factory.mktemp("browser") / "published"
    directory.mkdir()
    database = directory / published.database.name
    shutil.copyfile(published.database, database)
    return write_report(database, Q3, "zh", lambda message: None).directory


def open_page(driver: object, path: Path) -> list[dict]:
    """Load `path`, wait until every chart drew its SVG, return the console entries."""
    driver.get_log("browser")  # drop entries of an earlier page
    driver.get(path.as_uri())
    deadline = time.monotonic() + RENDER_TIMEOUT_SECONDS
    script = (
        "const charts = [...document.querySelectorAll('.plotly-graph-div')];"
        "return charts.map(c => [c.id, c.querySelectorAll('.main-svg').length]);"
    )
    while time.monotonic() < deadline:
        charts = driver.execute_script(script)
        if all(count > 0 for _, count in charts):
            break
        time.sleep(0.2)
    return driver.get_log("browser")


def test_the_index_loads_without_console_errors_and_links_every_page(browser: object, report: Path) -> None:
    entries = open_page(browser, report / "index.html")
    assert [e for e in entries if e["level"] == "SEVERE"] == []
    links = browser.execute_script(
        "return [...document.querySelectorAll('a')].map(a => a.getAttribute('href'))"
    )
    assert sorted(links) == ["2026Q1.html", "2026Q2.html", "2026Q3.html"]
    assert "客户分群季度报告" in browser.find_element("tag name", "body").text


@pytest.mark.parametrize("page", ["2026Q3.html", "2026Q1.html"])
def test_a_snapshot_page_draws_every_chart_without_console_errors(
    browser: object, report: Path, page: str
) -> None:
    entries = open_page(browser, report / page)
    assert [e for e in entries if e["level"] == "SEVERE"] == []
    charts = browser.execute_script(
        "return [...document.querySelectorAll('.plotly-graph-div')]"
        ".map(c => [c.id, c.querySelectorAll('.main-svg').length, c.getBoundingClientRect().height]);"
    )
    if page == "2026Q1.html":
        # no migration into the first snapshot; its outcomes and backtest are measured (Q2 is in)
        expected = ["chart-sizes", "chart-rfm", "chart-clusters", "chart-lift", "chart-lift-trend"]
        expected += ["chart-value", "chart-backtest"]
    else:
        # the latest snapshot: the lifts measured so far, nothing of its own yet
        expected = ["chart-sizes", "chart-migration", "chart-rfm", "chart-clusters", "chart-lift-trend"]
        expected += ["chart-value"]
    assert [chart_id for chart_id, _, _ in charts] == expected
    assert all(svgs > 0 and height > 100 for _, svgs, height in charts), charts
    # Bars and heat map cells were drawn, not just empty axes.
    assert browser.execute_script("return document.querySelectorAll('#chart-sizes .point').length") > 0
    text = browser.find_element("tag name", "body").text
    assert "分群规模与收入" in text and "高价值忠实客户" in text
    # Nothing was fetched from the network: every resource is the page itself.
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(r => r.name)")
    assert [r for r in resources if not r.startswith(("file:", "data:", "blob:"))] == []
