"""A Japanese plan end to end on every backend (issue 14): the ja-enterprise template created in
the ja_JP locale (Japanese holidays, the year-end closure, the ringi chain), buyer edits typed in
Japanese — era and full-width dates, honorifics, group words — a sync, and the summary."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from map_workspace import app, catalog
from map_workspace.config import Config
from map_workspace.domain.calendar import MeetingDays
from map_workspace.domain.model import Person, Status
from map_workspace.layout import CHECKINS, HISTORY, OVERVIEW, PLAN, RISKS, STAKEHOLDERS, TIMELINE
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


def japanese_plan_with_edits(name: str, store, tmp_path: Path):
    """The ja-enterprise plan created in ja_JP (a Japanese plan: the locale's language), then
    fourteen buyer edits typed in Japanese, into the Japanese headers."""
    created = app.create_plan(store, _request(), _config(name, tmp_path, TODAY))
    ids = {i.activity: i.id for i in created.plan.items}
    buyer = _buyer(name, store, created.ref)
    buyer.set(ids["キックオフ：目的・関係者・本計画の合意"], "状況", "完了")
    buyer.set(ids["要件ヒアリング：現状業務・課題・要件・決裁プロセス"], "状況", "済")
    buyer.set(ids["要件ヒアリング：現状業務・課題・要件・決裁プロセス"], "完了日", "令和8年10月14日")
    buyer.set(ids["セキュリティチェックシートの送付"], "担当者", "田中様")
    buyer.set(ids["セキュリティチェックシートの送付"], "期限", "R8.11.20")
    buyer.set(ids["セキュリティチェックシートの送付"], "状況", "進行中")
    buyer.set(ids["利用部門のフィードバック取りまとめ"], "担当者", "情報システム部")
    buyer.set(ids["利用部門のフィードバック取りまとめ"], "期限", "２０２６／１１／２７")
    buyer.set(ids["技術資料（システム構成）の提供"], "メモ", "先方の構成図を添付済み")
    buyer.set(ids["技術資料（システム構成）の提供"], "状況", "Done")  # English, in a Japanese plan
    buyer.set(ids["情報システム部門との技術確認"], "担当者", "阿部さん")
    buyer.set(ids["情報システム部門との技術確認"], "期限", "12月2日")
    buyer.set(ids["課長承認"], "担当者", "未定")
    buyer.set(ids["部長承認"], "担当者", "鈴木 部長")
    buyer.set(ids["経営会議"], "メモ", "議題の締切は開催の1週間前")
    buyer.add_row({"種別": "タスク", "項目": "社内説明会の実施", "担当側": "購入側", "担当者": "山本 さん",
                   "期限": "2026年12月10日"})
    buyer.save()
    return created, ids


#: A Japanese plan's tabs, as the sheet shows them (the Timeline as 日程).
JA_TABS = {OVERVIEW: "概要", PLAN: "計画", STAKEHOLDERS: "関係者", RISKS: "リスク", CHECKINS: "定例", HISTORY: "履歴",
           TIMELINE: "日程"}
JA_PLAN_HEADERS = ["ID（自動）", "種別", "項目", "担当側", "担当者", "期限", "状況", "前提", "完了日", "メモ",
                   "基準日（自動）", "遅延回数（自動）", "フラグ（自動）"]


def test_a_japanese_plan_end_to_end(backend, tmp_path):
    name, store = backend
    created, ids = japanese_plan_with_edits(name, store, tmp_path)
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

    config = _config(name, tmp_path, SYNC_DAY)
    synced = app.sync_plan(store, created.ref.slug, config)
    findings = {(f.code, f.id) for f in synced.result.findings}
    assert not [f for f in synced.result.findings if f.code.startswith("date.")], synced.result.findings
    assert not [f for f in synced.result.findings if f.code.startswith("status.")], synced.result.findings
    assert ("owner.group", ids["利用部門のフィードバック取りまとめ"]) in findings
    assert ("owner.missing", ids["課長承認"]) in findings
    for item in ("セキュリティチェックシートの送付", "情報システム部門との技術確認", "部長承認"):
        assert not [c for c, i in findings if i == ids[item] and c.startswith("owner.")], item
    snapshot = store.read(created.ref)
    reading = read_plan(snapshot, today=SYNC_DAY)
    read = {i.activity: i for i in reading.plan.items}
    assert read["キックオフ：目的・関係者・本計画の合意"].status is Status.DONE
    assert read["要件ヒアリング：現状業務・課題・要件・決裁プロセス"].status is Status.DONE
    assert read["要件ヒアリング：現状業務・課題・要件・決裁プロセス"].done_on == date(2026, 10, 14)
    assert read["技術資料（システム構成）の提供"].status is Status.DONE
    assert read["セキュリティチェックシートの送付"].status is Status.IN_PROGRESS
    assert read["セキュリティチェックシートの送付"].due == date(2026, 11, 20)
    assert read["利用部門のフィードバック取りまとめ"].due == date(2026, 11, 27)
    assert read["情報システム部門との技術確認"].due == date(2026, 12, 2)
    assert read["社内説明会の実施"].due == date(2026, 12, 10) and read["社内説明会の実施"].id
    assert read["経営会議"].notes.startswith("議題の締切は開催の1週間前")

    # The sheet is Japanese: its tabs, headers, dropdown words, flags and progress line.
    assert snapshot.meta[catalog.META_LANGUAGE] == "ja"
    # The file is named in Japanese ("… — 共同行動計画（MAP）"): the listing still reads the deal back.
    assert [p.title for p in store.list_plans()] == ["基幹システム刷新"]
    assert {tab: grid.title for tab, grid in snapshot.tabs.items() if tab in JA_TABS} == JA_TABS
    plan_grid = snapshot.tabs[PLAN]
    assert [c.text for c in plan_grid.rows[0]][:len(JA_PLAN_HEADERS)] == JA_PLAN_HEADERS
    row_of = {row[0].text: row for row in plan_grid.rows[1:] if row and row[0].text}
    untouched = row_of[ids["稟議起案"]]
    kind = "マイルストーン" if by_text["稟議起案"].is_milestone else "タスク"
    assert [untouched[i].text for i in (1, 3, 6)] == [kind, "購入側", "未着手"]
    flag = row_of[ids["課長承認"]][12].formula or ""
    assert "担当者未定" in flag and '"期限超過"' in flag and '"停滞"' in flag and '"期限間近"' in flag
    assert "Needs owner" not in flag and '"Overdue"' not in flag
    overview = {row[0].text: row[1] for row in snapshot.tabs[OVERVIEW].rows[2:] if len(row) > 1}
    assert '"件中"' in (overview["進捗"].formula or "") and '"件完了 · "' in (overview["進捗"].formula or "")
    assert overview["目標決定日"].value == DECISION
    assert overview["状態"].text in ("順調", "要注意", "遅延")
    assert re.fullmatch(r"M-\d+ .+ — 20\d\d/\d\d/\d\d", overview["次のマイルストーン"].text)
    history = snapshot.tabs[HISTORY].rows[0]
    assert [c.text for c in history][:2] == ["日時（自動）", "ID（自動）"]
    assert _date_format(name, store, created.ref) == "yyyy/mm/dd"
    assert app.sync_plan(store, created.ref.slug, config).changes == 0  # converged

    summary = app.write_summary(store, created.ref.slug, config)
    text = _summary_text(name, summary)
    for words in ("基幹システム刷新", "株式会社アクメ", "稟議起案", "山本 花子", *JAPANESE_HEADINGS,
                  "2026年11月2日(月)時点", "健全性", "進捗", "目標決定日", "2027年2月26日(金)"):
        assert words in text, words
    assert "\ufffd" not in text and "?" * 3 not in text
    assert not [w for w in ("Where we are", "Milestones", "Needs owner", "Progress", "days late") if w in text]


def _date_format(name: str, store, ref) -> str:
    """The number format of the first item's Due cell, as the buyer's spreadsheet program shows it."""
    if name == "local":
        from openpyxl import load_workbook

        return load_workbook(ref.id)["計画"]["F2"].number_format
    from tests.google_emulator.clients import gspread_client
    from tests.support.google import buyer_credentials, shared_emulator

    emulator = shared_emulator()
    sheet = gspread_client(emulator, buyer_credentials(emulator, CHAMPION.email)).open_by_key(ref.id)
    data = sheet.fetch_sheet_metadata(params={"includeGridData": "true", "ranges": "'計画'!F2"})
    cell = data["sheets"][0]["data"][0]["rowData"][0]["values"][0]
    return cell["userEnteredFormat"]["numberFormat"]["pattern"]


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
    assert [f.message for f in warned] == [  # a Japanese plan's findings are in Japanese
        "決定日 2027/04/13 は買い手の会計年度（2027/04/01 開始）の最初の4週間にあたり、"
        "予算がまだ執行されていないことがよくあります。"]
    assert warned[0].message in created.as_json()["warnings"]
    # The config says the buyer's year starts in January: April is no longer its first weeks.
    other = app.build_new_plan(req, _config(name, tmp_path, TODAY, fiscal_year_start=1), TODAY, NOW)
    assert not [f for f in other.findings if f.code == "schedule.fiscal_year_start"]


# --- the summary document renders Japanese -----------------------------------------------------------

CJK_FONT = "Noto Sans CJK JP"
#: The headings of a Japanese plan's summary (catalogs/ja/summary.toml).
JAPANESE_HEADINGS = ("相互行動計画", "現在の状況", "今後2週間の予定", "要対応", "マイルストーン", "主なリスク",
                     "連絡先")
#: What a glyph that fell back looks like once extracted: a white square, the replacement character.
FALLBACK_MARKS = ("\u25a1", "\ufffd")


def _cjk_font_or_skip() -> None:
    """The PDF test needs fonts-noto-cjk, as it needs LibreOffice: skipped without it, failed in CI."""
    import os
    import shutil
    import subprocess

    listed = ""
    if shutil.which("fc-list"):
        listed = subprocess.run(["fc-list", f":family={CJK_FONT}", "family"], capture_output=True, text=True,
                                timeout=60).stdout
    if CJK_FONT not in listed:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CJK_FONT} (Debian's fonts-noto-cjk) is required in CI but was not found")
        pytest.skip(f"{CJK_FONT} is not installed (apt-get install fonts-noto-cjk)")


def _is_cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"


def test_the_summary_docx_names_a_cjk_font_for_east_asian_text(tmp_path):
    import zipfile

    from map_workspace.backends.local.docx_summary import render_docx
    from map_workspace.summary import build_summary
    from map_workspace.sync import plan_sync

    new = app.build_new_plan(_request(), Config(locale="ja_JP", today=TODAY), TODAY, NOW)
    result = plan_sync(new.snapshot, TODAY, now=NOW)
    path = render_docx(build_summary(result.plan, result.assessment, TODAY), tmp_path / "s.docx")
    with zipfile.ZipFile(path) as archive:
        styles = archive.read("word/styles.xml").decode()

    defaults = re.search(r"<w:rPrDefault>.*?</w:rPrDefault>", styles, re.S)[0]
    assert f'w:eastAsia="{CJK_FONT}"' in defaults and "w:eastAsiaTheme" not in defaults
    for style in ("Normal", "Heading2"):
        block = re.search(rf'<w:style [^>]*w:styleId="{style}".*?</w:style>', styles, re.S)[0]
        assert f'w:eastAsia="{CJK_FONT}"' in block and "w:eastAsiaTheme" not in block, style


def test_the_japanese_summary_pdf_is_one_page_in_a_cjk_font(tmp_path):
    """The ja-enterprise plan after fourteen buyer edits, its summary as PDF: one page, the Japanese
    activity names in its text, and every CJK character drawn in a CJK font (a glyph that fell back
    would be drawn in another font, or extracted as a box or U+FFFD)."""
    from pypdf import PdfReader

    from map_workspace.backends.local import office
    from tests.backends.test_summary_pdf import _soffice_or_skip

    _soffice_or_skip()
    _cjk_font_or_skip()
    store = BACKENDS["local"](tmp_path)
    created, ids = japanese_plan_with_edits("local", store, tmp_path)
    config = _config("local", tmp_path, SYNC_DAY)
    app.sync_plan(store, created.ref.slug, config)
    summary = app.write_summary(store, created.ref.slug, config, pdf=True)
    assert summary.pdf_problem is None and office.find_soffice()
    reader = PdfReader(str(summary.pdf))
    assert len(reader.pages) == 1
    drawn: list[tuple[str, str]] = []

    def visit(text, cm, tm, font, size):
        if text and font is not None:
            drawn.append((text, str(font.get("/BaseFont", ""))))

    text = reader.pages[0].extract_text(visitor_text=visit)
    flat = "".join(text.split())
    for words in ("基幹システム刷新", "株式会社アクメ", "セキュリティ審査", "正式見積書の提示", "要件ヒアリング完了",
                  *JAPANESE_HEADINGS, "2026年11月2日(月)時点", "健全性"):
        assert words in flat, words
    assert not [m for m in FALLBACK_MARKS if m in text]
    # Every font the PDF embeds is Carlito or Noto CJK, and none of them drew a .notdef glyph (a
    # box): each character drawn maps back to itself through the font's ToUnicode table.
    embedded = _embedded_fonts(reader)
    assert embedded and all(f.startswith(("Carlito", "NotoSansCJK")) for f in embedded), embedded
    assert any(f.startswith("NotoSansCJK") for f in embedded), embedded
    assert _notdef_glyphs_drawn(reader) == 0
    cjk_runs = [(t, f) for t, f in drawn if any(_is_cjk(ch) for ch in t)]
    assert cjk_runs
    assert all("NotoSansCJKjp" in f for _, f in cjk_runs), {f for _, f in cjk_runs}
    # Nothing drawn in a font the document does not name (LibreOffice's last-resort fallback drew
    # the spaces between Japanese words in DejaVu Serif while the .docx named no East Asian font).
    fonts = {f.split("+")[-1] for _, f in drawn}
    assert all(f.startswith(("Carlito", "NotoSansCJKjp")) for f in fonts), fonts


def _embedded_fonts(reader) -> set[str]:
    """The base names (subset prefix dropped) of the fonts the PDF's pages use."""
    names = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font.get("/BaseFont", "")).lstrip("/").split("+")[-1])
    return names


