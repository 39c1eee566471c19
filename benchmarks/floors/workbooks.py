"""Floors for the syncs: what openpyxl alone costs on the same files, in a process of its own.

    python workbooks.py load FILE...          load each workbook
    python workbooks.py loadsave FILE...      load each and save it back in place
    python workbooks.py load-dir DIR          load every workbook of DIR, pinned to one core
    python workbooks.py night DIR LIST        SHA-256 of every workbook of DIR, then load+save the
                                              workbooks named in the file LIST (one path a line)
"""

import hashlib
import os
import sys
from pathlib import Path

import openpyxl


def load(paths: list[str], save: bool = False) -> None:
    for path in paths:
        wb = openpyxl.load_workbook(path)
        if save:
            wb.save(path)


def main(args: list[str]) -> None:
    kind, rest = args[0], args[1:]
    if kind == "load":
        load(rest)
    elif kind == "loadsave":
        load(rest, save=True)
    elif kind == "load-dir":
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        load([str(p) for p in sorted(Path(rest[0]).glob("*.xlsx"))])
    elif kind == "night":
        for path in sorted(Path(rest[0]).glob("*.xlsx")):
            hashlib.sha256(path.read_bytes()).hexdigest()
        load(Path(rest[1]).read_text().splitlines(), save=True)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
