"""The findings registry: every code is in it and documented, and the words stay as they were."""

import json
import re
from pathlib import Path

import pytest

from map_workspace import nightly
from map_workspace.domain import rules
from map_workspace.domain.findings import FLAG_WORDS, NOTE_CODES, RULES, Finding, Severity, example
from tests.unit import findings_docs
from tests.unit.findings_sample import GOLDEN, codes_in, sample

PACKAGE = Path(__file__).resolve().parents[2] / "map_workspace"
REGISTRY = PACKAGE / "domain" / "findings.py"


@pytest.fixture(scope="module")
def produced():
    return json.loads(json.dumps(sample(), ensure_ascii=False))


def test_findings_are_worded_exactly_as_recorded(produced):
    recorded = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert produced.keys() == recorded.keys()
    for case, findings in recorded.items():
        assert produced[case] == findings, (
            f"case {case!r} words its findings differently; if intended, run python -m tests.unit.findings_sample"
        )


def test_every_registered_code_is_produced_by_the_sample(produced):
    assert codes_in(produced) == set(RULES)


def test_every_severity_and_tab_a_code_can_have_is_produced(produced):
    seen: dict[str, set[tuple[str, str]]] = {}
    for findings in produced.values():
        for f in findings:
            seen.setdefault(f["code"], set()).add((f["severity"], f["tab"]))
    for rule in RULES.values():
        wordings = [(rule.severity, rule.tab)] + [(v.severity or rule.severity, v.tab or rule.tab)
                                                  for v in rule.variants.values()]
        assert {(s.value, t) for s, t in wordings} <= seen[rule.code], rule.code


def test_a_finding_with_an_unknown_code_cannot_be_made():
    with pytest.raises(ValueError, match="unknown finding code 'owner.nobody'"):
        Finding("owner.nobody", Severity.ERROR, "words")
    with pytest.raises(ValueError, match="owner.nobody"):
        Finding.of("owner.nobody", id="T-01")
    with pytest.raises(ValueError, match="variant 'later'"):
        Finding.of("owner.missing", "later", id="T-01", role="")


def test_a_finding_missing_its_data_names_what_is_missing():
    with pytest.raises(TypeError, match="'dep.order' needs a value for 'dep_due'"):
        Finding.of("dep.order", id="T-02", due="2026-05-01", dep="T-01")


def test_a_fixed_column_is_not_overridden_by_the_caller():
    with pytest.raises(ValueError, match="always about 'due'"):
        Finding.of("date.missing", id="T-01", field="owner", forms="2026-05-15")
    assert Finding.of("layout.column_missing", field="notes", title="Notes").field == "notes"


def test_the_registry_words_a_finding_from_data_alone():
    f = Finding.of("owner.group", id="T-04", owner="Legal", suggest=("buyer.it_lead", ""))
    assert (f.code, f.severity, f.field, f.tab) == ("owner.group", Severity.ERROR, "owner", "Plan")
    assert f.message == "Owner 'Legal' is a group, not a person."
    assert f.hint == ("Name one person from the Stakeholders tab who will make it happen "
                      "(the plan suggests the buyer's IT lead).")
    late = Finding.of("decision.late", "off_track", projected="2026-08-04", late=25, target="2026-06-30")
    assert (late.severity, late.tab, late.field) == (Severity.ERROR, "Overview", "projected_decision")


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_code_and_variant_has_words_an_explanation_and_a_readme_row(code):
    rule = RULES[code]
    assert rule.code == code and re.fullmatch(r"[a-z]+\.[a-z_]+", code)
    assert len(rule.explain) > 40 and rule.summary and rule.section
    for variant in ("", *rule.variants):
        f = example(rule, variant)
        assert f.message.endswith(".") and "{" not in f.message + f.hint, (code, variant)
        assert f"### `{code}`" in findings_docs.render_docs()


def test_docs_findings_md_is_current():
    stale = f"docs/findings.md is stale: run {findings_docs.COMMAND}"
    assert findings_docs.DOCS.read_text(encoding="utf-8") == findings_docs.render_docs(), stale


def test_readme_rules_table_is_current_and_links_the_docs():
    assert findings_docs.current_readme() == findings_docs.render_readme(), (
        f"README's 'Rules the sync enforces' table is stale: run {findings_docs.COMMAND}")
    readme = findings_docs.README.read_text(encoding="utf-8")
    section = readme.split("## Rules the sync enforces", 1)[1].split("\n## ", 1)[0]
    assert "docs/findings.md" in section
    assert findings_docs.COMMAND in readme
    for code in RULES:
        assert f"`{code}`" in section


def test_findings_are_built_only_through_the_registry():
    """A new rule touches one place: nothing outside findings.py words a Finding itself."""
    offenders = [
        f"{path.relative_to(PACKAGE)}:{n}"
        for path in PACKAGE.rglob("*.py") if path != REGISTRY
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"(?<![\w.])Finding\(", line)
    ]
    assert offenders == []


def test_every_code_the_code_names_is_registered():
    named: set[str] = set(nightly.DIGEST) | set(FLAG_WORDS) | set(NOTE_CODES) | set(rules._OWNER_CODES.values())
    prefixes: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "Finding.of(" in line or ".code" in line:
                for literal in re.findall(r'"([a-z]+\.[a-z_]*)"', line):
                    (prefixes if literal.endswith(".") else named).add(literal)
    assert len(named) > 20
    assert named - set(RULES) == set()
    assert prefixes and all(any(code.startswith(p) for code in RULES) for p in prefixes)
