"""The services the CLI calls: create, sync, status, summary, list — written against the
PlanStore port, so every backend behaves the same."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from map_workspace import SCHEMA_VERSION, catalog
from map_workspace.config import Config, ConfigUpdate
from map_workspace.errors import MapwsError, PdfMissing, PlanChanged, UsageError
from map_workspace.pipeline import (  # noqa: F401  (app's own names, kept for its callers)
    PipelineRow,
    closed_plans,
    crm_ids,
    list_pipeline,
    list_plans,
    make_store,
    now_for,
    private_facts,
    remembered_plan_statuses,
    today_for,
)
from map_workspace.pipeline import private_path as _private_path
from map_workspace.ports import PlanRef, PlanStore
from map_workspace.ratelimit import RateLimiter, Unlimited
from map_workspace.sharing import check_allowed_recipients

if TYPE_CHECKING:
    # The services that create, sync and summarise import the domain where they run (below), so a
    # command that only lists or shares plans starts without loading it.
    from map_workspace.changes import ChangeSet, HistoryEntry
    from map_workspace.domain.calendar import WorkCalendar
    from map_workspace.domain.model import Finding, Person, Plan
    from map_workspace.domain.silence import BuyerWatch
    from map_workspace.domain.templates import RoleSpec, Template
    from map_workspace.layout import Snapshot
    from map_workspace.plan_edits import Replan

    # Commands' results that a sync does not make live in ``results`` (issue 8: a sync's start-up);
    # ``app.ReplanResult`` and the others still work through ``__getattr__`` below.
    from map_workspace.results import AssignResult as AssignResult
    from map_workspace.results import CalendarResult as CalendarResult
    from map_workspace.results import LinkResult as LinkResult
    from map_workspace.results import ReplanResult as ReplanResult
    from map_workspace.results import ShareResult as ShareResult
    from map_workspace.state_store import PlanStatus, StateStore
    from map_workspace.sync import Settings, SyncPlan

_RESULTS = ("AssignResult", "CalendarResult", "LinkResult", "ReplanResult", "ShareResult")


def __getattr__(name: str) -> Any:
    """``app.ReplanResult`` and the other results in ``results``, for app's callers."""
    if name in _RESULTS:
        from map_workspace import results

        return vars(results)[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


Planned = TypeVar("Planned")

#: The template role the first --buyer and the first --seller fill.
FIRST_BUYER_ROLE, FIRST_SELLER_ROLE = "buyer.champion", "seller.ae"


def settings_for(config: Config) -> Settings:
    """What a sync reasons with. The calendar is the config's, for plans that do not record the
    one they were made with (a plan that does is synced on its own: see sync.py)."""
    from map_workspace.sync import Settings
    from map_workspace.workdays import DeferredCalendar

    today = today_for(config)
    return Settings(default_locale=config.locale, holidays=DeferredCalendar(lambda: calendar_for(config, today)),
                    thresholds=config.thresholds)


def calendar_for(config: Config, *days: date, template: Template | None = None) -> WorkCalendar:
    """The working calendar the config describes, for the years around ``days``: the regions named
    in ``holidays``/``--holidays`` (else the template's, else the locale's country), the closures
    (the config's and the template's) and single dates."""
    from map_workspace.workdays import build_calendar, check_region, default_regions, parse_closure, years_around

    own = template.calendar if template is not None else None
    if config.holiday_regions is not None:
        regions = config.holiday_regions
    elif own is not None and own.holidays:
        regions = tuple(check_region(code) for code in own.holidays)
    else:
        regions = default_regions(config.locale)
    closures = config.closures
    if own is not None:
        for closure in own.closures:
            parse_closure(closure)
        closures = tuple(dict.fromkeys((*closures, *own.closures)))
    return build_calendar(regions, closures, config.holidays, years=years_around(*days))


#: A slug's longest form: 60 characters, and 114 bytes in UTF-8 — what Google Drive leaves for the
#: value of the ``mapws_deal`` tag (124 bytes for key and value together), so that a deal named in
#: any script (3 bytes a character in Japanese) can be tagged and looked up.
SLUG_CHARS = 60
SLUG_BYTES = 114


def slugify(deal: str) -> str:
    """A file-friendly name: accents dropped, other scripts kept ("Café Ünal" → "cafe-unal",
    "東京ガス 導入" → "東京ガス-導入"), at most 60 characters and 114 UTF-8 bytes."""
    text = "".join(_unaccent(ch) for ch in unicodedata.normalize("NFKC", deal)).lower()
    words = re.findall(r"\w+", text)
    slug = "-".join(w.strip("_") for w in words if w.strip("_"))[:SLUG_CHARS]
    while len(slug.encode()) > SLUG_BYTES:
        slug = slug[:-1]
    slug = slug.strip("-")
    if not slug:
        raise UsageError(f"The deal name '{deal}' has no letters or digits to name a file after.",
                         "Give the deal a name with letters or digits, e.g. \"Acme rollout\".")
    return slug


def _unaccent(ch: str) -> str:
    """Latin letters lose their accents (é → e); other scripts are kept whole (ガ stays ガ)."""
    base = unicodedata.normalize("NFKD", ch)[0]
    return base if base.isascii() and base.isalpha() else ch


def company_from_email(email: str) -> str:
    """"dana@acme-corp.com" → "Acme Corp": a readable default the rep can overwrite."""
    if "@" not in email:
        return ""
    host = email.split("@", 1)[1].split(".")
    core = host[-2] if len(host) >= 2 else host[0]
    return " ".join(w.capitalize() for w in re.split(r"[-_]", core) if w)


# --- init --------------------------------------------------------------------------------------

def init_config(given: dict[str, Any], *, plans_dir: Path | None = None, create_folder: str | None = None,
                force: bool = False) -> tuple[ConfigUpdate, Config]:
    """``mapws init``: set the settings ``given`` (None: not given) in the config file and keep the
    rest of it; a value the file already sets is replaced only with ``force``. A new file gets the
    local backend; a local one gets its plans folder (``plans_dir``, else ./maps), made before the
    file is touched; ``create_folder`` makes a Drive folder, after the refusals it could meet."""
    from map_workspace.config import already_set, config_path, conflicts, load_config, read_config_file, update_config
    from map_workspace.errors import file_error

    path = config_path()
    settings = dict(given)
    current = read_config_file(path)
    backend = settings.get("backend") or current.get("backend") or "local"
    if not current:
        settings["backend"] = backend
    if backend == "local" and (plans_dir or "dir" not in current):
        settings["dir"] = str((plans_dir or Path("maps")).expanduser().resolve())
    if settings.get("credentials"):
        settings["credentials"] = str(Path(settings["credentials"]).expanduser().resolve())
    if create_folder:
        # Refused before a Drive folder is made: a folder already set is replaced only with --force.
        clash = {} if force else conflicts(path, settings)
        if current.get("folder") and not force:
            clash["folder"] = (current["folder"], f"a new folder named {create_folder!r}")
        if clash:
            raise already_set(path, clash)
        from map_workspace.backends.google.auth import create_folder as make_folder

        google = {k: given.get(k) for k in ("credentials", "folder", "impersonate", "google_api_root")}
        folder = make_folder(load_config({"backend": "google", **google}, missing_ok=True), create_folder)
        settings["folder"] = folder["id"]
    if settings.get("dir"):  # made first: a folder that cannot be made leaves the config file as it was
        try:
            Path(settings["dir"]).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise file_error(exc, settings["dir"], doing="create the plans folder",
                             after="The config file was not changed.") from exc
    update = update_config(path, settings, force=force)
    config = load_config({})
    if config.backend == "local":
        try:
            config.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise file_error(exc, config.dir, doing="create the plans folder") from exc
    return update, config


# --- create ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CreateRequest:
    """What ``mapws create`` was asked for: the deal, its decision date, the people and the template."""

    deal: str
    decision: date
    buyers: Sequence[Person]
    sellers: Sequence[Person] = ()
    roles: dict[str, Person] = field(default_factory=dict)
    template: str = "enterprise"
    buyer_company: str = ""
    seller_company: str = ""
    commenter: bool = False
    #: The day work begins (``--start``); None: today.
    start: date | None = None
    #: Schedule every item as late as the decision allows (backward from it) instead of from the start.
    as_late_as_possible: bool = False


@dataclass(frozen=True)
class CreateResult:
    """The plan ``create`` made (or would make, with ``dry_run``) and who it was shared with."""

    ref: PlanRef
    plan: Plan
    shared_with: tuple[str, ...]
    findings: tuple[Finding, ...]
    dry_run: bool = False
    #: How it was scheduled: the first working day, the buffer before the decision, the calendar.
    schedule: ScheduleFacts | None = None

    def as_json(self) -> dict[str, Any]:
        out = {"plan": self.ref.id, "url": self.ref.url, "slug": self.ref.slug,
               "items": len(self.plan.items), "shared_with": list(self.shared_with)}
        if self.schedule is not None:
            out["schedule"] = self.schedule.as_json()
            out["warnings"] = [f.message for f in self.findings if f.code.startswith("schedule.")
                               and f.severity.value == "warning"]
        return out


@dataclass(frozen=True)
class ScheduleFacts:
    """How ``create`` scheduled a plan: from ``start``, leaving ``buffer_days`` before the
    decision, on ``calendar`` (its words) with ``regions`` and ``closures``."""

    start: date
    buffer_days: int
    shortfall_days: int
    calendar: str
    regions: tuple[str, ...] = ()
    closures: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "buffer_days": self.buffer_days,
                "shortfall_days": self.shortfall_days,
                "calendar": {"holidays": list(self.regions), "closures": list(self.closures)}}


