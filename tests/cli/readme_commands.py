"""The README's command reference, generated from ``--help``.

Regenerate it with ``python -m tests.cli.readme_commands`` after changing a command.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
from click.testing import CliRunner

from map_workspace.cli import cli

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- commands:start -->", "<!-- commands:end -->"


def _commands(group: click.Group, prefix: list[str]) -> list[list[str]]:
    out = []
    for name in sorted(group.commands):
        command = group.commands[name]
        if isinstance(command, click.Group):
            out += _commands(command, prefix + [name])
        else:
            out.append(prefix + [name])
    return out


def render() -> str:
    """The group's own help (the options every command takes, before or after its name), then
    each command's."""
    parts = []
    for path in [[], *_commands(cli, [])]:
        result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=100)
        text = result.output.replace("Usage: cli", "Usage: mapws").rstrip()
        parts.append(f"### {' '.join(['mapws', *path])}\n\n```\n{text}\n```\n")
    return "\n".join(parts)


def current() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(re.escape(START) + r"\n(.*?)" + re.escape(END), text, re.S)
    return match.group(1) if match else ""


def update() -> None:
    text = README.read_text(encoding="utf-8")
    new = f"{START}\n{render()}{END}"
    README.write_text(re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _m: new, text, flags=re.S),
                      encoding="utf-8")


if __name__ == "__main__":
    update()
