"""A command imports only what it needs: the seam that keeps ``mapws --help`` about as cheap as a
bare click group (a test of what is imported, not of timing: benchmarks/ measures the time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from map_workspace.cli import cli

REPO = Path(__file__).resolve().parents[2]

#: What no command's parsing or help may cost: each is imported only inside the command that uses it.
HEAVY = ("rich", "openpyxl", "sqlite3", "gspread", "googleapiclient", "google.auth", "google.oauth2", "docx",
         "zoneinfo", "platformdirs", "map_workspace.app", "map_workspace.nightly", "map_workspace.config",
         "map_workspace.domain.model", "map_workspace.sync", "map_workspace.backends.local.store")
GOOGLE = ("gspread", "googleapiclient", "google.auth", "google.oauth2", "google_auth_oauthlib", "httplib2",
          "map_workspace.backends.google")

PROBE = """
import json, sys
watched = json.loads(sys.argv[1])
args = json.loads(sys.argv[2])
from map_workspace.cli import cli
imported = [m for m in watched if m in sys.modules]
try:
    cli(args, prog_name="mapws") if args else None
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print(json.dumps({"on_import": imported, "after": [m for m in watched if m in sys.modules], "code": code}))
"""


def probe(args: list[str], watched: tuple[str, ...], cwd: Path = REPO) -> dict:
    """Run the CLI in a fresh interpreter and say which of ``watched`` were imported."""
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(watched), json.dumps(args)], cwd=cwd,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.splitlines()[-1])


def test_importing_the_cli_and_every_help_imports_nothing_heavy():
    assert probe([], HEAVY)["on_import"] == []
    for args in (["--help"], ["sync", "--help"], ["templates", "--help"], ["auth", "check", "--help"],
                 ["--version"]):
        seen = probe(args, HEAVY)
        assert seen["code"] == 0, args
        assert seen["after"] == [], (args, seen["after"])


def test_a_local_sync_imports_nothing_from_google(tmp_path):
    made = CliRunner().invoke(cli, ["create", "Acme rollout", "--decision-date", "2026-06-30", "--buyer",
                                    "Dana Tanaka <dana@acme.com>", "--dir", str(tmp_path), "--today", "2026-03-02"])
    assert made.exit_code == 0, made.output
    # Nor the time zones (the plan's is UTC), the results of other commands, the mail address
    # record, or numpy, which openpyxl would import for values mapws never writes (issue 8: a
    # sync's start-up).
    seen = probe(["sync", "acme-rollout", "--dir", str(tmp_path), "--today", "2026-03-03", "--json"],
                 (*GOOGLE, "zoneinfo", "map_workspace.results", "map_workspace.config_records", "numpy"))
    assert seen["code"] == 0
    assert seen["after"] == []
    # Listing reads each workbook's document properties: none of the contract's tabs, no time zones,
    # none of the services that create, sync or summarise, no calendar (issue 8: list's start-up).
    listed = probe(["list", "--dir", str(tmp_path), "--json"],
                   (*GOOGLE, "rich", "openpyxl", "map_workspace.nightly", "map_workspace.layout", "zoneinfo",
                    "map_workspace.app", "map_workspace.workdays", "map_workspace.domain.calendar", "tomllib"))
    assert listed["code"] == 0 and listed["after"] == []


def test_listing_without_a_state_database_loads_no_sqlite(tmp_path):
    """Nothing synced yet: nothing remembered to show, so the state store is not loaded."""
    home = tmp_path / "home"
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "c")}
    env.pop("MAPWS_STATE", None)
    (tmp_path / "maps").mkdir()
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(["sqlite3", "map_workspace.state_store"]),
                          json.dumps(["list", "--dir", str(tmp_path / "maps"), "--json"])], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.splitlines()[-1])
    assert seen["code"] == 0 and seen["after"] == []


def test_a_usage_error_prints_without_loading_the_services(tmp_path):
    """The error boundary itself is light: a refused option costs no domain import."""
    seen = probe(["templates", "check", str(tmp_path / "missing.toml")], HEAVY)
    assert seen["code"] == 2 and seen["after"] == []


LONG_PATTERNS = """
import json, re
compiled = []
original = re.compile
re.compile = lambda pattern, flags=0: compiled.append(len(str(pattern))) or original(pattern, flags)
import map_workspace.domain.parsing as parsing
at_import = [n for n in compiled if n > 500]
parsing.read_availability("PTO Jan 11-15", "en_US")
print(json.dumps({"at_import": at_import, "after_a_cell": [n for n in compiled if n > 500]}))
"""


def test_the_availability_patterns_are_compiled_with_the_first_availability_cell_not_at_import():
    """They are the longest patterns mapws has: every command that reads a plan imports the parsing
    module, few plans have an Availability cell filled in."""
    out = subprocess.run([sys.executable, "-c", LONG_PATTERNS], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.splitlines()[-1])
    assert seen["at_import"] == []
    assert len(seen["after_a_cell"]) >= 5  # the longest shapes of a range, and the words of time off


def test_openpyxl_imported_without_numpy_leaves_numpy_importable():
    """The sync's openpyxl skips numpy; pandas (``mapws report``) still imports it afterwards."""
    code = ("import sys; from map_workspace.backends.local import import_openpyxl; import_openpyxl(); "
            "assert 'openpyxl' in sys.modules and 'numpy' not in sys.modules; "
            "import numpy, openpyxl; from openpyxl import Workbook; "
            "ws = Workbook().active; ws['A1'] = 3; print(numpy.__name__, ws['A1'].value)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["numpy", "3"]
