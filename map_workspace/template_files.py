"""Where templates live and how they are read: the thin file layer over ``domain.templates``.

The shipped templates are installed as the package ``map_workspace.templates`` (pyproject maps
the repository's top-level ``templates/`` folder onto it). A source checkout that was never
installed has no such package, so the folder beside ``map_workspace/`` is used instead.
"""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from typing import Any

from map_workspace.domain.templates import Template, check_template_data, template_from_dict
from map_workspace.errors import TemplateError

_PACKAGE = "map_workspace.templates"
_CHECKOUT_DIR = Path(__file__).resolve().parent.parent / "templates"


def template_dir() -> Path:
    """The folder holding the shipped ``*.toml`` templates."""
    try:
        spec = importlib.util.find_spec(_PACKAGE)
    except ModuleNotFoundError:
        spec = None
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            folder = Path(location)
            if folder.is_dir() and any(folder.glob("*.toml")):
                return folder
    return _CHECKOUT_DIR


def list_templates() -> list[tuple[str, str]]:
    """``(name, description)`` of every shipped template, by name."""
    found: list[tuple[str, str]] = []
    for path in sorted(template_dir().glob("*.toml")):
        try:
            data = _read(path)
        except TemplateError:
            found.append((path.stem, "(unreadable: run `mapws templates check` on it)"))
            continue
        found.append((str(data.get("name") or path.stem), str(data.get("description", ""))))
    return sorted(found)


def load_template(name_or_path: str | Path) -> Template:
    """A shipped template by name (``"enterprise"``), or a template file by path."""
    path = _resolve(name_or_path)
    return template_from_dict(_read(path), name=path.stem)


def check_template_file(path: str | Path) -> list[str]:
    """Every problem in a template file; a TOML syntax error is one problem with its line number."""
    try:
        data = _read(Path(path))
    except TemplateError as error:
        return error.problems or [error.message]
    return check_template_data(data)


def _resolve(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    looks_like_path = isinstance(name_or_path, Path) or text.endswith(".toml") or "/" in text or "\\" in text
    if looks_like_path:
        path = Path(text).expanduser()
        if not path.is_file():
            raise TemplateError(
                f"Template file not found: {path}",
                hint="Give the path to a .toml template file, or the name of a shipped template "
                f"({_available()}).",
            )
        return path
    path = template_dir() / f"{text}.toml"
    if not path.is_file():
        raise TemplateError(
            f"No template named {text!r}.",
            hint=f"Available templates: {_available()}. Or give the path to your own .toml file.",
        )
    return path


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        problem = f"{path.name}: TOML syntax error: {error}"
        raise TemplateError(
            f"Template file {path} is not valid TOML: {error}",
            problems=[problem],
            hint="Fix the syntax at the line shown (see https://toml.io).",
        ) from error
    except OSError as error:
        problem = f"{path}: cannot be read ({error.strerror or error})"
        raise TemplateError(f"Template file {path} cannot be read.", problems=[problem]) from error


def _available() -> str:
    return ", ".join(name for name, _ in list_templates()) or "none found"
