"""Open a workbook in LibreOffice Calc, optionally rename tabs and type into cells, and save it as
.xlsx — what a buyer who edits the plan in Calc does. Driven by a StarBasic macro in a throw-away
profile, so it needs nothing but soffice (no Python UNO bridge)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

_MODULE_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">\n'
    '<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" '
    'script:language="StarBasic">'
)


def _basic(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def calc_save(soffice: str, src: Path, dst: Path, *, renames: Iterable[tuple[str, str]] = (),
              edits: Iterable[tuple[str, str, str]] = (), timeout: float = 180) -> Path:
    """``src`` opened in Calc, each (old, new) tab title in ``renames`` renamed, each (tab, A1, text)
    in ``edits`` typed in (tab by its title after the renames), saved as .xlsx to ``dst``."""
    lines = [
        "Sub Resave",
        "Dim args(0) As New com.sun.star.beans.PropertyValue",
        'args(0).Name = "Hidden" : args(0).Value = True',
        f"doc = StarDesktop.loadComponentFromURL(ConvertToURL({_basic(str(Path(src).resolve()))}), "
        '"_blank", 0, args())',
    ]
    lines += [f"doc.Sheets.getByName({_basic(old)}).setName({_basic(new)})" for old, new in renames]
    lines += [f"doc.Sheets.getByName({_basic(tab)}).getCellRangeByName({_basic(ref)}).setString({_basic(text)})"
              for tab, ref, text in edits]
    lines += [
        "Dim out(1) As New com.sun.star.beans.PropertyValue",
        'out(0).Name = "FilterName" : out(0).Value = "Calc Office Open XML"',
        'out(1).Name = "Overwrite" : out(1).Value = True',
        f"doc.storeToURL(ConvertToURL({_basic(str(Path(dst).resolve()))}), out())",
        "doc.close(True)",
        "StarDesktop.terminate()",
        "End Sub",
    ]
    profile = Path(tempfile.mkdtemp(prefix="mapws-calc-profile-"))
    command = [soffice, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
               f"-env:UserInstallation={profile.as_uri()}"]
    try:
        # The first start lays the profile out (and would overwrite a macro written before it).
        subprocess.run([*command, "--terminate_after_init"], capture_output=True, timeout=timeout, check=False)
        module = profile / "user" / "basic" / "Standard" / "Module1.xba"
        module.write_text(_MODULE_HEAD + _xml("\n".join(lines)) + "</script:module>", encoding="utf-8")
        done = subprocess.run([*command, "macro:///Standard.Module1.Resave()"], capture_output=True, text=True,
                              timeout=timeout, check=False)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert Path(dst).is_file(), f"LibreOffice did not save {dst}: {done.stdout}{done.stderr}"
    return Path(dst)
