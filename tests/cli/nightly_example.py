"""The output shown under docs/nightly.md's cron line, produced by running that very line.

Two plans in ``$HOME/maps``; the buyer of one edited it in Excel (marked the discovery call done,
moved a milestone a week later, added a row); the night runs on a day items are overdue, so the
cron line speaks. ``tests/cli/test_nightly_docs.py`` fails when the doc shows anything else;
regenerate it with ``python -m tests.cli.nightly_example`` after changing what a night prints.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from map_workspace.cli import cli
from map_workspace.layout import PLAN, normalise_header

DOC = Path(__file__).resolve().parents[2] / "docs" / "nightly.md"
CRON = DOC.parent / "examples" / "cron.txt"
START, END = "<!-- cron-output:start -->", "<!-- cron-output:end -->"
CREATED, NIGHT = date(2026, 11, 2), date(2027, 1, 5)
#: Work on the plans starts in mid-December (create schedules from this day on working days).
WORK_STARTS = date(2026, 12, 14)


def cron_command() -> str:
    line = next(ln for ln in CRON.read_text().splitlines() if ln and not ln.startswith("#"))
    return line.split(None, 5)[5]  # after the five time fields


def environment(home: Path) -> dict[str, str]:
    """What cron gives the job: PATH with this environment's ``mapws``, an isolated HOME."""
    script = Path(sys.executable).with_name("mapws")
    if not script.exists():
        raise RuntimeError("the mapws console script is not installed in this environment: run pip install .")
    return {"PATH": f"{script.parent}{os.pathsep}{os.environ['PATH']}", "HOME": str(home),
            "XDG_DATA_HOME": str(home / ".local/share"), "XDG_CONFIG_HOME": str(home / ".config"),
            "NO_GCE_CHECK": "true", "LANG": "C.UTF-8"}


def _create(maps: Path, deal: str, *people: str) -> str:
    result = CliRunner().invoke(cli, ["create", deal, "--template", "light", "--decision-date", "2027-01-15",
                                      *people, "--dir", str(maps), "--today", CREATED.isoformat(),
                                      "--start", WORK_STARTS.isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    return re.search(r'"plan": "([^"]+)"', result.output)[1]


def _buyer_edits(path: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[PLAN]
    cols = {normalise_header(c.value): c.column for c in ws[1] if c.value}
    rows = {ws.cell(r, cols["id"]).value: r for r in range(2, ws.max_row + 1) if ws.cell(r, cols["id"]).value}
    ws.cell(rows["T-01"], cols["status"]).value = "Done"
    due = ws.cell(rows["M-01"], cols["due"])
    due.value = due.value + timedelta(days=7)
    new = ws.max_row + 1
    for key, value in {"activity": "Reference call with a retail customer", "owner": "Lee Chen",
                       "due": date(2027, 1, 12), "status": "Not started", "side": "Buyer"}.items():
        ws.cell(new, cols[key]).value = value
    wb.properties.lastModifiedBy = "Dana Tanaka"
    wb.save(path)
    saved = datetime.combine(NIGHT - timedelta(days=1), time(16)).timestamp()  # the buyer saved it the day before
    os.utime(path, (saved, saved))


def render() -> str:
    """The cron line's output on the night of the example (what cron would mail)."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        maps = home / "maps"
        maps.mkdir(parents=True)
        acme = _create(maps, "Acme rollout", "--buyer", "Dana Tanaka <dana@acme.com>", "--role",
                       "buyer.decision_maker=Lee Chen <lee@acme.com>", "--seller", "Sam Rivera <sam@seller.io>")
        _create(maps, "Globex pilot", "--buyer", "Ann Ito <ann@globex.com>", "--role",
                "buyer.decision_maker=Bo Lund <bo@globex.com>", "--seller", "Sam Rivera <sam@seller.io>")
        _buyer_edits(acme)
        done = subprocess.run(["sh", "-c", cron_command()], env={**environment(home), "MAPWS_TODAY": NIGHT.isoformat()},
                              capture_output=True, text=True, timeout=300)
        return done.stdout


def current() -> str:
    match = re.search(re.escape(START) + r"\n```\n(.*?)```\n" + re.escape(END), DOC.read_text(encoding="utf-8"), re.S)
    return match.group(1) if match else ""


def update() -> None:
    text = DOC.read_text(encoding="utf-8")
    block = f"{START}\n```\n{render()}```\n{END}"
    DOC.write_text(re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _m: block, text, flags=re.S),
                   encoding="utf-8")


if __name__ == "__main__":
    update()
