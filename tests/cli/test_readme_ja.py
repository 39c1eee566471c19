"""README's Japanese example stays true (issue 14): its `mapws create` command is run as written
(environment variables included) and every date the README shows is the plan's."""

from __future__ import annotations

import re
import shlex
from datetime import date

from click.testing import CliRunner

from map_workspace import app
from map_workspace.cli import cli
from map_workspace.config import Config
from map_workspace.reading import read_plan
from tests.cli.readme_commands import README

LINE = re.compile(r"^(?P<id>[A-Z]-\d\d)\s+(?P<due>\d{4}-\d{2}-\d{2})\s+(?P<activity>\S+)")
BUFFER = re.compile(r"… (\d+) business days of buffer …")


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("## Japanese plans", 1)[1].split("\n## ", 1)[0]


def _example() -> tuple[dict[str, str], list[str], str]:
    """The example's environment, its arguments after `mapws`, and the plan it shows."""
    section = _section()
    (command,) = re.findall(r"```bash\n(.*?)```", section, re.S)
    (shown,) = re.findall(r"```text\n(.*?)```", section, re.S)
    words = shlex.split(command.replace("\\\n", " "))
    env = {}
    while "=" in words[0]:
        key, _, value = words.pop(0).partition("=")
        env[key] = value
    assert words.pop(0) == "mapws"
    return env, words, shown


def test_the_japanese_example_shows_what_create_makes(tmp_path):
    env, args, shown = _example()
    result = CliRunner().invoke(cli, args, env={**env, "MAPWS_DIR": str(tmp_path), "MAPWS_BACKEND": "local"},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"Scheduled from {env['MAPWS_TODAY']}" in result.output
    assert "詰めています" not in result.output  # nothing compressed (the plan's findings are Japanese)
    store = app.make_store(Config(backend="local", dir=tmp_path))
    (ref,) = app.list_plans(store)
    plan = read_plan(store.read(ref), today=date.fromisoformat(env["MAPWS_TODAY"])).plan
    items = {i.id: i for i in plan.items}
    lines = [m for m in map(LINE.match, shown.splitlines()) if m]
    assert len(lines) >= 10
    for line in lines:
        item = items[line["id"]]
        assert (item.due.isoformat(), item.activity) == (line["due"], line["activity"]), line.group(0)
    (buffer,) = BUFFER.findall(shown)
    assert f"{buffer}営業日の余裕があります" in result.output  # the plan's language: Japanese
    board = next(i for i in plan.items if i.activity == "経営会議")
    assert f"{board.id}  {board.due.isoformat()}  経営会議" in shown


def test_create_tells_the_rep_the_earliest_decision_when_the_chain_does_not_fit(tmp_path):
    """The README's example made two months later (Thu 2026-12-03): too close, and the rep reads
    which decision date fits."""
    env, args, _ = _example()
    env = {**env, "MAPWS_TODAY": "2026-12-03", "MAPWS_DIR": str(tmp_path), "MAPWS_BACKEND": "local"}
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "日程を9営業日詰めています" in result.output  # the plan's language: Japanese
    assert ("    → ja-enterprise テンプレートが収まる最も早い決定日は 2027/03/11 です。買い手と合意する"
            "（mapws replan PLAN --decision-date 2027/03/11）") in result.output
