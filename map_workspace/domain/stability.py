"""How long what the sync concludes about an unchanged plan stays true.

A nightly run that finds a plan file unchanged need not plan it again before the first day on
which the calendar alone can change the sync's output: its writes, its findings (whose messages
name days overdue and window bounds), progress, health or projected decision. This module derives
that day from the plan as the sync read it, and the thresholds it was assessed with. It errs early
("tomorrow") whenever a value moves with every day.

Some move daily without touching the file: an open item's due-soon, overdue and stalled findings
(their words count days, "T-01 is 7 day(s) overdue"; the sheet's live Flag and Overview formulas
show the same, so the sync writes nothing for them). With ``dated=True`` the day returned leaves
them out, and :class:`DueBlock` words them for each day before it, as the sync would.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from map_workspace.domain.calendar import add_business_days
from map_workspace.domain.findings import Finding
from map_workspace.domain.model import Plan, Status
from map_workspace.domain.parsing import read_availability
from map_workspace.domain.rules import (
    Context,
    Thresholds,
    cyclic_items,
    decision_item,
    due_soon_until,
    projected_decision,
)

_DAY = timedelta(days=1)
#: A date typed without a year is read in the year nearest today; it is read one year later only
#: once today is past the middle between the two (≥ 182.5 days after the date read).
_YEARLESS_FLIP = timedelta(days=182)
#: What ``rules`` concludes from items' statuses and due dates, in one run of findings
#: (``_check_due``): per item its "blocked" and its dated finding, then repeated slips.
DATED = ("item.due_soon", "item.overdue", "item.stalled")
BLOCK = ("item.blocked", *DATED, "slip.milestone_repeated")


def stable_until(plan: Plan, today: date, thresholds: Thresholds | None = None,
                 holidays: Collection[date] = frozenset(), *, dated: bool = False, decision_id: str = "") -> date:
    """The first day after ``today`` on which ``plan_sync`` of the same file may say something
    else than it says ``today``; every day before it gives the same changes and findings.

    ``plan`` is the plan as the sync read and reconciled it (``SyncPlan.plan``); ``holidays`` the
    calendar it reasoned with (``SyncPlan.calendar``): "due soon" counts its working days.

    With ``dated``, the ``DATED`` findings are left out: before the day returned the sync says
    the same but for those (worded for the day by :class:`DueBlock`); it is then bounded by the day
    a milestone turns stalled (health) and the day the projected decision (``decision_id``: the
    plan's decision milestone, as its meta names it) starts to move."""
    tomorrow = today + _DAY
    t = thresholds or Thresholds()
    if t.due_soon_days < 0 or t.stalled_after_days < 1 or t.window_days < 0:
        return tomorrow  # unusual thresholds: do not reason about them
    # Texts such as "5/15" read relative to today change reading when the year turns (and a
    # "2/29" may become readable): every plan is planned again on the 1st of January.
    candidates = [date(today.year + 1, 1, 1)]
    target = plan.overview.target_decision
    anchor = target or today
    low = min(anchor, today) - timedelta(days=t.window_days)
    high = max(anchor, today) + timedelta(days=t.window_days)
    typed: list[date] = [target] if target else []
    waiting = {d for i in plan.items if i.is_open and i.due for d in i.depends_on}
    for item in plan.items:
        typed += [d for d in (item.due, item.done_on) if d is not None]
        if item.due is None:
            continue
        if not low <= item.due <= high:
            return tomorrow  # "far outside the plan's window (low to high)": a bound moves daily
        # It leaves or enters the window when the bound that moves with today passes it.
        candidates += [item.due + timedelta(days=t.window_days + 1), item.due - timedelta(days=t.window_days)]
        if item.status is Status.DONE and item.done_on is None and item.due > today and item.id in waiting:
            return tomorrow  # done "today" until its due date: its dependents' lead times count from today
        if not item.is_open:
            continue
        if dated:
            if item.is_milestone:  # a stalled milestone puts the plan at risk
                candidates.append(item.due + timedelta(days=t.stalled_after_days))
            continue
        if item.due < today:
            return tomorrow  # "N days overdue", and the projection starts from today
        candidates += [due_soon_from(item.due, t, holidays), item.due + _DAY]
    for person in plan.stakeholders:
        if person.availability:
            typed += read_availability(person.availability, plan.locale, today).typed
    candidates += _yearless_flips(typed)
    until = min(c for c in candidates if c > today)
    if dated:  # an item overdue finishes no earlier than the day it is seen
        until = _projection_holds_until(plan, today, until, t, holidays, decision_id)
    return until


def _projection_holds_until(plan: Plan, today: date, until: date, t: Thresholds, holidays: Collection[date],
                            decision_id: str) -> date:
    """The first day before ``until`` on which the projected decision differs from today's (an
    overdue item finishes no earlier than the day it is seen), else ``until``. The projection
    never moves back as days pass (each item finishes no earlier than the later of its due date and
    today, and its lead time after its prerequisites), so the days it holds are a run from today:
    the first one it fails is found by halving."""
    if not any(i.is_open and i.due and i.due < until - _DAY for i in plan.items):
        return until  # no item is overdue before then: every one finishes no earlier than its due date
    decision = decision_item(plan, decision_id)
    if decision is None:
        return until  # the target date: it does not move with the day
    cyclic = cyclic_items(plan)

    def projected(day: date) -> date | None:
        return projected_decision(plan, Context(today=day, holidays=holidays, thresholds=t), decision, cyclic)

    now = projected(today)
    if projected(until - _DAY) == now:
        return until
    holds, fails = today, until - _DAY  # projected(holds) == now; from ``fails`` on it differs
    while (fails - holds).days > 1:
        mid = date.fromordinal(holds.toordinal() + (fails - holds).days // 2)
        if projected(mid) == now:
            holds = mid
        else:
            fails = mid
    return fails


def due_soon_from(due: date, t: Thresholds, holidays: Collection[date]) -> date:
    """The first day on which an item due ``due`` is "due soon" (``due_soon_until`` reaches it)."""
    day = add_business_days(due, -(t.due_soon_days + 1), holidays) + _DAY
    while due_soon_until(day, t, holidays) < due:
        day += _DAY
    return day


def _yearless_flips(dates: Iterable[date]) -> list[date]:
    """Days before which a date, had it been typed without a year, is still read as the same day."""
    out = []
    for d in dates:
        try:
            out.append(d + _YEARLESS_FLIP)
        except OverflowError:
            continue
    return out


@dataclass(frozen=True)
class Dated:
    """An open item with a due date, as its dated finding needs it: due soon from ``soon_from`` (on
    the plan's calendar, worked out once) to ``due``, overdue after it, stalled ``stalled_after``
    days after it; the finding points at its Due ``cell`` and names its ``activity``."""

    id: str
    due: date
    soon_from: date
    stalled_after: int
    cell: str | None = None
    activity: str = ""
    sheet: str = ""

    def finding(self, day: date, lang: str = "en") -> Finding | None:
        """What ``rules`` says of it on ``day`` (``_check_due``), addressed and worded (in the plan's
        ``lang``) as the sync does."""
        late = (day - self.due).days
        if late >= self.stalled_after:
            found = Finding.of("item.stalled", id=self.id, late=late, due=self.due, lang=lang)
        elif late >= 1:
            found = Finding.of("item.overdue", id=self.id, late=late, due=self.due, lang=lang)
        elif day >= self.soon_from:
            found = Finding.of("item.due_soon", id=self.id, due=self.due, lang=lang)
        else:
            return None
        return replace(found, cell=self.cell, activity=self.activity, sheet=self.sheet)


@dataclass(frozen=True)
class DueBlock:
    """The run of ``BLOCK`` findings in a sync's findings (``at``, ``n`` long), as slots in the
    rules' order: a finding that stays as it is (blocked, repeated slips), or an item whose dated
    finding comes and goes with the day. :meth:`findings_on` words the findings for a later day."""

    at: int
    n: int
    slots: tuple[Finding | Dated, ...]
    #: The plan's language, the findings' words.
    lang: str = "en"

    @classmethod
    def of(cls, plan: Plan, findings: Sequence[Finding], today: date, thresholds: Thresholds,
           holidays: Collection[date], due_cells: Mapping[str, str], sheet: str = "",
           lang: str = "en") -> DueBlock | None:
        """The block of a sync's ``findings`` about ``plan`` on ``today``; None when it cannot be
        told for sure (an ID on two rows, no such findings today to locate the run, a run that does
        not read as the rules write it): the plan is then planned again when its dates move."""
        ids = [i.id for i in plan.items]
        if "" in ids or len(set(ids)) != len(ids):
            return None
        placed = [n for n, f in enumerate(findings) if f.code in BLOCK]
        if not placed or placed != list(range(placed[0], placed[-1] + 1)):
            return None
        run = iter(findings[placed[0]:placed[-1] + 1])
        slots: list[Finding | Dated] = []

        def take(code: str, item_id: str) -> bool:
            found = next(run, None)
            if found is None or found.code != code or found.id != item_id:
                return False
            slots.append(found)
            return True

        for item in plan.items:
            if item.status is Status.BLOCKED and not take("item.blocked", item.id):
                return None
            if not (item.is_open and item.due):
                continue
            dated = Dated(item.id, item.due, due_soon_from(item.due, thresholds, holidays),
                          thresholds.stalled_after_days, due_cells.get(item.id), item.activity, sheet)
            expected = dated.finding(today, lang)
            if expected is not None and next(run, None) != expected:
                return None
            slots.append(dated)
        for item in plan.items:
            if (item.is_milestone and item.is_open and item.slips >= thresholds.repeated_slips
                    and not take("slip.milestone_repeated", item.id)):
                return None
        if next(run, None) is not None:
            return None
        return cls(placed[0], len(placed), tuple(slots), lang)

    def findings_on(self, findings: Sequence[Finding], day: date) -> tuple[Finding, ...]:
        """``findings`` (the sync's on the day the block was made) as the sync words them on ``day``."""
        block = [s if isinstance(s, Finding) else s.finding(day, self.lang) for s in self.slots]
        return (*findings[:self.at], *(f for f in block if f is not None), *findings[self.at + self.n:])
