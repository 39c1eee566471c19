"""Floor for ``mapws --help``: a bare click group of 10 commands with one-line docstrings, nothing
else imported. ``python click_group.py --help`` is what any click CLI of this size costs."""

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """A bare group: the floor a click CLI's --help can reach."""


for _name in ("init", "create", "sync", "status", "summary", "list", "auth", "share", "templates", "demo"):
    cli.command(name=_name, help=f"The {_name} command.")(lambda: None)

if __name__ == "__main__":
    cli()
