"""The rules of ``mapws notify`` as plain data: who gets which items, the fatigue rules, opt-outs,
the digest's subject and recipients, and the ``[notify]`` configuration."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from map_workspace.config import load_config, smtp_address
from map_workspace.domain.calendar import WorkCalendar
from map_workspace.domain.model import (
    Assessment,
    Finding,
    Health,
    Item,
    ItemType,
    Overview,
    Plan,
    Progress,
    Side,
    Stakeholder,
    Status,
)
from map_workspace.domain.notify import (
    NotifyRules,
    OptOut,
    PlanView,
    Sent,
    changes_since,
    plan_digests,
    plan_outbox,
    plan_reminders,
)
from map_workspace.errors import UsageError
from map_workspace.messages import email_message, reminder_bodies, reply_to

FRIDAY = date(2026, 3, 20)
RULES = NotifyRules()


def view(key: str, buyer: str, buyer_email: str, *, today: date = FRIDAY, findings: tuple[Finding, ...] = (),
         calendar=frozenset(), changes: tuple[str, ...] = (), health: Health = Health.AT_RISK,
         seller_email: str = "sam@seller.example") -> PlanView:
    def day(n: int) -> date:
        return today + timedelta(days=n)

    items = (
        Item("T-01", ItemType.TASK, "Kick-off", Side.JOINT, "Sam Rivera", day(-5), status=Status.DONE),
        Item("T-02", ItemType.TASK, f"{key} security review", Side.BUYER, buyer, day(-2), status=Status.IN_PROGRESS),
        Item("T-03", ItemType.TASK, f"{key} pricing", Side.SELLER, "Sam Rivera", day(3)),
        Item("T-04", ItemType.TASK, f"{key} legal", Side.BUYER, buyer, day(30)),
        Item("T-05", ItemType.TASK, "Unowned", Side.BUYER, "", day(-1)),
    )
    plan = Plan("id-" + key, Overview(deal=key.title()), items, (
        Stakeholder(buyer, Side.BUYER, "Champion", buyer_email),
        Stakeholder("Sam Rivera", Side.SELLER, "Account executive", seller_email),
    ), slug=key)
    people = {i.id: (i.owner,) for i in items if i.owner}
    assessment = Assessment(findings, Progress(1, 5, 20), health, day(40), people=people)
    return PlanView(f"local:{key}", plan, assessment, findings, f"file:///maps/{key}.xlsx", calendar, changes)


ACME = view("acme", "Dana Tanaka", "dana@acme.example")
GLOBEX = view("globex", "José Núñez", "jose@globex.example")


def test_one_reminder_per_person_with_only_their_items():
    reminders, skipped = plan_reminders([ACME, GLOBEX], FRIDAY, RULES)
    by = {r.to: r for r in reminders}
    assert set(by) == {"dana@acme.example", "jose@globex.example", "sam@seller.example"}
    assert [(p.key, [i.id for i in p.items]) for p in by["dana@acme.example"].plans] == [("local:acme", ["T-02"])]
    assert [p.key for p in by["jose@globex.example"].plans] == ["local:globex"]
    assert [(p.key, [i.id for i in p.items]) for p in by["sam@seller.example"].plans] == [
        ("local:acme", ["T-03"]), ("local:globex", ["T-03"])]  # one mail across both plans
    dana = by["dana@acme.example"].plans[0].items[0]
    assert dana.late == 2 and "2 day(s) overdue" in dana.words
    assert by["sam@seller.example"].plans[0].rep == "Sam Rivera <sam@seller.example>"
    assert skipped == []


def test_due_within_counts_business_days():
    wednesday_due = view("acme", "Dana Tanaka", "dana@acme.example")  # T-03 due Mon 03-23 (+3 calendar days)
    reminders, _ = plan_reminders([wednesday_due], FRIDAY, NotifyRules(due_within=0))
    assert "sam@seller.example" not in {r.to for r in reminders}
    reminders, _ = plan_reminders([wednesday_due], FRIDAY, NotifyRules(due_within=1))
    assert "sam@seller.example" in {r.to for r in reminders}


def test_nothing_due_no_email_and_opt_outs():
    ahead = view("acme", "Dana Tanaka", "")  # seen two weeks earlier: nothing due within 3 business days
    reminders, skipped = plan_reminders([ahead], FRIDAY - timedelta(days=14), RULES)
    assert reminders == [] and {(s.to, s.why) for s in skipped} == {("sam@seller.example", "nothing_due")}
    no_email = view("acme", "Dana Tanaka", "")
    _, skipped = plan_reminders([no_email], FRIDAY, RULES)
    assert ("Dana Tanaka", "no_email") in {(s.to, s.why) for s in skipped}
    reminders, skipped = plan_reminders([ACME, GLOBEX], FRIDAY, RULES, opt_outs=[
        OptOut("dana@acme.example", "local:acme"), OptOut("sam@seller.example", "local:acme")])
    assert ("dana@acme.example", "opted_out") in {(s.to, s.why) for s in skipped}
    sam = next(r for r in reminders if r.to == "sam@seller.example")
    assert [p.key for p in sam.plans] == ["local:globex"]  # opted out of one plan only


def test_no_reminders_on_a_non_working_day_of_the_plans_calendar():
    closed = WorkCalendar(closed=frozenset({FRIDAY}), closures=("03-20..03-20",))
    acme = view("acme", "Dana Tanaka", "dana@acme.example", calendar=closed)
    reminders, skipped = plan_reminders([acme, GLOBEX], FRIDAY, RULES)
    assert ("dana@acme.example", "non_working_day") in {(s.to, s.why) for s in skipped}
    sam = next(r for r in reminders if r.to == "sam@seller.example")
    assert [p.key for p in sam.plans] == ["local:globex"]  # the other plan is worked today
    _, skipped = plan_reminders([ACME], FRIDAY + timedelta(days=1), RULES)
    assert {s.why for s in skipped} == {"non_working_day"}


def test_every_and_repeat_after():
    first, _ = plan_reminders([ACME], FRIDAY, RULES)
    dana = next(r for r in first if r.to == "dana@acme.example")
    log = [Sent("dana@acme.example", "reminder", FRIDAY, dana.fingerprint)]

    def gets(day: date, acme: PlanView = ACME, rules: NotifyRules = RULES) -> bool:
        reminders, _ = plan_reminders([acme], day, rules, sent=log)
        return "dana@acme.example" in {r.to for r in reminders}

    assert not gets(FRIDAY)  # the same night again
    monday, tuesday = FRIDAY + timedelta(days=3), FRIDAY + timedelta(days=4)
    assert not gets(monday)  # one business day: notify.every is 2
    assert not gets(tuesday)  # two, but the very same items: notify.repeat_after is 5
    assert gets(FRIDAY + timedelta(days=7))  # five business days
    moved = view("acme", "Dana Tanaka", "dana@acme.example", today=tuesday)  # other due dates: changed
    assert gets(tuesday, moved) and not gets(monday, moved)
    assert gets(monday, ACME, NotifyRules(every=1, repeat_after=1))


def test_digest_per_seller_lead_or_to_the_configured_addresses():
    attention = (Finding.of("item.overdue", id="T-02", late=2),)
    acme = view("acme", "Dana Tanaka", "dana@acme.example", findings=attention)
    calm = view("globex", "José Núñez", "jose@globex.example", health=Health.ON_TRACK, changes=("T-02 done",))
    other = view("initech", "Ann", "ann@initech.example", seller_email="kim@seller.example", findings=attention)
    digests, skipped = plan_digests([acme, calm, other], FRIDAY)
    assert {(d.to, tuple(p.key for p in d.plans)) for d in digests} == {
        ("sam@seller.example", ("local:acme", "local:globex")), ("kim@seller.example", ("local:initech",))}
    sam = next(d for d in digests if d.to == "sam@seller.example")
    assert sam.subject == "MAP digest: 1 of 2 plans needs attention" and sam.item_ids == ["T-02"]
    digests, _ = plan_digests([acme, calm, other], FRIDAY, digest_to=["Lee Boss <lee@seller.example>"])
    assert [(d.to, d.name, len(d.plans)) for d in digests] == [("lee@seller.example", "Lee Boss", 3)]
    assert plan_digests([acme], FRIDAY, sent=[Sent("sam@seller.example", "digest", FRIDAY)])[1][0].why == \
        "sent_recently"
    assert plan_digests([acme], FRIDAY + timedelta(days=1))[1][0].why == "non_working_day"
    quiet = view("globex", "José Núñez", "jose@globex.example", health=Health.ON_TRACK)
    assert plan_digests([quiet], FRIDAY)[1][0].why == "nothing_due"
    assert plan_digests([acme], FRIDAY, opt_outs=[OptOut("sam@seller.example")])[1][0].why == "opted_out"
    digests, _ = plan_digests([acme, calm], FRIDAY, opt_outs=[OptOut("sam@seller.example", "local:globex")])
    assert [[p.key for p in d.plans] for d in digests] == [["local:acme"]]


def test_the_outbox_and_slack_once_a_day():
    late = view("acme", "Dana Tanaka", "dana@acme.example", findings=(Finding.of("item.overdue", id="T-02", late=2),))
    out = plan_outbox([late, GLOBEX], FRIDAY, RULES, digest=True, reminders=False, slack=True)
    assert out.reminders == () and out.slack is not None and len(out.slack.plans) == 2
    again = plan_outbox([late], FRIDAY, RULES, digest=True, reminders=True, slack=True,
                        sent=[Sent("slack", "slack", FRIDAY)])
    assert again.slack is None and ("slack", "sent_recently") in {(s.to, s.why) for s in again.skipped}


def test_changes_since_the_last_digest():
    assert changes_since(FRIDAY, date(2026, 3, 17), frozenset()) == date(2026, 3, 18)
    assert changes_since(date(2026, 3, 23), None, frozenset()) == FRIDAY  # Monday: since last Friday


def test_smtp_addresses():
    assert smtp_address("smtps://sam@mail.seller.io:465") == smtp_address("smtps://sam@mail.seller.io")
    assert smtp_address("smtp://relay.local:587").tls is False
    assert smtp_address("smtp://sam%40seller.io@relay:2525").user == "sam@seller.io"
    assert smtp_address("smtps://sam@seller.io@mail.seller.io:465") == smtp_address(
        "smtps://sam%40seller.io@mail.seller.io")
    with pytest.raises(ValueError, match="password") as caught:
        smtp_address("smtps://sam:hunter2@mail.seller.io:465")
    assert "hunter2" not in str(caught.value)
    with pytest.raises(ValueError) as caught:
        smtp_address("imap://x:hunter2@y")
    assert "hunter2" not in str(caught.value)


def test_notify_config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[notify]\nsmtp = "smtp://relay:587"\nfrom = "Sam Rivera <sam@seller.io>"\n'
                    'digest_to = "lee@seller.io"\nevery = 3\nrepeat_after = 6\ndue_within = 1\n'
                    'slack_webhook = "http://127.0.0.1:9/hook"\n', encoding="utf-8")
    c = load_config({}, environ={"MAPWS_CONFIG": str(path)})
    assert (c.notify.smtp, c.notify.sender, c.notify.digest_to) == ("smtp://relay:587", "Sam Rivera <sam@seller.io>",
                                                                     ("lee@seller.io",))
    assert c.notify.rules == NotifyRules(every=3, repeat_after=6, due_within=1)
    env = {"MAPWS_CONFIG": str(path), "MAPWS_SLACK_WEBHOOK": "http://127.0.0.1:9/env"}
    assert load_config({}, environ=env).notify.slack_webhook == "http://127.0.0.1:9/env"
    for bad, said in (('password = "hunter2"', "never goes in the config"), ("evry = 2", "Unknown [notify]"),
                      ("every = -1", "negative"), ('smtp = "smtps://u:hunter2@h"', "password"),
                      ('from = "Sam Rivera"', "not an email"),
                      ('digest_to = ["lee@seller.io", "Lee"]', "not an email")):
        path.write_text(f"[notify]\n{bad}\n", encoding="utf-8")
        with pytest.raises(UsageError) as caught:
            load_config({}, environ={"MAPWS_CONFIG": str(path)})
        assert said in caught.value.message and "hunter2" not in caught.value.message + caught.value.hint


def test_buyer_text_is_escaped_in_html_and_kept_out_of_headers():
    sneaky = view("acme", "Dana Tanaka", "dana@acme.example")
    plan = sneaky.plan
    items = tuple(i if i.id != "T-02" else Item("T-02", ItemType.TASK, "<script>alert(1)</script> & co", Side.BUYER,
                                                "Dana Tanaka", i.due, status=Status.IN_PROGRESS) for i in plan.items)
    plan = replace(plan, items=items, overview=Overview(deal="Acme\r\nBcc: evil@example.com"))
    reminders, _ = plan_reminders([replace(sneaky, plan=plan)], FRIDAY, RULES)
    dana = next(r for r in reminders if r.to == "dana@acme.example")
    subject, text, html = reminder_bodies(dana)
    assert "<script>" in text and "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    mail = email_message("Sam Rivera <sam@seller.example>", dana.to, dana.name, subject, text, html)
    assert mail["Subject"] == "Reminder for Acme Bcc: evil@example.com: 1 item overdue" and mail["Bcc"] is None
    assert [line for line in mail.as_string().splitlines() if line.startswith("Bcc")] == []
    assert mail["Reply-To"] is None  # the rep sends it: replies reach them already
    relay = email_message("mapws <mapws@seller.example>", dana.to, dana.name, subject, text, html, reply_to(dana))
    assert str(relay["Reply-To"]) == "Sam Rivera <sam@seller.example>"


def test_a_reminder_is_written_in_the_plans_language():
    tanaka = view("acme", "田中 太郎", "tanaka@acme.example")
    japanese = replace(tanaka, plan=replace(tanaka.plan, locale="ja_JP", overview=Overview(deal="アクメ導入")))
    reminders, _ = plan_reminders([japanese], FRIDAY, RULES)
    mail = next(r for r in reminders if r.to == "tanaka@acme.example")
    subject, text, html = reminder_bodies(mail)
    assert subject == "【アクメ導入】リマインダー: 期限超過 1件"
    assert text.startswith("田中 太郎 様") and "T-02 acme security review: 2日超過（期限 2026/03/18）" in text
    assert "「停止」とご返信ください" in text and "Sam Rivera &lt;sam@seller.example&gt;" in html
    assert '<html lang="ja">' in html and "プランを開く" in html
    raw = email_message("Sam Rivera <sam@seller.example>", mail.to, mail.name, subject, text, html).as_bytes()
    assert b"=?utf-8?" in raw.split(b"\n\n", 1)[0]  # the subject and name encoded for the header
    english, _ = plan_reminders([ACME], FRIDAY, RULES)
    assert reminder_bodies(english[0])[1].startswith("Hello ")


def test_the_digest_lists_what_is_late_first_and_unowned_items_in_one_line():
    from map_workspace.messages import digest_findings

    unowned = [Finding.of("owner.missing", id=i, suggest=("", "")) for i in ("T-03", "T-04")]
    findings = (unowned[0], Finding.of("item.due_soon", id="T-09", due="Mon 2026-03-23"), unowned[1],
                Finding.of("item.overdue", id="T-02", late=2))
    assert digest_findings(findings) == ["T-02: 2 day(s) overdue", "2 items have no owner: T-03, T-04",
                                         "T-09: due Mon 2026-03-23"]
    assert digest_findings(findings[:1]) == ["T-03: no owner"]


def test_a_japanese_reminder_without_a_rep_asks_to_reply_to_the_person_in_charge_without_a_stray_space():
    tanaka = view("acme", "田中 太郎", "tanaka@acme.example")
    japanese = replace(tanaka, plan=replace(tanaka.plan, locale="ja_JP", overview=Overview(deal="アクメ導入")))
    reminders, _ = plan_reminders([japanese], FRIDAY, RULES)
    mail = next(r for r in reminders if r.to == "tanaka@acme.example")
    nobody = replace(mail, plans=tuple(replace(p, rep="") for p in mail.plans))
    _, text, html = reminder_bodies(nobody)
    assert "このお知らせが不要でしたら、担当者に「停止」とご返信ください。" in text
    assert "担当者に「停止」" in html and "担当者 に" not in text + html
    _, text, html = reminder_bodies(mail)
    assert "Sam Rivera <sam@seller.example> に「停止」" in text
    assert "Sam Rivera &lt;sam@seller.example&gt; に「停止」" in html
    english = next(r for r in plan_reminders([ACME], FRIDAY, RULES)[0] if r.to == "dana@acme.example")
    _, text, html = reminder_bodies(replace(english, plans=tuple(replace(p, rep="") for p in english.plans)))
    assert "Reply 'stop' to the sender and they stop." in text and "Reply 'stop' to the sender" in html


def test_a_reminder_follows_the_plans_recorded_language_over_its_locale():
    """A plan recorded in Japanese writes Japanese reminders whatever its locale, and one recorded in
    English writes English ones in ja_JP; a plan that recorded none keeps its locale's language."""
    tanaka = view("acme", "田中 太郎", "tanaka@acme.example")
    recorded_ja = replace(tanaka, language="ja")
    mail = next(r for r in plan_reminders([recorded_ja], FRIDAY, RULES)[0] if r.to == "tanaka@acme.example")
    subject, text, _ = reminder_bodies(mail)
    assert subject == "【Acme】リマインダー: 期限超過 1件" and "2日超過（期限 2026/03/18）" in text
    recorded_en = replace(tanaka, plan=replace(tanaka.plan, locale="ja_JP"), language="en")
    mail = next(r for r in plan_reminders([recorded_en], FRIDAY, RULES)[0] if r.to == "tanaka@acme.example")
    subject, text, _ = reminder_bodies(mail)
    assert subject == "Reminder for Acme: 1 item overdue" and "2 day(s) overdue (was due 2026-03-18)" in text


def test_a_reminder_across_plans_counts_them_in_the_plans_language():
    sam = [r for r in plan_reminders([replace(ACME, language="ja"), replace(GLOBEX, language="ja")], FRIDAY,
                                     RULES)[0] if r.to == "sam@seller.example"][0]
    subject, text, _ = reminder_bodies(sam)
    assert subject == "【2件のプラン】リマインダー: まもなく期限 2件"
    assert "期限 2026/03/23（月）" in text
