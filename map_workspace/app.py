"""The services the CLI calls: create, sync, status, summary, list — written against the
PlanStore port, so every backend behaves the same."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from map_workspace import SCHEMA_VERSION
from map_workspace.config import Config, ConfigUpdate
from map_workspace.errors import PdfMissing, PlanChanged, UsageError
from map_workspace.ports import PlanRef, PlanStore
from map_workspace.ratelimit import RateLimiter, Unlimited
from map_workspace.sharing import check_allowed_recipients

if TYPE_CHECKING:
    # The services that create, sync and summarise import the domain where they run (below), so a
    # command that only lists or shares plans starts without loading it.
    from map_workspace.changes import HistoryEntry
    from map_workspace.domain.calendar import WorkCalendar
    from map_workspace.domain.model import Finding, Person, Plan
    from map_workspace.layout import Snapshot
    from map_workspace.sync import Settings, SyncPlan

#: The template role the first --buyer and the first --seller fill.
FIRST_BUYER_ROLE, FIRST_SELLER_ROLE = "buyer.champion", "seller.ae"


def make_store(config: Config) -> PlanStore:
    if config.backend == "local":
        from map_workspace.backends.local.store import LocalPlanStore

        return LocalPlanStore(config.dir)
    if config.backend == "google":
        from map_workspace.backends.google.auth import resolve_identity
        from map_workspace.backends.google.clients import GoogleClients
        from map_workspace.backends.google.store import GooglePlanStore

        identity = resolve_identity(config)
        return GooglePlanStore(GoogleClients(identity.credentials, config.google_api_root), folder=config.folder,
                               principal=identity.principal, timezone=config.timezone, locale=config.locale,
                               allowed_domains=config.allow_domains)
    raise UsageError(f"Unknown backend '{config.backend}'.", "Use --backend local or --backend google.")


def settings_for(config: Config) -> Settings:
    """What a sync reasons with. The calendar is the config's, for plans that do not record the
    one they were made with (a plan that does is synced on its own: see sync.py)."""
    from map_workspace.sync import Settings

    return Settings(default_locale=config.locale, holidays=calendar_for(config, today_for(config)),
                    thresholds=config.thresholds)


def calendar_for(config: Config, *days: date) -> WorkCalendar:
    """The working calendar the config describes, for the years around ``days``: the regions named
    in ``holidays``/``--holidays`` (else the locale's country), the closures and single dates."""
    from map_workspace.workdays import build_calendar, default_regions, years_around

    regions = config.holiday_regions if config.holiday_regions is not None else default_regions(config.locale)
    return build_calendar(regions, config.closures, config.holidays, years=years_around(*days))


def today_for(config: Config) -> date:
    """The date every date-dependent command reasons with: ``--today``/``MAPWS_TODAY`` or the
    real date in the configured time zone."""
    return config.today or now_for(config).date()


def now_for(config: Config) -> datetime:
    now = datetime.now(_zone(config.timezone)).replace(microsecond=0)
    if config.today and config.today != now.date():
        # Backfills: keep the clock time, move the day, so History stays ordered and readable.
        now = now.replace(year=config.today.year, month=config.today.month, day=config.today.day)
    return now


#: A slug's longest form: 60 characters, and 114 bytes in UTF-8 — what Google Drive leaves for the
#: value of the ``mapws_deal`` tag (124 bytes for key and value together), so that a deal named in
#: any script (3 bytes a character in Japanese) can be tagged and looked up.
SLUG_CHARS = 60
SLUG_BYTES = 114


def _zone(name: str) -> tzinfo:
    """The configured time zone; the default, UTC, without loading zoneinfo (a command's start-up)."""
    if name == "UTC":
        return UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"Unknown time zone '{name}'.",
                         "Use an IANA name such as Europe/Berlin or America/New_York.") from None


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

    from map_workspace.changes import HistoryEntry, StateRow, apply_in_memory
    from map_workspace.domain.model import Overview, Person, Plan, Side
    from map_workspace.domain.scheduling import schedule_backward, schedule_forward
    from map_workspace.render import render_plan
    from map_workspace.sync import META_GOAL_DIGESTS, META_TARGET, goal_digests, plan_sync
    from map_workspace.template_files import load_template
    from map_workspace.workdays import calendar_meta

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
    calendar = calendar_for(config, start, req.decision)
    schedule = (schedule_backward if req.as_late_as_possible else schedule_forward)(
        template, req.decision, start, people, extra_people=extra, holidays=calendar,
        names={"deal": req.deal, "buyer_company": buyer_company or "the buyer",
               "seller_company": seller_company or "us"},
    )
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
                     and "decision" in i.activity.lower()), "")
    if not decision:
        decision = next((i.id for i in plan.items if i.is_milestone and i.due == req.decision), "")
    state = [StateRow(i.id, i.activity, i.baseline, i.due, i.status.value if i.status else "", i.owner, 0,
                      i.lead_days, i.role) for i in plan.items]
    state += [StateRow(r.id, r.risk) for r in plan.risks]
    meta = {"plan_id": plan.plan_id, "schema": str(SCHEMA_VERSION), "template": template.name, "slug": slug,
            "locale": config.locale, "timezone": config.timezone, "shortfall_days": str(schedule.shortfall_days),
            "decision_id": decision, "created": now.isoformat(timespec="seconds"),
            META_TARGET: req.decision.isoformat(), META_GOAL_DIGESTS: goal_digests(plan.overview),
            "start": schedule.start.isoformat(), "buffer_days": str(schedule.buffer_days), **calendar_meta(calendar)}
    snapshot = render_plan(plan, state, meta)
    created = HistoryEntry(now.isoformat(timespec="seconds"), "", "Plan", "", template.name,
                           f"created from the '{template.name}' template, decision date "
                           f"{req.decision.isoformat()}")
    first = plan_sync(snapshot, today, now=now, settings=replace(settings_for(config), holidays=calendar))
    changes = replace(first.changes, history=(created, *first.changes.history))
    scheduled = {f.code for f in schedule.findings}
    findings = schedule.findings + tuple(f for f in first.findings if f.code not in scheduled)
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
    return CreateResult(ref, plan, shared, new.findings, schedule=new.schedule)


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
        from map_workspace.changes import edit_in_words

        plan = self.result.plan
        named = {i.id: i.activity for i in plan.items} | {r.id: r.risk for r in plan.risks if r.id}

        def activity(h: HistoryEntry) -> str:  # a deleted row is gone from the plan: its History says it
            return (h.to or h.from_) if h.field == "Row" else named.get(h.id, "")

        return [{"id": h.id, "field": h.field, "from": h.from_, "to": h.to, "note": h.note,
                 "text": edit_in_words(h, activity(h))} for h in self.result.changes.history]

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
              cached: Snapshot | None = None, limiter: RateLimiter | None = None) -> SyncOutcome:
    """Read, plan, write: the one sync loop (``sync PLAN``, ``status`` and every plan of ``sync --all``).

    ``cached`` is a snapshot of the file at ``ref.version`` kept from an earlier sync: it is planned
    instead of reading the file. A store that finds the plan changed since the read (or since the
    cached snapshot) writes nothing and raises PlanChanged: the plan is read and planned again (rows
    may have moved), a few times at most. Each read and write takes a ``limiter`` slot."""
    from map_workspace.changes import apply_in_memory
    from map_workspace.sync import plan_sync

    ref = plan if isinstance(plan, PlanRef) else store.locate(plan)
    limiter = limiter or Unlimited()
    today, now, settings = today_for(config), now_for(config), settings_for(config)
    read = cached is None
    if cached is None:
        with limiter.slot("read"):
            snapshot = store.read(ref)
    else:
        snapshot = cached
    attempt = 1
    while True:
        result = plan_sync(snapshot, today, now=now, settings=settings)
        if dry_run or result.changes.is_empty:
            return SyncOutcome(ref, result, False, read, ref.version or snapshot.token.version, snapshot,
                               edited_by=snapshot.edited_by)
        try:
            with limiter.slot("write"):
                version = store.apply(ref, snapshot, result.changes)
        except PlanChanged as exc:  # edited since that snapshot: nothing written, read it again
            if attempt >= SYNC_ATTEMPTS:
                raise kept_changing(exc, attempt) from exc
            attempt += 1
            ref = replace(ref, version=exc.version)
            with limiter.slot("read"):
                snapshot = store.read(ref)
            read = True
            continue
        after = apply_in_memory(snapshot, result.changes)
        return SyncOutcome(ref, result, True, read, version,
                           replace(after, token=replace(after.token, version=version)), snapshot.edited_by)


