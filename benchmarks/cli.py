"""``python -m benchmarks.cli [--runs N] [--plans N] [--only NAME,...] [--json]``: each mapws command
timed as a whole process, against a floor measured in the same run (issue 8, Speed).

A user waits for the whole process: interpreter start-up, imports, the work, the exit. So each
figure runs the installed ``mapws`` console script in a subprocess (a fresh HOME and MAPWS_STATE
under a temporary folder, ``NO_GCE_CHECK=true``, ``--today`` fixed), and its floor is a small script
in ``benchmarks/floors/`` run the same way by the same interpreter: what click or openpyxl alone costs
for the same job. The two alternate, run by run, so a machine that slows down slows both; the ratio
is median over median. Files a run changes are put back (bytes and times) before the next run,
outside the timed region. The workbooks are made once per run with ``mapws create`` and ``mapws
sync`` and edited with openpyxl as a buyer would, so this harness does not depend on mapws's
internals. A readable table goes to stdout (progress to stderr); with ``--json`` the last line of
stdout is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
FLOORS = Path(__file__).resolve().parent / "floors"
TEMPLATE = ROOT / "templates" / "enterprise.toml"

CREATED = date(2026, 3, 2)
TODAY = CREATED + timedelta(days=7)  # the day of every timed command but the warm night
TOMORROW = TODAY + timedelta(days=1)  # the warm night: the day after the cold one
DECISION = date(2026, 6, 30)
SLUG = "seed-deal"
LIST_PLANS = 10
EDITED_SHARE = 0.05


@dataclass(frozen=True)
class Row:
    name: str
    figure: str
    floor: str
    target: float
    many: bool = False  # over --plans workbooks: --big-runs runs, no warm-up


ROWS = (
    Row("help", "mapws --help", "a bare 10-command click group script", 1.5),
    Row("list", f"mapws list ({LIST_PLANS} plans)", "a pathlib glob script listing the same folder", 3.0),
    Row("sync_edited", "mapws sync PLAN after an edit (26 items)", "openpyxl load+save of the same file", 1.3),
    Row("sync_unchanged", "mapws sync PLAN with no edit (26 items)", "openpyxl load of the same file", 1.3),
    Row("summary", "mapws summary PLAN (26 items)", "openpyxl load of the same file", 1.6),
    Row("sync_all_warm", "sync --all, {plans} workbooks, 5% edited, warm",
        "{edited} load+saves + hashing {plans} files (one process)", 1.5, many=True),
    Row("sync_all_cold", "sync --all, {plans} workbooks, cold, {cores} cores",
        "bare load of {plans} workbooks on one core", 0.7, many=True),
    Row("sync_big", "mapws sync PLAN after an edit ({items:,} items)", "openpyxl load+save of the same file", 1.5),
)


class BenchmarkError(Exception):
    """A command the harness ran failed: the figures would mean nothing."""


# --- processes -----------------------------------------------------------------------------------

def mapws_command() -> list[str]:
    """The console script installed beside this interpreter, as a user runs it."""
    script = Path(sys.executable).parent / "mapws"
    return [str(script)] if script.exists() else [sys.executable, "-m", "map_workspace"]


def floor_command(script: str, *args: object) -> list[str]:
    return [sys.executable, str(FLOORS / script), *map(str, args)]


def compile_like_an_install(say: Callable[[str], None]) -> None:
    """pip compiles an installed package's modules to bytecode; an editable install (and an
    environment with PYTHONDONTWRITEBYTECODE set) would otherwise make every timed process compile
    mapws from source, which no user pays. The libraries in site-packages were compiled by pip."""
    spec = importlib.util.find_spec("map_workspace")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise BenchmarkError("mapws is not installed: run pip install . first")
    for folder in [*spec.submodule_search_locations, str(FLOORS)]:
        compileall.compile_dir(folder, quiet=1)
    say("compiled mapws and the floors to bytecode, as pip does on install")


def clean_environment(home: Path) -> dict[str, str]:
    """This environment without any MAPWS_* setting or user folder: mapws finds no config file, no
    token, no state store but the ones the harness names."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAPWS_", "XDG_")) and k != "HOME"}
    env.update(HOME=str(home), NO_GCE_CHECK="true", XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local" / "share"), XDG_CACHE_HOME=str(home / ".cache"))
    return env


@dataclass(frozen=True)
class Sample:
    wall_s: float
    cpu_s: float  # user + sys of the process and every child it waited for (a process pool's workers)
    stdout: str


def run(command: list[str], env: dict[str, str], cwd: Path) -> Sample:
    """One whole process, timed from before it is started to after it has been reaped."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise BenchmarkError(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Sample(wall, cpu, done.stdout)


# --- files -----------------------------------------------------------------------------------------

class Mirror:
    """A live folder kept equal to a pristine one: a file a run changed is copied back with its
    times (a size or a modification time that differs), a file a run added is removed."""

    def __init__(self, pristine: Path, live: Path) -> None:
        self.pristine, self.live = pristine, live
        self.stats = {e.name: _stat(e.path) for e in os.scandir(pristine) if e.is_file()}
        self.restore()

    def restore(self) -> None:
        self.live.mkdir(parents=True, exist_ok=True)
        seen = set()
        for entry in os.scandir(self.live):
            seen.add(entry.name)
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            elif entry.name not in self.stats:
                os.unlink(entry.path)
            elif _stat(entry.path) != self.stats[entry.name]:
                os.unlink(entry.path)  # a hard link or a read-only file is replaced, not written through
                shutil.copy2(self.pristine / entry.name, entry.path)
        for name in self.stats.keys() - seen:
            shutil.copy2(self.pristine / name, self.live / name)


def _stat(path: str | Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def buyer_edit(path: Path) -> None:
    """What a buyer does between two syncs (as in benchmarks/local.py): T-01 done, T-02 given to a
    team, M-01 moved a week. With openpyxl, finding columns by header and rows by ID."""
    wb = openpyxl.load_workbook(path, rich_text=True)
    ws = wb["Plan"]
    cols = {str(c.value).split("(")[0].strip().lower(): c.column for c in ws[1] if c.value}
    rows = {ws.cell(r, cols["id"]).value: r for r in range(2, ws.max_row + 1)}
    ws.cell(rows["T-01"], cols["status"]).value = "Done"
    ws.cell(rows["T-02"], cols["owner"]).value = "IT team"
    due = ws.cell(rows["M-01"], cols["due"])
    due.value = due.value + timedelta(days=7)
    wb.save(path)


def big_template(items: int) -> str:
    """The enterprise template with Seller tasks after the kick-off added up to ``items`` items."""
    text = TEMPLATE.read_text(encoding="utf-8").replace('name = "enterprise"', 'name = "big"', 1)
    base = text.count("[[activities]]")
    extra = [f'[[activities]]\nkey = "extra_{n:05d}"\ntype = "Task"\nactivity = "Extra step {n}"\n'
             f'side = "Seller"\nowner_role = "seller.ae"\nduration_days = 1\ndepends_on = ["kickoff"]\n'
             for n in range(1, items - base + 1)]
    return text + "\n" + "\n".join(extra)


# --- the workbooks, made once per run ------------------------------------------------------------

class Workspace:
    """A temporary folder with a fresh HOME and the workbooks the rows share, each made on first use."""

    def __init__(self, tmp: Path, plans: int, items: int, say: Callable[[str], None]) -> None:
        self.tmp, self.plans, self.items, self.say = tmp, plans, items, say
        self.home = tmp / "home"
        self.home.mkdir()
        self.env = clean_environment(self.home)
        self.mapws = mapws_command()

    def call(self, *args: object, env: dict[str, str] | None = None) -> Sample:
        return run([*self.mapws, *map(str, args)], env or self.env, self.tmp)

    def create(self, folder: Path, *extra: object) -> Path:
        """``mapws create`` a week before TODAY, then a first sync on TODAY: a plan as it is
        between two of the buyer's edits."""
        self.call("create", "Seed deal", "--decision-date", DECISION, "--buyer", "Dana Tanaka <dana@acme.com>",
                  "--seller", "Sam Rivera <sam@seller.io>", "--dir", folder, "--today", CREATED, *extra)
        self.call("sync", SLUG, "--dir", folder, "--today", TODAY)
        return folder

    @cached_property
    def synced(self) -> Path:
        """A folder with one enterprise plan (26 items), synced."""
        return self.create(self.tmp / "pristine-synced")

    @cached_property
    def edited(self) -> Path:
        """The same plan after a buyer's edit."""
        folder = self.tmp / "pristine-edited"
        shutil.copytree(self.synced, folder)
        buyer_edit(folder / f"{SLUG}.xlsx")
        return folder

    @cached_property
    def ten(self) -> Path:
        return self.copies(self.tmp / "pristine-list", LIST_PLANS)

    @cached_property
    def many(self) -> Path:
        self.say(f"{self.plans} copies of the plan")
        return self.copies(self.tmp / "pristine-many", self.plans)

    def copies(self, folder: Path, count: int) -> Path:
        folder.mkdir()
        source = self.synced / f"{SLUG}.xlsx"
        for n in range(count):
            shutil.copy2(source, folder / f"deal-{n:04d}.xlsx")
        return folder

    @cached_property
    def big_edited(self) -> Path:
        self.say(f"a plan of {self.items:,} items")
        template = self.tmp / "big.toml"
        template.write_text(big_template(self.items), encoding="utf-8")
        folder = self.create(self.tmp / "pristine-big", "--template", template)
        buyer_edit(folder / f"{SLUG}.xlsx")
        return folder


# --- the rows --------------------------------------------------------------------------------------

@dataclass
class Case:
    """What one row times: the command, its floor, what puts the files back before each run, and
    what to read from the command's output."""
    command: list[str]
    floor: list[str]
    env: dict[str, str]
    restore: Callable[[], None] = lambda: None
    detail: Callable[[str], dict[str, Any]] = lambda _stdout: {}
    notes: list[str] = field(default_factory=list)


def night_totals(stdout: str) -> dict[str, Any]:
    """The night's totals from ``sync --all --json`` (its last line): proof of what was measured."""
    totals = json.loads(stdout.strip().splitlines()[-1]).get("totals", {})
    return {k: totals[k] for k in ("plans", "unchanged", "failed", "reads", "writes", "changes") if k in totals}


def prepare(row: Row, ws: Workspace) -> Case:
    live = ws.tmp / f"live-{row.name}"
    plan = live / f"{SLUG}.xlsx"
    if row.name == "help":
        return Case([*ws.mapws, "--help"], floor_command("click_group.py", "--help"), ws.env)
    if row.name == "list":
        mirror = Mirror(ws.ten, live)
        return Case([*ws.mapws, "list", "--dir", str(live), "--today", str(TODAY)],
                    floor_command("glob_list.py", live), ws.env, mirror.restore)
    if row.name in ("sync_edited", "sync_unchanged", "summary", "sync_big"):
        pristine = ws.edited if row.name == "sync_edited" else ws.big_edited if row.name == "sync_big" else ws.synced
        mirror = Mirror(pristine, live)
        verb = "summary" if row.name == "summary" else "sync"
        writes = row.name in ("sync_edited", "sync_big")
        return Case([*ws.mapws, verb, SLUG, "--dir", str(live), "--today", str(TODAY)],
                    floor_command("workbooks.py", "loadsave" if writes else "load", plan), ws.env, mirror.restore)
    if row.name == "sync_all_cold":
        mirror = Mirror(ws.many, live)
        state = ws.tmp / "state-cold"
        env = {**ws.env, "MAPWS_STATE": str(state / "state.sqlite")}

        def restore() -> None:
            mirror.restore()
            shutil.rmtree(state, ignore_errors=True)  # cold: an empty state store every run

        return Case([*ws.mapws, "sync", "--all", "--dir", str(live), "--today", str(TODAY), "--json"],
                    floor_command("workbooks.py", "load-dir", live), env, restore, night_totals,
                    ["mapws may use every core; the floor pins itself to one"])
    if row.name == "sync_all_warm":
        return prepare_warm(ws, live)
    raise ValueError(row.name)


def prepare_warm(ws: Workspace, live: Path) -> Case:
    """The night after a cold one, with 5% of the plans edited since. The cold night runs once here
    (in the live folder: the state store keys plans by path), then the folder and the state store
    are kept as they are and put back before each run."""
    Mirror(ws.many, live)
    state, pristine_state = ws.tmp / "state-warm", ws.tmp / "pristine-state-warm"
    env = {**ws.env, "MAPWS_STATE": str(state / "state.sqlite")}
    ws.say("the cold night before the warm one")
    ws.call("sync", "--all", "--dir", live, "--today", TODAY, "--json", env=env)
    paths = sorted(live.glob("*.xlsx"))
    edited = paths[::max(1, round(1 / EDITED_SHARE))]
    for path in edited:
        buyer_edit(path)
    pristine = ws.tmp / "pristine-warm"
    shutil.copytree(live, pristine)
    shutil.copytree(state, pristine_state)
    folder, states = Mirror(pristine, live), Mirror(pristine_state, state)
    listing = ws.tmp / "edited.txt"
    listing.write_text("".join(f"{p}\n" for p in edited), encoding="utf-8")

    def restore() -> None:
        folder.restore()
        states.restore()

    return Case([*ws.mapws, "sync", "--all", "--dir", str(live), "--today", str(TOMORROW), "--json"],
                floor_command("workbooks.py", "night", live, listing), env, restore, night_totals,
                [f"{len(edited)} of {len(paths)} edited since the cold night"])


def measure(row: Row, case: Case, ws: Workspace, runs: int, warmup: int) -> dict[str, Any]:
    """Command and floor in turn, ``warmup`` uncounted pairs first."""
    figure: list[Sample] = []
    floor: list[Sample] = []
    for n in range(warmup + runs):
        case.restore()
        a = run(case.command, case.env, ws.tmp)
        case.restore()
        b = run(case.floor, case.env, ws.tmp)
        if n >= warmup:
            figure.append(a)
            floor.append(b)
    case.restore()
    med, floor_med = statistics.median(s.wall_s for s in figure), statistics.median(s.wall_s for s in floor)
    pairs = [a.wall_s / b.wall_s for a, b in zip(figure, floor, strict=True)]
    ratio = med / floor_med
    return {
        "name": row.name, "figure": label(row.figure, ws), "floor": label(row.floor, ws),
        "command": " ".join(["mapws", *case.command[len(ws.mapws):]]),
        "floor_command": " ".join(["python", str(Path(case.floor[1]).relative_to(ROOT)), *case.floor[2:]]),
        "runs": runs, "warmup": warmup,
        "median_s": round(med, 4), "min_s": round(min(s.wall_s for s in figure), 4),
        "max_s": round(max(s.wall_s for s in figure), 4),
        "cpu_median_s": round(statistics.median(s.cpu_s for s in figure), 4),
        "floor_median_s": round(floor_med, 4), "floor_min_s": round(min(s.wall_s for s in floor), 4),
        "floor_max_s": round(max(s.wall_s for s in floor), 4),
        "floor_cpu_median_s": round(statistics.median(s.cpu_s for s in floor), 4),
        "ratio": round(ratio, 3),
        # CPU over CPU: steadier than wall time on a shared machine, but blind to waiting and to cores.
        "cpu_ratio": round(statistics.median(s.cpu_s for s in figure) / statistics.median(s.cpu_s for s in floor), 3),
        "pair_ratio_min": round(min(pairs), 3), "pair_ratio_median": round(statistics.median(pairs), 3),
        "pair_ratio_max": round(max(pairs), 3),
        "target": row.target, "pass": ratio <= row.target,
        "detail": case.detail(figure[-1].stdout), "notes": case.notes,
    }


def label(text: str, ws: Workspace) -> str:
    edited = len(range(0, ws.plans, max(1, round(1 / EDITED_SHARE))))
    return text.format(plans=f"{ws.plans:,}", edited=edited, items=ws.items, cores=os.cpu_count())


# --- output ----------------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "")
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model or platform.processor(), "python": platform.python_version(),
            "date": time.strftime("%Y-%m-%d"), "load_avg_1m": round(os.getloadavg()[0], 2)}


