"""A Japanese plan end to end on every backend (issue 14): the ja-enterprise template created in
the ja_JP locale (Japanese holidays, the year-end closure, the ringi chain), buyer edits typed in
Japanese — era and full-width dates, honorifics, group words — a sync, and the summary."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from map_workspace import app
from map_workspace.config import Config
from map_workspace.domain.calendar import MeetingDays
from map_workspace.domain.model import Person, Status
from map_workspace.reading import read_plan
from map_workspace.template_files import load_template
from map_workspace.workdays import build_calendar
from tests.backends.test_contract import BACKENDS

TODAY = date(2026, 10, 1)
NOW = datetime(2026, 10, 1, 9, 0, tzinfo=timezone(timedelta(hours=9)))
SYNC_DAY = date(2026, 11, 2)
DECISION = date(2027, 2, 26)
CHAMPION = Person("田中 太郎", "taro@acme.example")
ROLES = {
    "buyer.decision_maker": Person("山本 花子", "hanako@acme.example"),
    "buyer.manager": Person("佐藤 一郎", "ichiro@acme.example"),
    "buyer.director": Person("鈴木 次郎", "jiro@acme.example"),
    "buyer.legal": Person("高橋 三郎", "saburo@acme.example"),
    "buyer.it": Person("阿部 誠", "makoto@acme.example"),
    "buyer.finance": Person("伊藤 恵", "megumi@acme.example"),
}


def _config(backend: str, tmp_path: Path, today: date, **kw) -> Config:
    google = {}
    if backend == "google":
        from tests.support.google import shared_emulator

        google = {"google_api_root": shared_emulator().base_url}
    return Config(backend=backend, dir=tmp_path / "maps", locale="ja_JP", timezone="Asia/Tokyo", today=today,
                  **google, **kw)


def _request() -> app.CreateRequest:
    return app.CreateRequest("基幹システム刷新", DECISION, [CHAMPION], [Person("Sam Rivera", "sam@seller.example")],
                             roles=dict(ROLES), template="ja-enterprise", buyer_company="株式会社アクメ",
                             seller_company="Widgets Ltd")


def _buyer(backend: str, store, ref):
    from tests.support.robustness import SheetsBuyer, XlsxBuyer

    if backend == "local":
        return XlsxBuyer(Path(ref.id))
    from tests.google_emulator.clients import gspread_client
    from tests.support.google import buyer_credentials, shared_emulator

    emulator = shared_emulator()
    return SheetsBuyer(gspread_client(emulator, buyer_credentials(emulator, CHAMPION.email)).open_by_key(ref.id))


@pytest.fixture(params=sorted(BACKENDS))
def backend(request, tmp_path):
    store = BACKENDS[request.param](tmp_path)
    return request.param, store


def test_a_japanese_plan_end_to_end(backend, tmp_path):
    name, store = backend
    created = app.create_plan(store, _request(), _config(name, tmp_path, TODAY))
    plan = created.plan
    by_text = {i.activity: i for i in plan.items}

    # Scheduled on Japanese working days: no JP holiday, no 12/29-1/3 closure, the board on its day.
    calendar = build_calendar(["JP"], ["12-29..01-03"], years=range(2025, 2029))
    assert all(calendar.is_working_day(i.due) for i in plan.items if i.due != DECISION)
    assert created.schedule.regions == ("JP",) and "12-29..01-03" in created.schedule.closures
    meeting = MeetingDays.parse(load_template("ja-enterprise").activity("board_meeting").meeting)
    assert meeting.next_on_or_after(by_text["経営会議"].due, calendar) == by_text["経営会議"].due
    assert by_text["決裁"].due == DECISION and by_text["決裁"].owner == "山本 花子"
    assert by_text["稟議起案"].owner == "田中 太郎"
    assert not [f for f in created.findings if f.code == "schedule.fiscal_year_start"]

    # Fourteen buyer edits, in Japanese.
    ids = {i.activity: i.id for i in plan.items}
    buyer = _buyer(name, store, created.ref)
    buyer.set(ids["キックオフ：目的・関係者・本計画の合意"], "Status", "完了")
    buyer.set(ids["要件ヒアリング：現状業務・課題・要件・決裁プロセス"], "Status", "済")
    buyer.set(ids["要件ヒアリング：現状業務・課題・要件・決裁プロセス"], "Done on", "令和8年10月14日")
    buyer.set(ids["セキュリティチェックシートの送付"], "Owner", "田中様")
    buyer.set(ids["セキュリティチェックシートの送付"], "Due", "R8.11.20")
    buyer.set(ids["利用部門のフィードバック取りまとめ"], "Owner", "情報システム部")
    buyer.set(ids["利用部門のフィードバック取りまとめ"], "Due", "２０２６／１１／２７")
    buyer.set(ids["技術資料（システム構成）の提供"], "Notes", "先方の構成図を添付済み")
    buyer.set(ids["情報システム部門との技術確認"], "Owner", "阿部さん")
    buyer.set(ids["情報システム部門との技術確認"], "Due", "12月2日")
    buyer.set(ids["課長承認"], "Owner", "未定")
    buyer.set(ids["部長承認"], "Owner", "鈴木 部長")
    buyer.set(ids["経営会議"], "Notes", "議題の締切は開催の1週間前")
    buyer.add_row({"Type": "Task", "Activity": "社内説明会の実施", "Side": "Buyer", "Owner": "山本 さん",
                   "Due": "2026年12月10日"})
    buyer.save()

    config = _config(name, tmp_path, SYNC_DAY)
    synced = app.sync_plan(store, created.ref.slug, config)
    findings = {(f.code, f.id) for f in synced.result.findings}
    assert not [f for f in synced.result.findings if f.code.startswith("date.")], synced.result.findings
    assert ("owner.group", ids["利用部門のフィードバック取りまとめ"]) in findings
    assert ("owner.missing", ids["課長承認"]) in findings
    for item in ("セキュリティチェックシートの送付", "情報システム部門との技術確認", "部長承認"):
        assert not [c for c, i in findings if i == ids[item] and c.startswith("owner.")], item
    reading = read_plan(store.read(created.ref), today=SYNC_DAY)
    read = {i.activity: i for i in reading.plan.items}
    assert read["キックオフ：目的・関係者・本計画の合意"].status is Status.DONE
    assert read["要件ヒアリング：現状業務・課題・要件・決裁プロセス"].status is Status.DONE
    assert read["セキュリティチェックシートの送付"].due == date(2026, 11, 20)
    assert read["利用部門のフィードバック取りまとめ"].due == date(2026, 11, 27)
    assert read["情報システム部門との技術確認"].due == date(2026, 12, 2)
    assert read["社内説明会の実施"].due == date(2026, 12, 10) and read["社内説明会の実施"].id
    assert read["経営会議"].notes.startswith("議題の締切は開催の1週間前")
    assert app.sync_plan(store, created.ref.slug, config).changes == 0  # converged

    summary = app.write_summary(store, created.ref.slug, config)
    text = _summary_text(name, summary)
    for words in ("基幹システム刷新", "株式会社アクメ", "稟議起案", "山本 花子"):
        assert words in text, words
    assert "\ufffd" not in text and "?" * 3 not in text


def _summary_text(name: str, summary) -> str:
    if name == "local":
        from docx import Document

        document = Document(summary.document)
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    # Google: the Doc read back through the Docs API, as a browser would get it.
    from googleapiclient.discovery import build  # noqa: F401  (the real client, via the store)

    from map_workspace.backends.google.clients import GoogleClients
    from tests.support.google import shared_emulator

    emulator = shared_emulator()
    from google.auth.credentials import AnonymousCredentials

    docs = GoogleClients(AnonymousCredentials(), emulator.base_url).docs()
    body = docs.documents().get(documentId=summary.document).execute()["body"]["content"]
    runs = []
    for element in body:
        for part in element.get("paragraph", {}).get("elements", []):
            runs.append(part.get("textRun", {}).get("content", ""))
        for row in element.get("table", {}).get("tableRows", []):
            for cell in row.get("tableCells", []):
                for inner in cell.get("content", []):
                    for part in inner.get("paragraph", {}).get("elements", []):
                        runs.append(part.get("textRun", {}).get("content", ""))
    return "".join(runs)


def test_a_decision_in_the_first_weeks_of_april_is_warned_at_create(backend, tmp_path):
    name, store = backend
    req = _request()
    req = app.CreateRequest(req.deal, date(2027, 4, 13), req.buyers, req.sellers, roles=req.roles,
                            template=req.template, buyer_company=req.buyer_company)
    created = app.create_plan(store, req, _config(name, tmp_path, TODAY))
    warned = [f for f in created.findings if f.code == "schedule.fiscal_year_start"]
    assert [f.message for f in warned] == [
        "The decision date 2027-04-13 falls in the first 4 weeks of the buyer's fiscal year (it starts "
        "2027-04-01), when budgets are often not released yet."]
    assert warned[0].message in created.as_json()["warnings"]
    # The config says the buyer's year starts in January: April is no longer its first weeks.
    other = app.build_new_plan(req, _config(name, tmp_path, TODAY, fiscal_year_start=1), TODAY, NOW)
    assert not [f for f in other.findings if f.code == "schedule.fiscal_year_start"]