@dataclass(frozen=True)
class NewPlan:
    """A new plan built in memory: its rendered snapshot with the first sync folded in."""

    snapshot: Snapshot
    plan: Plan
    first_sync: SyncPlan
    #: What scheduling said (a compressed schedule names its shortfall), then the first sync's findings.
    findings: tuple[Finding, ...]
    schedule: ScheduleFacts | None = None


def build_new_plan(req: CreateRequest, config: Config, today: date, now: datetime) -> NewPlan:
    """Schedule the template, lay the plan out and fold in its first sync, all in memory."""
    from secrets import token_hex

    from map_workspace import history_words
    from map_workspace.catalog import plan_language
    from map_workspace.changes import HistoryEntry, StateRow, apply_in_memory
    from map_workspace.domain.model import Overview, Person, Plan, Side
    from map_workspace.domain.replanning import chain_meta
    from map_workspace.domain.scheduling import fiscal_year_findings, schedule_backward, schedule_forward
    from map_workspace.render import render_plan
    from map_workspace.sync import META_GOAL_DIGESTS, META_TARGET, goal_digests, plan_sync
    from map_workspace.template_files import load_template
    from map_workspace.workdays import calendar_meta, years_around

    if not req.buyers:
        raise UsageError("A plan needs at least one buyer contact.", 'Add --buyer "Name <email>".')
    template = load_template(req.template)
    people: dict[str, Person] = dict(req.roles)
    people.setdefault(FIRST_BUYER_ROLE, req.buyers[0])
    seller_people = list(req.sellers) or ([Person.parse(config.seller)] if config.seller else [])
    if seller_people:
        people.setdefault(FIRST_SELLER_ROLE, seller_people[0])
    extra = [(Side.BUYER, p) for p in req.buyers[1:]] + [(Side.SELLER, p) for p in seller_people[1:]]
    buyer_company = req.buyer_company or company_from_email(req.buyers[0].email)
    seller_company = req.seller_company or config.seller_company or (
        company_from_email(seller_people[0].email) if seller_people else "")
    start = req.start or today
    calendar = calendar_for(config, start, req.decision, template=template)
    lang = catalog.language_of(config.locale, config.language)  # the language the plan is created in
    say = catalog.words(lang)
    schedule = (schedule_backward if req.as_late_as_possible else schedule_forward)(
        template, req.decision, start, people, extra_people=extra, holidays=calendar,
        names={"deal": req.deal, "buyer_company": buyer_company or say("plan.goals.buyer_company"),
               "seller_company": seller_company or say("plan.goals.seller_company_unknown")},
        lang=lang,
    )
    fiscal = fiscal_year_findings(
        req.decision, start_month=config.fiscal_year_start or template.calendar.fiscal_year_start,
        weeks=config.budget_release_weeks or template.calendar.budget_release_weeks)
    schedule = replace(schedule, findings=schedule.findings + fiscal)
    slug = slugify(req.deal)
    plan = Plan(
        plan_id=token_hex(8),
        overview=Overview(
            deal=req.deal, buyer_company=buyer_company, seller_company=seller_company,
            target_decision=req.decision,
            mutual_goal=schedule.goals.get("mutual", ""), buyer_goal=schedule.goals.get("buyer", ""),
            seller_goal=schedule.goals.get("seller", ""),
            success_criteria=schedule.goals.get("success_criteria", ""),
            cadence=schedule.goals.get("cadence", ""),
        ),
        items=schedule.items, stakeholders=schedule.stakeholders, risks=schedule.risks,
        slug=slug, template=template.name, locale=config.locale, timezone=config.timezone,
    )
    decision = next((i.id for i in plan.items if i.is_milestone and i.due == req.decision
                     and i.activity == template.decision.activity), "")
    if not decision:
        decision = next((i.id for i in plan.items if i.is_milestone and i.due == req.decision), "")
    state = [StateRow(i.id, i.activity, i.baseline, i.due, i.status.value if i.status else "", i.owner, 0,
                      i.lead_days, i.role) for i in plan.items]
    state += [StateRow(r.id, r.risk) for r in plan.risks]
    meta = {"plan_id": plan.plan_id, "schema": str(SCHEMA_VERSION), "template": template.name, "slug": slug,
            "locale": config.locale, "timezone": config.timezone,
            catalog.META_LANGUAGE: catalog.language_of(config.locale, config.language),
            "shortfall_days": str(schedule.shortfall_days),
            "decision_id": decision, "created": now.isoformat(timespec="seconds"),
            META_TARGET: req.decision.isoformat(), META_GOAL_DIGESTS: goal_digests(plan.overview),
            "start": schedule.start.isoformat(), "buffer_days": str(schedule.buffer_days),
            **chain_meta(schedule.chain, schedule.meetings),
            **calendar_meta(calendar, years_around(start, req.decision))}
    snapshot = render_plan(plan, state, meta)
    lang = plan_language(meta)
    created = HistoryEntry(now.isoformat(timespec="seconds"), "", history_words.field("plan", lang), "",
                           template.name, history_words.note("created", lang, template=template.name,
                                                             decision=req.decision.isoformat()))
    first = plan_sync(snapshot, today, now=now, settings=replace(settings_for(config), holidays=calendar))
    changes = replace(first.changes, history=(created, *first.changes.history))
    scheduled = {f.code for f in schedule.findings}
    findings = tuple(f.worded(lang) for f in schedule.findings) + tuple(
        f for f in first.findings if f.code not in scheduled)
    facts = ScheduleFacts(schedule.start, schedule.buffer_days, schedule.shortfall_days, calendar.describe(),
                          calendar.regions, calendar.closures)
    return NewPlan(apply_in_memory(snapshot, changes), plan, first, findings, facts)


