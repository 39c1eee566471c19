"""The small interfaces a backend implements. Services are written against these; tests run one
contract suite against every implementation.

Every store is a :class:`PlanStore`. What only some backends can do is a capability: a small
Protocol below, which a store hands out through one accessor (``store.publisher()``,
``store.sharer()``, ``store.owners()``, ``store.state_host()``). A store that lacks a capability
says so in one place — its accessor raises :class:`~map_workspace.errors.UsageError` with its own
words — and :class:`StoreTraits` says in advance which ones it has, so callers never probe with ``hasattr``
or compare backend names.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from map_workspace.errors import MapwsError, UsageError

if TYPE_CHECKING:  # types only: listing plans loads none of the sync's machinery
    from map_workspace.changes import ChangeSet
    from map_workspace.layout import Snapshot
    from map_workspace.state_store import StateStore
    from map_workspace.summary import SummaryDoc


@dataclass(frozen=True)
class PlanRef:
    """Where a plan lives: ``id`` is an absolute path (local) or a spreadsheet ID (Google)."""

    id: str
    url: str
    slug: str
    title: str = ""
    #: A token that changes whenever the file changes, when the listing gives one for free
    #: (Drive's ``version``); empty otherwise, and then ``PlanStore.version`` is asked.
    version: str = ""
    #: The plan's closure ("won 2027-03-31", ``mapws close``) when the listing tells it for free (a
    #: workbook's document property, a Drive appProperty); "" when open or not told.
    closed: str = ""
    #: When the file last changed (ISO 8601) and who changed it, when the listing tells it for free and
    #: the change was not the product's own (Drive's ``modifiedTime``, ``lastModifyingUser``); "" otherwise.
    #: The store that reads the plan may be another identity's (``--impersonate-owners``): it has these.
    edited_at: str = ""
    edited_by: str = ""


@dataclass(frozen=True)
class SummaryResult:
    """Where a summary was written: the document, its address and its PDF when asked."""

    document: str
    url: str
    pdf: str | None = None
    #: Why the PDF asked for was not made (no LibreOffice, a broken one, a folder that refused it):
    #: the document itself was written.
    pdf_problem: MapwsError | None = None
    #: The dated copies ``keep`` asked for: paths (local) or links (Google).
    kept: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoreTraits:
    """What a store is like, for the services that decide how to run over it."""

    #: The key plans are remembered under seller-side (state, private facts): "local", "google".
    name: str
    #: Reads and writes count against a per-minute quota: the nightly shares one rate limiter.
    rate_limited: bool = False
    #: Plans synced at once by ``sync --all`` unless ``--workers`` says otherwise.
    default_workers: int = 1
    #: Has sharing of its own (``sharer()``); a workbook is shared by sending it.
    shares: bool = False
    #: Can hold published templates (``publisher()``) that ``create`` copies.
    publishes_templates: bool = False
    #: Knows each plan's owner (``owners()``), for ``--impersonate-owners``.
    knows_owners: bool = False
    #: Can keep the nightly state beside its plans (``state_host()``), for ``--state drive``.
    hosts_state: bool = False
    #: Reading and writing a plan is CPU work in this process (openpyxl), not waiting on a server:
    #: ``sync --all`` spreads many plans over processes instead of threads.
    parallel_processes: bool = False


class TemplatePublisher(Protocol):
    """A store that keeps a template's empty layout for people to brand, and copies it on create."""

    def publish_template(self, name: str, snapshot: Snapshot) -> PlanRef: ...


class Sharer(Protocol):
    """A store that gives named people access to a plan."""

    def share(self, ref: PlanRef, emails: Sequence[str], *, role: str = "writer", message: str = "",
              dry_run: bool = False) -> tuple[str, ...]:
        """``role`` "writer" or "commenter"; returns who was added (people who already hold the role
        are skipped)."""
        ...


class OwnerDirectory(Protocol):
    """A store that knows who owns each plan file."""

    def owner_of(self, ref: PlanRef) -> str:
        """The owner's email, "" when unknown (e.g. a file in a Shared Drive)."""
        ...


class StateHost(Protocol):
    """A store that keeps the nightly state store beside its plans, one per shard."""

    def open_state(self, shard_index: int, shard_count: int) -> StateStore: ...


class PlanStore(ABC):
    """A place plans live: a folder of workbooks, or a Google Drive."""

    traits: StoreTraits = StoreTraits("abstract")

    @property
    def name(self) -> str:
        return self.traits.name

    @abstractmethod
    def create(self, snapshot: Snapshot, *, slug: str, title: str, template_id: str = "") -> PlanRef:
        """Write a new plan file from rendered grids; refuse (PlanExists) to overwrite one.
        ``template_id`` names a published template to copy (see ``publisher()``)."""

    @abstractmethod
    def locate(self, plan: str) -> PlanRef:
        """A plan named by path, ID or deal slug; PlanNotFound with a hint otherwise."""

    @abstractmethod
    def read(self, ref: PlanRef) -> Snapshot:
        """Read every contract tab of the plan; the snapshot's ``token`` is the store's own."""

    @abstractmethod
    def apply(self, ref: PlanRef, snapshot: Snapshot, changes: ChangeSet) -> str:
        """Write a ChangeSet planned from ``snapshot`` in one go (one batch, one save), or raise
        PlanChanged with nothing written when the file moved since the read. Returns the file's
        version after the write ("" when the store cannot tell: the next night reads it)."""

    @abstractmethod
    def list_plans(self) -> list[PlanRef]:
        """Every plan this store can see."""

    def version(self, ref: PlanRef) -> str:
        """The plan file's current change token ("" when the backend cannot tell: always read)."""
        return ""

    def unchanged_since(self, stored: str, ref: PlanRef) -> bool:
        """Whether the plan, listed at ``ref.version``, is as it was when its version was ``stored``
        (what ``apply`` or ``version`` returned then). A store whose own write moves the version by
        an amount it cannot predict recognises that write here."""
        return bool(stored) and stored == ref.version

    def not_plans(self) -> list[str]:
        """Files the last ``list_plans`` met where plans live that are not plans (a stray
        spreadsheet in the plans folder): said once as skipped, never synced."""
        return []

    def require_place(self) -> None:
        """Raise UsageError (naming it) when the place plans live does not exist: a folder given
        by mistake must not read as "no plans"."""
        return None

    @abstractmethod
    def write_summary(self, ref: PlanRef, doc: SummaryDoc, *, pdf: bool, keep: bool = False) -> SummaryResult:
        """Render the one-page summary next to the plan (and a PDF when asked), the full and the
        light one under different names; ``keep`` also leaves a dated copy that later runs keep."""

    # --- capabilities: a store that has one overrides its accessor ------------------------------

    def publisher(self) -> TemplatePublisher:
        raise UsageError("Publishing a template is for the Google backend: local plans are built from "
                         "the template files directly.", "Use --backend google.")

    def sharer(self) -> Sharer:
        raise UsageError("A local plan is shared by sending the workbook; there is nothing to share here.",
                         "Use --backend google to share plans in Drive.")

    def owners(self) -> OwnerDirectory:
        raise UsageError("--impersonate-owners is for plans in Google Drive.", "Use it with --backend google.")

    def state_host(self) -> StateHost:
        raise UsageError("--state drive keeps the nightly state in Google Drive: it needs the Google backend.",
                         "Use --backend google, or --state PATH for local plans.")
