"""The rep's own edits to a live plan — ``mapws replan`` and ``mapws assign`` — planned as data.

Pure, like the sync: each plans the cells it changes (Due dates and the target decision date; Owner
cells and Stakeholders rows), folds them into the snapshot in memory, and lets the sync plan the
rest over the result (Baselines kept, Slips counted, Flags, Owns, the Overview's figures, History),
its History rows for the command's own changes marked with why ("replanned: …", "assigned: …").
The ChangeSet that comes out is applied in one batch, like a sync's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time

from map_workspace import catalog, history_words
from map_workspace.catalog import plan_language
from map_workspace.changes import CellWrite, ChangeSet, HistoryEntry, apply_in_memory
from map_workspace.domain import parsing
from map_workspace.domain.calendar import next_business_day
from map_workspace.domain.model import Item, Person, Plan, Side, Stakeholder
from map_workspace.domain.parsing import OwnerKind
from map_workspace.domain.replanning import (
    ASKED_DECISION,
    ASKED_ITEM,
    Move,
    chain_from_meta,
    due_after_decision,
    earliest_chain_decision,
    non_working_day,
    propagate,
    relay_chain,
    too_early,
)
from map_workspace.domain.rules import decision_item
from map_workspace.domain.templates import RoleSpec
from map_workspace.domain.vocabulary import word_of
from map_workspace.errors import UsageError
from map_workspace.layout import OVERVIEW, PLAN, STAKEHOLDERS, Snapshot
from map_workspace.reading import Reading, read_plan
from map_workspace.sync import TARGET_FIELD, Settings, SyncPlan, plan_sync

#: The settings of a plan without a config (tests, and the defaults of config.toml).
DEFAULTS = Settings()

#: How History marks the rows of a command's own changes (keys of catalogs/<lang>/history.toml's notes).
REPLANNED = "replanned"
ASSIGNED = "assigned"


def _replan_warning(kind: str, **values: str) -> str:
    """What replan warns the rep of, in the rep's words (the terminal and ``--json``, English like
    the errors; the plan's own notes and History are in its language)."""
    return {
        "closed_day": "{seed} is now due on {day}, not a working day.",
        "off_meeting": "{seed} is now due on {day}, not one of its meeting days.",
        "chain_unfit": "The approval chain does not fit before the decision on {decision}: {early} would be due "
                       "before today or sooner than the work before it allows (none is moved before {soonest}). "
                       "The earliest decision date the chain fits is {fits}: agree it with the buyer "
                       "(mapws replan {slug} --decision-date {fits}).",
        "after_decision": "Still due after the decision on {decision}: {late}. Move them with mapws replan {slug} "
                          "--item ID --due DATE, or agree the date again.",
        "past_target": "The decision milestone {id} now falls on {day}, after the target decision date {target}: "
                       "agree it with the buyer, then run mapws replan {slug} --decision-date {day}.",
    }[kind].format(**values)


@dataclass(frozen=True)
class Replan:
    """What ``mapws replan`` moves (``moves``, the asked-for date first), the ChangeSet that writes it,
    the plan as the sync sees it afterwards, and what the rep should know."""

    moves: tuple[Move, ...]
    changes: ChangeSet
    result: SyncPlan
    warnings: tuple[str, ...] = ()


