"""What ``mapws report`` knows about each plan: one row of plain facts per plan, gathered through the
store's listing, the nightly state store (an unchanged plan is not read: its last snapshot is
planned for today) and the seller-side database (deal value, forecast, outcome and close date,
CRM id). No pandas here: the figures are made from these rows by ``team_report``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from map_workspace import history_words
from map_workspace.config import Config
from map_workspace.errors import MapwsError
from map_workspace.ports import PlanRef, PlanStore

if TYPE_CHECKING:
    from map_workspace.layout import Snapshot
    from map_workspace.reading import HistoryRow
    from map_workspace.state_store import PlanStatus, StateStore
    from map_workspace.sync import Settings, SyncPlan

#: History notes of rows mapws wrote for its own commands (create, replan, assign, close): not the
#: buyer's edits.
OWN_NOTES = ("created", "replanned", "assigned", "closed", "reopened")
#: An item overdue, and one overdue long enough to be stalled: both are overdue items.
OVERDUE_CODES = ("item.overdue", "item.stalled")


@dataclass(frozen=True)
class DealFacts:
    """One plan as the report sees it (dates as ISO text, None when unknown)."""

    plan: str
    slug: str
    deal: str
    url: str
    seller: str
    created: str | None
    target_decision: str | None
    projected_decision: str | None
    health: str
    progress: int
    items_done: int
    items_total: int
    slips: int
    slip_days: int
    overdue: int
    next_milestone: str | None
    next_milestone_due: str | None
    last_buyer_edit: str | None
    days_since_buyer_edit: int | None
    buyer_edits: int
    checkins: int
    accepted: bool
    deal_value: float | None
    forecast: str
    outcome: str | None
    closed_on: str | None
    #: The decision milestone's date in the plan (the date the plan projected for the decision,
    #: as the buyer and mapws last moved it): what a won deal's close is measured against.
    planned_decision: str | None
    crm_id: str | None
    #: Read from the file (False: planned from the state store's last snapshot of an unchanged file).
    read: bool

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Gathered:
    """Every plan's facts, and how many were read versus taken from the state store."""

    deals: tuple[DealFacts, ...]
    read: int
    remembered: int
    #: Plans that could not be read (a damaged file, a refused read): (plan, what went wrong). The
    #: report goes on without them and says so.
    failed: tuple[tuple[str, str], ...] = ()


def gather(store: PlanStore, config: Config) -> Gathered:
    """Every plan's facts. A plan whose version the state store last saw (the nightly's ``sync
    --all``) is planned from that snapshot instead of being read."""
    from map_workspace import app

    refs = app.list_plans(store)
    closed = app.closed_plans(store, config, refs)
    private = app.private_facts(store, refs, config)
    crm_ids = app.crm_ids(store, config)  # kept seller-side by `mapws link` / `create --crm-id`
    statuses, settings = app.remembered_plan_statuses(config), app.settings_for(config)
    seen = buyer_edits_seen(refs, statuses, f"{store.name}:")
    state = _state_store(store, config)
    deals, failed = [], []
    try:
        for ref in refs:
            try:
                snapshot, read = _snapshot(store, ref, state)
                facts = facts_of(ref, snapshot, config, private=private[ref.id], closed=closed.get(ref.id),
                                 crm_id=crm_ids.get(ref.id), buyer_seen=seen.get(ref.id), read=read,
                                 settings=app.plan_settings(store, ref, config, statuses=statuses, base=settings))
                deals.append(facts)
                if read and facts.outcome and state is not None:
                    _remember_closed(state, store, ref, snapshot)
            except MapwsError as exc:
                failed.append((ref.slug or ref.id, exc.message))
    finally:
        if state is not None:
            state.close()
    n_read = sum(1 for d in deals if d.read)
    return Gathered(tuple(deals), n_read, len(deals) - n_read, tuple(failed))


def _state_store(store: PlanStore, config: Config) -> StateStore | None:
    """The nightly's state store when there is one (the report never creates one). A state kept in
    Drive (``--state drive``) is downloaded only under a night's lease, which a report must not take:
    the report then reads every plan."""
    from map_workspace.nightly import open_state

    if config.state.strip().lower() == "drive":
        return None
    path = Path(config.state).expanduser() if config.state else None
    from map_workspace.config import default_state_path

    if not (path or default_state_path()).is_file():
        return None
    return open_state(store, config)


def _snapshot(store: PlanStore, ref: PlanRef, state: StateStore | None) -> tuple[Snapshot, bool]:
    from map_workspace.nightly import plan_key

    if state is not None:
        remembered = state.get(plan_key(store, ref))
        if remembered is not None:
            ref = replace(ref, version=ref.version or store.version(ref))
            if ref.version and store.unchanged_since(remembered.version, ref) and remembered.snapshot is not None:
                return remembered.snapshot, False
    return store.read(ref), True


def _remember_closed(state: StateStore, store: PlanStore, ref: PlanRef, snapshot: Snapshot) -> None:
    """Keep a closed plan's snapshot in the state store, as a night keeps the plans it syncs: the night
    skips closed plans, so without this every report would read each of them again. The entry holds
    no conclusions (``facts`` ""): a night that meets the plan again (reopened) plans it afresh. A
    cache: a state store busy with a night is left alone."""
    import sqlite3

    from map_workspace.nightly import plan_key

    version = snapshot.token.version
    if not version:
        return
    key = plan_key(store, ref)
    remembered = state.get(key)
    try:
        state.put(key, version, snapshot, remembered.synced_day if remembered else "", "")
    except sqlite3.Error:
        return