def create_plan(store: PlanStore, req: CreateRequest, config: Config, *, dry_run: bool = False) -> CreateResult:
    # A buyer outside the allowed domains is refused before anything exists (local plans are not
    # shared by mapws, but a plan made for the wrong address would be mailed to it).
    check_allowed_recipients([p.email for p in req.buyers if p.email], config.allow_domains)
    today, now = today_for(config), now_for(config)
    if req.decision <= today:
        raise UsageError(f"The decision date {req.decision.isoformat()} is not in the future (today is "
                         f"{today.isoformat()}).", "Pass --decision-date with a date after today.")
    new = build_new_plan(req, config, today, now)
    plan = new.plan
    emails = tuple(p.email for p in req.buyers if p.email)
    if dry_run:
        ref = PlanRef(id=str((config.dir / f"{plan.slug}.xlsx").resolve()) if config.backend == "local" else "",
                      url="", slug=plan.slug, title=req.deal)
        return CreateResult(ref, plan, emails, new.findings, dry_run=True, schedule=new.schedule)
    # A published (branded) template is copied instead of building the plan from scratch.
    template_id = published_template(store, req.template, config)
    ref = store.create(new.snapshot, slug=plan.slug, title=req.deal, template_id=template_id)
    shared: tuple[str, ...] = ()
    if store.traits.shares:
        shared = store.sharer().share(ref, emails, role="commenter" if req.commenter else "writer",
                                      message=invitation(req.deal, req.decision))
    remember_created(f"{store.name}:{ref.id}", new.first_sync, config, today)
    return CreateResult(ref, plan, shared, new.findings, schedule=new.schedule)


def remember_created(key: str, first: SyncPlan, config: Config, today: date) -> None:
    """What create concluded, kept as a sync's would be, so ``mapws list`` shows a new plan at once.
    The buyer's silence is watched from the first sync, as for any plan (so replan, assign and
    check-in judge health as that sync does). A state database it cannot open changes nothing."""
    from map_workspace.state_store import StateStore

    try:
        state = StateStore(_private_path(config))
    except MapwsError:
        return
    try:
        state.remember_status(key, today.isoformat(), status_json(first), None)
    finally:
        state.close()


def invitation(deal: str, decision: date | None) -> str:
    """The note sent with the share: the plan framed as the buyer's own path to a decision."""
    by = f" by {decision.strftime('%d %b %Y')}" if decision else ""
    return (f"Here is our mutual action plan for {deal}: the steps both teams agreed to reach a confident "
            f"decision{by}. It is yours to edit: mark what is done, move dates that need moving, and name who "
            "owns what. We keep it up to date with you.")


# --- sync and status ---------------------------------------------------------------------------

@dataclass(frozen=True)
class SyncOutcome:
    """What one sync of one plan did: its result, whether it wrote, and the plan as it stands after."""

    ref: PlanRef
    result: SyncPlan
    written: bool
    #: The plan was read from its file (False: planned from the ``cached`` snapshot, or not planned
    #: at all because the nightly remembered what it concludes).
    read: bool = True
    #: The file's version after the sync: what ``store.apply`` returned after a write, else the version
    #: the snapshot was read at ("" when the store cannot tell).
    version: str = ""
    #: The plan as it stands after the sync (the snapshot with the written changes, its token at
    #: ``version``), for the nightly to remember; None once a worker process has encoded it, and for
    #: an outcome the nightly remembered without planning.
    after: Snapshot | None = None
    #: Who last changed the file before this sync, as the backend can tell ("" when it cannot).
    edited_by: str = ""

    @property
    def changes(self) -> int:
        """What this sync writes, or (``--dry-run``, ``status``) would write: ``--json``'s ``changes``."""
        return self.result.changes.count

    def changed(self) -> list[dict[str, str]]:
        """The edits the sync observed since the last one (its History rows), each in words too."""
        from map_workspace import history_words
        from map_workspace.changes import edit_in_words

        plan = self.result.plan
        named = {i.id: i.activity for i in plan.items} | {r.id: r.risk for r in plan.risks if r.id}

        def activity(h: HistoryEntry) -> str:  # a deleted row is gone from the plan: its History says it
            return (h.to or h.from_) if history_words.field_key(h.field) == "row" else named.get(h.id, "")

        lang = self.result.lang
        return [{"id": h.id, "field": h.field, "from": h.from_, "to": h.to, "note": h.note,
                 "text": edit_in_words(h, activity(h), lang)} for h in self.result.changes.history]

    def as_json(self, *, planned: bool = False) -> dict[str, Any]:
        a = self.result.assessment
        changed = self.changed()
        out: dict[str, Any] = {
            "plan": self.ref.id,
            "changes": self.changes,
            "written": self.written,
            "changed": changed,
            "changed_by": (self.edited_by or None) if changed else None,
            "findings": [finding_json(f) for f in self.result.findings],
            "progress": a.progress.as_json(),
            "health": a.health.value,
            "projected_decision": a.projected_decision.isoformat() if a.projected_decision else None,
        }
        if planned:
            out["planned"] = self.result.changes.describe()
        return out