def plan_replan(snapshot: Snapshot, today: date, *, item_id: str = "", due: date | None = None,
                decision: date | None = None, now: datetime | None = None,
                settings: Settings = DEFAULTS) -> Replan:
    """Move ``item_id`` to ``due``, or the decision milestone and the Overview's target decision date to
    ``decision``, and every dependent whose lead time that breaks. UsageError for an unknown or
    closed item, a date before today, or a plan without the cells to write."""
    if bool(item_id) == (decision is not None) or bool(item_id) != (due is not None):
        raise UsageError("Name one item and its new date, or the new decision date.",
                         "Example: mapws replan acme-rollout --item T-07 --due 2027-02-15")
    before = plan_sync(snapshot, today, now=now, settings=settings)
    plan = before.plan
    reading = read_plan(snapshot, default_locale=settings.default_locale, today=today)
    slug = snapshot.meta.get("slug", "") or "PLAN"
    milestone = decision_item(plan, snapshot.meta.get("decision_id", ""))
    warnings: list[str] = []
    if item_id:
        item = _open_item(plan, item_id)
        if milestone is not None and item.id == milestone.id:
            decision, due = due, None  # the decision milestone is the decision: the target moves with it
        else:
            assert due is not None
            if due < today:
                raise UsageError(f"The new due date {due.isoformat()} is before today ({today.isoformat()}).",
                                 "Give a date from today on, e.g. --due " + today.isoformat() + ".")
            seed, new, reason = item.id, due, ASKED_ITEM
    if decision is not None:
        if milestone is None:
            raise UsageError("The plan has no decision milestone to move.",
                             "Add a Milestone row for the purchase decision, sync, and run replan again.")
        if decision <= today:
            raise UsageError(f"The decision date {decision.isoformat()} is not after today ({today.isoformat()}).",
                             "Give a decision date in the future.")
        if not milestone.is_open:
            raise UsageError(f"The decision milestone {milestone.id} is already {milestone.status}.",
                             "A done decision keeps its date.")
        seed, new, reason = milestone.id, decision, ASKED_DECISION
    calendar = before.calendar  # the plan's own (its meta), else the config's
    day = non_working_day(new, calendar)
    if day:
        warnings.append(_replan_warning("closed_day", seed=seed, day=day))
    chain, meetings = chain_from_meta(snapshot.meta)
    if seed in meetings and not meetings[seed].sits_on(new):
        warnings.append(_replan_warning("off_meeting", seed=seed, day=new.isoformat()))
    moves = propagate(plan, seed, new, reason=reason, holidays=calendar, meetings=meetings)
    if decision is not None and chain:  # the ringi chain keeps its place before the decision
        relaid = relay_chain(plan, seed, decision, chain, meetings=meetings, holidays=calendar)
        soonest = next_business_day(today, calendar)
        early = too_early(plan, relaid, chain, soonest, calendar)
        if early:
            fits = earliest_chain_decision(plan, seed, decision, chain, soonest, meetings=meetings, holidays=calendar)
            warnings.append(_replan_warning("chain_unfit", decision=decision.isoformat(), early=", ".join(early),
                                            soonest=soonest.isoformat(), fits=fits.isoformat(), slug=slug))
        moves += tuple(replace(m, after=max(m.after, soonest)) for m in relaid)
    writes = _due_writes(reading, plan, moves)
    lang = plan_language(snapshot.meta)
    reasons = {(m.id, "due"): history_words.note(REPLANNED, lang, why=m.why.said(lang)) for m in moves}
    if decision is not None:
        writes += _target_write(reading, plan, decision)
        reasons[("", TARGET_FIELD)] = history_words.note(REPLANNED, lang, why=ASKED_DECISION.said(lang))
    edited = apply_in_memory(snapshot, ChangeSet(cells=tuple(writes)))
    after = plan_sync(edited, today, now=now, settings=settings, reasons=reasons)
    if decision is not None:
        late = due_after_decision(after.plan, seed, decision)
        if late:
            warnings.append(_replan_warning("after_decision", decision=decision.isoformat(), late=", ".join(late),
                                            slug=slug))
    elif milestone is not None:
        moved = next((m for m in moves if m.id == milestone.id), None)
        target = plan.overview.target_decision
        if moved is not None and target is not None and moved.after > target:
            warnings.append(_replan_warning("past_target", id=milestone.id, day=moved.after.isoformat(),
                                            target=target.isoformat(), slug=slug))
    # Moved earlier than its prerequisites allow: the sync's own words say by how much.
    warnings += [f.message for f in after.findings if f.id == seed and f.code in ("dep.lead", "dep.order")]
    # Nothing moved: nothing to write (the sync writes the buyer's pending edits on its own run).
    changes = replace(after.changes, cells=tuple(writes) + after.changes.cells) if writes else ChangeSet()
    # The command's own move is no news to report back: only the sync's other findings stay.
    result = replace(after, changes=changes,
                     findings=tuple(f for f in after.findings if f.code != "decision.target_moved"))
    return Replan(tuple(m for m in moves if m.before != m.after), changes, result, tuple(warnings))


