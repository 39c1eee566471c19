"""The small interfaces a backend implements. Services are written against these; tests run one
contract suite against every implementation."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from map_workspace.changes import ChangeSet
from map_workspace.layout import Snapshot
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


@dataclass(frozen=True)
class SummaryResult:
    document: str
    url: str
    pdf: str | None = None


class PlanStore(ABC):
    """A place plans live: a folder of workbooks, or a Google Drive."""

    name: str = "abstract"

    @abstractmethod
    def create(self, snapshot: Snapshot, *, slug: str, title: str) -> PlanRef:
        """Write a new plan file from rendered grids; refuse (PlanExists) to overwrite one."""

    @abstractmethod
    def locate(self, plan: str) -> PlanRef:
        """A plan named by path, ID or deal slug; PlanNotFound with a hint otherwise."""

    @abstractmethod
    def read(self, ref: PlanRef) -> Snapshot:
        """Read every contract tab of the plan."""

    @abstractmethod
    def apply(self, ref: PlanRef, snapshot: Snapshot, changes: ChangeSet) -> None:
        """Write a ChangeSet planned from ``snapshot`` in one go (one batch, one save)."""

    @abstractmethod
    def list_plans(self) -> list[PlanRef]:
        """Every plan this store can see."""

    def version(self, ref: PlanRef) -> str:
        """The plan file's current change token ("" when the backend cannot tell: always read)."""
        return ""

    def share(self, ref: PlanRef, emails: Sequence[str], *, role: str = "writer", message: str = "",
              dry_run: bool = False) -> tuple[str, ...]:
        """Give named people access (``role`` "writer" or "commenter"); returns who was added.
        A folder of workbooks has no sharing of its own: the rep sends the file."""
        return ()

    @abstractmethod
    def write_summary(self, ref: PlanRef, doc: SummaryDoc, *, pdf: bool) -> SummaryResult:
        """Render the one-page summary next to the plan (and a PDF when asked)."""
