"""google-api-python-client without its generated docstrings, for the tests.

Each time a resource is made (``sheets.spreadsheets()``, ``docs.documents()``, ``drive.files()``: once per
call chain) googleapiclient writes a docstring for every one of its methods: the request and response
schemas pretty-printed, megabytes for Sheets and Docs. That costs 0.3–0.4 s of CPU per
``spreadsheets()`` or ``documents()`` and 1–2.7 s the first time per service (its cache is per
service), in every test that touches Sheets or Docs through the client; nothing reads the docstrings.
The schemas themselves (``Schemas.get``, which paging uses) are untouched: only the text is skipped.
"""

from __future__ import annotations

import sys

_DONE = "_mapws_tests_lean"


def lean_discovery() -> None:
    """Once googleapiclient.discovery is imported (by the product or a test), its services skip the
    docstrings. Cheap to call before every test: nothing is imported here."""
    discovery = sys.modules.get("googleapiclient.discovery")
    if discovery is None or getattr(discovery.Schemas, _DONE, False):
        return
    base = discovery.Schemas

    class Undocumented(base):  # type: ignore[misc, valid-type]
        """Schemas whose pretty-printed text is a pointer to the API reference."""

        def prettyPrintByName(self, name: str) -> str:  # noqa: N802 - the library's name
            return f"(the {name} schema: see the API reference)"

        def prettyPrintSchema(self, schema: dict) -> str:  # noqa: N802
            return "(see the API reference)"

    setattr(Undocumented, _DONE, True)
    discovery.Schemas = Undocumented