def _open_item(plan: Plan, item_id: str) -> Item:
    parsed = parsing.parse_id(item_id)
    wanted = parsing.format_id(*parsed) if parsed else item_id.strip()
    item = next((i for i in plan.items if i.id and parsing.parse_id(i.id) == parsed), None) if parsed else None
    if item is None:
        ids = [i.id for i in plan.items if i.id]
        raise UsageError(f"The plan has no item {wanted!r}.",
                         f"Use one of its IDs ({', '.join(ids[:8])}{' …' if len(ids) > 8 else ''}); "
                         "'mapws status PLAN' lists them.")
    if not item.is_open:
        raise UsageError(f"{item.id} is {item.status}: a closed item keeps its date.",
                         "Set its Status back to In progress in the plan first if it must move.")
    if item.due is None:
        raise UsageError(f"{item.id} has no readable due date to move from.",
                         "Type its date in the plan's Due column and sync, or set it there directly.")
    return item


def _due_writes(reading: Reading, plan: Plan, moves: Sequence[Move]) -> list[CellWrite]:
    table = reading.tables[PLAN]
    if "due" not in table.columns:
        raise UsageError("The Plan tab has no 'Due' column to move dates in.",
                         "Put the header 'Due' back on the column, then run replan again.")
    rows = {item.id: ref.sheet_row for item, ref in zip(plan.items, reading.item_rows, strict=True)}
    return [CellWrite(PLAN, rows[m.id], table.columns["due"], m.after, field="due", id=m.id)
            for m in moves if m.after != m.before]


def _target_write(reading: Reading, plan: Plan, decision: date) -> list[CellWrite]:
    row = reading.overview_rows.get("target_decision")
    if row is None or plan.overview.target_decision == decision:
        return []
    return [CellWrite(OVERVIEW, row, 1, decision, field="target_decision")]


# --- assign ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Assignment:
    """One role named: the open items its person now owns, the ones someone else already owned (ID,
    owner as typed), and whether they were added to Stakeholders."""

    role: str
    person: Person
    items: tuple[str, ...]
    kept: tuple[tuple[str, str], ...] = ()
    added: bool = False

    def as_json(self) -> dict[str, object]:
        return {"role": self.role, "person": str(self.person), "items": list(self.items),
                "kept": [{"id": i, "owner": o} for i, o in self.kept], "added_to_stakeholders": self.added}


@dataclass(frozen=True)
class Assign:
    assignments: tuple[Assignment, ...]
    changes: ChangeSet
    result: SyncPlan


