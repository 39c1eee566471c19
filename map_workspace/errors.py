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