def _notdef_glyphs_drawn(reader) -> int:
    """How many characters a page draws as the font's .notdef glyph (the box drawn for a character
    the font lacks): each code a text operator shows is looked up in the embedded font program
    (fontTools) — in a Type 1 font its glyph is named .notdef, in a TrueType subset its outline is the
    .notdef outline (LibreOffice renames the glyphs it keeps)."""
    from pypdf.generic import ArrayObject, NumberObject

    count = 0
    for page in reader.pages:
        boxes = {name: _box_codes(ref.get_object()) for name, ref in page["/Resources"]["/Font"].items()}
        current: set[int] = set()
        for operands, operator in page.get_contents().operations:
            if operator == b"Tf":
                current = boxes[operands[0]]
            elif operator in (b"Tj", b"TJ"):
                parts = operands[0] if isinstance(operands[0], ArrayObject) else [operands[0]]
                for part in parts:
                    if not isinstance(part, NumberObject | int | float):
                        raw = part.original_bytes if hasattr(part, "original_bytes") else bytes(part)
                        count += sum(code in current for code in raw)
    return count


def _box_codes(font) -> set[int]:
    """The one-byte codes of a simple embedded font that draw its .notdef glyph."""
    import io
    import tempfile

    from fontTools.t1Lib import T1Font
    from fontTools.ttLib import TTFont

    descriptor = font["/FontDescriptor"].get_object()
    if "/FontFile2" in descriptor:
        tt = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
        glyphs = tt["glyf"]

        def outline(name: str) -> tuple:
            glyph = glyphs[name]
            if glyph.numberOfContours == 0:
                return ()
            coordinates, ends, _ = glyph.getCoordinates(glyphs)
            return tuple(map(tuple, coordinates)), tuple(ends)

        box = outline(".notdef")
        return {code & 0xFF for table in tt["cmap"].tables for code, name in table.cmap.items()
                if name == ".notdef" or outline(name) == box}
    data = descriptor["/FontFile"].get_object().get_data()
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/font.pfa"
        with open(path, "wb") as out:
            out.write(data)
        program = T1Font(path, kind="OTHER")
        program.parse()
    encoding = program.font["Encoding"]
    return {code for code, name in enumerate(encoding) if name == ".notdef"}