#: Reads one sync may make when the plan changes between its read and its write (PlanChanged):
#: each costs one more read and version check, and happens only when someone edited meanwhile.
SYNC_ATTEMPTS = 3


def finding_json(finding: Finding) -> dict[str, Any]:
    """A finding as ``--json`` prints it: ``field`` is the column header the buyer sees, ``activity`` the
    item's (or risk's) words."""
    from map_workspace.layout import header_of

    return {**finding.as_json(), "field": header_of(finding.tab, finding.field), "activity": finding.activity}


def sync_plan(store: PlanStore, plan: str | PlanRef, config: Config, *, dry_run: bool = False,
              cached: Snapshot | None = None, limiter: RateLimiter | None = None,
              buyer: BuyerWatch | None = None) -> SyncOutcome:
    """Read, plan, write: the one sync loop (``sync PLAN``, ``status`` and every plan of ``sync --all``).

    ``cached`` is a snapshot of the file at ``ref.version`` kept from an earlier sync: it is planned
    instead of reading the file. A store that finds the plan changed since the read (or since the
    cached snapshot) writes nothing and raises PlanChanged: the plan is read and planned again (rows
    may have moved), a few times at most. Each read and write takes a ``limiter`` slot. ``buyer``:
    what the seller side remembers of the buyer's edits (the buyer's silence is assessed with it)."""
    from map_workspace.changes import apply_in_memory
    from map_workspace.sync import plan_sync

    ref = plan if isinstance(plan, PlanRef) else store.locate(plan)
    limiter = limiter or Unlimited()
    today, now, settings = today_for(config), now_for(config), replace(settings_for(config), buyer=buyer)
    if cached is None:
        with limiter.slot("read"):
            snapshot = store.read(ref)
    else:
        snapshot = cached
    done = plan_and_apply(store, ref, snapshot, lambda s: plan_sync(s, today, now=now, settings=settings),
                          lambda result: result.changes, dry_run=dry_run, limiter=limiter)
    read = cached is None or done.reread
    if done.version is None:
        # Read: the version of what was read (the file may have moved past the ref's since it was
        # listed, e.g. written by a worker process that died before answering); cached: the ref's.
        seen = (done.snapshot.token.version if read else "") or done.ref.version or done.snapshot.token.version
        return SyncOutcome(done.ref, done.result, False, read, seen, done.snapshot, edited_by=done.snapshot.edited_by)
    after = apply_in_memory(done.snapshot, done.result.changes)
    return SyncOutcome(done.ref, done.result, True, read, done.version,
                       replace(after, token=replace(after.token, version=done.version)), done.snapshot.edited_by)


def sync_one(store: PlanStore, plan: str, config: Config, *, dry_run: bool = False) -> SyncOutcome:
    """``mapws sync PLAN``: the one sync loop, with the buyer's last edit remembered seller-side (the
    state database), and what it concluded kept there for ``mapws list``."""
    from map_workspace.domain.silence import BuyerWatch
    from map_workspace.state_store import StateStore

    ref = store.locate(plan)
    if dry_run:  # writes nothing, the state database included
        return sync_plan(store, ref, config, dry_run=True, buyer=buyer_watch_for(store, ref, config) or BuyerWatch())
    try:
        state = StateStore(_private_path(config))
    except MapwsError:  # a state database it cannot open must not stop the sync: nothing is remembered
        return sync_plan(store, ref, config, buyer=buyer_watch_for(store, ref, config))
    try:
        key = f"{store.name}:{ref.id}"
        outcome = sync_plan(store, ref, config, buyer=state.buyer_watch(key))
        remember_status(state, key, outcome, today_for(config))
    finally:
        state.close()
    return outcome


def status_json(result: SyncPlan) -> str:
    """What ``mapws list`` shows of a plan, as the sync concluded it (the state store keeps it)."""
    import json

    a = result.assessment
    milestone = a.next_milestone
    target = result.plan.overview.target_decision
    return json.dumps({
        "health": a.health.value, "progress": a.progress.as_json(),
        "target_decision": target.isoformat() if target else None,
        "projected_decision": a.projected_decision.isoformat() if a.projected_decision else None,
        "next_milestone": ({"id": milestone.id, "activity": milestone.activity,
                            "due": milestone.due.isoformat() if milestone.due else None} if milestone else None),
        "buyer_silent": any(f.code == "buyer.silent" for f in result.findings),
        "closed": result.closed,
    }, ensure_ascii=False, separators=(",", ":"))


def remember_status(state: StateStore, key: str, outcome: SyncOutcome, today: date) -> None:
    """Keep what a sync concluded (and the buyer's edits as it left them); an outcome the nightly
    remembered without planning it changes nothing here."""
    result = outcome.result
    if result.buyer is None:
        return
    state.remember_status(key, today.isoformat(), status_json(result), result.buyer)


def buyer_watch_for(store: PlanStore, ref: PlanRef, config: Config,
                    statuses: Mapping[str, PlanStatus] | None = None) -> BuyerWatch | None:
    """What the seller side remembers of the buyer's edits to a plan, read-only, for the commands
    that assess it besides the sync (summary, check-in, replan, assign, report), so they judge its
    health as the sync does; None when nothing is remembered (then no claim is made). ``statuses``:
    the state database's, when the caller read them once for many plans."""
    from map_workspace.domain.silence import BuyerWatch, Touch
    from map_workspace.state_store import remembered_statuses

    if statuses is None:
        statuses = remembered_statuses(_private_path(config))
    status = statuses.get(f"{store.name}:{ref.id}")
    if status is None:
        return None
    try:
        since = date.fromisoformat(status.watched_since) if status.watched_since else None
    except ValueError:
        since = None
    return BuyerWatch(Touch.parse(status.buyer_at, status.buyer_by), since)


def plan_settings(store: PlanStore, ref: PlanRef, config: Config, *,
                  statuses: Mapping[str, PlanStatus] | None = None, base: Settings | None = None) -> Settings:
    """``settings_for`` (or ``base``) with what is remembered of the buyer's edits to this plan."""
    return replace(base or settings_for(config), buyer=buyer_watch_for(store, ref, config, statuses))


