"""``mapws sync --all``: every plan, frugally, within quota, and the night's digest.

A plan whose version has not moved since the last sync is not read: its last snapshot comes from
the state store and is re-planned for today; it is written only when today's date changes a
sync-owned value. Until the day the calendar alone can change what the sync writes or concludes
about it (``domain.stability.stable_until``), it is not even planned: the night prints what it
concluded last, its due-soon, overdue and stalled findings worded for the day
(``domain.stability.DueBlock``). The rest are read and synced, each through the one sync loop
(``app.sync_plan``), by a pool of workers sharing one rate limiter (threads), or by worker
processes for CPU-bound local files.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
from collections import Counter
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from map_workspace import SCHEMA_VERSION, __version__, app, history_words
from map_workspace.changes import ChangeSet
from map_workspace.config import Config
from map_workspace.domain.model import Assessment, Finding, Health, Overview, Plan, Progress
from map_workspace.domain.silence import BuyerWatch
from map_workspace.domain.stability import Dated, DueBlock, stable_until
from map_workspace.errors import ExitStatus, MapwsError, PlanError, UsageError
from map_workspace.layout import Snapshot
from map_workspace.ports import PlanRef, PlanStore
from map_workspace.ratelimit import RateLimiter, Unlimited
from map_workspace.snapshot_codec import encode
from map_workspace.state_store import Remembered, StateStore
from map_workspace.sync import SyncPlan

#: Findings the digest counts, by the name it shows them under.
DIGEST = {"item.overdue": "overdue", "item.stalled": "stalled", "item.due_soon": "due_soon",
          "item.blocked": "blocked"}
CATEGORIES = ("overdue", "stalled", "due_soon", "blocked", "slipped")


@dataclass(frozen=True)
class Shard:
    """Which part of the plans this run syncs (``--shard I/N``)."""

    index: int = 0
    count: int = 1

    @classmethod
    def parse(cls, text: str | None) -> Shard:
        if not text:
            return cls()
        try:
            i, n = (int(x) for x in text.split("/"))
        except ValueError:
            raise UsageError(f"--shard '{text}' is not I/N.", "Example: --shard 0/4 (shards are 0 … N-1).") from None
        if not (n >= 1 and 0 <= i < n):
            raise UsageError(f"--shard {text}: I must be 0 … {max(n, 1) - 1}.", "Example: --shard 0/4.")
        return cls(i, n)

    def holds(self, ref: PlanRef) -> bool:
        """Stable: a plan always falls in the same one shard, whatever the listing order."""
        digest = int.from_bytes(hashlib.sha1(ref.id.encode()).digest()[:8], "big")
        return digest % self.count == self.index


@dataclass
class PlanRun:
    """What happened to one plan tonight."""

    ref: PlanRef
    outcome: app.SyncOutcome | None = None
    error: MapwsError | None = None
    read: bool = False
    digest: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        if self.error is not None:
            return {"plan": self.ref.id, "error": self.error.as_json()}
        assert self.outcome is not None
        return {**self.outcome.as_json(), "unchanged": not self.read,
                "digest": {k: [e["id"] for e in v] for k, v in self.digest.items()}}


@dataclass
class Night:
    """The whole run: plans in the order they finished, totals and the per-owner digest."""

    runs: list[PlanRun] = field(default_factory=list)
    resumed: dict[str, object] | None = None
    limiter: RateLimiter | None = None
    #: With ``--impersonate-owners``: each owner's store and rate limiter.
    lanes: OwnerLanes | None = None
    #: What the state store said as it closed (a Drive state file that could not be saved): the
    #: night's work is done, but the next night will not know it.
    state_problem: MapwsError | None = None
    #: ``status --all`` and ``sync --all --dry-run``: plans were checked, nothing was written.
    dry_run: bool = False
    #: Plans skipped unread because they are closed (``mapws close``, kept seller-side).
    closed: list[PlanRef] = field(default_factory=list)

    @property
    def exit_status(self) -> ExitStatus:
        """PLAN when a plan failed or the state was not kept; a policy (``--strict``) is the caller's."""
        return ExitStatus.PLAN if self.failed or self.state_problem is not None else ExitStatus.OK

    def requests(self, kind: str) -> int:
        """Sheets requests of a kind counted by every rate limiter of the run."""
        limiters = [self.limiter] if self.limiter else []
        limiters += [limiter for _, limiter in (self.lanes.lanes.values() if self.lanes else ())]
        return sum(limiter.counts.get(kind, 0) for limiter in limiters)

    @property
    def failed(self) -> list[PlanRun]:
        return [r for r in self.runs if r.error is not None]

    def by_owner(self) -> dict[str, Counter[str]]:
        owners: dict[str, Counter[str]] = {}
        for run in self.runs:
            for category, entries in run.digest.items():
                for entry in entries:
                    # Two people in one cell are two owners; a digest remembered before "owners" has one.
                    for owner in entry.get("owners") or [entry["owner"]]:
                        owners.setdefault(owner, Counter())[category] += 1
        return owners

    def totals(self) -> dict[str, Any]:
        ok = [r for r in self.runs if r.outcome is not None]
        counts = Counter({c: 0 for c in CATEGORIES})
        for r in ok:
            for category, entries in r.digest.items():
                counts[category] += len(entries)
        return {
            "plans": len(self.runs), "synced": len(ok), "failed": len(self.failed),
            "unchanged": sum(1 for r in ok if not r.read),
            # Written, or with dry_run what would be written.
            "changes": sum(r.outcome.changes for r in ok if r.outcome), "dry_run": self.dry_run,
            "errors": sum(1 for r in ok if r.outcome for f in r.outcome.result.findings
                          if f.severity.value == "error"),
            **counts,
            "reads": self.requests("read"),
            "writes": self.requests("write"),
            "by_owner": {o: dict(c) for o, c in sorted(self.by_owner().items())},
            "resumed": self.resumed is not None,
            "closed": len(self.closed),
            **({"by_identity": self.lanes.counts()} if self.lanes else {}),
            **({"state_error": self.state_problem.as_json()} if self.state_problem is not None else {}),
        }