def revision() -> str:
    try:
        done = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True,
                              text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def table(result: dict[str, Any]) -> str:
    """The rows as a readable text table (seconds of wall time)."""
    m = result["machine"]
    lines = [f"mapws commands as whole processes against their floors, {m['date']}, nproc {m['nproc']}, "
             f"Python {m['python']}, load average {m['load_avg_1m']} at the start, code {result['revision']}",
             f"{'figure':<50} {'median':>7} {'min-max':>13} {'floor':>7} {'min-max':>13} {'ratio':>6} "
             f"{'target':>7}  verdict {'pairs':>6} {'cpu':>6}"]
    for r in result["rows"]:
        lines.append(f"{r['figure']:<50} {r['median_s']:>7.3f} {r['min_s']:>6.3f}-{r['max_s']:<6.3f} "
                     f"{r['floor_median_s']:>7.3f} {r['floor_min_s']:>6.3f}-{r['floor_max_s']:<6.3f} "
                     f"{r['ratio']:>5.2f}x {'<= ' + format(r['target'], 'g') + 'x':>7}  "
                     f"{'pass' if r['pass'] else 'FAIL':<7} {r['pair_ratio_median']:>5.2f}x {r['cpu_ratio']:>5.2f}x")
    lines += ["ratio: median over the floor's median (wall); pairs: the median of the run-by-run ratios; "
              "cpu: user+sys over the floor's (steadier on a shared machine, blind to waits and cores)", ""]
    for r in result["rows"]:
        runs = plural(r["runs"], "run") + (f" after {plural(r['warmup'], 'warm-up')}" if r["warmup"] else
                                          ", no warm-up")
        extra = "; ".join([*r["notes"], *(f"{k} {v}" for k, v in r["detail"].items())])
        lines.append(f"  {r['name']}: {runs}; floor: {r['floor']}" + (f"; {extra}" if extra else ""))
    lines.append(f"  total {result['total_s']} s, load average {result['load_avg_1m_end']} at the end: "
                 f"{result['command']}")
    return "\n".join(lines)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


