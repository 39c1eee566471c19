"""The README stays true: its command reference matches --help, its Quick start matches CI."""

import re
from pathlib import Path

from tests.cli.readme_commands import README, current, render


def test_command_reference_matches_help():
    assert current() == render(), "README is stale: run python -m tests.cli.readme_commands"


def test_quick_start_has_two_shell_blocks_and_ci_runs_the_second():
    text = README.read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:bash|sh)\n(.*?)```", quick, re.S)
    assert len(blocks) == 2
    assert "mapws demo" in blocks[0]
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks[1].strip() in ci
