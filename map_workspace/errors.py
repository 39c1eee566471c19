"""One exception base, a few meaningful kinds, each with its exit code (PRODUCT.md, Contracts)."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """How a run of mapws ended, as the shell sees it (PRODUCT.md, Exit codes): named once here,
    used by the errors below, the CLI's error boundary and the nightly run."""

    OK = 0
    #: A policy the user asked for (``--strict``, ``--fail-on``) tripped.
    POLICY = 1
    #: A bad option, value or configuration.
    USAGE = 2
    #: A plan could not be processed (with ``--all``: some plans failed, the others were done).
    PLAN = 3
    #: Ctrl-C.
    INTERRUPTED = 130


class MapwsError(Exception):
    """An expected failure: the CLI prints ``message`` and ``hint`` and exits with ``exit_code``."""

    exit_code: ExitStatus = ExitStatus.PLAN
    code = "error"
    #: With ``--json``, print ``{"error": …}`` on stdout; False for an error that comes after the
    #: command's result was printed there (stdout keeps its one JSON object; the words go to stderr).
    json_on_stdout = True

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "hint": self.hint}


class UsageError(MapwsError):
    """Bad option, bad value or configuration: exit 2."""

    exit_code = ExitStatus.USAGE
    code = "usage"


class TemplateError(UsageError):
    """A template file that does not validate."""

    code = "template.invalid"

    def __init__(self, message: str, problems: list[str] | None = None, hint: str = "") -> None:
        super().__init__(message, hint)
        self.problems = problems or []


class PlanError(MapwsError):
    """A plan that could not be processed: exit 3."""

    exit_code = ExitStatus.PLAN
    code = "plan.error"


class PlanNotFound(PlanError):
    code = "plan.not_found"


class PlanExists(PlanError):
    code = "plan.exists"


class PlanLocked(PlanError):
    """The workbook is open in Excel or LibreOffice (their lock file sits beside it)."""

    code = "plan.locked"


class StructuralBreak(PlanError):
    """The plan's structure is broken beyond what the sync can safely handle."""

    code = "plan.structure"


class PlanChanged(PlanError):
    """The plan changed between the sync's read and its write, so nothing was written: a row the
    sync meant to write may have moved. The sync reads it again and re-plans (``version`` is the
    change token seen at the check, the floor for that next read)."""

    code = "plan.changed"

    def __init__(self, message: str, hint: str = "", version: str = "") -> None:
        super().__init__(message, hint)
        self.version = version


class UnsafeToSave(PlanError):
    """Saving would drop content the buyer added (shapes, sparklines, unknown extensions)."""

    code = "plan.unsafe_to_save"


class SchemaTooNew(PlanError):
    code = "plan.schema_too_new"


class PolicyTripped(MapwsError):
    """A policy the user asked for (``--strict``, ``--fail-on``) tripped: exit 1."""

    exit_code = ExitStatus.POLICY
    code = "policy"
    json_on_stdout = False


class PdfMissing(PlanError):
    """The summary was written but its PDF was not (exit 3 for the missing PDF only): printed after
    the result, which names the document and carries this error as ``pdf_error``."""

    code = "summary.no_pdf"
    json_on_stdout = False


class FileRefused(PlanError):
    """The file system refused a read or write (read-only, permissions, full disk): exit 3."""

    code = "file.refused"


class PathUnusable(UsageError):
    """A path that cannot be right (part of it is a file, it does not exist, it is a folder): exit 2."""

    code = "file.path"


def _reasons() -> dict[int, str]:
    import errno

    return {
        errno.EROFS: "the file system is mounted read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "the operation is not permitted (permissions, or a file marked immutable)",
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.ENOTDIR: "part of the path is a file, not a folder",
        errno.EEXIST: "a file of that name is in the way of a folder",
        errno.EISDIR: "it is a folder, not a file",
        errno.ENOENT: "it does not exist",
        errno.ENAMETOOLONG: "the name is too long",
    }


def _what_to_do(errno_: int | None, where: str) -> str:
    import errno

    if errno_ == errno.EROFS:
        return (f"{where} is on a read-only file system: remount it read-write, or point mapws at a "
                "writable folder (--dir, MAPWS_DIR or 'mapws init --dir').")
    if errno_ in (errno.EACCES, errno.EPERM):
        return (f"Let your user write in {where} (ls -ld and lsattr show why not; chmod u+w or chattr -i "
                "fix it), or point mapws at a folder you can write to (--dir).")
    if errno_ in (errno.ENOSPC, errno.EDQUOT):
        return f"Free some space on the disk holding {where} (df -h shows it), then run the command again."
    if errno_ in (errno.ENOTDIR, errno.EEXIST):
        return f"{where} is a file, not a folder: give a path that goes through folders only."
    if errno_ == errno.EISDIR:
        return f"Give the path of a file, not of the folder {where}."
    if errno_ == errno.ENOENT:
        return f"Create {where}, or fix the path."
    return f"Check {where} (exists, writable, space left), then run the command again."


def _in_the_way(path: object) -> str:
    """The first part of ``path`` that exists and is not a folder (what stops a folder being made)."""
    from pathlib import Path

    full = Path(str(path))
    for part in (*reversed(full.parents), full):
        if part.exists() and not part.is_dir():
            return str(part)
    return str(full)


def file_error(exc: OSError, path: object = None, *, doing: str = "write", after: str = "") -> MapwsError:
    """An OSError on a plan, summary, config or state file as a message naming the path and what to
    do next: exit 2 when the path itself cannot be right (fix the command or the config), exit 3
    when the file system refuses a path that is (read-only, permissions, full disk). ``after`` says
    what was (not) done, e.g. "The plan was not changed."."""
    import errno
    from pathlib import Path

    target = Path(str(path if path is not None else exc.filename or "")) if (path or exc.filename) else None
    reason = _reasons().get(exc.errno or -1) or exc.strerror or str(exc)
    named = f" {target}" if target is not None else ""
    message = f"Cannot {doing}{named}: {reason}."
    if after:
        message += f" {after}"
    where = str(target.parent if target is not None and exc.errno not in (errno.ENOTDIR, errno.EEXIST, errno.EISDIR)
                and not target.is_dir() else target or "the folder")
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        where = _in_the_way(Path(str(exc.filename or target or "")))
    hint = _what_to_do(exc.errno, where)
    wrong_path = exc.errno in (errno.ENOTDIR, errno.EEXIST, errno.EISDIR, errno.ENOENT, errno.ENAMETOOLONG)
    return (PathUnusable if wrong_path else FileRefused)(message, hint)


def discard(path: object) -> None:
    """Remove a temporary file if it is there. A read-only file system answers EROFS even for a
    file that was never made: that must not hide the error that said why the write failed."""
    import os

    try:
        os.unlink(str(path))
    except OSError:
        pass
