"""``mapws notify`` end to end on local plans: a real SMTP server (aiosmtpd) and a real webhook on
127.0.0.1 receive what is sent; the mails are parsed with the email package and read like a person
would: who got what, headers, both bodies, links, and nothing a buyer must not see."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from map_workspace.cli import cli
from tests.support.mail import bodies, free_port, self_signed, server_context, smtp_server, webhook_server
from tests.support.plans import built_once

TODAY = "2026-03-20"  # a Friday: items of plans made on 2026-03-02 are overdue or due soon
SAM = "Sam Rivera <sam@seller.example>"
DANA = "Dana Tanaka <dana@acme.example>"
JOSE = "José Núñez <jose@globex.example>"
SECRETS = ("987654", "987,654", "best case", "SECRET-NOTE", "SECRET-REASON")


def run(env, *args, code=0):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
    assert result.exit_code == code, (result.exit_code, result.output)
    return result


def as_json(env, *args, code=0):
    return json.loads(run(env, *args, "--json", code=code).stdout)


def write_config(path: Path, smtp: str, **extra: str) -> None:
    lines = ["[notify]", f'smtp = "{smtp}"', f'from = "{SAM}"'] + [f'{k} = "{v}"' for k, v in extra.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def plans(tmp_path):
    """Two open plans with the same rep (one with seller-internal facts), and a closed one."""
    def environment(folder: Path) -> dict[str, str]:
        return {"MAPWS_DIR": str(folder / "maps"), "MAPWS_STATE": str(folder / "state.sqlite"),
                "MAPWS_CONFIG": str(folder / "config.toml"), "MAPWS_TODAY": "2026-03-02"}

    def build(folder: Path) -> None:
        env = environment(folder)
        write_config(folder / "config.toml", "smtp://127.0.0.1:1")
        run(env, "create", "Acme rollout", "--decision-date", "2026-06-30", "--buyer", DANA, "--seller", SAM,
            "--deal-value", "987654", "--forecast", "best case", "--internal-note", "SECRET-NOTE discount approved")
        run(env, "create", "Globex pilot", "--decision-date", "2026-07-15", "--buyer", JOSE, "--seller", SAM)
        run(env, "create", "Initech deal", "--decision-date", "2026-07-15", "--buyer", "ann@initech.example",
            "--seller", SAM)
        run(env, "close", "initech-deal", "--lost", "--reason", "SECRET-REASON went elsewhere")

    # Made through the CLI once per process; later tests get a copy (tests/support/plans.py).
    built_once("notify-plans", tmp_path, build)
    return {**environment(tmp_path), "MAPWS_TODAY": TODAY}, tmp_path


@pytest.fixture
def smtp(plans):
    env, folder = plans
    with smtp_server() as sink:
        write_config(folder / "config.toml", f"smtp://127.0.0.1:{sink.port}")
        yield env, folder, sink


def test_one_digest_for_the_rep_and_one_reminder_per_person(smtp):
    env, folder, sink = smtp
    out = as_json(env, "notify")
    assert set(out) == {"sent", "skipped"}
    assert all(set(m) == {"to", "kind", "plans", "items"} for m in out["sent"])
    sent = {(m["to"], m["kind"]): m for m in out["sent"]}
    assert set(sent) == {("sam@seller.example", "digest"), ("sam@seller.example", "reminder"),
                         ("dana@acme.example", "reminder"), ("jose@globex.example", "reminder")}
    assert sorted(sent["sam@seller.example", "digest"]["plans"]) == ["acme-rollout", "globex-pilot"]
    assert sent["dana@acme.example", "reminder"]["plans"] == ["acme-rollout"]
    assert sent["jose@globex.example", "reminder"]["plans"] == ["globex-pilot"]
    assert {r.rcpt_tos[0] for r in sink.received} == {"sam@seller.example", "dana@acme.example",
                                                      "jose@globex.example"}
    assert len(sink.received) == 4 and all(len(r.rcpt_tos) == 1 for r in sink.received)

    acme, globex = (folder / "maps" / "acme-rollout.xlsx").as_uri(), (folder / "maps" / "globex-pilot.xlsx").as_uri()
    digest = next(m for m in sink.to("sam@seller.example") if m["Subject"].startswith("MAP digest"))
    assert digest["Subject"] == "MAP digest: 2 of 2 plans need attention"
    assert str(digest["From"]) == SAM and digest["From"].addresses[0].display_name == "Sam Rivera"
    assert digest.get_content_type() == "multipart/alternative"
    text, html = bodies(digest)
    for body in (text, html):
        assert "Acme rollout" in body and "Globex pilot" in body and "Initech" not in body
        assert acme in body and globex in body
        assert "Progress: 0 of" in body and "Projected decision: 2026-06-30" in body
        assert "days overdue" in body and "no owner" in body
    assert f'<a href="{acme}">' in html and "At risk" in html

    jose = sink.to("jose@globex.example")[0]
    raw = jose.as_bytes()
    assert b"=?utf-8?" in raw and "José Núñez".encode() not in raw.split(b"\n\n", 1)[0]  # RFC 2047 header
    assert jose["To"].addresses[0].display_name == "José Núñez"
    assert jose["Subject"].startswith("Reminder for Globex pilot: ") and "overdue" in jose["Subject"]


def test_a_buyer_sees_only_their_own_items_and_nothing_seller_internal(smtp):
    env, folder, sink = smtp
    out = as_json(env, "notify")
    dana_items = next(m["items"] for m in out["sent"] if m["to"] == "dana@acme.example")
    sam_items = next(m["items"] for m in out["sent"] if m["to"] == "sam@seller.example" and m["kind"] == "reminder")
    assert dana_items and not set(dana_items) & set(sam_items)
    for address, plan, other in (("dana@acme.example", "Acme rollout", "Globex"),
                                 ("jose@globex.example", "Globex pilot", "Acme")):
        mail = sink.to(address)[0]
        text, html = bodies(mail)
        whole = mail.as_string() + text + html
        assert plan in text and other not in whole and "Initech" not in whole
        assert not [s for s in SECRETS if s in whole], "seller-internal data in a buyer's mail"
        assert "Reply 'stop' to Sam Rivera <sam@seller.example>" in text
        assert "Reply 'stop' to Sam Rivera &lt;sam@seller.example&gt;" in html
    dana_text = bodies(sink.to("dana@acme.example")[0])[0]
    listed = [line.split()[1] for line in dana_text.splitlines() if line.startswith("  - ")]
    assert listed == sorted(dana_items, key=listed.index) and set(listed) == set(dana_items)
    for mail in sink.to("sam@seller.example"):  # the digest is the seller's, yet it carries no private fact
        assert not [s for s in SECRETS if s in mail.as_string()]


def test_a_rerun_sends_nothing_twice_and_the_fatigue_rules_hold(smtp):
    env, folder, sink = smtp
    first = as_json(env, "notify")
    again = as_json(env, "notify")
    assert again["sent"] == [] and len(sink.received) == len(first["sent"])
    assert {s["why"] for s in again["skipped"]} == {"sent_recently"}
    saturday = as_json({**env, "MAPWS_TODAY": "2026-03-21"}, "notify")
    assert saturday["sent"] == [] and {s["why"] for s in saturday["skipped"]} == {"non_working_day"}
    monday = as_json({**env, "MAPWS_TODAY": "2026-03-23"}, "notify")  # one business day later
    assert [(m["to"], m["kind"]) for m in monday["sent"]] == [("sam@seller.example", "digest")]
    assert {s["why"] for s in monday["skipped"] if s["to"] != "sam@seller.example"} == {"sent_recently"}
    tuesday = as_json({**env, "MAPWS_TODAY": "2026-03-24"}, "notify")  # two business days, the same items
    assert {"to": "dana@acme.example", "why": "sent_recently"} in tuesday["skipped"]
    friday = as_json({**env, "MAPWS_TODAY": "2026-03-27"}, "notify")  # five business days: reminded again
    assert "dana@acme.example" in {m["to"] for m in friday["sent"] if m["kind"] == "reminder"}


def test_dry_run_prints_the_full_text_and_sends_nothing(smtp):
    env, folder, sink = smtp
    out = run(env, "notify", "--dry-run", "-v").output
    assert "would send reminder to dana@acme.example" in out and "Hello Dana Tanaka" in out
    assert "would send digest to sam@seller.example" in out and "MAP digest: 2 of 2" in out
    assert sink.received == []
    assert len(as_json(env, "notify")["sent"]) == 4  # a dry run recorded nothing


def test_only_reminders_or_only_the_digest_and_one_plan(smtp):
    env, folder, sink = smtp
    assert {m["kind"] for m in as_json(env, "notify", "--reminders")["sent"]} == {"reminder"}
    digest = as_json(env, "notify", "--digest", "acme-rollout")["sent"]
    assert [(m["kind"], m["plans"]) for m in digest] == [("digest", ["acme-rollout"])]


def test_opt_out_is_kept_on_the_seller_side(smtp):
    env, folder, sink = smtp
    said = run(env, "notify", "--opt-out", "Dana Tanaka <Dana@Acme.example>", "--plan", "acme-rollout").output
    assert "dana@acme.example no longer gets" in said and "acme-rollout" in said
    out = as_json(env, "notify")
    assert {"to": "dana@acme.example", "why": "opted_out"} in out["skipped"]
    assert "dana@acme.example" not in {r.rcpt_tos[0] for r in sink.received}
    assert not any("dana" in p.name for p in (folder / "maps").iterdir())  # nothing in the buyer's files
    assert as_json(env, "notify", "--opt-out", "jose@globex.example")["opted_out"] == "jose@globex.example"


def test_a_refused_recipient_is_named_and_the_others_still_get_theirs(smtp):
    env, folder, sink = smtp
    sink.refuse.add("dana@acme.example")
    result = run(env, "notify", "--json", code=3)
    out = json.loads(result.stdout)
    assert [(f["to"], f["kind"]) for f in out["failed"]] == [("dana@acme.example", "reminder")]
    assert "dana@acme.example" in out["failed"][0]["error"]["message"] and "550" in out["failed"][0]["error"]["message"]
    assert len(out["sent"]) == 3 and len(sink.received) == 3
    sink.refuse.clear()
    retry = as_json(env, "notify")  # the refused one was not recorded as sent: it goes now, alone
    assert [(m["to"], m["kind"]) for m in retry["sent"]] == [("dana@acme.example", "reminder")]
    said = run(env, "notify").output
    assert "0 message(s) sent" in said and "heard from us recently" in said


def test_an_unreachable_server_fails_each_recipient_by_name(plans):
    env, folder = plans
    write_config(folder / "config.toml", f"smtp://127.0.0.1:{free_port()}")
    result = run(env, "notify", code=3)
    for who in ("dana@acme.example", "jose@globex.example", "sam@seller.example"):
        assert f"FAILED reminder to {who}" in result.output
    assert "could not be reached" in result.output and "Traceback" not in result.output
    with smtp_server() as sink:
        write_config(folder / "config.toml", f"smtp://127.0.0.1:{sink.port}")
        assert len(as_json(env, "notify")["sent"]) == 4  # nothing was recorded as sent


def test_without_a_server_configured_it_says_what_to_set(plans):
    env, folder = plans
    (folder / "config.toml").write_text("", encoding="utf-8")
    out = as_json(env, "notify", code=2)
    assert "[notify]" in out["error"]["message"] and "MAPWS_SMTP_PASSWORD" in out["error"]["hint"]
    (folder / "config.toml").write_text('[notify]\nsmtp = "smtp://u:hunter2@127.0.0.1:25"\n', encoding="utf-8")
    out = run(env, "notify", "--json", code=2).output
    assert "password" in out and "hunter2" not in out


def test_slack_gets_one_block_kit_message_a_night(smtp):
    env, folder, sink = smtp
    with webhook_server() as hook:
        env = {**env, "MAPWS_SLACK_WEBHOOK": hook.url}
        out = as_json(env, "notify", "--digest")
        assert [m["kind"] for m in out["sent"]] == ["digest", "slack"]
        assert len(hook.posts) == 1
        post = hook.posts[0]
        assert post["text"] == "MAP digest: 2 of 2 plans need attention"
        assert post["blocks"][0]["type"] == "header"
        sections = [b["text"]["text"] for b in post["blocks"][1:]]
        assert len(sections) == 2 and all(b["type"] == "section" for b in post["blocks"][1:])
        assert (folder / "maps" / "acme-rollout.xlsx").as_uri() in sections[0] and "At risk" in sections[0]
        assert as_json(env, "notify", "--digest")["sent"] == [] and len(hook.posts) == 1
        hook.status = 400
        failed = run({**env, "MAPWS_TODAY": "2026-03-23"}, "notify", "--digest", "--json", code=3)
        error = json.loads(failed.stdout)["failed"][0]
        assert error["kind"] == "slack" and "HTTP 400" in error["error"]["message"]
        assert hook.url not in failed.output


def test_sync_all_then_notify(smtp):
    env, folder, sink = smtp
    lines = [json.loads(line) for line in run(env, "sync", "--all", "--notify", "--json").stdout.splitlines()]
    assert "totals" in lines[-2] and set(lines[-1]) == {"notify"}
    assert len(lines[-1]["notify"]["sent"]) == 4 and len(sink.received) == 4
    assert run(env, "sync", "acme-rollout", "--notify", code=2)


def test_the_digest_names_a_silent_buyer_as_list_does(smtp):
    """Watched since the first night and untouched for 14 business days: the digest says the buyer is
    silent, as ``list`` and the night do."""
    env, folder, sink = smtp
    run({**env, "MAPWS_TODAY": "2026-03-02"}, "sync", "--all")
    run(env, "sync", "--all")
    assert {p["slug"]: p["buyer_silent"] for p in as_json(env, "list")["plans"]}["acme-rollout"] is True
    as_json(env, "notify", "--digest")
    digest = next(m for m in sink.to("sam@seller.example") if m["Subject"].startswith("MAP digest"))
    for body in bodies(digest):
        assert "The buyer has not edited the plan since it was created on 2026-03-02" in body


def test_starttls_with_a_password_from_the_environment(plans, monkeypatch):
    env, folder = plans
    cert, key = self_signed(folder)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts the throwaway certificate
    with smtp_server(starttls=server_context(cert, key), password="hunter2-SECRET") as sink:
        write_config(folder / "config.toml", f"smtp://sam%40seller.example@127.0.0.1:{sink.port}")
        missing = run(env, "notify", "--json", code=2)
        assert "MAPWS_SMTP_PASSWORD" in missing.output
        result = run({**env, "MAPWS_SMTP_PASSWORD": "hunter2-SECRET"}, "notify", "-v")
        assert "4 message(s) sent" in result.output and "hunter2" not in result.output
        assert sink.logins and set(sink.logins) == {("sam@seller.example", "hunter2-SECRET")}
        assert len(sink.received) == 4


def test_smtps_tls_from_the_first_byte(plans, monkeypatch):
    env, folder = plans
    cert, key = self_signed(folder)
    with smtp_server(implicit_tls=server_context(cert, key)) as sink:
        write_config(folder / "config.toml", f"smtps://127.0.0.1:{sink.port}")
        untrusted = run(env, "notify", "--json", code=3)  # an unknown certificate is refused, by name
        assert "CERTIFICATE_VERIFY_FAILED" in untrusted.stdout and sink.received == []
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        assert len(as_json(env, "notify")["sent"]) == 4 and len(sink.received) == 4


def test_a_run_killed_mid_send_sends_nothing_twice(plans):
    """The process dies while the server holds its second mail: the rerun sends the rest, and
    neither the first mail nor the one in flight again."""
    env, folder = plans
    process: list[subprocess.Popen] = []

    def kill_on_second(count: int) -> None:
        if count == 1:
            os.kill(process[0].pid, signal.SIGKILL)
            process[0].wait()
            raise RuntimeError("the sender is gone")

    with smtp_server() as sink:
        sink.on_data = kill_on_second
        write_config(folder / "config.toml", f"smtp://127.0.0.1:{sink.port}")
        full_env = {**os.environ, **env, "NO_GCE_CHECK": "true"}
        process.append(subprocess.Popen([sys.executable, "-m", "map_workspace", "notify"], env=full_env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        assert process[0].wait(timeout=60) == -signal.SIGKILL
        first = [(r.rcpt_tos[0], r.message["Subject"]) for r in sink.received]
        assert len(first) == 1
        sink.on_data = None
        rerun = as_json(env, "notify")
        resent = [(r.rcpt_tos[0], r.message["Subject"]) for r in sink.received[1:]]
        assert len(rerun["sent"]) == 2 and len(resent) == 2
        assert not set(resent) & set(first)
        assert {s["why"] for s in rerun["skipped"] if s["to"] in ("sam@seller.example", "dana@acme.example")
                and s["why"] != "nothing_due"} <= {"sent_recently"}


def test_the_digest_says_what_changed_since_the_last_one_and_who(smtp):
    import openpyxl

    env, folder, sink = smtp
    as_json(env, "notify", "--digest")  # Friday's digest
    path = folder / "maps" / "acme-rollout.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["Plan"]["G2"] = "Done"
    wb.properties.lastModifiedBy = "Dana Tanaka"
    wb.save(path)
    monday = {**env, "MAPWS_TODAY": "2026-03-23"}
    run(monday, "sync", "--all", "--notify", "--quiet")
    digests = [m for m in sink.to("sam@seller.example") if m["Subject"].startswith("MAP digest")]
    assert len(digests) == 2
    friday_text, monday_text = bodies(digests[0])[0], bodies(digests[1])[0]
    assert "Nothing changed since 2026-03-19." in friday_text
    acme = monday_text.split("== Acme rollout")[1].split("== ")[0]
    changed = acme.split("What changed since 2026-03-21:\n")[1].splitlines()[0]
    assert changed.startswith("  - T-01 ") and changed.endswith(": done (by Dana Tanaka)")
    assert "Nothing changed since 2026-03-21." in monday_text.split("== Globex pilot")[1]


@pytest.mark.parametrize("args", [("--opt-out", "dana@acme.example", "acme-rollout"),
                                  ("--opt-out", "dana@acme.example", "--dry-run"), ("--plan", "acme-rollout"),
                                  ("acme-rollout", "--all"), ("--opt-out", "not an address")])
def test_notify_usage_errors(plans, args):
    env, folder = plans
    out = as_json(env, "notify", *args, code=2)
    assert out["error"]["code"] == "usage" and out["error"]["hint"]
