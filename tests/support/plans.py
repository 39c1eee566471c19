"""Builders shared by the local-backend tests: a small hand-made plan, a written workbook, zip
surgery that imitates what Excel stores for objects openpyxl cannot build, and LibreOffice."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from map_workspace import SCHEMA_VERSION
from map_workspace.changes import StateRow
from map_workspace.domain.model import (
    CheckIn,
    Item,
    ItemType,
    Level,
    Overview,
    Plan,
    Risk,
    RiskStatus,
    Side,
    Stakeholder,
    Status,
)
from map_workspace.layout import Snapshot
from map_workspace.render import render_plan

PLAN_ID = "3f2a9c1e5b7d4a60"


def small_plan(today: date = date(2026, 5, 12)) -> Plan:
    """Four items (one milestone), two stakeholders, a risk and a check-in."""
    def day(n: int) -> date:
        return today + timedelta(days=n)

    return Plan(
        plan_id=PLAN_ID,
        overview=Overview(
            deal="Acme rollout",
            buyer_company="Acme Corp",
            seller_company="Widgets Ltd",
            target_decision=day(60),
            mutual_goal="Live in Q3 with 3 teams",
            cadence="Weekly, Tuesdays",
        ),
        items=(
            Item("T-01", ItemType.TASK, "Kick-off call", Side.JOINT, "Dana Tanaka", day(-10),
                 status=Status.DONE, done_on=day(-9), baseline=day(-10)),
            Item("T-02", ItemType.TASK, "Security review", Side.BUYER, "Omar Haddad", day(5),
                 status=Status.IN_PROGRESS, depends_on=("T-01",), baseline=day(3), slips=1,
                 notes="Questionnaire sent"),
            Item("T-03", ItemType.TASK, "Legal redlines", Side.BUYER, "", None, due_text="TBD",
                 status=Status.NOT_STARTED),
            Item("M-01", ItemType.MILESTONE, "Signature", Side.JOINT, "Dana Tanaka", day(60),
                 status=Status.NOT_STARTED, depends_on=("T-02", "T-03"), baseline=day(60)),
        ),
        stakeholders=(
            Stakeholder("Dana Tanaka", Side.BUYER, "Champion", "dana@acme.example", "+1 555 0100",
                        "travelling 2026-05-01 to 2026-05-21"),
            Stakeholder("Omar Haddad", Side.BUYER, "CISO", "omar@acme.example"),
        ),
        risks=(Risk("R-01", "Budget freeze in Q3", Level.MEDIUM, Level.HIGH, "Get CFO sign-off early",
                    "Dana Tanaka", RiskStatus.OPEN),),
        checkins=(CheckIn(day(-7), "Dana, Omar", "Kick-off", "", ""),),
        slug="acme-rollout",
        template="enterprise",
    )


def state_for(plan: Plan) -> list[StateRow]:
    rows = [StateRow(i.id, i.activity, i.baseline, i.due, i.status.value if i.status else "", i.owner,
                     i.slips) for i in plan.items]
    return rows + [StateRow(r.id, r.risk) for r in plan.risks]


def meta_for(plan: Plan) -> dict[str, str]:
    return {"plan_id": plan.plan_id, "schema": str(SCHEMA_VERSION), "template": plan.template,
            "slug": plan.slug, "locale": "en_US", "timezone": "UTC"}


def rendered(plan: Plan | None = None) -> Snapshot:
    plan = plan or small_plan()
    return render_plan(plan, state_for(plan), meta_for(plan))


# --- zip surgery ----------------------------------------------------------------------------------


def rewrite_zip(path: Path, edit: Callable[[str, bytes], bytes | None],
                add: dict[str, bytes] | None = None) -> None:
    """Rewrite a workbook's zip part by part: ``edit(name, data)`` returns new bytes (or None to keep
    them); ``add`` holds new parts. This is how Excel-only objects get into a test file."""
    with zipfile.ZipFile(path) as src:
        parts = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts:
            changed = edit(name, data)
            out.writestr(name, data if changed is None else changed)
        for name, data in (add or {}).items():
            out.writestr(name, data)


def part_text(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name).decode("utf-8")


def sheet_part(path: Path, title: str) -> str:
    """The zip part name of the worksheet with this tab title (as openpyxl numbers them)."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return f"xl/worksheets/sheet{wb.sheetnames.index(title) + 1}.xml"


# --- LibreOffice --------------------------------------------------------------------------------


def soffice_or_skip() -> str:
    """The soffice path; skips without LibreOffice, except in CI where it must be there."""
    from map_workspace.backends.local.office import find_soffice

    found = find_soffice()
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("LibreOffice (soffice) is required in CI but was not found")
        pytest.skip("LibreOffice (soffice) is not installed")
    return found


def recalculated(src: Path, outdir: Path) -> Path:
    """A copy of ``src`` in ``outdir`` with every formula computed by LibreOffice (one run)."""
    from map_workspace.backends.local.office import recalculate_xlsx

    out = recalculate_xlsx(src, outdir)
    assert out.is_file() and out.stat().st_size > 0
    return out


#: Workbooks ``mapws create`` wrote in this process, by its arguments: (file name, bytes).
_CREATED: dict[tuple[str, ...], tuple[str, bytes]] = {}


def create_local(folder: Path, *args: object) -> Path:
    """``mapws create ARGS --dir FOLDER`` on the local backend, for fixtures that make the same plans
    for test after test: the first call in a process runs the command, later calls with the same
    ARGS get a byte copy of the workbook it wrote (the same plan, created a few seconds earlier).
    Only for a clean environment (no config file, no MAPWS_* variables), as every test starts."""
    from click.testing import CliRunner

    from map_workspace.cli import cli

    key = tuple(str(a) for a in args)
    folder = Path(folder)
    if key in _CREATED:
        name, data = _CREATED[key]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        return folder / name
    before = set(folder.glob("*.xlsx")) if folder.is_dir() else set()
    result = CliRunner().invoke(cli, ["create", *key, "--dir", str(folder)], catch_exceptions=False)
    assert result.exit_code == 0, (result.exit_code, result.output)
    (made,) = set(folder.glob("*.xlsx")) - before
    _CREATED[key] = (made.name, made.read_bytes())
    return made


#: Folders a fixture built in this process, by key: (the folder it was built in, its files' bytes).
_FOLDERS: dict[str, tuple[Path, dict[str, bytes]]] = {}


def built_once(key: str, folder: Path, build: Callable[[Path], None]) -> Path:
    """``build(folder)`` the first time in a process; after that, the files it left there, copied
    byte for byte into ``folder``, with the first folder's path rewritten to this one in every text
    cell of the state databases (``*.sqlite``: plans are known by path). For fixtures that make the
    same plans, state included, for test after test (``mapws create`` is the slow part)."""
    import sqlite3

    folder = Path(folder)
    if key not in _FOLDERS:
        build(folder)
        files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
        _FOLDERS[key] = (folder, files)
        return folder
    first, files = _FOLDERS[key]
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for database in folder.rglob("*.sqlite"):
        with sqlite3.connect(database) as db:
            tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                columns = [row[1] for row in db.execute(f'PRAGMA table_info("{table}")') if row[2].upper() == "TEXT"]
                for column in columns:
                    db.execute(f'UPDATE "{table}" SET "{column}" = replace("{column}", ?, ?)',
                               (str(first), str(folder)))
        db.close()
    return folder
