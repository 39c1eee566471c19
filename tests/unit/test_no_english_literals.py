"""No English literals on buyer-facing code paths (issue 14): every word a buyer reads comes from a
message catalog (``map_workspace/catalogs/<lang>/*.toml``), so a Japanese plan is Japanese
throughout and a third language is a catalog, not code.

The test parses each module of ``BUYER_FACING`` (ast) and fails on a string literal that looks like
English words — two words or more ("Needs owner", f"{n} days late"), or one capitalised word
("Overdue") — unless it is a docstring, the message of an exception (errors are the seller's, in
English), a regular expression (``re.compile(...)``), inside a function only the seller sees
(``SELLER_ONLY``), or a technical string of
``ALLOWED`` (font and style names, mail headers...). Identifiers, keys, format codes, URLs, CSS and
API field names have no spaces and never look like words to it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: The modules a buyer reads the output of: what writes into the buyer's spreadsheet (tabs, headers,
#: choices, notes, flags, History, the Timeline, the words create and replan write into cells) or
#: documents (summary, agenda, reminder mails).
#:
#: Out, because only the seller reads them (in English, like the errors): ``cli.py`` (parses, calls
#: one service), ``report.py`` (the seller's terminal and ``--json``), ``nightly.py`` and the digest
#: (the seller's morning mail and Slack), ``team_report*.py`` (the manager's report), ``notifying.py``
#: (which reminder goes to whom; the mail's words are ``messages.py``'s), ``changes.py``/``app.py``
#: (services; the words they pass on come from the catalog through ``history_words``).
BUYER_FACING: tuple[str, ...] = (
    "map_workspace/summary.py",
    "map_workspace/backends/local/docx_summary.py",
    "map_workspace/backends/google/docs_summary.py",
    "map_workspace/domain/agenda.py",
    "map_workspace/agenda_doc.py",
    "map_workspace/messages.py",
    "map_workspace/layout.py",
    "map_workspace/formulas.py",
    "map_workspace/sync.py",
    "map_workspace/plan_edits.py",
    "map_workspace/timeline.py",
    "map_workspace/history_words.py",
    "map_workspace/changes.py",
    "map_workspace/reading.py",
    "map_workspace/backends/local/formatting.py",
    "map_workspace/domain/scheduling.py",
    "map_workspace/domain/replanning.py",
    "map_workspace/backends/google/sheets_io.py",
)

#: Functions (and methods, "Class.method") of a buyer-facing module whose words only the seller
#: reads: the seller's digest and its Slack message stay English.
SELLER_ONLY: dict[str, frozenset[str]] = {
    "map_workspace/messages.py": frozenset({"plan_facts", "digest_findings", "slack_message"}),
    # replan's warnings go to the rep's terminal (report.py), next to the errors; its notes and
    # History come from the catalog (Reason.said, history_words).
    "map_workspace/plan_edits.py": frozenset({"_replan_warning"}),
    # A role the template lacks is the rep's usage error (the suggestion joins the error's message).
    "map_workspace/domain/scheduling.py": frozenset({"check_roles"}),
}

#: Modules whose module-level constants are the canonical English layout, not words written as they
#: are: ``layout.py``'s tab names, headers, choices and notes are the keys the plan's memory (the
#: hidden state, meta) and the readers use; a plan's cells get them through ``tab_title``,
#: ``headers``, ``choices`` and the column notes, which read ``catalogs/<lang>/sheet.toml`` (an
#: English plan's words are the same text). ``HEADER_SYNONYMS`` is what a reader accepts. Literals
#: inside its functions are still scanned.
CANONICAL_CONSTANTS: frozenset[str] = frozenset({"map_workspace/layout.py"})

#: Strings that look like words but are names a program reads: fonts, Word styles, mail headers.
ALLOWED: frozenset[str] = frozenset({
    "Calibri", "Noto Sans CJK JP", "Normal", "Heading 2",  # fonts and Word's style names
    "From", "To", "Subject", "Reply-To", "Message-ID",  # mail headers
    "mmm d", "yyyy-mm-dd hh:mm",  # number format codes (the Timeline's week, History's time)
    "mapws: sync-owned",  # the marker mapws finds its own protected ranges by (Google Sheets)
    "no decision",  # a value of close --outcome and of the plan's meta; the words are history.values
    "a weekend day",  # a closed day's reason, translated by its English text (findings.toml)
    "Risks",  # the variant key of the layout.tab_missing finding (its words are findings.toml's)
})

_WORD = r"[A-Za-z][a-z]+"
#: Two words apart by a space ("Needs owner", "days late", "as of" — not "sans-serif" or
#: "google-apps"), or a capitalised word alone ("Overdue", "Done ✓").
_ENGLISH = re.compile(rf"\b{_WORD}\b[,;:]?\s+[·—–]?\s*\b[A-Za-z]+\b|^\s*[A-Z][a-z]{{2,}}\b[^A-Za-z]*$")
#: Calls whose string arguments are patterns a program reads, not words: ``re.compile(...)``...
_PATTERN_CALLS = frozenset({"compile", "search", "match", "fullmatch", "sub", "findall", "split"})


def looks_english(text: str) -> bool:
    """Whether ``text`` reads as English words to a person (placeholders ``{name}`` aside)."""
    if text.strip() in ALLOWED:
        return False
    words = re.sub(r"\{[^{}]*\}", " ", text)
    return bool(_ENGLISH.search(words))


def english_literals(source: str, seller_only: frozenset[str] = frozenset(),
                     canonical: bool = False) -> list[tuple[int, str]]:
    """(line, text) of every string literal in ``source`` that looks like English words, outside
    docstrings, exception messages, ``__all__``, the functions ``seller_only`` names and (``canonical``)
    the module-level constants."""
    tree = ast.parse(source)
    skipped: set[int] = set()  # id() of nodes not to look into

    def skip(node: ast.AST) -> None:
        skipped.update(id(inner) for inner in ast.walk(node))

    for statement in tree.body:
        if isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if canonical or any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                skip(statement)

    def visit(node: ast.AST, scope: tuple[str, ...]) -> None:
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = (*scope, child.name)
                if child.name in seller_only or ".".join(inner) in seller_only:
                    skip(child)
                body = child.body
                if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                    skip(body[0])  # the docstring
            elif isinstance(child, ast.Raise):
                skip(child)
            elif (isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute)
                  and isinstance(child.func.value, ast.Name) and child.func.value.id == "re"
                  and child.func.attr in _PATTERN_CALLS):
                skip(child)  # a regular expression
            visit(child, inner)

    module_doc = tree.body[0] if tree.body else None
    if isinstance(module_doc, ast.Expr) and isinstance(module_doc.value, ast.Constant):
        skip(module_doc)
    visit(tree, ())
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
                           for v in node.values)
            skip(node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if looks_english(text):
            found.append((node.lineno, text))
    return sorted(set(found))


@pytest.mark.parametrize("module", BUYER_FACING)
def test_a_buyer_facing_module_has_no_english_literals(module):
    source = (ROOT / module).read_text(encoding="utf-8")
    found = english_literals(source, SELLER_ONLY.get(module, frozenset()), module in CANONICAL_CONSTANTS)
    assert not found, (f"{module}: English words in code a buyer reads; put them in "
                       f"map_workspace/catalogs/<lang>/*.toml: {found}")


def test_the_scan_finds_english_in_a_small_source():
    source = '''
"""A module docstring: English is fine here."""
KEY = "next_steps"
URL = "https://example.com/a-b?c=d"
STYLE = "font-family:sans-serif;margin:0 0 6px"
FONT = "Calibri"
TITLE = "Where we are"
ALONE = "Overdue"


def late(days):
    """Docstrings are for people reading code."""
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")
    return f"{days} days late"


def words(say):
    return say("summary.where.title", day="2026-05-15")


LEAD = re.compile(r"champion|account exec")


def digest():
    return "Seller only words"
'''
    found = english_literals(source, frozenset({"digest"}))
    assert [text for _, text in found] == ["Where we are", "Overdue", "{} days late"]
    assert [line for line, _ in found] == [7, 8, 15]
    assert english_literals('NAME = "Done ✓"\n') == [(1, "Done ✓")]


@pytest.mark.parametrize(("text", "english"), [
    ("Needs owner", True), ("+{count} more in the plan", True), ("Done ✓", True), ("Progress", True),
    ("担当者未定", False), ("{count}日遅れ", False), ("summary.columns.what", False), ("w:eastAsia", False),
    ("application/vnd.google-apps.document", False), ("T-", False), (" · ", False), ("utf-8", False),
    ("NORMAL_TEXT", False), ("Noto Sans CJK JP", False), ("checkin-", False), ("%Y-%m-%d", False),
])
def test_what_looks_english(text, english):
    assert looks_english(text) is english


def test_canonical_constants_are_skipped_only_at_module_level():
    source = '''
__all__ = ["Reading", "Status"]
OVERVIEW = "Overview"


def title():
    return "Where we are"
'''
    assert english_literals(source) == [(3, "Overview"), (7, "Where we are")]
    assert english_literals(source, canonical=True) == [(7, "Where we are")]