class OwnerLanes:
    """``--impersonate-owners``: each plan synced as its owner, by a store acting as them (domain-wide
    delegation) under a rate limiter of their own, so every rep's per-user quota is used instead of
    one shared bucket. Plans without a known owner (Shared Drive files) go through the listing store."""

    def __init__(self, listing: PlanStore, store_for: Callable[[str], PlanStore],
                 limiter_for: Callable[[], RateLimiter], fallback: RateLimiter) -> None:
        self._owner_of: Callable[[PlanRef], str] = listing.owners().owner_of
        self.listing = listing
        self.store_for = store_for
        self.limiter_for = limiter_for
        self.fallback = fallback
        #: owner → (their store, their rate limiter)
        self.lanes: dict[str, tuple[PlanStore, RateLimiter]] = {}

    def prepare(self, refs: list[PlanRef]) -> None:
        """Build every owner's store before any work starts (building sends nothing), so a
        configuration problem stops the run at once instead of failing each plan."""
        for ref in refs:
            owner = self._owner_of(ref)
            if owner and owner not in self.lanes:
                self.lanes[owner] = (self.store_for(owner), self.limiter_for())

    def lane(self, ref: PlanRef) -> tuple[PlanStore, RateLimiter]:
        return self.lanes.get(self._owner_of(ref)) or (self.listing, self.fallback)

    def counts(self) -> dict[str, dict[str, int]]:
        return {owner: {"reads": limiter.counts.get("read", 0), "writes": limiter.counts.get("write", 0)}
                for owner, (_, limiter) in sorted(self.lanes.items())}


