"""``mapws sync --all``: every plan, frugally, within quota, and the night's digest.

A plan whose version has not moved since the last sync is not read: its last snapshot comes from
the state store and is re-planned for today; it is written only when today's date changes a
sync-owned value. The rest are read and synced by a pool of workers sharing one rate limiter.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from map_workspace import app
from map_workspace.changes import apply_in_memory
from map_workspace.config import Config
from map_workspace.errors import MapwsError, PlanChanged, PlanError, UsageError
from map_workspace.ports import PlanRef, PlanStore
from map_workspace.ratelimit import RateLimiter
from map_workspace.state_store import StateStore
from map_workspace.sync import plan_sync

#: Findings the digest counts, by the name it shows them under.
DIGEST = {"item.overdue": "overdue", "item.stalled": "stalled", "item.due_soon": "due_soon",
          "item.blocked": "blocked"}
CATEGORIES = ("overdue", "stalled", "due_soon", "blocked", "slipped")


@dataclass(frozen=True)
class Shard:
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
    digest: dict[str, list[dict[str, str]]] = field(default_factory=dict)

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
                    owners.setdefault(entry["owner"], Counter())[category] += 1
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
            "changes": sum(r.outcome.as_json()["changes"] for r in ok if r.outcome),
            "errors": sum(1 for r in ok if r.outcome for f in r.outcome.result.findings
                          if f.severity.value == "error"),
            **counts,
            "reads": self.requests("read"),
            "writes": self.requests("write"),
            "by_owner": {o: dict(c) for o, c in sorted(self.by_owner().items())},
            "resumed": self.resumed is not None,
            **({"by_identity": self.lanes.counts()} if self.lanes else {}),
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
    with ``drive`` one app-owned Drive file per shard, for hosts thrown away after each run."""
    if config.state.strip().lower() == "drive":
        if store.name != "google":
            raise UsageError("--state drive keeps the nightly state in Google Drive: it needs the Google backend.",
                             "Use --backend google, or --state PATH for local plans.")
        from map_workspace.backends.google.drive_state import DriveStateStore, shard_label

        return DriveStateStore.for_store(store, shard_label(shard.index, shard.count))
    return StateStore(Path(config.state).expanduser() if config.state else None)


def plan_key(store: PlanStore, ref: PlanRef) -> str:
    return f"{store.name}:{ref.id}"


def digest_of(outcome: app.SyncOutcome) -> dict[str, list[dict[str, str]]]:
    """Per category, the items and who owns them: what a manager reads over coffee."""
    result = outcome.result
    items = {i.id: i for i in result.plan.items}
    owners = result.assessment.owners

    def entry(item_id: str) -> dict[str, str]:
        item = items.get(item_id)
        owner = owners.get(item_id) or (item.owner if item and item.owner else "(no owner)")
        return {"id": item_id, "owner": owner, "activity": item.activity if item else ""}

    out: dict[str, list[dict[str, str]]] = {c: [] for c in CATEGORIES}
    for f in result.findings:
        if f.code in DIGEST and f.id:
            out[DIGEST[f.code]].append(entry(f.id))
    for h in result.changes.history:
        if h.field == "Due" and h.note.startswith("slipped"):
            out["slipped"].append(entry(h.id))
    return {k: v for k, v in out.items() if v}


def sync_one(store: PlanStore, ref: PlanRef, config: Config, state: StateStore, limiter: RateLimiter,
             *, dry_run: bool = False) -> PlanRun:
    """Sync one plan, reading it only when it changed since the last night."""
    run = PlanRun(ref)
    key = plan_key(store, ref)
    today, now = app.today_for(config), app.now_for(config)
    version = ref.version or store.version(ref)
    remembered = state.get(key)
    if remembered is not None and version and remembered.version == version:
        snapshot = remembered.snapshot
    else:
        with limiter.slot("read"):
            snapshot = store.read(ref)
        run.read = True
    attempt = 1
    written_version = ""
    while True:
        result = plan_sync(snapshot, today, now=now, settings=app.settings_for(config))
        if dry_run or result.changes.is_empty:
            break
        try:
            with limiter.slot("write"):
                written_version = store.apply(replace(ref, version=version), snapshot, result.changes)
            break
        except PlanChanged as exc:  # edited since that snapshot: nothing written, read it again
            if attempt >= app.SYNC_ATTEMPTS:
                raise app.kept_changing(exc, attempt) from exc
            attempt += 1
            version = exc.version
            with limiter.slot("read"):
                snapshot = store.read(replace(ref, version=version))
            run.read = True
    written = False
    if not dry_run:
        after = snapshot
        if not result.changes.is_empty:
            written = True
            version = written_version
            after = apply_in_memory(snapshot, result.changes)
            after = replace(after, token=replace(after.token, version=version))
        if written or run.read or remembered is None:
            state.put(key, version, after, today.isoformat())
        elif remembered.synced_day != today.isoformat():
            state.touch(key, today.isoformat())
    run.outcome = app.SyncOutcome(ref, result, written)
    run.digest = digest_of(run.outcome)
    return run