@dataclass(frozen=True)
class Applied(Generic[Planned]):
    """What :func:`plan_and_apply` ended with: the snapshot last read and what was planned from it,
    and the version the write left (None: nothing was written)."""

    ref: PlanRef
    snapshot: Snapshot
    result: Planned
    version: str | None
    reread: bool


def plan_and_apply(store: PlanStore, ref: PlanRef, snapshot: Snapshot, plan: Callable[[Snapshot], Planned],
                   changes_of: Callable[[Planned], ChangeSet], *, dry_run: bool = False,
                   limiter: RateLimiter | None = None, before_write: Callable[[Planned], None] | None = None,
                   command: str = "sync") -> Applied[Planned]:
    """Plan, write, and plan again on a fresh read when the plan changed in between: the one loop every
    command that writes a plan goes through (sync, replan, assign). A store that finds the plan
    changed since ``snapshot`` was read writes nothing and raises PlanChanged: the plan is read and
    planned again (rows may have moved), a few times at most. ``before_write`` sees the first plan
    before anything is written (replan prints its table there)."""
    limiter = limiter or Unlimited()
    attempt, reread = 1, False
    while True:
        result = plan(snapshot)
        changes = changes_of(result)
        if dry_run or changes.is_empty:
            return Applied(ref, snapshot, result, None, reread)
        if before_write is not None and attempt == 1:
            before_write(result)
        try:
            with limiter.slot("write"):
                version = store.apply(ref, snapshot, changes)
        except PlanChanged as exc:  # edited since that snapshot: nothing written, read it again
            if attempt >= SYNC_ATTEMPTS:
                raise kept_changing(exc, attempt, command) from exc
            attempt += 1
            ref = replace(ref, version=exc.version)
            with limiter.slot("read"):
                snapshot = store.read(ref)
            reread = True
            continue
        return Applied(ref, snapshot, result, version, reread)


def kept_changing(exc: PlanChanged, attempts: int, command: str = "sync") -> PlanChanged:
    """The error once a plan changed under every attempt: someone is editing it right now."""
    return PlanChanged(f"{exc.message} It changed under each of {attempts} attempts.",
                       f"Someone is editing the plan right now: run {command} again in a few minutes.", exc.version)


# --- replan and assign ---------------------------------------------------------------------------

def replan_plan(store: PlanStore, plan: str, config: Config, *, item: str = "", due: date | None = None,
                decision: date | None = None, dry_run: bool = False,
                before_write: Callable[[Replan], None] | None = None) -> ReplanResult:
    """``mapws replan``: move one item (``item`` to ``due``) or the decision (``decision``) and what
    depends on it, in one write through the same read → plan → apply → retry loop as the sync."""
    from map_workspace.plan_edits import plan_replan
    from map_workspace.results import ReplanResult

    ref = store.locate(plan)
    today, now, settings = today_for(config), now_for(config), plan_settings(store, ref, config)
    done = plan_and_apply(
        store, ref, store.read(ref),
        lambda s: plan_replan(s, today, item_id=item, due=due, decision=decision, now=now, settings=settings),
        lambda planned: planned.changes, dry_run=dry_run, before_write=before_write, command="replan")
    return ReplanResult(done.ref, done.result, done.version is not None, dry_run)


def assign_people(store: PlanStore, plan: str, people: dict[str, Person], config: Config, *,
                  dry_run: bool = False) -> AssignResult:
    """``mapws assign``: name the person for template roles after create. A role the plan's template
    lacks is refused (exit 2, with the closest roles) before anything is written."""
    from map_workspace.domain.scheduling import check_roles
    from map_workspace.plan_edits import plan_assign
    from map_workspace.results import AssignResult

    if not people:
        raise UsageError("Name at least one role.", 'Example: mapws assign acme-rollout buyer.cfo="Lee Chen '
                         '<lee@acme.com>"')
    ref = store.locate(plan)
    today, now, settings = today_for(config), now_for(config), plan_settings(store, ref, config)
    snapshot = store.read(ref)
    template, roles = plan_roles(snapshot)
    check_roles(people, [r.key for r in roles], template)
    done = plan_and_apply(store, ref, snapshot,
                          lambda s: plan_assign(s, people, roles, today, now=now, settings=settings),
                          lambda planned: planned.changes, dry_run=dry_run, command="assign")
    return AssignResult(done.ref, done.result.assignments, done.version is not None, dry_run)


def plan_roles(snapshot: Snapshot) -> tuple[str, list[RoleSpec]]:
    """The plan's template name and its roles: from the template file when it can still be read, else
    the roles the plan's items remember (a template path that moved since create)."""
    from map_workspace.domain.model import Side
    from map_workspace.domain.templates import RoleSpec
    from map_workspace.errors import TemplateError
    from map_workspace.reading import read_plan
    from map_workspace.template_files import load_template

    name = snapshot.meta.get("template", "") or "plan's"
    try:
        return name, list(load_template(name).roles)
    except (TemplateError, OSError):
        remembered = sorted({row.role for row in read_plan(snapshot).state.values() if row.role})
        sides = {s.value.casefold(): s for s in Side}
        return name, [RoleSpec(key, sides.get(key.partition(".")[0], Side.JOINT),
                               key.partition(".")[2].replace("_", " ").capitalize() or key) for key in remembered]


# --- summary -----------------------------------------------------------------------------------

def write_summary(store: PlanStore, plan: str, config: Config, *, light: bool = False, pdf: bool = False,
                  keep: bool = False):
    from map_workspace.catalog import plan_language
    from map_workspace.summary import build_summary
    from map_workspace.sync import plan_sync

    ref = store.locate(plan)
    snapshot = store.read(ref)
    today = today_for(config)
    result = plan_sync(snapshot, today, now=now_for(config), settings=plan_settings(store, ref, config))
    doc = build_summary(result.plan, result.assessment, today, light=light, lang=plan_language(snapshot.meta))
    written = store.write_summary(ref, doc, pdf=pdf, keep=keep)
    problem = written.pdf_problem
    if problem is None:
        return written
    # The document is there: say so, and that only the PDF is missing and how to get it.
    again = f"then run 'mapws summary {ref.slug} --pdf{' --light' if light else ''}' again"
    return replace(written, pdf_problem=PdfMissing(
        f"The summary was written ({written.document}), but not its PDF: {problem.message}",
        f"{problem.hint[:1].upper()}{problem.hint[1:].rstrip('.')}; {again} (or open the .docx in Word or "
        "LibreOffice and save it as PDF)."))


# --- check-in and calendar ----------------------------------------------------------------------

