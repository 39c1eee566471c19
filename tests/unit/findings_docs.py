"""docs/findings.md and the README's "Rules the sync enforces" table, generated from the registry.

Regenerate both with ``python -m tests.unit.findings_docs`` after changing
``map_workspace/domain/findings.py``; ``tests/unit/test_findings.py`` fails while they are stale.
"""

from __future__ import annotations

import re
from pathlib import Path

from map_workspace.domain.findings import RULES, Rule, example
from map_workspace.layout import header_of

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "findings.md"
README = ROOT / "README.md"
START, END = "<!-- findings:start -->", "<!-- findings:end -->"
COMMAND = "python -m tests.unit.findings_docs"


def _severity(rule: Rule) -> str:
    return "/".join(s.value for s in rule.severities)


def _where(tab: str, field: str | None) -> str:
    return f"{tab}, {header_of(tab, field)}" if field else tab


def _places(rule: Rule) -> str:
    """Where the rule reports, then where its variants do when that differs."""
    places = [_where(rule.tab, rule.field)]
    places += [_where(v.tab or rule.tab, v.field or rule.field) for v in rule.variants.values()]
    return "; ".join(dict.fromkeys(places))


def _anchor(code: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "", code.lower())


def _quote(rule: Rule, variant: str = "") -> str:
    f = example(rule, variant)
    lines = [f"> {f.message}"] + ([f"> → {f.hint}"] if f.hint else [])
    return "  \n".join(lines)


def _entry(rule: Rule) -> str:
    facts = [f"**{_severity(rule)}**", _places(rule)]
    if rule.flag:
        facts.append(f'Flag: "{rule.flag}"')
    if rule.note:
        facts.append("noted on the cell")
    parts = [f"### `{rule.code}`", " · ".join(facts), rule.explain, _quote(rule)]
    for name, v in rule.variants.items():
        severity = f" ({v.severity.value})" if v.severity and v.severity is not rule.severity else ""
        parts.append(f"*{v.when}{severity}:*\n\n{_quote(rule, name)}")
    return "\n\n".join(parts) + "\n"


def render_docs() -> str:
    """The whole of docs/findings.md."""
    sections: dict[str, list[Rule]] = {}
    for rule in RULES.values():
        sections.setdefault(rule.section, []).append(rule)
    index = ["| code | severity | tab, column | Flag |", "|---|---|---|---|"]
    index += [f"| [`{r.code}`](#{_anchor(r.code)}) | {_severity(r)} | {_places(r)} | {r.flag} |"
              for r in RULES.values()]
    head = f"""# Findings

<!-- Generated from map_workspace/domain/findings.py by `{COMMAND}`: do not edit by hand. -->

Everything `mapws sync` (and `mapws status`, `mapws create`) can report about a plan. Each finding
has a stable `code` that scripts can key on (`sync --json` lists them with the item, tab, cell and
column), a severity, a message saying what was read and a hint saying what to do. In the
terminal each finding is one line naming the item, its activity, what is wrong and the cell
(`error   T-09 End-user feedback on the demo collected: no owner (Plan!E11)`), with its hint on
the line below (`--quiet` leaves the hints out).

- **error**: the plan is wrong in a way that stops it being run (no owner, no readable date, a
  dependency that cannot hold). `sync --strict` exits 1 while any remains.
- **warning**: worth a look; the plan still works.
- **info**: a reminder, shown with `--verbose`.

A Done or N/A item is finished: whatever is still wrong on its row (an unreadable date, a stale
dependency) is reported as **info** only, never as an error or a warning.

Findings about what someone typed also put a word in the Plan's **Flag** column and a `[mapws]`
note on the cell (added to any note already there); both go once the cell is fixed. Thresholds
named below (`stalled_after_days`, `max_open_items`, …) are set in `config.toml`'s
`[thresholds]` (see the README).

{chr(10).join(index)}
"""
    body = [head]
    for title, rules in sections.items():
        body.append(f"## {title}\n\n" + "\n".join(_entry(r) for r in rules))
    return "\n".join(body)


def render_readme() -> str:
    """The README's table: one row per group of codes that share a summary."""
    rows: list[list[Rule]] = []
    for rule in RULES.values():
        if rows and rows[-1][0].summary == rule.summary:
            rows[-1].append(rule)
        else:
            rows.append([rule])
    lines = ["| code | severity | what it means |", "|---|---|---|"]
    for group in rows:
        codes = ", ".join(f"`{r.code}`" for r in group)
        severities = dict.fromkeys(s.value for r in group for s in r.severities)
        lines.append(f"| {codes} | {'/'.join(severities)} | {group[0].summary} |")
    return "\n".join(lines) + "\n"


def current_readme() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(re.escape(START) + r"\n(.*?)" + re.escape(END), text, re.S)
    return match.group(1) if match else ""


def update() -> None:
    DOCS.write_text(render_docs(), encoding="utf-8")
    text = README.read_text(encoding="utf-8")
    new = f"{START}\n{render_readme()}{END}"
    README.write_text(re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _m: new, text, flags=re.S),
                      encoding="utf-8")


if __name__ == "__main__":
    update()