def buyer_edits_seen(refs: Sequence[PlanRef], statuses: Mapping[str, PlanStatus], prefix: str) -> dict[str, date]:
    """The day of the buyer's last edit each plan's nights saw in the file itself (Drive's last
    modifying user, a workbook's last-modified-by; the ``plan_status`` table the nightly keeps for
    ``mapws list``), by plan ID: more exact than the History, which dates an edit by the sync that
    logged it."""
    seen = {ref.id: _day(statuses[prefix + ref.id].buyer_at) for ref in refs if prefix + ref.id in statuses}
    return {plan_id: day for plan_id, day in seen.items() if day is not None}


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10])
    except (ValueError, AttributeError):
        return None


def buyer_edits(history: Sequence[HistoryRow], sellers: set[str]) -> list[HistoryRow]:
    """The History rows that record someone's edit of the plan (what the sync observed), leaving out
    the rows mapws wrote for its own commands and edits saved by a seller-side person."""
    out = []
    for row in history:
        if history_words.field_key(row.field) == "plan" or history_words.opens_with(row.note, *OWN_NOTES):
            continue
        if row.by and row.by.strip().lower() in sellers:
            continue
        out.append(row)
    return out


def facts_of(ref: PlanRef, snapshot: Snapshot, config: Config, *, private: Any = None, closed: Any = None,
             crm_id: str | None = None, buyer_seen: date | None = None, read: bool = True,
             settings: Settings | None = None) -> DealFacts:
    """One plan's facts from its snapshot: planned for today as a sync would (nothing is written).
    ``buyer_seen``: the day of the buyer's last edit as the nights saw it in the file, when known;
    ``settings``: the sync's settings for this plan (``app.plan_settings``: with the buyer's remembered
    edits, so the health is the one the sync and ``list`` show)."""
    from map_workspace import app
    from map_workspace.domain.model import Side
    from map_workspace.domain.rules import decision_item
    from map_workspace.reading import read_history
    from map_workspace.sync import plan_sync

    today = app.today_for(config)
    settings = settings or app.settings_for(config)
    result: SyncPlan = plan_sync(snapshot, today, now=app.now_for(config), settings=settings)
    plan, a = result.plan, result.assessment
    sellers = {s.name.strip().lower() for s in plan.stakeholders if s.side is Side.SELLER and s.name}
    sellers |= {s.email.strip().lower() for s in plan.stakeholders if s.side is Side.SELLER and s.email}
    history = [*read_history(snapshot)]
    edits = buyer_edits(history, sellers)
    # Edits this read observed that no sync has logged yet count too.
    pending = [h for h in result.changes.history if not h.note.lower().startswith(OWN_NOTES) and h.field != "Plan"
               and not (h.by and h.by.strip().lower() in sellers)]
    days = [r.at.date() for r in edits if r.at is not None] + ([today] if pending else [])
    if buyer_seen is not None and buyer_seen > today:  # a file saved "after" --today: no use for today's figures
        buyer_seen = None
    days += [buyer_seen] if buyer_seen is not None else []
    last_edit = max(days) if days else None
    seller_lead = _seller_lead(plan.stakeholders)
    slipped = [i for i in plan.items if i.baseline and i.due and i.due > i.baseline]
    checkins = [c for c in plan.checkins if c.date]
    decision = decision_item(plan, snapshot.meta.get("decision_id", ""))
    planned = (decision.due if decision is not None else None) or plan.overview.target_decision
    outcome = closed.outcome if closed is not None else (result.closed and _outcome_from(result.closed))
    closed_on = closed.on if closed is not None else None
    if closed is None and result.closed:
        closed_on = result.closed.rpartition(" ")[2]
    nxt = a.next_milestone
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return DealFacts(
        plan=ref.id, slug=ref.slug or plan.slug, deal=plan.overview.deal or ref.title, url=ref.url,
        seller=seller_lead, created=iso(_day(snapshot.meta.get("created", ""))),
        target_decision=iso(plan.overview.target_decision), projected_decision=iso(a.projected_decision),
        health=a.health.value, progress=a.progress.percent, items_done=a.progress.done,
        items_total=a.progress.total, slips=sum(i.slips for i in plan.items),
        slip_days=sum((i.due - i.baseline).days for i in slipped if i.due and i.baseline),
        overdue=sum(1 for f in result.findings if f.code in OVERDUE_CODES),
        next_milestone=nxt.activity if nxt else None, next_milestone_due=iso(nxt.due) if nxt else None,
        last_buyer_edit=iso(last_edit), days_since_buyer_edit=(today - last_edit).days if last_edit else None,
        buyer_edits=len(edits) + len(pending), checkins=len(checkins),
        accepted=bool(edits or pending or checkins or buyer_seen),
        deal_value=getattr(private, "deal_value", None), forecast=getattr(private, "forecast", "") or "",
        outcome=outcome or None, closed_on=closed_on, planned_decision=iso(planned), crm_id=crm_id or None,
        read=read,
    )


def _outcome_from(words: str) -> str:
    """"Closed — won on 2027-03-31" → "won"."""
    return words.removeprefix("Closed — ").rpartition(" on ")[0]


def _seller_lead(people: Sequence[Any]) -> str:
    from map_workspace.domain.model import Side
    from map_workspace.summary import _LEAD_ROLE

    on_side = [s for s in people if s.side is Side.SELLER]
    lead = next((s for s in on_side if _LEAD_ROLE.search(s.role)), on_side[0] if on_side else None)
    return lead.name if lead is not None else ""