@dataclass
class CheckinResult:
    """What ``mapws checkin`` did (or, with ``dry_run``, would do)."""

    ref: PlanRef
    agenda: Any  # domain.agenda.Agenda
    document: str = ""
    url: str = ""
    markdown: str = ""
    dry_run: bool = False
    changes: list[dict[str, object]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "plan": self.ref.slug or self.ref.id,
            "checkin": {"date": self.agenda.on.isoformat(), "next": self.agenda.next.isoformat(),
                        "last": self.agenda.last.isoformat() if self.agenda.last else None},
            "agenda": self.agenda.as_json(),
            "document": self.url or self.document or None,
        }
        if self.markdown:
            out["markdown"] = self.markdown
        if self.dry_run:
            out["dry_run"] = True
            out["changes"] = self.changes
        return out


def history_in_words(snapshot: Snapshot, plan: Plan) -> list:
    """The History tab as :class:`~map_workspace.domain.agenda.Change` lines, each in the words
    ``changes.edit_in_words`` gives it, the activity taken from the plan when History lacks it."""
    from map_workspace import history_words
    from map_workspace.catalog import DEFAULT as DEFAULT_LANGUAGE
    from map_workspace.catalog import plan_language
    from map_workspace.changes import HistoryEntry, edit_in_words
    from map_workspace.domain.agenda import Change
    from map_workspace.reading import read_history

    out = []
    lang = plan_language(snapshot.meta)
    for row in read_history(snapshot):
        entry = HistoryEntry(row.when, row.id, row.field, row.from_, row.to, row.note, row.activity, row.by)
        item = plan.item(entry.id) if entry.id else None
        activity = entry.activity or (item.activity if item is not None else "")
        # Field and statuses as the agenda reasons with them (the canonical words, whatever language
        # logged the row); the line itself in the plan's language.
        key = history_words.field_key(entry.field)
        field = history_words.field(key, DEFAULT_LANGUAGE) if key else entry.field
        before, after = ((history_words.status_key(entry.from_), history_words.status_key(entry.to))
                         if key == "status" else (entry.from_, entry.to))
        out.append(Change(entry.when, entry.id, " ".join(activity.split()), field, before, after,
                          entry.by, edit_in_words(entry, activity, lang)))
    return out


#: The Check-ins cells a check-in run again the same day replaces: the rest may hold people's words.
PRODUCT_CHECKIN_KEYS = ("agenda", "next")


def checkin_row(snapshot: Snapshot, values: dict[str, Any]):
    """The ChangeSet that appends one row to the Check-ins tab (or fills in the row of the same day),
    each value in the column its header names; a column an older plan lacks gets its header in the
    first free column."""
    from map_workspace.changes import CellWrite, ChangeSet
    from map_workspace.errors import StructuralBreak
    from map_workspace.layout import CHECKINS, CHECKINS_TAB
    from map_workspace.reading import find_table

    grid = snapshot.tabs.get(CHECKINS)
    if grid is None:
        raise StructuralBreak(f"{snapshot.source}: the plan has no '{CHECKINS}' tab to record the check-in in.",
                              f"Restore the '{CHECKINS}' tab (undo, or File → Version history), then run "
                              "checkin again.")
    table = find_table(grid, CHECKINS_TAB)
    header_row = table.header_row + 1
    last = max((r for r, _ in table.data()), default=header_row)
    day = values.get("date")
    # A check-in run again the same day fills in its own row: the agenda and the next date are
    # mapws's and are replaced; new notes are added under the row's; the rest only fills empty cells.
    same_day = next(((r, row) for r, row in table.data() if isinstance(day, date)
                     and table.text(row, "date")[:10] == day.isoformat()), None)
    target, existing = (same_day if same_day is not None else (last + 1, None))
    width = max((len(row) for row in grid.rows), default=0)
    used = {c for c, cell in enumerate(grid.rows[table.header_row]) if cell.value not in (None, "")} \
        if grid.rows else set()
    free = max(used, default=-1) + 1
    cells: list[CellWrite] = []
    for key, value in values.items():
        col = table.columns.get(key)
        if col is None:
            col = max(free, width if not used else free)
            free = col + 1
            cells.append(CellWrite(CHECKINS, header_row, col, CHECKINS_TAB.column(key).title, field=key))
        if value in (None, ""):
            continue
        had = existing[col].text.strip() if existing is not None and col < len(existing) else ""
        if had and key not in PRODUCT_CHECKIN_KEYS:
            if key != "notes" or str(value) in had:
                continue
            value = f"{had}\n{value}"  # new notes go under the ones the row has
        cells.append(CellWrite(CHECKINS, target, col, value, field=key))
    return ChangeSet(cells=tuple(cells))


def run_checkin(store: PlanStore, plan: str, config: Config, *, on: date | None = None, notes: str = "",
                markdown: bool = False, dry_run: bool = False) -> CheckinResult:
    """The weekly check-in: the agenda (what changed since the last one, done, slipped, overdue,
    due in the next two weeks, needs an owner, top risks) written as a document beside the plan
    (or returned as Markdown), and a Check-ins row with the date, the agenda, the notes and the next
    check-in the Overview's cadence puts after it."""
    from map_workspace.agenda_doc import agenda_document, agenda_markdown
    from map_workspace.catalog import plan_language, words
    from map_workspace.changes import history_time
    from map_workspace.domain.agenda import META_LAST_CHECKIN, build_agenda
    from map_workspace.sync import plan_sync

    ref = store.locate(plan)
    snapshot = store.read(ref)
    checkin_row(snapshot, {})  # a plan with no Check-ins tab stops here, before any document is written
    day = on or today_for(config)
    result = plan_sync(snapshot, day, now=now_for(config), settings=plan_settings(store, ref, config))
    agenda = build_agenda(result.plan, result.assessment, history_in_words(snapshot, result.plan), day,
                          result.calendar, last_at=snapshot.meta.get(META_LAST_CHECKIN, ""))
    lang = plan_language(snapshot.meta)
    say = words(lang)
    doc = agenda_document(agenda, result.plan, notes=notes, link=ref.url, lang=lang)
    text = agenda_markdown(doc) if markdown else ""
    document = url = ""
    if not markdown and not dry_run:
        written = store.write_summary(ref, doc, pdf=False)
        document, url = written.document, written.url
    where = url if url.startswith("http") else document
    joiner = say("agenda.row.joiner")  # the row in the plan's language
    blockers = joiner.join(i.id for i in agenda.blocked if i.id)
    slips = joiner.join(say("agenda.row.slip", id=i.id, days=i.days) for i in agenda.slipped if i.id)
    changes = checkin_row(snapshot, {
        "date": day, "done_since_last": joiner.join(i.id for i in agenda.done if i.id), "blockers": blockers,
        "timeline_changes": slips, "agenda": where or (say("agenda.row.markdown") if markdown else ""),
        "notes": notes.strip(), "next": agenda.next,
    })
    # When it ran, in the History's local time: the next check-in counts what was logged after it.
    ran = history_time(now_for(config).isoformat(timespec="seconds"), snapshot.meta.get("timezone", ""))
    changes = replace(changes, meta={META_LAST_CHECKIN: ran.isoformat() if isinstance(ran, datetime) else str(ran)})
    if not dry_run:
        store.apply(ref, snapshot, changes)
    return CheckinResult(ref, agenda, document, url, text, dry_run, changes.describe() if dry_run else [])


