"""The local backend: plan workbooks (.xlsx) and summaries (.docx) in a folder."""

from __future__ import annotations

import sys


def import_openpyxl() -> None:
    """Import openpyxl without numpy, unless something has already loaded numpy.

    openpyxl imports numpy when it is installed (pandas, for ``mapws report``, brings it) only so
    that numpy numbers are accepted as cell values. mapws never writes one, and numpy's import is
    about a third of openpyxl's (~0.1 s that every sync, create and replan paid). Call this before
    the first module that imports openpyxl; later imports of numpy (pandas) are unaffected."""
    if "openpyxl" in sys.modules or "numpy" in sys.modules:
        return
    sys.modules["numpy"] = None  # type: ignore[assignment]  # what makes ``import numpy`` fail
    try:
        import openpyxl  # noqa: F401
    finally:
        del sys.modules["numpy"]