def test_the_box_detector_sees_a_character_no_font_has(tmp_path):
    """The check above is not vacuous: Egyptian hieroglyphs (in no installed font) are drawn as boxes."""
    from pypdf import PdfReader

    from map_workspace.backends.local import office
    from map_workspace.backends.local.docx_summary import render_docx
    from map_workspace.summary import Section, SummaryDoc
    from tests.backends.test_summary_pdf import _soffice_or_skip

    _soffice_or_skip()
    _cjk_font_or_skip()
    plain = SummaryDoc("計画 x", "sub", (Section("見出し", text="本文"),), "footer")
    boxed = SummaryDoc("計画 \U00013000 x", "sub", (Section("見出し", text="本文 \U00013001"),), "footer")
    counts = []
    for name, doc in (("plain", plain), ("boxed", boxed)):
        pdf = office.convert(render_docx(doc, tmp_path / f"{name}.docx"), "pdf", tmp_path)
        counts.append(_notdef_glyphs_drawn(PdfReader(str(pdf))))
    assert counts[0] == 0 and counts[1] >= 2, counts


# --- a Japanese plan's live formulas, computed by LibreOffice ------------------------------------------

#: (activity, status or the text as typed, due in days from today (working days ahead), the sync's
#: own words, the Flag LibreOffice shows)
JA_ROWS = [
    ("完了した項目", Status.DONE, -5, "", ""),
    ("済と入力", "済", 1, "", ""),
    ("英語で Done", "Done", 3, "", ""),
    ("対象外の項目", Status.NA, -3, "", ""),
    ("10日遅れ", Status.IN_PROGRESS, -10, "", "停滞"),
    ("2日遅れ", Status.NOT_STARTED, -2, "", "期限超過"),
    ("2営業日後", Status.NOT_STARTED, 2, "", "期限間近"),
    ("担当者なし、1日遅れ", Status.NOT_STARTED, -1, "担当者未定", "期限超過・担当者未定"),
    ("ブロック、1日遅れ", Status.BLOCKED, -1, "", "期限超過"),
    ("保留と入力", "保留", 30, "", ""),
]