#: Check-ins the calendar file holds ahead of today.
CALENDAR_CHECKINS = 4


def write_calendar(store: PlanStore, plan: str, config: Config, *, output: Path | None = None) -> CalendarResult:
    """Milestones (all-day) and the next check-ins as an RFC 5545 file. UIDs are stable per plan
    and item, and SEQUENCE goes up whenever a date moved since the last file (the last dates are kept
    seller-side, in the state database), so a calendar that imports it again updates the event."""
    from map_workspace.calendar_file import calendar_events, ics_bytes
    from map_workspace.errors import file_error
    from map_workspace.results import CalendarResult
    from map_workspace.sync import plan_sync

    ref = store.locate(plan)
    snapshot = store.read(ref)
    today = today_for(config)
    result = plan_sync(snapshot, today, now=now_for(config), settings=settings_for(config))
    events = calendar_events(result.plan, result.assessment, today, plan_key=result.plan.plan_id or ref.id,
                             link=ref.url, checkins=CALENDAR_CHECKINS, holidays=result.calendar)
    private = _private_store(config)
    try:
        events = [replace(e, sequence=private.event_sequence(f"{store.name}:{ref.id}", e.uid, e.start.isoformat()))
                  for e in events]
    finally:
        private.close()
    path = (output or Path(f"{ref.slug or 'plan'}.ics")).resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(ics_bytes(events, title=result.plan.overview.deal or ref.slug, now=now_for(config)))
    except OSError as exc:
        raise file_error(exc, path, doing="write the calendar") from exc
    return CalendarResult(ref, path, [e.as_json() for e in events])


# --- list --------------------------------------------------------------------------------------

def link_crm(store: PlanStore, plan: str, crm_id: str, config: Config, *, dry_run: bool = False) -> LinkResult:
    """``mapws link``: record the plan's CRM id seller-side (never in the plan)."""
    from map_workspace.private import parse_crm_id
    from map_workspace.results import LinkResult

    crm_id = parse_crm_id(crm_id)
    ref = store.locate(plan)
    key = f"{store.name}:{ref.id}"
    if dry_run:
        return LinkResult(ref, crm_id, crm_ids(store, config).get(ref.id, ""), True)
    private = _private_store(config)
    try:
        was = private.crm_id(key)
        private.link_crm(key, crm_id)
    finally:
        private.close()
    return LinkResult(ref, crm_id, was)


def _private_store(config: Config):
    from map_workspace.private import PrivateStore

    return PrivateStore(_private_path(config))


def remember_private(store: PlanStore, ref: PlanRef, deal, config: Config, crm_id: str = "") -> None:
    """Seller-internal facts (and the CRM id, when given) go to the seller's own database, keyed
    like the nightly state."""
    private = _private_store(config)
    try:
        if not deal.empty:
            private.put(f"{store.name}:{ref.id}", deal)
        if crm_id:
            private.link_crm(f"{store.name}:{ref.id}", crm_id)
    finally:
        private.close()


def published_template(store: PlanStore, template: str, config: Config) -> str:
    if not store.traits.publishes_templates:
        return ""
    private = _private_store(config)
    try:
        return private.published_template(store.name, template)
    finally:
        private.close()


def publish_template(store: PlanStore, name: str, config: Config) -> PlanRef:
    """Put a template's empty layout in the store (Google: a spreadsheet people can brand by
    hand), and remember it so that ``create`` copies it."""
    from map_workspace.domain.model import Overview, Plan
    from map_workspace.render import render_plan
    from map_workspace.template_files import load_template

    publisher = store.publisher()
    template = load_template(name)
    overview = Overview(deal="", cadence=template.goals.get("cadence", ""))
    meta = {"schema": str(SCHEMA_VERSION), "template": template.name, "locale": config.locale,
            "timezone": config.timezone, catalog.META_LANGUAGE: catalog.language_of(config.locale, config.language)}
    ref = publisher.publish_template(template.name, render_plan(Plan(plan_id="", overview=overview), [], meta))
    private = _private_store(config)
    try:
        private.remember_template(store.name, template.name, ref.id)
    finally:
        private.close()
    return ref


def demo_dir(base: Path | None) -> Path:
    return (base or Path.cwd() / "mapws-demo").resolve()



# --- share -------------------------------------------------------------------------------------

def email_of(person: str) -> str:
    """The address in "Lee Chen <lee@acme.com>" or "lee@acme.com" (both forms are accepted wherever
    a person is named); UsageError for anything without one."""
    text = person.strip()
    named = re.fullmatch(r"[^<>]*<\s*([^<>\s]+)\s*>", text)
    email = named.group(1) if named else text  # as given: the allow-list and Drive judge the address
    if "@" not in email or any(ch.isspace() or ch in "<>" for ch in email):
        raise UsageError(f"'{person}' is not an email address.",
                         'Name a person as lee@acme.com or "Lee Chen <lee@acme.com>", e.g. '
                         'mapws share acme-rollout "Lee Chen <lee@acme.com>"')
    return email


def share_plan(store: PlanStore, plan: str, emails: Sequence[str], *, commenter: bool = False,
               dry_run: bool = False, config: Config | None = None) -> ShareResult:
    """Give each named person access to a plan (never a link). A store without sharing says so
    first; then anything that is not an address, or (``config.allow_domains``) is outside the
    allowed domains, is refused before the plan is even looked up."""
    from map_workspace.results import ShareResult

    sharer = store.sharer()
    emails = [email_of(person) for person in emails]
    if config is not None:
        check_allowed_recipients(emails, config.allow_domains)
    ref = store.locate(plan)
    role = "commenter" if commenter else "writer"
    added = sharer.share(ref, emails, role=role, message=invitation(ref.title or ref.slug, None), dry_run=dry_run)
    return ShareResult(ref, added, role, dry_run)


# --- close and reopen ----------------------------------------------------------------------------

@dataclass(frozen=True)
class CloseResult:
    """A plan closed (``outcome`` "won", "lost", "no decision") or reopened (``outcome`` None)."""

    ref: PlanRef
    outcome: str | None
    on: date | None
    reason: str = ""
    #: The plan's closure before this command: "" when it was open.
    was: str = ""
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"plan": self.ref.id, "outcome": self.outcome, "on": self.on.isoformat() if self.on else None,
                "dry_run": self.dry_run}


