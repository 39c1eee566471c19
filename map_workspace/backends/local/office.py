"""LibreOffice in headless mode: .docx → PDF for the summary, .xlsx → .xlsx to get formulas
recalculated (openpyxl writes formulas without cached values).

Each conversion runs with its own throw-away profile, so parallel runs (and a LibreOffice the
user has open) never fight over one profile lock, and the settings we rely on are always the same.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from map_workspace.errors import PlanError, discard

INSTALL_HINT = (
    "install LibreOffice: apt-get install -y --no-install-recommends libreoffice-writer-nogui "
    "libreoffice-calc-nogui (or put soffice on PATH, or set MAPWS_SOFFICE to it)"
)

_FIXED_LOCATIONS = ("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice",
                    "/Applications/LibreOffice.app/Contents/MacOS/soffice")

# Recalculate every formula on load ("Always"), not only those without a cached value: a workbook
# last saved by Excel carries cached results that may be stale. 0 = always, 1 = never, 2 = ask.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""


def find_soffice() -> str | None:
    """The LibreOffice executable: ``MAPWS_SOFFICE`` when set (a path, or a name looked up on PATH,
    and then nothing else), else ``soffice`` or ``libreoffice`` on PATH, else the usual places."""
    chosen = os.environ.get("MAPWS_SOFFICE", "").strip()
    if chosen:
        found = shutil.which(os.path.expanduser(chosen))
        return found or None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in _FIXED_LOCATIONS:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def install_command() -> str:
    """The command that installs LibreOffice on this machine's kind of system."""
    if sys.platform == "darwin":
        return "brew install --cask libreoffice"
    if sys.platform.startswith("win"):
        return "winget install TheDocumentFoundation.LibreOffice"
    return "apt-get install -y --no-install-recommends libreoffice-writer-nogui libreoffice-calc-nogui"


def install_hint() -> str:
    """How to install LibreOffice here, or point mapws at one."""
    if sys.platform.startswith("linux"):
        return INSTALL_HINT
    return f"install LibreOffice: {install_command()} (or put soffice on PATH, or set MAPWS_SOFFICE to it)"


class OfficeMissing(PlanError):
    """No LibreOffice to convert with."""

    code = "office.missing"


class ConversionFailed(PlanError):
    """LibreOffice ran but produced nothing usable (a broken install, or a damaged input file)."""

    code = "office.failed"


def convert(src: Path, fmt: str, outdir: Path, timeout: float = 120) -> Path:
    """Convert ``src`` with LibreOffice to ``fmt`` (``"pdf"``, ``"xlsx"``, or ``"ext:Filter name"``)
    and return ``outdir/<src stem>.<ext>``.

    The result is written to a fresh folder first and then moved into place, so an older file of
    the same name never passes for a successful conversion (soffice exits 0 on some failures), and
    converting ``x.xlsx`` to xlsx into its own folder replaces it only when the conversion worked.
    """
    src = Path(src)
    outdir = Path(outdir)
    extension = fmt.split(":", 1)[0].strip().lower()
    if not extension:
        raise PlanError(f"No output format given for converting {src.name}.", "Pass a format such as 'pdf'.")
    if not src.is_file():
        raise PlanError(f"Cannot convert {src}: the file does not exist.", "Check the path.")
    soffice = find_soffice()
    if soffice is None:
        chosen = os.environ.get("MAPWS_SOFFICE", "").strip()
        where = f"MAPWS_SOFFICE names '{chosen}', which is not a program" if chosen else "soffice was not found"
        raise OfficeMissing(
            f"LibreOffice is needed to convert {src.name} to {extension}, but {where}.",
            install_hint(),
        )
    outdir.mkdir(parents=True, exist_ok=True)
    target = outdir / f"{src.stem}.{extension}"
    profile = Path(tempfile.mkdtemp(prefix="mapws-soffice-profile-"))
    staging = Path(tempfile.mkdtemp(prefix="mapws-convert-"))
    try:
        (profile / "user").mkdir()
        (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS, encoding="utf-8")
        command = [
            soffice, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to", fmt, "--outdir", str(staging), str(src.resolve()),
        ]
        returncode, output = _run(command, timeout, what=f"{src.name} → {extension}")
        produced = staging / f"{src.stem}.{extension}"
        if returncode != 0 or not produced.is_file() or produced.stat().st_size == 0:
            detail = output.strip().splitlines()[-1] if output.strip() else f"exit code {returncode}"
            raise ConversionFailed(
                f"LibreOffice ({soffice}) could not convert {src.name} to {extension}: {detail}",
                f"Check that LibreOffice starts: {soffice} --headless --version; if it does not, reinstall it "
                f"({install_command()}); if it does, open {src.name} in LibreOffice to check the file",
            )
        _move_into_place(produced, target)
        return target
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(profile, ignore_errors=True)


def _move_into_place(produced: Path, target: Path) -> None:
    """Copy next to the target under a name no plan listing matches, then rename over it."""
    temp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with produced.open("rb") as source, temp.open("xb") as copy:  # "x": created with the umask
            shutil.copyfileobj(source, copy)
        os.replace(temp, target)
    except BaseException:
        discard(temp)
        raise


def recalculate_xlsx(src: Path, outdir: Path) -> Path:
    """A copy of the workbook in ``outdir`` with every formula's cached value computed, so that
    readers without a formula engine (openpyxl ``data_only=True``) see results, not ``None``."""
    return convert(src, "xlsx", outdir)


def _run(command: list[str], timeout: float, *, what: str) -> tuple[int, str]:
    """Run soffice in its own process group, so a timeout ends it and every helper it started."""
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as exc:
        raise ConversionFailed(
            f"LibreOffice ({command[0]}) could not be started for {what}: {exc.strerror or exc}.",
            f"Check that it runs: {command[0]} --headless --version; else {install_hint()}.",
        ) from None
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.communicate()
        raise ConversionFailed(
            f"LibreOffice did not finish converting {what} within {timeout:g} s.",
            "Try again; if it keeps happening, check that soffice starts: soffice --headless --version. "
            + install_hint(),
        ) from None
    except BaseException:
        # Interrupted (Ctrl-C): do not leave a headless soffice behind.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
        raise
    return process.returncode, output.decode("utf-8", "replace")