def owner_lanes(listing: PlanStore, config: Config, limiter_for: Callable[[], RateLimiter],
                fallback: RateLimiter) -> OwnerLanes:
    """The lanes for ``--impersonate-owners`` from the configured identity, which must be a service
    account (only they can act as other users, through domain-wide delegation)."""
    listing.owners()  # a store that knows no owners says so before anything else happens
    from map_workspace.backends.google.auth import SERVICE_ACCOUNT, resolve_identity

    identity = resolve_identity(config)
    if identity.kind != SERVICE_ACCOUNT:
        raise UsageError(
            f"--impersonate-owners needs a service-account key, but the credentials in use are {identity.source}.",
            "Pass a service-account key with --credentials KEY.json whose client ID a Workspace admin has "
            "authorised for domain-wide delegation (docs/nightly.md), or drop --impersonate-owners.",
        )
    return OwnerLanes(listing, lambda owner: app.make_store(replace(config, impersonate=owner)), limiter_for,
                      fallback)


def open_state(store: PlanStore, config: Config, shard: Shard = Shard()) -> StateStore:
    """The state store the configuration names: SQLite at ``state`` (default: the user data dir), or
    with ``drive`` one file per shard kept by the store beside its plans (``state_host()``), for
    hosts thrown away after each run."""
    if config.state.strip().lower() == "drive":
        return store.state_host().open_state(shard.index, shard.count)
    return StateStore(Path(config.state).expanduser() if config.state else None)


def plan_key(store: PlanStore, ref: PlanRef) -> str:
    return f"{store.name}:{ref.id}"


def digest_of(outcome: app.SyncOutcome) -> dict[str, list[dict[str, Any]]]:
    """Per category, the items and who owns them: what a manager reads over coffee."""
    result = outcome.result
    items = {i.id: i for i in result.plan.items}
    entry = _entries(result)
    slipped = [h.id for h in result.changes.history
               # A Done or N/A item whose date moves is not slipping (slip warnings stop once it is done).
               if history_words.field_key(h.field) == "due" and history_words.opens_with(h.note, "slipped")
               and (h.id not in items or items[h.id].is_open)]
    return _digest(result.findings, entry, slipped)


def _entries(result: SyncPlan) -> Callable[[str], dict[str, Any]]:
    items = {i.id: i for i in result.plan.items}
    people = result.assessment.people

    def entry(item_id: str) -> dict[str, Any]:
        item = items.get(item_id)
        owners = list(people.get(item_id) or ["(no owner)"])
        return {"id": item_id, "owner": " & ".join(owners), "owners": owners,
                "activity": item.activity if item else ""}

    return entry


def _digest(findings: Iterable[Finding], entry: Callable[[str], dict[str, Any]],
            slipped: Iterable[str] = ()) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {c: [] for c in CATEGORIES}
    for f in findings:
        if f.code in DIGEST and f.id:
            out[DIGEST[f.code]].append(entry(f.id))
    out["slipped"] += map(entry, slipped)
    return {k: v for k, v in out.items() if v}


# --- what a night remembers of a plan it need not plan again -------------------------------------

def settings_key(config: Config) -> str:
    """What the conclusions depend on besides the file and the day: mapws itself and the settings.
    The calendar enters as the config's recipe (regions, closures, single days), not as its built
    dates: asked once per plan, it must not build a calendar (or import ``holidays``) each time."""
    global _SETTINGS_KEY
    cached, key = _SETTINGS_KEY
    if cached is config:  # asked once per plan, of one configuration a night
        return key
    regions = None if config.holiday_regions is None else list(config.holiday_regions)
    text = json.dumps([__version__, SCHEMA_VERSION, config.locale, regions, list(config.closures),
                       sorted(map(str, config.holidays)), asdict(config.thresholds)])
    key = hashlib.sha1(text.encode()).hexdigest()[:16]
    _SETTINGS_KEY = (config, key)
    return key


_SETTINGS_KEY: tuple[Config | None, str] = (None, "")