def kept_changing(exc: PlanChanged, attempts: int) -> PlanChanged:
    """The error once a plan changed under every attempt: someone is editing it right now."""
    return PlanChanged(f"{exc.message} It changed under each of {attempts} attempts.",
                       "Someone is editing the plan right now: run sync again in a few minutes.", exc.version)


# --- summary -----------------------------------------------------------------------------------

def write_summary(store: PlanStore, plan: str, config: Config, *, light: bool = False, pdf: bool = False):
    from map_workspace.summary import build_summary
    from map_workspace.sync import plan_sync

    ref = store.locate(plan)
    snapshot = store.read(ref)
    today = today_for(config)
    result = plan_sync(snapshot, today, now=now_for(config), settings=settings_for(config))
    doc = build_summary(result.plan, result.assessment, today, light=light)
    written = store.write_summary(ref, doc, pdf=pdf)
    problem = written.pdf_problem
    if problem is None:
        return written
    # The document is there: say so, and that only the PDF is missing and how to get it.
    again = f"then run 'mapws summary {ref.slug} --pdf{' --light' if light else ''}' again"
    return replace(written, pdf_problem=PdfMissing(
        f"The summary was written ({written.document}), but not its PDF: {problem.message}",
        f"{problem.hint[:1].upper()}{problem.hint[1:].rstrip('.')}; {again} (or open the .docx in Word or "
        "LibreOffice and save it as PDF)."))