def close_plan(store: PlanStore, plan: str, config: Config, *, outcome: str | None, on: date | None = None,
               reason: str = "", dry_run: bool = False) -> CloseResult:
    """``mapws close``: record the deal's outcome in the plan (its Overview says "Closed — won on
    DATE", and nothing is flagged by date any more: findings, Flag formulas and colour rules) and,
    seller-side only, with its reason, so ``sync --all`` skips the plan without reading it and
    ``list`` shows it closed. ``outcome`` None reopens it: all of that undone."""
    from map_workspace import history_words
    from map_workspace.catalog import plan_language
    from map_workspace.changes import HistoryEntry
    from map_workspace.layout import META_CLOSED
    from map_workspace.private import ClosedDeal
    from map_workspace.sync import OUTCOMES, Closure, closure_of, plan_sync

    today, now = today_for(config), now_for(config)
    if outcome is not None and outcome not in OUTCOMES:
        raise UsageError(f"'{outcome}' is not an outcome.", "Use --won, --lost or --no-decision.")
    if outcome is not None and on is not None and on > today:
        raise UsageError(f"--on {on.isoformat()} is after today ({today.isoformat()}): a deal closes when it "
                         "is decided.", "Leave --on out to close it today, or give the day it was decided.")
    ref = store.locate(plan)
    closure = Closure(outcome, on or today) if outcome is not None else None
    value = closure.meta if closure else ""
    attempt = 1
    while True:
        snapshot = store.read(ref)
        before = closure_of(snapshot.meta)
        if outcome is None and before is None:
            raise UsageError(f"{ref.slug or ref.id} is not closed: there is nothing to reopen.",
                             f"Close it with 'mapws close {ref.slug or ref.id} --won' (or --lost, --no-decision).")
        # The plan synced as it will stand: its Overview, Flag formulas and colour rules follow the meta.
        marked = replace(snapshot, meta={**snapshot.meta, META_CLOSED: value})
        changes = plan_sync(marked, today, now=now, settings=settings_for(config)).changes
        if value != snapshot.meta.get(META_CLOSED, ""):
            lang = plan_language(snapshot.meta)
            logged = HistoryEntry(when=now.isoformat(timespec="seconds"), id="",
                                  field=history_words.field("plan", lang),
                                  from_=_closure_words(before, "open", lang),
                                  to=_closure_words(closure, "reopened", lang),
                                  note=history_words.note("closed" if closure else "reopened", lang))
            changes = replace(changes, meta={**changes.meta, META_CLOSED: value},
                              history=(*changes.history, logged))
        done = CloseResult(ref, outcome, closure.on if closure else None, reason,
                           before.meta if before else "", dry_run)
        if dry_run:
            return done
        if changes.is_empty:
            break
        try:
            store.apply(ref, snapshot, changes)
            break
        except PlanChanged as exc:  # edited since the read: nothing written, read it again
            if attempt >= SYNC_ATTEMPTS:
                raise kept_changing(exc, attempt) from exc
            attempt += 1
            ref = replace(ref, version=exc.version)
    private = _private_store(config)
    try:
        key = f"{store.name}:{ref.id}"
        if closure:
            private.close_plan(key, ClosedDeal(closure.outcome, closure.on.isoformat(), reason))
        else:
            private.reopen_plan(key)
    finally:
        private.close()
    return done


# --- what changed ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChangesResult:
    """``mapws changes``: the observed changes (History rows) since a day, each in words."""

    ref: PlanRef
    since: date | None
    changes: tuple[dict[str, Any], ...]
    #: Where ``since`` came from: "" (every change), "date", "checkin", or "no-checkin" (asked for the
    #: last check-in and there is none: every change is shown).
    since_what: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"plan": self.ref.id, "since": self.since.isoformat() if self.since else None,
                "changes": list(self.changes)}


def _local_time(text: str) -> datetime | None:
    """A recorded local time ("2027-01-12T16:50:36"), without a zone; None when it is not one."""
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=None) if text.strip() else None
    except ValueError:
        return None


def _closure_words(closure: Any, otherwise: str, lang: str) -> str:
    """A closure (sync.Closure) as History's From/To says it, or ``otherwise``'s word for an open plan."""
    from map_workspace import history_words

    if closure is None:
        return history_words.value(otherwise, lang)
    return history_words.closure(closure.outcome, closure.on.isoformat(), lang)


def plan_history(store: PlanStore, plan: str, config: Config, *, since: date | None = None,
                 since_checkin: bool = False) -> ChangesResult:
    """What changed in a plan, from its History tab: one entry per observed change with the activity,
    field, before → after, when and (where the backend could tell) who, and the same in words as
    the sync says it. ``since_checkin`` starts at the last Check-ins row's date — after the time that
    check-in ran, when the plan recorded it (what was logged before it was on its agenda)."""
    from map_workspace import history_words
    from map_workspace.catalog import plan_language
    from map_workspace.changes import HistoryEntry, edit_in_words
    from map_workspace.domain.agenda import META_LAST_CHECKIN
    from map_workspace.reading import read_history, read_plan

    if since is not None and since_checkin:
        raise UsageError("--since and --since-checkin both say where to start.", "Give one of them.")
    ref = store.locate(plan)
    snapshot = store.read(ref)
    reading = read_plan(snapshot, default_locale=config.locale, today=today_for(config))
    since_what = "date" if since else ""
    if since_checkin:
        dated = [c.date for c in reading.plan.checkins if c.date]
        since, since_what = (dated[-1], "checkin") if dated else (None, "no-checkin")
    ran = _local_time(snapshot.meta.get(META_LAST_CHECKIN, "")) if since_checkin else None
    after = ran if ran is not None and ran.date() == since else None
    named = {i.id: i.activity for i in reading.plan.items} | {r.id: r.risk for r in reading.plan.risks if r.id}
    out = []
    for row in read_history(snapshot):
        if since is not None and (row.at is None or row.at.date() < since):
            continue
        if after is not None and row.at is not None and row.at.replace(tzinfo=None) <= after:
            continue
        activity = row.activity or ((row.to or row.from_) if history_words.field_key(row.field) == "row"
                                    else named.get(row.id, ""))
        entry = HistoryEntry(when=row.when, id=row.id, field=row.field, from_=row.from_, to=row.to, note=row.note)
        out.append({"at": row.at.isoformat() if row.at else (row.when or None), "id": row.id or None,
                    "activity": activity or None, "field": row.field, "before": row.from_, "after": row.to,
                    "by": row.by or None, "text": edit_in_words(entry, activity, plan_language(snapshot.meta))})
    return ChangesResult(ref, since, tuple(out), since_what)
