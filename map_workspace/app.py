"""The services the CLI calls: create, sync, status, summary, list — written against the
PlanStore port, so every backend behaves the same."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from map_workspace import SCHEMA_VERSION
from map_workspace.config import Config
from map_workspace.errors import PlanChanged, UsageError
from map_workspace.ports import PlanRef, PlanStore
from map_workspace.ratelimit import RateLimiter, Unlimited
from map_workspace.sharing import check_allowed_recipients

if TYPE_CHECKING:
    # The services that create, sync and summarise import the domain where they run (below), so a
    # command that only lists or shares plans starts without loading it.
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
    from map_workspace.sync import Settings

    return Settings(default_locale=config.locale, holidays=config.holidays, thresholds=config.thresholds)


def today_for(config: Config) -> date:
    """The date every date-dependent command reasons with: ``--today``/``MAPWS_TODAY`` or the
    real date in the configured time zone."""
    return config.today or now_for(config).date()


def now_for(config: Config) -> datetime:
    try:
        tz = ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"Unknown time zone '{config.timezone}'.",
                         "Use an IANA name such as Europe/Berlin or America/New_York.") from None
    now = datetime.now(tz).replace(microsecond=0)
    if config.today and config.today != now.date():
        # Backfills: keep the clock time, move the day, so History stays ordered and readable.
        now = now.replace(year=config.today.year, month=config.today.month, day=config.today.day)
    return now


def slugify(deal: str) -> str:
    """A file-friendly name: accents dropped, other scripts kept ("Café Ünal" → "cafe-unal",
    "東京ガス 導入" → "東京ガス-導入")."""
    text = "".join(_unaccent(ch) for ch in unicodedata.normalize("NFKC", deal)).lower()
    words = re.findall(r"\w+", text)
    slug = "-".join(w.strip("_") for w in words if w.strip("_"))[:60].strip("-")
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


# --- create ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CreateRequest:
    deal: str
    decision: date
    buyers: Sequence[Person]
    sellers: Sequence[Person] = ()
    roles: dict[str, Person] = field(default_factory=dict)
    template: str = "enterprise"
    buyer_company: str = ""
    seller_company: str = ""
    commenter: bool = False


@dataclass(frozen=True)
class CreateResult:
    ref: PlanRef
    plan: Plan
    shared_with: tuple[str, ...]
    findings: tuple[Finding, ...]
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"plan": self.ref.id, "url": self.ref.url, "slug": self.ref.slug,
                "items": len(self.plan.items), "shared_with": list(self.shared_with)}


@dataclass(frozen=True)
class NewPlan:
    snapshot: Snapshot
    plan: Plan
    first_sync: SyncPlan
    #: What scheduling said (a compressed schedule names its shortfall), then the first sync's findings.
    findings: tuple[Finding, ...]


def build_new_plan(req: CreateRequest, config: Config, today: date, now: datetime) -> NewPlan:
    """Schedule the template, lay the plan out and fold in its first sync, all in memory."""
    from map_workspace.changes import HistoryEntry, StateRow, apply_in_memory
    from map_workspace.domain.model import Overview, Person, Plan, Side
    from map_workspace.domain.scheduling import schedule_backward
    from map_workspace.render import render_plan
    from map_workspace.sync import plan_sync
    from map_workspace.template_files import load_template

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
    schedule = schedule_backward(
        template, req.decision, today, people, extra_people=extra, holidays=config.holidays,
        names={"deal": req.deal, "buyer_company": buyer_company or "the buyer",
               "seller_company": seller_company or "us"},
    )
    slug = slugify(req.deal)
    plan = Plan(
        plan_id=secrets.token_hex(8),
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
            "decision_id": decision, "created": now.isoformat(timespec="seconds")}
    snapshot = render_plan(plan, state, meta)
    created = HistoryEntry(now.isoformat(timespec="seconds"), "", "Plan", "", template.name,
                           f"created from the '{template.name}' template, decision date "
                           f"{req.decision.isoformat()}")
    first = plan_sync(snapshot, today, now=now, settings=settings_for(config))
    changes = replace(first.changes, history=(created, *first.changes.history))
    scheduled = {f.code for f in schedule.findings}
    findings = schedule.findings + tuple(f for f in first.findings if f.code not in scheduled)
    return NewPlan(apply_in_memory(snapshot, changes), plan, first, findings)


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
        return CreateResult(ref, plan, emails, new.findings, dry_run=True)
    # A published (branded) template is copied instead of building the plan from scratch.
    template_id = published_template(store, req.template, config)
    ref = store.create(new.snapshot, slug=plan.slug, title=req.deal, template_id=template_id)
    shared: tuple[str, ...] = ()
    if store.traits.shares:
        shared = store.sharer().share(ref, emails, role="commenter" if req.commenter else "writer",
                                      message=invitation(req.deal, req.decision))
    return CreateResult(ref, plan, shared, new.findings)


def invitation(deal: str, decision: date | None) -> str:
    """The note sent with the share: the plan framed as the buyer's own path to a decision."""
    by = f" by {decision.strftime('%d %b %Y')}" if decision else ""
    return (f"Here is our mutual action plan for {deal}: the steps both teams agreed to reach a confident "
            f"decision{by}. It is yours to edit: mark what is done, move dates that need moving, and name who "
            "owns what. We keep it up to date with you.")