# --- list --------------------------------------------------------------------------------------

def list_plans(store: PlanStore) -> list[PlanRef]:
    """Every plan the store sees (``store.not_plans()`` then names what was skipped); a plans folder
    that does not exist is an error, not an empty list."""
    store.require_place()
    return store.list_plans()


def _private_path(config: Config) -> Path | None:
    return Path(config.state).expanduser() if config.state and config.state != "drive" else None


def _private_store(config: Config):
    from map_workspace.private import PrivateStore

    return PrivateStore(_private_path(config))


def remember_private(store: PlanStore, ref: PlanRef, deal, config: Config) -> None:
    """Seller-internal facts go to the seller's own database, keyed like the nightly state."""
    private = _private_store(config)
    try:
        private.put(f"{store.name}:{ref.id}", deal)
    finally:
        private.close()


def private_facts(store: PlanStore, refs: list[PlanRef], config: Config) -> dict:
    from map_workspace.private import PrivateDeal, PrivateStore

    private = PrivateStore.reader(_private_path(config))
    if private is None:
        return {r.id: PrivateDeal() for r in refs}
    try:
        return {r.id: private.get(f"{store.name}:{r.id}") for r in refs}
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
            "timezone": config.timezone}
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

@dataclass(frozen=True)
class ShareResult:
    """Who a plan was shared with (or would be, with ``dry_run``), and as what."""

    ref: PlanRef
    shared_with: tuple[str, ...]
    role: str
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"plan": self.ref.id, "shared_with": list(self.shared_with), "role": self.role,
                "dry_run": self.dry_run}


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
    sharer = store.sharer()
    emails = [email_of(person) for person in emails]
    if config is not None:
        check_allowed_recipients(emails, config.allow_domains)
    ref = store.locate(plan)
    role = "commenter" if commenter else "writer"
    added = sharer.share(ref, emails, role=role, message=invitation(ref.title or ref.slug, None), dry_run=dry_run)
    return ShareResult(ref, added, role, dry_run)
