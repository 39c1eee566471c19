"""The local backend's plan store: a folder of .xlsx workbooks, one per plan, named by deal slug.

The folder is the registry: every workbook under it that carries the plan's document properties
is a plan (other spreadsheets are skipped, and said so), except the files Office and mapws leave
beside them (lock files, backups, temporary files).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from map_workspace.backends.local import import_openpyxl
from map_workspace.backends.local.workbook_contract import BACKUP_SUFFIX
from map_workspace.errors import PathUnusable, PlanError, PlanExists, PlanNotFound, file_error
from map_workspace.ports import PlanRef, PlanStore, StoreTraits, SummaryResult

if TYPE_CHECKING:  # openpyxl loads only when a workbook is opened: listing plans needs none of it
    from openpyxl import Workbook

    from map_workspace.backends.local.workbook_reading import LoadWorkbook
    from map_workspace.changes import ChangeSet
    from map_workspace.layout import Snapshot
    from map_workspace.summary import SummaryDoc

EXTENSION = ".xlsx"
#: Slugs named in a "not found" hint.
_HINT_SLUGS = 5


def _ref(path: Path, title: str = "", closed: str = "") -> PlanRef:
    path = path.resolve()
    return PlanRef(id=str(path), url=path.as_uri(), slug=path.stem, title=title, closed=closed)


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


def _copy_file(source: Path, target: Path) -> Path:
    """``source`` copied to ``target`` through a temporary file beside it (never half a file)."""
    import secrets
    import shutil

    temp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        shutil.copyfile(source, temp)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return target


class _ParsedWorkbooks:
    """The last few workbooks this store read, by (path, SHA-256 of the bytes parsed): a sync
    that writes right after reading saves a second parse. Each is handed out once, since apply
    changes it in place; ``apply`` uses it only after proving the bytes on disk are the ones read."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str], Workbook] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: tuple[str, str], wb: Workbook) -> None:
        with self._lock:
            self._items[key] = wb
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def take(self, key: tuple[str, str]) -> Workbook | None:
        with self._lock:
            return self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)


class LocalPlanStore(PlanStore):
    """Plans as workbooks under one folder: ``<folder>/<slug>.xlsx``. ``load`` parses a
    workbook's bytes (tests wrap it to count parses)."""

    traits = StoreTraits("local", parallel_processes=True)

    def __init__(self, directory: Path, *, load: LoadWorkbook | None = None) -> None:
        self.directory = Path(directory).expanduser()
        self._custom_load = load
        self._parsed = _ParsedWorkbooks()
        self._not_plans: list[str] = []

    def __getstate__(self) -> dict[str, Any]:
        """A store sent to a worker process starts with no parsed workbooks of its own (they are
        large, and a lock cannot be pickled)."""
        state = dict(self.__dict__)
        del state["_parsed"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._parsed = _ParsedWorkbooks()

    def version(self, ref: PlanRef) -> str:
        """The workbook's content hash: mtime alone misses same-second edits, and a backup copy
        or a touch without change must not count as an edit."""
        import hashlib  # here: listing plans (mapws list) hashes nothing

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
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise file_error(exc, path.parent.resolve(), doing="create the plans folder",
                             after="The plan was not created.") from exc
        import_openpyxl()
        from map_workspace.backends.local.saving import write_workbook

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

    @property
    def _load(self) -> LoadWorkbook:
        import_openpyxl()
        from map_workspace.backends.local.workbook_reading import load_plan_workbook

        return self._custom_load or load_plan_workbook

    def read(self, ref: PlanRef) -> Snapshot:
        import_openpyxl()
        from map_workspace.backends.local.workbook_reading import read_workbook

        snapshot, wb = read_workbook(Path(ref.id), self._load)
        self._parsed.put((ref.id, snapshot.token.version), wb)
        return snapshot

    def apply(self, ref: PlanRef, snapshot: Snapshot, changes: ChangeSet) -> str:
        import_openpyxl()
        from map_workspace.backends.local.saving import apply_changes

        parsed = self._parsed.take((ref.id, snapshot.token.version))
        return apply_changes(Path(ref.id), snapshot, changes, parsed=parsed, load=self._load)

    def list_plans(self) -> list[PlanRef]:
        """The workbooks under the folder that carry the plan's document properties (each titled
        with its deal); any other workbook is kept in ``not_plans`` and never synced. A file that is
        not a readable workbook at all stays a plan, so a damaged plan fails loudly."""
        if not self.directory.is_dir():
            return []
        from map_workspace.backends.local.workbook_contract import read_marks

        root = self.directory
        plans: list[PlanRef] = []
        others: list[str] = []
        for path in sorted(root.rglob(f"*{EXTENSION}")):
            if not is_plan_file(path, root):
                continue
            marks = read_marks(path)
            if marks.is_plan is False:
                others.append(str(path.resolve()))
            else:
                plans.append(_ref(path, marks.deal, marks.closed))
        self._not_plans = others
        return plans

    def not_plans(self) -> list[str]:
        return list(self._not_plans)

    def require_place(self) -> None:
        if not self.directory.is_dir():
            raise PathUnusable(f"The plans folder {self.directory.resolve()} does not exist.",
                               "Give the folder that holds the plans (--dir, MAPWS_DIR or 'mapws init --dir'), "
                               "or create a plan there with 'mapws create'.")

    def write_summary(self, ref: PlanRef, doc: SummaryDoc, *, pdf: bool, keep: bool = False) -> SummaryResult:
        """``<slug>-summary.docx`` (``<slug>-summary-light.docx`` for the light one) beside the plan
        workbook, and its PDF when asked; ``keep`` also writes ``<slug>-summary-<date>.docx`` (and
        PDF), which no later run overwrites unless it is for the same day."""
        from map_workspace.backends.local.docx_summary import render_docx
        from map_workspace.summary import summary_name

        folder = Path(ref.id).parent
        target = folder / f"{summary_name(ref.slug, doc)}.docx"
        try:
            document = render_docx(doc, target).resolve()
        except OSError as exc:
            raise file_error(exc, target.resolve(), doing="write the summary",
                             after="No summary was written.") from exc
        pdf_path, problem = None, None
        if pdf:
            from map_workspace.backends.local.office import convert

            try:
                pdf_path = str(convert(document, "pdf", document.parent).resolve())
            except OSError as exc:
                problem = file_error(exc, document.with_suffix(".pdf"), doing="write")
            except PlanError as exc:  # no LibreOffice, or a broken one
                problem = exc
        kept: tuple[str, ...] = ()
        if keep:
            dated = folder / summary_name(ref.slug, doc, dated=True)
            try:
                kept = (str(render_docx(doc, dated.with_suffix(".docx")).resolve()),)
                if pdf_path is not None:
                    kept += (str(_copy_file(Path(pdf_path), dated.with_suffix(".pdf")).resolve()),)
            except OSError as exc:
                raise file_error(exc, dated.with_suffix(".docx"), doing="keep a dated copy of the summary",
                                 after=f"The summary itself was written: {document}.") from exc
        return SummaryResult(document=str(document), url=document.as_uri(), pdf=pdf_path, pdf_problem=problem,
                             kept=kept)