@contextmanager
def workspace(plans: int, items: int, say: Callable[[str], None]) -> Iterator[Workspace]:
    with tempfile.TemporaryDirectory(prefix="mapws-bench-") as tmp:
        yield Workspace(Path(tmp), plans, items, say)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    names = [r.name for r in ROWS]
    parser.add_argument("--runs", type=int, default=7, help="counted runs of each command and its floor (7)")
    parser.add_argument("--big-runs", type=int, default=3,
                        help="at most this many runs for the rows over --plans workbooks (3), with no warm-up")
    parser.add_argument("--warmup", type=int, default=1, help="uncounted runs first, other rows (1)")
    parser.add_argument("--plans", type=int, default=1000, help="workbooks for sync --all (1000)")
    parser.add_argument("--items", type=int, default=3000, help="items of the big plan (3000)")
    parser.add_argument("--only", default="", metavar="NAME[,NAME]", help="only these rows: " + ", ".join(names))
    parser.add_argument("--json", action="store_true", help="end with one JSON object on the last line")
    args = parser.parse_args(argv)
    chosen = [n.strip() for n in args.only.split(",") if n.strip()] or names
    unknown = sorted(set(chosen) - set(names))
    if unknown or args.runs < 1 or args.big_runs < 1 or args.plans < 1 or args.items < 30:
        parser.error(f"unknown row(s) {', '.join(unknown)}" if unknown else "--runs, --big-runs and --plans "
                     "must be at least 1, --items at least 30")

    def say(text: str) -> None:
        print(f"[benchmark] {text}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    result: dict[str, Any] = {
        "machine": machine(), "revision": revision(),
        "command": "python -m benchmarks.cli " + " ".join(argv if argv is not None else sys.argv[1:]),
        "today": TODAY.isoformat(), "plans": args.plans, "items": args.items, "rows": [],
    }
    try:
        compile_like_an_install(say)
        with workspace(args.plans, args.items, say) as ws:
            for row in (r for r in ROWS if r.name in chosen):
                runs, warmup = (min(args.runs, args.big_runs), 0) if row.many else (args.runs, args.warmup)
                case = prepare(row, ws)
                say(f"{row.name}: {plural(runs, 'run')}" + (f" after {plural(warmup, 'warm-up')}" if warmup else ""))
                result["rows"].append(measure(row, case, ws, runs, warmup))
    except BenchmarkError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    result["ratios"] = {r["name"]: r["ratio"] for r in result["rows"]}
    result["total_s"] = round(time.perf_counter() - started, 1)
    result["load_avg_1m_end"] = round(os.getloadavg()[0], 2)
    print(table(result))
    if args.json:
        print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
