"""The local backend's plan store: a folder of .xlsx workbooks, one per plan, named by deal slug.

The folder is the registry: every workbook under it is a plan, except the files Office and
mapws leave beside them (lock files, backups, temporary files).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from map_workspace.backends.local.workbook import BACKUP_SUFFIX, apply_changes, read_snapshot, write_workbook
from map_workspace.changes import ChangeSet
from map_workspace.errors import PlanExists, PlanNotFound
from map_workspace.layout import Snapshot
from map_workspace.ports import PlanRef, PlanStore, StoreTraits, SummaryResult
from map_workspace.summary import SummaryDoc

EXTENSION = ".xlsx"
#: Slugs named in a "not found" hint.
_HINT_SLUGS = 5


def _ref(path: Path, title: str = "") -> PlanRef:
    path = path.resolve()
    return PlanRef(id=str(path), url=path.as_uri(), slug=path.stem, title=title)


def is_plan_file(path: Path, root: Path) -> bool:
    """A workbook that is a plan, not Office's lock file, a backup or a half-written temp file."""
    if path.suffix.lower() != EXTENSION or not path.is_file():
        return False
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = (path.name,)
    if any(part.startswith(".") for part in parts):  # hidden: LibreOffice locks, temp files
        return False
    name = path.name
    return not (name.startswith("~$") or name.endswith(BACKUP_SUFFIX) or name.endswith(".tmp"))


class LocalPlanStore(PlanStore):
    """Plans as workbooks under one folder: ``<folder>/<slug>.xlsx``."""

    traits = StoreTraits("local", parallel_processes=True)

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory).expanduser()

    def version(self, ref: PlanRef) -> str:
        """The workbook's content hash: mtime alone misses same-second edits, and a backup copy
        or a touch without change must not count as an edit."""
        try:
            return hashlib.sha256(Path(ref.id).read_bytes()).hexdigest()
        except OSError:
            return ""

    def path_for(self, slug: str) -> Path:
        return self.directory / f"{slug}{EXTENSION}"

    def create(self, snapshot: Snapshot, *, slug: str, title: str, template_id: str = "") -> PlanRef:
        """``template_id`` is unused: local plans are built from the template files directly."""
        path = self.path_for(slug)
        if path.exists():
            raise PlanExists(
                f"A plan named '{slug}' already exists: {path.resolve()}.",
                f"Sync it with 'mapws sync {slug}', or pick another deal name for the new plan.",
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        write_workbook(path, snapshot)
        return _ref(path, title)

    def locate(self, plan: str) -> PlanRef:
        """A path (absolute or relative to the working folder), a file name in the plans folder,
        or a slug; a slug also finds a workbook in a sub-folder when only one has that name."""
        given = Path(plan).expanduser()
        if given.is_file():
            return _ref(given)
        is_path = "/" in plan or os.sep in plan or plan.lower().endswith(EXTENSION)
        if is_path:
            candidate = self.directory / plan
            if candidate.is_file() and not given.is_absolute():
                return _ref(candidate)
            raise PlanNotFound(f"There is no workbook at {plan}.", self._available_hint([]))
        if self.path_for(plan).is_file():
            return _ref(self.path_for(plan))
        same_slug = [ref for ref in self.list_plans() if ref.slug == plan]
        if len(same_slug) == 1:
            return same_slug[0]
        raise PlanNotFound(f"No plan '{plan}' in {self.directory.resolve()}.",
                           self._available_hint(same_slug))

    def _available_hint(self, ambiguous: list[PlanRef]) -> str:
        if ambiguous:
            return "Several plans have that name; pass one by path: " + ", ".join(r.id for r in ambiguous)
        slugs = [ref.slug for ref in self.list_plans()]
        if not slugs:
            return f"There are no plans in {self.directory} yet; create one with 'mapws create'."
        shown = ", ".join(slugs[:_HINT_SLUGS]) + (" …" if len(slugs) > _HINT_SLUGS else "")
        return f"Available plans: {shown} ('mapws list' shows them all), or pass the workbook's path."

    def read(self, ref: PlanRef) -> Snapshot:
        return read_snapshot(Path(ref.id))

    def apply(self, ref: PlanRef, snapshot: Snapshot, changes: ChangeSet) -> str:
        return apply_changes(Path(ref.id), snapshot, changes)

    def list_plans(self) -> list[PlanRef]:
        if not self.directory.is_dir():
            return []
        root = self.directory
        return [_ref(p) for p in sorted(root.rglob(f"*{EXTENSION}")) if is_plan_file(p, root)]

    def write_summary(self, ref: PlanRef, doc: SummaryDoc, *, pdf: bool) -> SummaryResult:
        """``<slug>-summary.docx`` beside the plan workbook, and its PDF when asked."""
        from map_workspace.backends.local.docx_summary import render_docx

        document = render_docx(doc, Path(ref.id).parent / f"{ref.slug}-summary.docx").resolve()
        pdf_path = None
        if pdf:
            from map_workspace.backends.local.office import convert

            pdf_path = str(convert(document, "pdf", document.parent).resolve())
        return SummaryResult(document=str(document), url=document.as_uri(), pdf=pdf_path)