# --- sync and status ---------------------------------------------------------------------------

@dataclass(frozen=True)
class SyncOutcome:
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

    @property
    def changes_written(self) -> int:
        """Cells written and rows added or removed (``--json``'s ``changes``): 0 when nothing was written."""
        return self.result.changes.count if self.written else 0

    def as_json(self, *, planned: bool = False) -> dict[str, Any]:
        a = self.result.assessment
        out: dict[str, Any] = {
            "plan": self.ref.id,
            "changes": self.changes_written,
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
    """A finding as ``--json`` prints it: ``field`` is the column header the buyer sees."""
    from map_workspace.layout import header_of

    return {**finding.as_json(), "field": header_of(finding.tab, finding.field)}


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
            return SyncOutcome(ref, result, False, read, ref.version or snapshot.token.version, snapshot)
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
                           replace(after, token=replace(after.token, version=version)))


def kept_changing(exc: PlanChanged, attempts: int) -> PlanChanged:
    """The error once a plan changed under every attempt: someone is editing it right now."""
    return PlanChanged(f"{exc.message} It changed under each of {attempts} attempts.",
                       "Someone is editing the plan right now: run sync again in a few minutes.", exc.version)


# --- summary -----------------------------------------------------------------------------------

def write_summary(store: PlanStore, plan: str, config: Config, *, light: bool = False, pdf: bool = False,
                  keep: bool = False):
    from map_workspace.summary import build_summary
    from map_workspace.sync import plan_sync

    ref = store.locate(plan)
    snapshot = store.read(ref)
    today = today_for(config)
    result = plan_sync(snapshot, today, now=now_for(config), settings=settings_for(config))
    doc = build_summary(result.plan, result.assessment, today, light=light)
    return store.write_summary(ref, doc, pdf=pdf, keep=keep)


# --- list --------------------------------------------------------------------------------------

def list_plans(store: PlanStore) -> list[PlanRef]:
    return store.list_plans()


def _private_store(config: Config):
    from map_workspace.private import PrivateStore

    return PrivateStore(Path(config.state).expanduser() if config.state and config.state != "drive" else None)


def remember_private(store: PlanStore, ref: PlanRef, deal, config: Config) -> None:
    """Seller-internal facts go to the seller's own database, keyed like the nightly state."""
    private = _private_store(config)
    try:
        private.put(f"{store.name}:{ref.id}", deal)
    finally:
        private.close()


def private_facts(store: PlanStore, refs: list[PlanRef], config: Config) -> dict:
    private = _private_store(config)
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
    ref: PlanRef
    shared_with: tuple[str, ...]
    role: str
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"plan": self.ref.id, "shared_with": list(self.shared_with), "role": self.role,
                "dry_run": self.dry_run}


def share_plan(store: PlanStore, plan: str, emails: Sequence[str], *, commenter: bool = False,
               dry_run: bool = False, config: Config | None = None) -> ShareResult:
    """Give each named person access to a plan (never a link). A store without sharing says so
    first; then anything that is not an address, or (``config.allow_domains``) is outside the
    allowed domains, is refused before the plan is even looked up."""
    sharer = store.sharer()
    for email in emails:
        if "@" not in email:
            raise UsageError(f"'{email}' is not an email address.", "Example: mapws share acme-rollout lee@acme.com")
    if config is not None:
        check_allowed_recipients(emails, config.allow_domains)
    ref = store.locate(plan)
    role = "commenter" if commenter else "writer"
    added = sharer.share(ref, emails, role=role, message=invitation(ref.title or ref.slug, None), dry_run=dry_run)
    return ShareResult(ref, added, role, dry_run)
