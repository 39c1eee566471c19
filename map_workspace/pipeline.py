"""``mapws list``: the pipeline, one row per plan, as the last sync left it, without reading a plan;
and the few things every service needs first (the store the config names, today's date, the
seller-side database's path).

A module of its own so that listing plans starts without the services that create, sync and
summarise (``app``, whose result types alone cost a list a quarter of its time; issue 8). ``app``
re-exports every name here, so callers keep using ``app.list_pipeline``, ``app.make_store``, ...
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from map_workspace.errors import UsageError

if TYPE_CHECKING:
    from map_workspace.config import Config
    from map_workspace.ports import PlanRef, PlanStore
    from map_workspace.state_store import PlanStatus


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


def private_path(config: Config) -> Path | None:
    """The seller-side database the config names (None: the default one in the user data dir)."""
    return Path(config.state).expanduser() if config.state and config.state != "drive" else None


# --- list --------------------------------------------------------------------------------------

def list_plans(store: PlanStore) -> list[PlanRef]:
    """Every plan the store sees (``store.not_plans()`` then names what was skipped); a plans folder
    that does not exist is an error, not an empty list."""
    store.require_place()
    return store.list_plans()


@dataclass(frozen=True)
class PipelineRow:
    """One plan as ``mapws list`` shows it: what the listing says, the seller-side facts, and what
    the last sync concluded (``status``, from the state store; None when no sync recorded one)."""

    ref: PlanRef
    private: Any
    closed: Any = None
    status: Any = None
    crm_id: str = ""
    today: date | None = None

    def fact(self, name: str) -> Any:
        return (self.status.status if self.status is not None else {}).get(name)

    @property
    def buyer_last_edit(self) -> dict[str, str] | None:
        if self.status is None or not self.status.buyer_at:
            return None
        return {"at": self.status.buyer_at, "by": self.status.buyer_by or None}

    @property
    def days_since_buyer_edit(self) -> int | None:
        """Calendar days since the buyer's last edit; None when unknown or never."""
        edit = self.buyer_last_edit
        if edit is None or self.today is None:
            return None
        try:
            return max((self.today - date.fromisoformat(edit["at"][:10])).days, 0)
        except ValueError:
            return None

    def as_json(self) -> dict[str, Any]:
        closed = self.closed
        return {"plan": self.ref.id, "url": self.ref.url, "slug": self.ref.slug, "title": self.ref.title,
                "private": vars(self.private) if not self.private.empty else None,
                "closed": {"outcome": closed.outcome, "on": closed.on} if closed is not None else None,
                "crm_id": self.crm_id or None,
                "health": self.fact("health"), "progress": self.fact("progress"),
                "target_decision": self.fact("target_decision"),
                "projected_decision": self.fact("projected_decision"),
                "next_milestone": self.fact("next_milestone"),
                "buyer_last_edit": self.buyer_last_edit,
                "days_since_buyer_edit": self.days_since_buyer_edit,
                "buyer_silent": self.fact("buyer_silent"),
                "synced_on": self.status.day if self.status is not None and self.status.day else None}


def list_pipeline(store: PlanStore, config: Config) -> list[PipelineRow]:
    """``mapws list``: every plan with what the state store remembers of its last sync (health,
    progress, decision dates, next milestone, the buyer's last edit) and its seller-side facts —
    without reading a plan: one listing and one read-only look at the state database."""
    refs = list_plans(store)
    private = private_facts(store, refs, config)
    closed = closed_plans(store, config, refs)
    crm = crm_ids(store, config)
    statuses = remembered_plan_statuses(config)
    today = today_for(config)
    return [PipelineRow(r, private[r.id], closed.get(r.id), statuses.get(f"{store.name}:{r.id}"), crm.get(r.id, ""),
                        today) for r in refs]


def crm_ids(store: PlanStore, config: Config) -> dict[str, str]:
    """The recorded CRM ids of this store's plans, by plan ID (read-only; {} without a database)."""
    from map_workspace.private import PrivateStore

    private = PrivateStore.reader(private_path(config))
    if private is None:
        return {}
    try:
        prefix = f"{store.name}:"
        return {key[len(prefix):]: crm for key, crm in private.crm_ids().items() if key.startswith(prefix)}
    finally:
        private.close()


def private_facts(store: PlanStore, refs: list[PlanRef], config: Config) -> dict:
    from map_workspace.private import PrivateDeal, PrivateStore

    private = PrivateStore.reader(private_path(config))
    if private is None:
        return {r.id: PrivateDeal() for r in refs}
    try:
        return {r.id: private.get(f"{store.name}:{r.id}") for r in refs}
    finally:
        private.close()


def remembered_plan_statuses(config: Config) -> dict[str, PlanStatus]:
    """Every plan's last status as the state database keeps it (read-only; {} without one)."""
    from map_workspace.config import default_state_path

    path = private_path(config) or default_state_path()
    if not path.is_file():  # nothing remembered yet: no need to load the state store (and SQLite)
        return {}
    from map_workspace.state_store import remembered_statuses

    return remembered_statuses(path)


def closed_plans(store: PlanStore, config: Config, refs: Sequence[PlanRef] = ()) -> dict[str, Any]:
    """The closed plans, by plan ID, known without reading a plan (``list`` shows them closed,
    ``sync --all`` skips them): the seller-side record (with the reason), and the listing's own word
    (``ref.closed``: a workbook's document property, a Drive appProperty) for ``refs``, which covers
    a plan closed from another machine."""
    from map_workspace.private import ClosedDeal, PrivateStore

    found: dict[str, Any] = {}
    for ref in refs:
        outcome, _, day = ref.closed.strip().rpartition(" ")
        if outcome and re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
            found[ref.id] = ClosedDeal(outcome, day)
    private = PrivateStore.reader(private_path(config))
    if private is None:
        return found
    try:
        prefix = f"{store.name}:"
        return found | {key[len(prefix):]: deal for key, deal in private.closed().items() if key.startswith(prefix)}
    finally:
        private.close()