def conclusions_of(outcome: app.SyncOutcome, digest: dict[str, list[dict[str, Any]]], config: Config,
                   today: date) -> str:
    """What a night prints about a plan it synced without a change, and until when that holds for
    the unchanged file (``stable_until``), as JSON for the state store; "" when it must be planned
    again (it was written: the written file is planned once more first)."""
    result = outcome.result
    if outcome.written or not result.changes.is_empty:
        return ""
    a = result.assessment
    # Items turning due soon, overdue or stalled change no cell (the sheet's live formulas show
    # them), only findings: those are worded for the day from the block, and the plan is planned
    # again only when something else may change.
    block = None if result.closed else DueBlock.of(result.plan, result.findings, today, config.thresholds,
                                                    result.calendar, result.due_cells, result.plan_sheet, result.lang)
    until = stable_until(result.plan, today, config.thresholds, result.calendar, dated=block is not None,
                         decision_id=result.decision_id)
    if result.silent_on is not None:
        # The buyer's silence begins on that day (planned again then); once it has, its message
        # counts the days: planned again each day.
        until = min(until, max(result.silent_on, today + timedelta(days=1)))
    return json.dumps({
        "since": today.isoformat(),
        "until": until.isoformat(),
        "settings": settings_key(config),
        "findings": [_finding_json(f) for f in result.findings],
        "progress": a.progress.as_json(), "health": a.health.value,
        "projected": a.projected_decision.isoformat() if a.projected_decision else None,
        "digest": digest,
        **({"block": _block_json(block, _entries(result))} if block is not None else {}),
    }, ensure_ascii=False, separators=(",", ":"))


def _finding_json(f: Finding) -> dict[str, Any]:
    return {**f.as_json(), "activity": f.activity, "sheet": f.sheet}