def test_a_japanese_plan_s_flags_and_progress_are_computed_in_japanese(tmp_path):
    """The live formulas of a Japanese plan, computed by a real engine against today: the flags say
    停滞 / 期限超過 / 期限間近 (with the sync's 担当者未定 after them), the progress line counts 完了,
    済 and Done as done and 対象外 out of the total ("9件中3件完了 · 33%")."""
    from dataclasses import replace

    from openpyxl import load_workbook

    from map_workspace.backends.local.saving import write_workbook
    from map_workspace.domain.calendar import add_business_days
    from map_workspace.domain.model import Item, ItemType, Side
    from map_workspace.domain.thresholds import Thresholds
    from map_workspace.formulas import flag_formula
    from map_workspace.layout import OVERVIEW_FIELDS, PLAN_TAB, Cell, Grid
    from map_workspace.render import plan_columns, render_plan
    from tests.support.plans import meta_for, recalculated, small_plan, soffice_or_skip, state_for

    soffice_or_skip()
    today = date.today()
    items = []
    for n, (activity, status, days, _static, _flag) in enumerate(JA_ROWS, 1):
        due = add_business_days(today, days) if days > 0 else today + timedelta(days=days)
        typed = "" if isinstance(status, Status) else status  # (a Status is a str too)
        items.append(Item(id=f"T-{n:02d}", type=ItemType.TASK, activity=activity, side=Side.BUYER, owner="田中 太郎",
                          due=due, status=None if typed else status, status_text=typed))
    plan = replace(small_plan(today), items=tuple(items))
    snapshot = render_plan(plan, state_for(plan), {**meta_for(plan), "locale": "ja_JP", "language": "ja"})
    cols = plan_columns(int(snapshot.meta["formatted_rows"]), "ja")
    grid = snapshot.tabs[PLAN]
    rows = [grid.rows[0]]
    for sheet_row, (row, (*_, static, _flag)) in enumerate(zip(grid.rows[1:], JA_ROWS, strict=True), 2):
        cells = list(row)
        if static:
            cells[PLAN_TAB.index("flag")] = Cell(formula=flag_formula(sheet_row, cols, static,
                                                                      thresholds=Thresholds()))
        rows.append(tuple(cells))
    tabs = {**snapshot.tabs, PLAN: Grid(grid.title, tuple(rows))}
    source = tmp_path / "ja.xlsx"
    write_workbook(source, replace(snapshot, tabs=tabs))
    started = date.today()
    wb = load_workbook(recalculated(source, tmp_path / "out"), data_only=True)
    if date.today() != started:
        pytest.skip("the date changed while LibreOffice ran; run again")
    plan_sheet = wb["計画"]
    assert [c.value for c in plan_sheet[1]][6] == "状況"
    assert [str(plan_sheet.cell(r, 7).value) for r in range(2, 6)] == ["完了", "済", "Done", "対象外"]
    flag_col = PLAN_TAB.index("flag") + 1
    got = [(plan_sheet.cell(r, 3).value, plan_sheet.cell(r, flag_col).value or "") for r in range(2, len(JA_ROWS) + 2)]
    assert got == [(activity, flag) for activity, *_, flag in JA_ROWS]
    overview = wb["概要"]
    progress_row = next(i for i, f in enumerate(OVERVIEW_FIELDS, 3) if f.key == "progress")
    overdue_row = next(i for i, f in enumerate(OVERVIEW_FIELDS, 3) if f.key == "overdue")
    assert overview.cell(progress_row, 1).value == "進捗"
    assert overview.cell(progress_row, 2).value == "9件中3件完了 · 33%"
    assert overview.cell(overdue_row, 2).value == 4


