"""The HTML report in a real headless browser: Chromium from the distribution's packages
(``apt-get install chromium``), driven by Playwright (its pip package only: no browser download).

The page must load offline with no console error and no request beyond its own file, every chart
must take up room on the page, and its tables must hold the figures ``--json`` gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli.test_team_report import mark_done
from tests.support.team import AS_OF, as_json, local_team, run

#: One worker runs every test that uses the team (``--dist loadgroup``): it is made once per process.
pytestmark = pytest.mark.xdist_group("team_report")


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def page_and_figures(tmp_path_factory):
    root, env, _ = local_team(tmp_path_factory.mktemp, mark_done)
    crm = root / "salesforce.csv"
    page = tmp_path_factory.mktemp("html") / "team.html"
    said = run(env, "report", "--crm", crm, "--format", "html", "-o", page).stdout
    assert f"Wrote the report (html) to {page}" in said
    return page, as_json(env, "report", "--crm", crm)


def browse(page: Path):
    """Open the page in Chromium; returns what the browser saw."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "apt-get install chromium (the README's install line)"
    seen: dict = {"console": [], "requests": [], "failed": [], "page_errors": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            tab = browser.new_page()
            tab.on("console", lambda m: seen["console"].append((m.type, m.text)))
            tab.on("pageerror", lambda e: seen["page_errors"].append(str(e)))
            tab.on("request", lambda r: seen["requests"].append(r.url))
            tab.on("requestfailed", lambda r: seen["failed"].append(r.url))
            tab.goto(page.resolve().as_uri(), wait_until="load")
            tab.wait_for_load_state("networkidle")
            seen["charts"] = tab.eval_on_selector_all(
                "figure.chart svg", "els => els.map(e => {const r = e.getBoundingClientRect();"
                " return [e.closest('figure').dataset.chart, r.width, r.height]})")
            seen["tables"] = tab.evaluate(
                "() => Object.fromEntries([...document.querySelectorAll('table')].map(t => [t.id,"
                " [...t.querySelectorAll('tbody tr')].map(tr => Object.fromEntries([...tr.querySelectorAll('td')]"
                ".map(td => [td.dataset.key, td.textContent]))) ]))")
            seen["title"] = tab.title()
        finally:
            browser.close()
    return seen


def number(text: str) -> float | None:
    return float(text.replace(",", "")) if text else None


def test_the_page_loads_offline_with_charts_and_the_json_figures(page_and_figures):
    page, doc = page_and_figures
    seen = browse(page)
    assert seen["title"] == f"mapws report — {AS_OF}"
    assert [m for m in seen["console"] if m[0] in ("error", "warning")] == []
    assert seen["page_errors"] == [] and seen["failed"] == []
    assert seen["requests"] == [page.resolve().as_uri()]  # the page itself, nothing else

    charts = {name: (w, h) for name, w, h in seen["charts"]}
    assert set(charts) == {"Win rate with and without a MAP", "Sales cycle with and without a MAP",
                           "Slips and the outcome", "Pipeline health"}
    assert all(w > 100 and h > 50 for w, h in charts.values()), charts

    tables = seen["tables"]
    outcomes = {r["group"]: r for r in tables["outcomes"]}
    for group, key in (("With an accepted MAP", "with_map"), ("Without one", "without_map")):
        figures = doc["outcomes"][key]
        assert number(outcomes[group]["deals"]) == figures["deals"]
        assert number(outcomes[group]["won"]) == figures["won"]
        assert number(outcomes[group]["win_rate"]) == figures["win_rate"]
        assert number(outcomes[group]["median_cycle_days"]) == figures["median_cycle_days"]
    assert [r["deal"] for r in tables["pipeline"]] == [p["deal"] for p in doc["pipeline"]]
    assert [r["health"] for r in tables["pipeline"]] == [p["health"] for p in doc["pipeline"]]
    assert [(r["slips"], number(r["deals"]), number(r["won"])) for r in tables["by_slips"]] == [
        (r["slips"], r["deals"], r["won"]) for r in doc["by_slips"]]
    assert [(r["seller"], number(r["plans"]), number(r["won"]), number(r["win_rate"]))
            for r in tables["by_seller"]] == [(r["seller"], r["plans"], r["won"], r["win_rate"])
                                              for r in doc["by_seller"]]
    assert sorted(number(r["error_business_days"]) for r in tables["projection_error"]) == sorted(
        d["error_business_days"] for d in doc["projection_error"]["deals"])


def test_the_page_is_one_file_with_nothing_to_fetch(page_and_figures):
    page, _ = page_and_figures
    text = page.read_text(encoding="utf-8")
    assert text.count("<svg") == 4
    assert "<script" not in text and "<link" not in text and "@import" not in text
    assert "http://" not in text.replace("http://www.w3.org/", "") and "https://" not in text
    assert "default-src 'none'" in text