def _block_json(block: DueBlock, entry: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """The block, and the digest's words for each item it may name (its owners and activity)."""
    slots = [{"finding": _finding_json(s)} if isinstance(s, Finding) else
             {"dated": [s.id, s.due.isoformat(), s.soon_from.isoformat(), s.stalled_after, s.cell, s.activity,
                        s.sheet]} for s in block.slots]
    ids = {s.id or "" for s in block.slots}
    return {"at": block.at, "n": block.n, "lang": block.lang, "slots": slots,
            "entries": {i: entry(i) for i in sorted(ids) if i}}


def _block_from_json(doc: dict[str, Any]) -> tuple[DueBlock, dict[str, dict[str, Any]]]:
    slots: list[Finding | Dated] = []
    for slot in doc["slots"]:
        if "finding" in slot:
            slots.append(Finding.from_json(slot["finding"]))
        else:
            i, due, soon, stalled, cell, activity, sheet = slot["dated"]
            slots.append(Dated(i, date.fromisoformat(due), date.fromisoformat(soon), int(stalled), cell, activity,
                               sheet))
    return DueBlock(int(doc["at"]), int(doc["n"]), tuple(slots), str(doc.get("lang", "en"))), doc["entries"]


def remembered_run(ref: PlanRef, facts: str, config: Config, today: date) -> PlanRun | None:
    """The run of an unchanged plan whose last conclusions still hold today: the same output as
    planning it again, without decoding or planning it. None when they do not hold."""
    try:
        doc = json.loads(facts)
        if not (doc["since"] <= today.isoformat() < doc["until"]) or doc["settings"] != settings_key(config):
            return None
        findings = tuple(Finding.from_json(f) for f in doc["findings"])
        digest = doc["digest"]
        if "block" in doc:  # items due soon, overdue or stalled today
            block, entries = _block_from_json(doc["block"])
            findings = block.findings_on(findings, today)
            digest = _digest(findings, entries.__getitem__)
        assessment = Assessment(findings, Progress(**doc["progress"]), Health(doc["health"]),
                                date.fromisoformat(doc["projected"]) if doc["projected"] else None)
    except (ValueError, KeyError, TypeError):
        return None  # a damaged or older entry: plan it
    # The plan itself is not kept: a remembered result carries what the night prints, not the items.
    result = SyncPlan(ChangeSet(), assessment, Plan(plan_id="", overview=Overview(deal=ref.title)), findings)
    outcome = app.SyncOutcome(ref, result, written=False, read=False, version=ref.version)
    return PlanRun(ref, outcome, read=False, digest=digest)


# --- one plan ----------------------------------------------------------------------------------

@dataclass
class Job:
    """A plan that must be planned tonight: read, or (``unchanged``) planned from its stored snapshot."""

    ref: PlanRef
    key: str
    remembered: Remembered | None
    #: What the state store remembers of the buyer's edits (their silence is assessed with it).
    buyer: BuyerWatch = field(default_factory=BuyerWatch)
    #: Unchanged since it was remembered: planned from the stored snapshot instead of read.
    unchanged: bool = False

    @property
    def cached(self) -> Snapshot | None:
        """The stored snapshot to plan instead of reading (None: read the plan; a damaged entry is read
        too). Decoded on first use: by the worker process that plans it, not by the parent that hands
        the job over (which would decode every plan in turn, then send each one over as objects)."""
        return self.remembered.snapshot if self.unchanged and self.remembered is not None else None


def prepare(store: PlanStore, ref: PlanRef, config: Config, state: StateStore, today: date,
            listing: PlanStore | None = None, *, recall: bool = True) -> PlanRun | Job:
    """Decide whether to read the plan (its version moved since last night), to plan it from the
    stored snapshot, or neither (unchanged, and what it concluded still holds today). ``listing``:
    the store that listed ``ref`` (it knows what the listing said), when another one syncs it.
    ``recall`` False: an unchanged plan is a Job even when what it concluded may hold (the caller
    tries ``recall`` later, e.g. while worker processes read the others)."""
    key = plan_key(store, ref)
    ref = replace(ref, version=ref.version or store.version(ref))
    remembered = state.get(key)
    if remembered is None or not ref.version or not (listing or store).unchanged_since(remembered.version, ref):
        return Job(ref, key, remembered, state.buyer_watch(key))
    job = Job(ref, key, remembered, unchanged=True)
    if not recall:
        return job
    return recall_run(job, config, today) or replace(job, buyer=state.buyer_watch(key))


def recall_run(job: Job, config: Config, today: date) -> PlanRun | None:
    """The run of an unchanged plan printed from what it concluded, when that holds today."""
    facts = job.remembered.facts if job.unchanged and job.remembered is not None else ""
    return remembered_run(job.ref, facts, config, today) if facts else None


def sync_job(store: PlanStore, job: Job, config: Config, limiter: RateLimiter, *, dry_run: bool = False,
             today: date | None = None) -> tuple[PlanRun, str]:
    """Sync one plan through the one sync loop; returns its run and its conclusions to remember."""
    outcome = app.sync_plan(store, job.ref, config, dry_run=dry_run, cached=job.cached, limiter=limiter,
                            buyer=job.buyer)
    digest = digest_of(outcome)
    facts = "" if dry_run else conclusions_of(outcome, digest, config, today or app.today_for(config))
    return PlanRun(job.ref, outcome, read=outcome.read, digest=digest), facts


def record(state: StateStore, job: Job, run: PlanRun, facts: str, today: date, blob: bytes | None = None) -> None:
    """Remember the plan as the sync left it: the snapshot when it was read or written (or is new),
    else only the visit (and what it concluded, when that changed). ``blob`` is the snapshot
    already encoded (by a worker process)."""
    outcome = run.outcome
    if outcome is None:
        return
    day = today.isoformat()
    remembered = job.remembered
    if keeps_snapshot(job, outcome):
        snapshot = blob if blob is not None else outcome.after
        assert snapshot is not None
        state.put(job.key, outcome.version, snapshot, day, facts)
    elif remembered is not None and (remembered.synced_day != day or remembered.facts != facts):
        state.touch(job.key, day, facts)
    app.remember_status(state, job.key, outcome, today)


def keeps_snapshot(job: Job, outcome: app.SyncOutcome) -> bool:
    return outcome.written or outcome.read or job.remembered is None


def sync_or_fail(store: PlanStore, job: Job, config: Config, limiter: RateLimiter, dry_run: bool,
                 today: date) -> tuple[PlanRun, str]:
    """``sync_job``, with a failure kept as that plan's run: one broken file must not stop the night."""
    try:
        return sync_job(store, job, config, limiter, dry_run=dry_run, today=today)
    except Exception as exc:  # noqa: BLE001
        return failed_run(job.ref, exc), ""


def failed_run(ref: PlanRef, exc: BaseException) -> PlanRun:
    if isinstance(exc, MapwsError):
        return PlanRun(ref, error=exc)
    return PlanRun(ref, error=PlanError(f"{ref.id}: {type(exc).__name__}: {exc}",
                                        "Run 'mapws sync PLAN --traceback' on this plan to see why."))


# --- every plan --------------------------------------------------------------------------------

#: Plans to read before a cold local night is worth starting worker processes for.
PROCESS_POOL_MIN = 16


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _init_process(store: PlanStore, config: Config) -> None:
    """A worker process: Ctrl-C is the parent's to handle (it lets running plans finish)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _WORKER
    _WORKER = (store, config)


_WORKER: tuple[PlanStore, Config] | None = None


def _sync_in_process(job: Job, dry_run: bool,
                     today: date) -> tuple[PlanRun, str, bytes | None, dict[str, int]]:
    """One plan in a worker process: the run, its conclusions, the snapshot to remember (encoded
    here, to spare the parent) and the requests it sent."""
    assert _WORKER is not None
    store, config = _WORKER
    limiter = Unlimited()
    blob = None
    run, facts = sync_or_fail(store, job, config, limiter, dry_run, today)
    if run.outcome is not None and run.outcome.after is not None:
        if not dry_run and keeps_snapshot(job, run.outcome):
            blob = encode(run.outcome.after)
        # The parent prints and counts findings, the assessment and the changes; the plan's items
        # served here (digest, conclusions) and are not sent back (a third of what would be).
        result = run.outcome.result
        run.outcome = replace(run.outcome, after=None,
                              result=replace(result, plan=Plan(plan_id="", overview=result.plan.overview),
                                             due_cells={}))
    return run, facts, blob, dict(limiter.counts)


def sync_every_plan(store: PlanStore, config: Config, *, state: StateStore, limiter: RateLimiter,
                    shard: Shard = Shard(), workers: int = 1, dry_run: bool = False, wait: bool = False,
                    on_listed: Callable[[int], None] | None = None,
                    on_resume: Callable[[dict[str, object]], None] | None = None,
                    lanes: OwnerLanes | None = None, closed: frozenset[str] = frozenset(),
                    on_closed: Callable[[list[PlanRef]], None] | None = None) -> Generator[PlanRun, None, None]:
    """Yield each plan's run as it finishes. One failing plan is reported, the others still done.
    With ``lanes`` each plan goes through its owner's store and rate limiter. A store whose work is
    CPU-bound (``traits.parallel_processes``) spreads many plans to read over worker processes (one per
    core unless ``workers`` says more); the rest use ``workers`` threads. The state is written here,
    by the run's own thread, as each plan finishes. Plans whose ID is in ``closed`` are not read
    (``on_closed`` hears which)."""
    today = app.today_for(config)
    with state.exclusive(wait=wait):
        refs = [r for r in store.list_plans() if shard.holds(r)]
        if closed:
            if on_closed:
                on_closed([r for r in refs if r.id in closed])
            refs = [r for r in refs if r.id not in closed]
        shut = [r for r in refs if r.closed]  # closed where the listing says so (another machine closed it)
        if shut:
            if on_closed:
                on_closed(shut)
            refs = [r for r in refs if not r.closed]
        if lanes:
            lanes.prepare(refs)
        if on_listed:
            on_listed(len(refs))
        previous = None if dry_run else state.unfinished_run()
        if previous and on_resume:
            on_resume(previous)  # a crashed run: plans it finished are unchanged now and cost no read
        run_id = state.begin_run(len(refs)) if not dry_run else 0

        def finished(run: PlanRun, job: Job | None = None, facts: str = "", blob: bytes | None = None) -> PlanRun:
            if not dry_run:
                if job is not None:
                    record(state, job, run, facts, today, blob)
                elif run.outcome is not None:  # remembered: only the visit
                    state.touch(plan_key(store, run.ref), today.isoformat())
            if run_id:
                state.plan_done(run_id, failed=run.error is not None)
            return run

        processes = max(workers, available_cpus())
        if store.traits.parallel_processes and not lanes and processes > 1:
            yield from _over_processes(store, config, refs, state, limiter, processes, dry_run, today, finished)
        else:
            yield from _over_threads(store, config, refs, state, limiter, workers, dry_run, today, finished, lanes)
        if run_id:
            state.finish_run(run_id)


_Finished = Callable[..., PlanRun]


def _over_threads(store: PlanStore, config: Config, refs: list[PlanRef], state: StateStore, limiter: RateLimiter,
                  workers: int, dry_run: bool, today: date, finished: _Finished,
                  lanes: OwnerLanes | None) -> Generator[PlanRun, None, None]:
    def one(ref: PlanRef) -> tuple[PlanRun, Job | None, str]:
        try:
            plan_store, plan_limiter = lanes.lane(ref) if lanes else (store, limiter)
            job = prepare(plan_store, ref, config, state, today, listing=store)
            if isinstance(job, PlanRun):
                return job, None, ""
        except Exception as exc:  # noqa: BLE001 — one broken file must not stop the night
            return failed_run(ref, exc), None, ""
        run, facts = sync_or_fail(plan_store, job, config, plan_limiter, dry_run, today)
        return run, job, facts

    if workers <= 1:
        for ref in refs:
            yield finished(*one(ref))
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mapws-sync") as pool:
        futures = [pool.submit(one, ref) for ref in refs]
        yield from _as_finished(futures, finished)


def _over_processes(store: PlanStore, config: Config, refs: list[PlanRef], state: StateStore,
                    limiter: RateLimiter, processes: int, dry_run: bool, today: date,
                    finished: _Finished) -> Generator[PlanRun, None, None]:
    jobs: list[Job] = []
    for ref in refs:  # deciding costs a hash and a state lookup per plan: done here, in order
        try:
            job = prepare(store, ref, config, state, today, recall=False)
        except Exception as exc:  # noqa: BLE001
            yield finished(failed_run(ref, exc))
            continue
        assert isinstance(job, Job)
        jobs.append(job)

    def in_process(todo: list[Job]) -> Generator[PlanRun, None, None]:
        for job in todo:
            run, facts = sync_or_fail(store, job, config, limiter, dry_run, today)
            yield finished(run, job, facts)

    def recalled(job: Job) -> PlanRun | None:
        run = recall_run(job, config, today)
        if run is None and job.remembered is not None:  # planned tonight: with the buyer's edits remembered
            job.buyer = state.buyer_watch(job.key)
        return run

    reads = [j for j in jobs if not j.unchanged]
    if len(reads) < PROCESS_POOL_MIN:  # too few to read for starting processes to pay off
        todo = []
        for job in jobs:
            run = recalled(job)
            if run is None:
                todo.append(job)
            else:
                yield finished(run)
        yield from in_process(todo)
        return
    left: list[Job] = []
    context = multiprocessing.get_context("spawn")  # no locks or threads inherited mid-use
    with ProcessPoolExecutor(max_workers=processes, mp_context=context,
                             initializer=_init_process, initargs=(store, config)) as pool:
        futures: dict[Future, Job] = {}

        def counted(future: Future) -> tuple[PlanRun, Job | None, str, bytes | None] | None:
            try:
                run, facts, blob, counts = future.result()
            except BrokenProcessPool:  # a worker died, or could not start: this process syncs the plan
                left.append(futures[future])
                return None
            for kind, n in counts.items():  # the parent's limiter counts what the workers sent
                for _ in range(n):
                    limiter.acquire(kind)
            return run, futures[future], facts, blob

        # The plans to read go to the workers first; while they read, this process prints the
        # unchanged ones from what they concluded (and hands over those it must plan again).
        for job in reads:
            futures[pool.submit(_sync_in_process, job, dry_run, today)] = job
        try:
            for job in (j for j in jobs if j.unchanged):
                run = recalled(job)
                if run is None:
                    futures[pool.submit(_sync_in_process, job, dry_run, today)] = job
                else:
                    yield finished(run)
        except BaseException:
            _stop(set(futures), finished, counted)
            raise
        yield from _as_finished(list(futures), finished, counted)
    yield from in_process(left)


def _as_finished(futures: list[Future], finished: _Finished,
                 result_of: Callable[[Future], tuple[Any, ...] | None] | None = None,
                 ) -> Generator[PlanRun, None, None]:
    """Yield each future's run as it completes (``result_of`` None: left for later). When the caller
    stops, or Ctrl-C lands while waiting, plans not begun stay for the next run; those running
    finish, and are remembered."""
    result_of = result_of or (lambda f: f.result())
    pending = set(futures)
    try:
        for future in as_completed(futures):
            pending.discard(future)
            done = result_of(future)
            if done is not None:
                yield finished(*done)
    except BaseException:  # GeneratorExit, KeyboardInterrupt: do not start the rest
        _stop(pending, finished, result_of)
        raise


def _stop(pending: set[Future], finished: _Finished, result_of: Callable[[Future], tuple[Any, ...] | None]) -> None:
    """Cancel the plans not begun; those running finish, and are remembered."""
    for future in pending:
        future.cancel()
    wait(pending)
    for future in pending:
        if not future.cancelled() and future.exception() is None and (done := result_of(future)):
            finished(*done)


# --- the night as the CLI runs it --------------------------------------------------------------



def run_night(store: PlanStore, config: Config, *, dry_run: bool = False, shard: str | Shard | None = None,
              workers: int | None = None, wait: bool = False, impersonate_owners: bool = False,
              on_listed: Callable[[int], None] | None = None,
              on_run: Callable[[PlanRun], None] | None = None) -> Night:
    """``sync --all`` (and ``status --all`` with ``dry_run``): every plan of the shard once, within
    the store's quota, the state store opened and closed around it. ``on_listed`` hears how many
    plans there are, ``on_run`` each plan's run as it finishes (to print or advance a bar)."""
    shard_spec = shard if isinstance(shard, Shard) else Shard.parse(shard)
    limiter = RateLimiter(config.max_rpm) if store.traits.rate_limited else Unlimited()
    lanes = owner_lanes(store, config, lambda: RateLimiter(config.max_rpm), limiter) if impersonate_owners else None
    state = open_state(store, config, shard_spec)
    night = Night(limiter=limiter, lanes=lanes, dry_run=dry_run)
    runs = None
    try:
        runs = sync_every_plan(
            store, config, state=state, limiter=limiter, shard=shard_spec,
            workers=workers or store.traits.default_workers, dry_run=dry_run, wait=wait,
            on_listed=on_listed, on_resume=lambda previous: setattr(night, "resumed", previous), lanes=lanes,
            closed=frozenset(app.closed_plans(store, config)), on_closed=night.closed.extend,
        )
        for run in runs:
            night.runs.append(run)
            if on_run is not None:
                on_run(run)
    finally:
        if runs is not None:
            runs.close()  # on an interruption: the run's own cleanup (e.g. saving the state to Drive) first
        state.close()
    night.state_problem = state.problem
    return night