def sync_every_plan(store: PlanStore, config: Config, *, state: StateStore, limiter: RateLimiter,
                    shard: Shard = Shard(), workers: int = 1, dry_run: bool = False, wait: bool = False,
                    on_listed: Callable[[int], None] | None = None,
                    on_resume: Callable[[dict[str, object]], None] | None = None,
                    lanes: OwnerLanes | None = None) -> Generator[PlanRun, None, None]:
    """Yield each plan's run as it finishes. One failing plan is reported, the others still done.
    With ``lanes`` each plan goes through its owner's store and rate limiter."""
    with state.exclusive(wait=wait):
        refs = [r for r in store.list_plans() if shard.holds(r)]
        if lanes:
            lanes.prepare(refs)
        if on_listed:
            on_listed(len(refs))
        previous = None if dry_run else state.unfinished_run()
        if previous and on_resume:
            on_resume(previous)  # a crashed run: plans it finished are unchanged now and cost no read
        run_id = state.begin_run(len(refs)) if not dry_run else 0

        def one(ref: PlanRef) -> PlanRun:
            try:
                plan_store, plan_limiter = lanes.lane(ref) if lanes else (store, limiter)
                return sync_one(plan_store, ref, config, state, plan_limiter, dry_run=dry_run)
            except MapwsError as exc:
                return PlanRun(ref, error=exc)
            except Exception as exc:  # noqa: BLE001 — one broken file must not stop the night
                return PlanRun(ref, error=PlanError(f"{ref.id}: {type(exc).__name__}: {exc}",
                                                    "Run 'mapws sync PLAN --traceback' on this plan to see why."))

        if workers <= 1:
            for ref in refs:
                result = one(ref)
                if run_id:
                    state.plan_done(run_id, failed=result.error is not None)
                yield result
        else:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mapws-sync") as pool:
                futures = [pool.submit(one, ref) for ref in refs]
                try:
                    for future in as_completed(futures):
                        result = future.result()
                        if run_id:
                            state.plan_done(run_id, failed=result.error is not None)
                        yield result
                except GeneratorExit:  # the caller stopped (Ctrl-C): plans not begun stay for the next run
                    for future in futures:
                        future.cancel()
                    raise
        if run_id:
            state.finish_run(run_id)


# --- the night as the CLI runs it --------------------------------------------------------------
# (imported here, not at the top, only to keep this section's merge apart from the rest of the file)
from map_workspace.errors import ExitStatus  # noqa: E402
from map_workspace.ratelimit import Unlimited  # noqa: E402


@dataclass
class NightResult(Night):
    """A finished night, and what the state store said as it closed (a Drive state file that could
    not be saved): the run's work is done, but the next night will not know it."""

    state_problem: MapwsError | None = None

    def totals(self) -> dict[str, Any]:
        totals = super().totals()
        if self.state_problem is not None:
            totals["state_error"] = self.state_problem.as_json()
        return totals

    @property
    def exit_status(self) -> ExitStatus:
        """PLAN when a plan failed or the state was not kept; a policy (``--strict``) is the caller's."""
        return ExitStatus.PLAN if self.failed or self.state_problem is not None else ExitStatus.OK


def run_night(store: PlanStore, config: Config, *, dry_run: bool = False, shard: str | Shard | None = None,
              workers: int | None = None, wait: bool = False, impersonate_owners: bool = False,
              on_listed: Callable[[int], None] | None = None,
              on_run: Callable[[PlanRun], None] | None = None) -> NightResult:
    """``sync --all`` (and ``status --all`` with ``dry_run``): every plan of the shard once, within
    the store's quota, the state store opened and closed around it. ``on_listed`` hears how many
    plans there are, ``on_run`` each plan's run as it finishes (to print or advance a bar)."""
    shard_spec = shard if isinstance(shard, Shard) else Shard.parse(shard)
    limiter = RateLimiter(config.max_rpm) if store.traits.rate_limited else Unlimited()
    lanes = owner_lanes(store, config, lambda: RateLimiter(config.max_rpm), limiter) if impersonate_owners else None
    state = open_state(store, config, shard_spec)
    night = NightResult(limiter=limiter, lanes=lanes)
    runs = None
    try:
        runs = sync_every_plan(
            store, config, state=state, limiter=limiter, shard=shard_spec,
            workers=workers or store.traits.default_workers, dry_run=dry_run, wait=wait,
            on_listed=on_listed, on_resume=lambda previous: setattr(night, "resumed", previous), lanes=lanes,
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