def test_a_japanese_plan_is_repaired_in_japanese(backend, tmp_path):
    """What the sync puts back in a Japanese plan is Japanese: a deleted History tab (履歴, with its
    headers), a deleted Timeline (日程), a Flag formula and the progress line typed over."""
    name, store = backend
    created = app.create_plan(store, _request(), _config(name, tmp_path, TODAY))
    first = created.plan.items[0].id
    buyer = _buyer(name, store, created.ref)
    buyer.delete_tab(HISTORY)
    buyer.delete_tab(TIMELINE)
    buyer.set(first, "フラグ", "問題なし")
    buyer.set_overview("進捗", "たぶん半分")
    buyer.save()

    config = _config(name, tmp_path, SYNC_DAY)
    app.sync_plan(store, created.ref.slug, config)
    snapshot = store.read(created.ref)
    assert snapshot.tabs[HISTORY].title == "履歴" and snapshot.tabs[TIMELINE].title == "日程"
    history = snapshot.tabs[HISTORY].rows
    assert [c.text for c in history[0]][:3] == ["日時（自動）", "ID（自動）", "項目（自動）"] and len(history) > 1
    row = next(r for r in snapshot.tabs[PLAN].rows if r and r[0].text == first)
    assert '"期限超過"' in (row[12].formula or "")
    overview = {r[0].text: r[1] for r in snapshot.tabs[OVERVIEW].rows[2:] if len(r) > 1}
    assert '"件中"' in (overview["進捗"].formula or "")
    assert snapshot.formats_ok
    assert app.sync_plan(store, created.ref.slug, config).changes == 0
    if name == "local":
        from openpyxl import load_workbook

        timeline = load_workbook(created.ref.id)["日程"]
        assert [c.value for c in timeline[1]][:2] == ["ID", "項目"]
