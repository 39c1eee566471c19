"""A plan in a semicolon locale (issue 10, items 5 and 6): Sheets reads formulas and CUSTOM_FORMULA
rules in the spreadsheet's locale (";" between arguments in de_DE and fr_FR, "," in en_US and
ja_JP) and returns them in that syntax. The create batch must still apply, the formulas must not
turn into #ERROR!, the product must recognise its own rules (no second copy each sync), and a
second sync must change nothing. The configured "UTC" reaches Google as its own "Etc/GMT"."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from map_workspace import app
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.domain.thresholds import Thresholds
from map_workspace.layout import PLAN, tab_titles
from map_workspace.sync import Settings, plan_sync
from tests.google_emulator.clients import sheets_service

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))
SEMICOLON = {"de_DE": True, "fr_FR": True, "ja_JP": False, "en_US": False}


def _create(store, locale):
    req = app.CreateRequest(
        "Acme rollout",
        date(2026, 6, 30),
        [Person.parse("Dana Tanaka <dana@acme.example>")],
        [Person.parse("Sam Rivera <sam@seller.example>")],
    )
    new = app.build_new_plan(req, Config(locale=locale, timezone="UTC"), TODAY, NOW)
    return store.create(new.snapshot, slug=new.plan.slug, title="Acme rollout")


def _google_view(emulator, spreadsheet_id):
    """What Google returns: the properties, the Plan's rule formulas and every formula cell."""
    data = (
        sheets_service(emulator)
        .spreadsheets()
        .get(
            spreadsheetId=spreadsheet_id,
            fields=(
                "properties(locale,timeZone),sheets(properties(title),conditionalFormats(booleanRule(condition(values))),"
                "data(rowData(values(userEnteredValue,formattedValue))))"
            ),
        )
        .execute()
    )
    rules, formulas, shown = [], [], []
    for sheet in data["sheets"]:
        if sheet["properties"]["title"] in tab_titles(PLAN):  # a ja_JP plan is in Japanese: 計画
            rules = [
                r["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
                for r in sheet.get("conditionalFormats", [])
            ]
        for block in sheet.get("data", []):
            for row in block.get("rowData", []):
                for cell in row.get("values", []):
                    if "formulaValue" in cell.get("userEnteredValue", {}):
                        formulas.append(cell["userEnteredValue"]["formulaValue"])
                        shown.append(cell.get("formattedValue", ""))
    return data["properties"], rules, formulas, shown


def _outside_literals(formula):
    return "".join(part for i, part in enumerate(formula.split('"')) if i % 2 == 0)


@pytest.mark.parametrize("locale", ["de_DE", "fr_FR", "ja_JP", "en_US"])
def test_a_plan_in_any_locale_keeps_working_formulas_and_one_copy_of_each_rule(google_store, emulator, locale):
    store = google_store(locale=locale)
    ref = _create(store, locale)  # one atomic batch: refused whole if a rule does not parse
    properties, rules, formulas, shown = _google_view(emulator, ref.id)
    assert properties == {"locale": locale, "timeZone": "Etc/GMT"}
    assert len(rules) == 5 and formulas
    separator, wrong = (";", ",") if SEMICOLON[locale] else (",", ";")
    assert all(separator in _outside_literals(f) for f in rules)
    assert not any(wrong in _outside_literals(f) for f in rules + formulas)
    assert not any(text.startswith("#") for text in shown)  # no #ERROR!: every formula parsed

    snapshot = store.read(ref)
    assert snapshot.formats_ok  # the product recognises its own rules in the locale's syntax
    later = TODAY + timedelta(days=20)
    for _ in range(2):
        read = store.read(ref)
        changes = plan_sync(read, later, now=NOW + timedelta(days=20)).changes
        if not changes.is_empty:
            store.apply(ref, read, changes)
    assert plan_sync(store.read(ref), later, now=NOW + timedelta(days=20)).changes.is_empty
    _, rules_after, formulas_after, shown_after = _google_view(emulator, ref.id)
    assert rules_after == rules and len(formulas_after) == len(formulas)
    assert not any(text.startswith("#") for text in shown_after)

    # new windows make the sync rewrite its rules, in the spreadsheet's syntax, replacing the old ones
    custom = Settings(default_locale=locale, thresholds=Thresholds(stalled_after_days=10, due_soon_days=5))
    read = store.read(ref)
    store.apply(ref, read, plan_sync(read, later, now=NOW, settings=custom).changes)
    _, rules_new, _, shown_new = _google_view(emulator, ref.id)
    assert len(rules_new) == 5 and rules_new != rules
    assert all(separator in _outside_literals(f) and wrong not in _outside_literals(f) for f in rules_new)
    assert not any(text.startswith("#") for text in shown_new)
    assert plan_sync(store.read(ref), later, now=NOW, settings=custom).changes.is_empty


def test_a_plan_copied_from_a_template_in_a_semicolon_locale_is_laid_out_in_any_locale(google_store, emulator):
    """The copy keeps the template's locale (fr_FR here): the create batch still writes its
    formulas under en_US and ends with the plan's own locale (en_US here)."""
    template = _create(google_store(locale="fr_FR"), "fr_FR")
    store = google_store(locale="en_US")
    req = app.CreateRequest(
        "Beta deal",
        date(2026, 6, 30),
        [Person.parse("Dana Tanaka <dana@acme.example>")],
        [Person.parse("Sam Rivera <sam@seller.example>")],
    )
    new = app.build_new_plan(req, Config(locale="en_US"), TODAY, NOW)
    ref = store.create(new.snapshot, slug=new.plan.slug, title="Beta deal", template_id=template.id)
    properties, rules, formulas, shown = _google_view(emulator, ref.id)
    assert properties["locale"] == "en_US" and len(rules) == 5
    assert not any(";" in _outside_literals(f) for f in rules + formulas)
    assert not any(text.startswith("#") for text in shown)
    assert plan_sync(store.read(ref), TODAY, now=NOW).changes.is_empty


def test_a_plan_copied_from_a_template_whose_layout_answer_comes_late_is_still_made(google_store, emulator,
                                                                                    monkeypatch):
    """The create's lay-out batch lands but its answer comes after the client gave up (what a loaded
    machine did to the test above with the tests' 10 s timeout): the create still makes one plan,
    laid out once, instead of failing on its own landed write."""
    import time

    from google.auth.credentials import AnonymousCredentials

    from map_workspace.backends.google.clients import GoogleClients
    from map_workspace.backends.google.retry import RetryPolicy
    from map_workspace.backends.google.store import GooglePlanStore

    template = _create(google_store(locale="fr_FR"), "fr_FR")
    dispatch = emulator.core.dispatch
    late: list[str] = []

    def answer_late(method, path, *args, **kwargs):
        response = dispatch(method, path, *args, **kwargs)
        if path.endswith(":batchUpdate") and not late:
            late.append(path)
            time.sleep(1.2)  # applied; the answer is late
        return response

    monkeypatch.setattr(emulator.core, "dispatch", answer_late)
    clients = GoogleClients(AnonymousCredentials(), emulator.base_url, timeout=0.8)
    store = GooglePlanStore(clients, principal="anonymous", locale="en_US",
                            retry=RetryPolicy(sleep=lambda s: None, max_retries=3))
    req = app.CreateRequest("Beta deal", date(2026, 6, 30), [Person.parse("Dana Tanaka <dana@acme.example>")],
                            [Person.parse("Sam Rivera <sam@seller.example>")])
    new = app.build_new_plan(req, Config(locale="en_US"), TODAY, NOW)
    ref = store.create(new.snapshot, slug=new.plan.slug, title="Beta deal", template_id=template.id)
    assert late
    properties, rules, formulas, shown = _google_view(emulator, ref.id)
    assert properties["locale"] == "en_US" and len(rules) == 5
    assert plan_sync(store.read(ref), TODAY, now=NOW).changes.is_empty
