"""Configuration, read once into a frozen object.

Precedence (PRODUCT.md, Contracts): command-line flag > ``MAPWS_*`` environment variable >
config file (``config.toml`` in the user config dir, or ``MAPWS_CONFIG``) > default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

import platformdirs

from map_workspace.domain.thresholds import Thresholds
from map_workspace.errors import UsageError
from map_workspace.sharing import normalise_domains

APP = "mapws"

#: Settings that can come from flags, the environment and the file: name -> environment variable.
ENVIRONMENT = {
    "backend": "MAPWS_BACKEND",
    "dir": "MAPWS_DIR",
    "credentials": "MAPWS_CREDENTIALS",
    "folder": "MAPWS_FOLDER",
    "impersonate": "MAPWS_IMPERSONATE",
    "state": "MAPWS_STATE",
    "today": "MAPWS_TODAY",
    "timezone": "MAPWS_TIMEZONE",
    "locale": "MAPWS_LOCALE",
    "max_rpm": "MAPWS_MAX_RPM",
    "google_api_root": "MAPWS_GOOGLE_API_ROOT",
}

BACKENDS = ("local", "google")


@dataclass(frozen=True)
class Config:
    """Every setting, merged from flags, the environment, the config file and the defaults."""

    backend: str = "local"
    dir: Path = Path("maps")
    credentials: str = ""
    folder: str = ""
    impersonate: str = ""
    state: str = ""
    today: date | None = None
    timezone: str = "UTC"
    locale: str = "en_US"
    max_rpm: int = 60
    google_api_root: str = ""
    # Google scopes beyond the least-privilege drive.file, opted into by name (e.g. ["drive"]).
    scopes: tuple[str, ...] = ()
    # Buyer domains plans may be shared with (``--allow-domain``); empty allows every address.
    allow_domains: tuple[str, ...] = ()
    seller: str = ""
    seller_company: str = ""
    holidays: frozenset[date] = frozenset()
    thresholds: Thresholds = field(default_factory=Thresholds)
    source: str = ""  # the config file read, if any


def config_path() -> Path:
    env = os.environ.get("MAPWS_CONFIG")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


def default_state_path() -> Path:
    """The nightly's state and the seller's private facts: SQLite in the user data dir."""
    return Path(platformdirs.user_data_dir(APP)) / "state.sqlite"


def parse_bool(text: str) -> bool:
    """Booleans accept 1/0, true/false, yes/no (any case)."""
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise UsageError(f"'{text}' is not a yes/no value.", "Use 1/0, true/false or yes/no.")


def parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{what} '{text}' is not a date.", "Write dates as YYYY-MM-DD, e.g. 2026-05-15.") from None


def load_config(flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None, *,
                missing_ok: bool = False) -> Config:
    """Merge the file, the environment and the flags (``None`` flags are unset) into a Config.
    ``missing_ok``: a config file named by MAPWS_CONFIG may not exist yet (``mapws init``)."""
    environ = os.environ if environ is None else environ
    path = Path(environ["MAPWS_CONFIG"]).expanduser() if environ.get("MAPWS_CONFIG") else config_path()
    raw: dict[str, Any] = {}
    source = ""
    if path.exists():
        import tomllib  # only with a file to read: a command's start-up

        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"The config file {path} is not valid TOML: {exc}.",
                             "Fix the file, or write a new one with 'mapws init --force'.") from None
        source = str(path)
    elif environ.get("MAPWS_CONFIG") and not missing_ok:
        raise UsageError(f"MAPWS_CONFIG names {path}, which does not exist.",
                         "Create it with 'mapws init', or unset MAPWS_CONFIG.")
    merged: dict[str, Any] = {k: v for k, v in raw.items() if k not in ("thresholds", "holidays")}
    for name, var in ENVIRONMENT.items():
        if environ.get(var):
            merged[name] = environ[var]
    for name, value in (flags or {}).items():
        if value is not None:
            merged[name] = value
    known = {f.name for f in fields(Config)}
    unknown = sorted(set(merged) - known)
    if unknown:
        raise UsageError(f"Unknown setting(s) in {path}: {', '.join(unknown)}.",
                         f"Known settings: {', '.join(sorted(known - {'source', 'thresholds', 'holidays'}))}.")
    return _coerce(merged, raw, source)


def _coerce(merged: dict[str, Any], raw: dict[str, Any], source: str) -> Config:
    values: dict[str, Any] = dict(merged)
    backend = str(values.get("backend", "local")).lower()
    if backend not in BACKENDS:
        raise UsageError(f"Unknown backend '{backend}'.", "Use --backend local or --backend google.")
    values["backend"] = backend
    if "dir" in values:
        values["dir"] = Path(str(values["dir"])).expanduser()
    if values.get("today") not in (None, ""):
        today = values["today"]
        values["today"] = today if isinstance(today, date) else parse_day(str(today), "--today")
    else:
        values["today"] = None
    if "max_rpm" in values:
        try:
            values["max_rpm"] = int(values["max_rpm"])
        except (TypeError, ValueError):
            raise UsageError(f"max_rpm '{values['max_rpm']}' is not a whole number.", "Use e.g. 60.") from None
        if values["max_rpm"] < 1:
            raise UsageError("max_rpm must be at least 1.", "Use e.g. 60.")
    holidays = raw.get("holidays", [])
    if not isinstance(holidays, list):
        raise UsageError("holidays in the config file must be a list of dates.", 'holidays = ["2026-12-25"]')
    values["holidays"] = frozenset(
        h if isinstance(h, date) else parse_day(str(h), "holiday") for h in holidays
    )
    th = raw.get("thresholds", {})
    if th:
        allowed = {f.name for f in fields(Thresholds)}
        bad = sorted(set(th) - allowed)
        if bad:
            raise UsageError(f"Unknown threshold(s): {', '.join(bad)}.", f"Known: {', '.join(sorted(allowed))}.")
        values["thresholds"] = Thresholds(**{k: int(v) for k, v in th.items()})
    for name in ("credentials", "folder", "impersonate", "state", "timezone", "locale", "google_api_root",
                 "seller", "seller_company"):
        if name in values and values[name] is not None:
            values[name] = str(values[name])
    if "scopes" in values:
        scopes = values["scopes"]
        names = scopes.replace(",", " ").split() if isinstance(scopes, str) else list(scopes or ())
        values["scopes"] = tuple(str(name) for name in names)
    if "allow_domains" in values:
        domains = values["allow_domains"]
        names = domains.replace(",", " ").split() if isinstance(domains, str) else list(domains or ())
        values["allow_domains"] = normalise_domains(names)
    values["source"] = source
    return Config(**values)


def write_config(path: Path, settings: Mapping[str, Any]) -> Path:
    """Write a config.toml (simple keys only), creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# mapws configuration: flags and MAPWS_* environment variables override these."]
    for key, value in settings.items():
        if value in (None, "", ()):
            continue
        if isinstance(value, (list, tuple, frozenset, set)):
            items = ", ".join(_toml_str(str(v)) for v in sorted(value))
            lines.append(f"{key} = [{items}]")
        elif isinstance(value, int) and not isinstance(value, bool):
            lines.append(f"{key} = {value}")
        else:
            lines.append(f"{key} = {_toml_str(str(value))}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