def plan_assign(snapshot: Snapshot, people: Mapping[str, Person], roles: Sequence[RoleSpec], today: date, *,
                now: datetime | None = None, settings: Settings = DEFAULTS) -> Assign:
    """Name ``people`` (role key → person) for template roles: each open item of the role whose Owner
    is empty or a placeholder ("TBD") gets the person's name (a name someone typed stays), and the
    person joins Stakeholders when missing. ``roles``: the plan template's roles (checked by the caller)."""
    before = plan_sync(snapshot, today, now=now, settings=settings)
    plan = before.plan
    reading = read_plan(snapshot, default_locale=settings.default_locale, today=today)
    spec = {r.key: r for r in roles}
    people = {role: _as_listed(person, plan.stakeholders) for role, person in people.items()}
    table = reading.tables[PLAN]
    companies = [c for c in (plan.overview.buyer_company, plan.overview.seller_company) if c]
    writes: list[CellWrite] = []
    lang = plan_language(snapshot.meta)
    reasons: dict[tuple[str, str], str] = {}
    found: list[tuple[str, Person, list[str], list[tuple[str, str]]]] = []
    for role, person in people.items():
        items: list[str] = []
        kept: list[tuple[str, str]] = []
        for item, ref in zip(plan.items, reading.item_rows, strict=True):
            if item.role != role or not item.is_open:
                continue
            kind = parsing.read_owner(item.owner, plan.stakeholders, companies).kind
            if kind not in (OwnerKind.EMPTY, OwnerKind.PLACEHOLDER):
                kept.append((item.id, item.owner))
                continue
            if "owner" not in table.columns:
                raise UsageError("The Plan tab has no 'Owner' column to name people in.",
                                 "Put the header 'Owner' back on the column, then run assign again.")
            writes.append(CellWrite(PLAN, ref.sheet_row, table.columns["owner"], person.name, field="owner",
                                    id=item.id))
            reasons[(item.id, "owner")] = history_words.note(ASSIGNED, lang, roles=role)
            items.append(item.id)
        found.append((role, person, items, kept))
    rows, added = _new_stakeholders(reading, plan.stakeholders, people, spec)
    writes += rows
    changes = ChangeSet()
    after = before
    if writes:
        edited = apply_in_memory(snapshot, ChangeSet(cells=tuple(writes)))
        after = plan_sync(edited, today, now=now, settings=settings, reasons=reasons)
        when = (now or datetime.combine(today, time(), tzinfo=UTC)).isoformat(timespec="seconds")
        joined = tuple(HistoryEntry(when=when, id="", field=history_words.field("stakeholders", lang), from_="",
                                    to=str(p), note=history_words.note(ASSIGNED, lang, roles=history_words.listed(
                                        lang, (r for r, q in people.items() if q == p))))
                       for p in added)
        changes = replace(after.changes, cells=tuple(writes) + after.changes.cells,
                          history=after.changes.history + joined)
    assignments = tuple(Assignment(role, person, tuple(items), tuple(kept), person in added)
                        for role, person, items, kept in found)
    return Assign(assignments, changes, replace(after, changes=changes))


def _as_listed(person: Person, listed: Sequence[Stakeholder]) -> Person:
    """A person Stakeholders already lists, by the name it gives them (``sam@seller.io`` is "Sam Rivera"),
    so the Owner cell resolves to them."""
    known = next((s for s in listed if _same_person(s, person)), None)
    if known is None or not known.name.strip():
        return person
    return Person(known.name.strip(), person.email or known.email.strip().lower())


def _same_person(stakeholder: Stakeholder, person: Person) -> bool:
    if person.email and stakeholder.email and stakeholder.email.strip().lower() == person.email:
        return True
    return " ".join(stakeholder.name.split()).casefold() == " ".join(person.name.split()).casefold()


def _new_stakeholders(reading: Reading, listed: Sequence[Stakeholder], people: Mapping[str, Person],
                      spec: Mapping[str, RoleSpec]) -> tuple[list[CellWrite], list[Person]]:
    """Rows for the people Stakeholders does not list yet, under its last row: name, side, the
    role's title (two roles: "CFO / Legal"), email."""
    table = reading.tables.get(STAKEHOLDERS)
    if table is None:
        return [], []
    titles: dict[Person, list[str]] = {}
    for role, person in people.items():
        if any(_same_person(s, person) for s in listed):
            continue
        role_spec = spec.get(role)
        titles.setdefault(person, []).append(role_spec.title if role_spec else role)
    data = table.data()
    row = max((r for r, _ in data), default=table.header_row + 1) + 1
    writes: list[CellWrite] = []
    for person, names in titles.items():
        sides = {spec[r].side for r, p in people.items() if p == person and r in spec}
        lang = catalog.plan_language(reading.meta)  # the side as the plan's dropdown says it
        side = word_of(sides.pop(), lang) if len(sides) == 1 else (word_of(Side.JOINT, lang) if sides else "")
        for key, value in (("name", person.name), ("side", side), ("role", " / ".join(names)),
                           ("email", person.email)):
            if value and key in table.columns:
                writes.append(CellWrite(STAKEHOLDERS, row, table.columns[key], value, field=key))
        row += 1
    return writes, list(titles)
