"""Configuration, read once into a frozen object.

Precedence (PRODUCT.md, Contracts): command-line flag > ``MAPWS_*`` environment variable >
config file (``config.toml`` in the user config dir, or ``MAPWS_CONFIG``) > default.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from map_workspace.domain.thresholds import NotifyRules, Thresholds
from map_workspace.errors import UsageError, discard, file_error
from map_workspace.locales import is_time_zone, locale_problem, normalise_locale
from map_workspace.sharing import normalise_domains

if TYPE_CHECKING:
    from map_workspace.config_records import SmtpAddress


def __getattr__(name: str) -> Any:
    """``config.SmtpAddress`` lives in ``config_records``: loading a config does not need it
    (issue 8: every command's start-up)."""
    if name == "SmtpAddress":
        from map_workspace import config_records

        return vars(config_records)[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    "language": "MAPWS_LANGUAGE",
    "max_rpm": "MAPWS_MAX_RPM",
    "google_api_root": "MAPWS_GOOGLE_API_ROOT",
}

BACKENDS = ("local", "google")


def smtp_address(text: str) -> SmtpAddress:
    """Parse ``notify.smtp``; ValueError (in words) for anything else, and for a password in it."""
    from map_workspace.config_records import SmtpAddress

    match = re.fullmatch(r"(smtps?)://(?:([^/]*)@)?([^:/@]+)(?::(\d+))?/?", text.strip())
    if not match:
        raise ValueError("it is not smtps://user@host:465 or smtp://host:587 (the value is not repeated here: it "
                         "may hold a secret).")
    scheme, user, host, port = match.groups()
    if user and ":" in user:
        raise ValueError("the address holds a password; the password never goes in the config file "
                         "(set MAPWS_SMTP_PASSWORD).")
    return SmtpAddress(host, int(port) if port else (465 if scheme == "smtps" else 587), scheme == "smtps",
                       (user or "").replace("%40", "@"))


@dataclass(frozen=True)
class NotifySettings:
    """``[notify]`` in config.toml: where mail and Slack messages go, and the fatigue rules. The SMTP
    password is never here: it is read from ``MAPWS_SMTP_PASSWORD`` when a mail is sent."""

    #: ``smtps://user@host:465`` (TLS from the start) or ``smtp://user@host:587`` (STARTTLS).
    smtp: str = ""
    #: The sender, ``"Sam Rivera <sam@seller.io>"``.
    sender: str = ""
    #: Who gets the seller's digest for every plan; empty: each plan's seller lead.
    digest_to: tuple[str, ...] = ()
    #: A Slack incoming webhook (or env ``MAPWS_SLACK_WEBHOOK``).
    slack_webhook: str = ""
    rules: NotifyRules = field(default_factory=NotifyRules)


NOTIFY_KEYS = ("smtp", "from", "digest_to", "slack_webhook", "every", "repeat_after", "due_within")


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
    #: The language of new plans (``--lang``, ``MAPWS_LANGUAGE``); "" is the locale's (ja_JP → ja).
    language: str = ""
    max_rpm: int = 60
    google_api_root: str = ""
    # Google scopes beyond the least-privilege drive.file, opted into by name (e.g. ["drive"]).
    scopes: tuple[str, ...] = ()
    # Buyer domains plans may be shared with (``--allow-domain``); empty allows every address.
    allow_domains: tuple[str, ...] = ()
    seller: str = ""
    seller_company: str = ""
    holidays: frozenset[date] = frozenset()
    # Public-holiday regions of the holidays package ("JP", "GB-ENG"), from the codes in
    # ``holidays`` or ``--holidays``; None: the country of the locale. Closures are day ranges.
    holiday_regions: tuple[str, ...] | None = None
    closures: tuple[str, ...] = ()
    # The buyer's fiscal year: its first month (1-12; None: the template's, if any) and the weeks
    # after it starts during which a decision is warned about (budgets not yet released).
    fiscal_year_start: int | None = None
    budget_release_weeks: int | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)
    notify: NotifySettings = field(default_factory=NotifySettings)
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
    """A date given on the command line: ISO, or a year-first form a Japanese plan writes (2027/03/11,
    2027年3月11日, 令和9年3月11日, full-width digits), so a date copied from a Japanese finding pastes."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    if re.match(r"\s*(?:[0-9０-９]{4}\D|令和|平成|[RHrh][0-9０-９])", text):
        from map_workspace.domain.parsing import parse_date  # here: ISO, the usual case, needs none of it

        day = parse_date(text, "ja_JP").value
        if day is not None:
            return day
    raise UsageError(f"{what} '{text}' is not a date.", "Write dates as YYYY-MM-DD, e.g. 2026-05-15.")


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
        except OSError as exc:
            raise file_error(exc, path, doing="read the config file") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"The config file {path} is not valid TOML: {exc}.",
                             "Fix the file, or move it away and run 'mapws init' again.") from None
        source = str(path)
    elif environ.get("MAPWS_CONFIG") and not missing_ok:
        raise UsageError(f"MAPWS_CONFIG names {path}, which does not exist.",
                         "Create it with 'mapws init', or unset MAPWS_CONFIG.")
    merged: dict[str, Any] = {k: v for k, v in raw.items() if k not in ("thresholds", "holidays", "closures", "notify")}
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
    config = _coerce(merged, raw, source)
    notify = _notify_settings(raw.get("notify", {}), environ)
    return config if notify == config.notify else replace(config, notify=notify)


def _notify_settings(table: Any, environ: Mapping[str, str]) -> NotifySettings:
    """``[notify]``, checked here so a typo stops the command before any mail is sent."""
    if not isinstance(table, dict):
        raise UsageError("notify in the config file must be a table.", '[notify]\nsmtp = "smtps://sam@mail.seller.io:465"')
    if "password" in table:
        raise UsageError("notify.password: the SMTP password never goes in the config file.",
                         "Remove it from the file and set MAPWS_SMTP_PASSWORD in the environment instead.")
    bad = sorted(set(table) - set(NOTIFY_KEYS))
    if bad:
        raise UsageError(f"Unknown [notify] setting(s): {', '.join(bad)}.", f"Known: {', '.join(NOTIFY_KEYS)}.")
    smtp = str(table.get("smtp", "")).strip()
    if smtp:
        try:
            smtp_address(smtp)
        except ValueError as exc:
            raise UsageError(f"notify.smtp: {exc}", 'Use smtps://user@host:465 or smtp://user@host:587 (STARTTLS); '
                             "the password comes from MAPWS_SMTP_PASSWORD.") from None
    digest_to = table.get("digest_to", ())
    if isinstance(digest_to, str):
        digest_to = [digest_to]
    for key, value in [("from", table.get("from", "")), *(("digest_to", a) for a in digest_to)]:
        if str(value).strip() and not re.fullmatch(r"[^<>]*<\s*[^<>\s]+@[^<>\s]+\s*>\s*|\s*[^<>\s]+@[^<>\s]+\s*",
                                                    str(value)):
            raise UsageError(f"notify.{key} '{value}' is not an email address.",
                             f'Write it as {key} = "Sam Rivera <sam@seller.io>" or {key} = "sam@seller.io".')
    numbers: dict[str, int] = {}
    for key in ("every", "repeat_after", "due_within"):
        if key in table:
            try:
                numbers[key] = int(table[key])
            except (TypeError, ValueError):
                raise UsageError(f"notify.{key} '{table[key]}' is not a whole number of business days.",
                                 f"Example: {key} = {getattr(NotifyRules(), key)}") from None
            if numbers[key] < 0:
                raise UsageError(f"notify.{key} cannot be negative.", f"Example: {key} = {getattr(NotifyRules(), key)}")
    return NotifySettings(smtp=smtp, sender=str(table.get("from", "")).strip(),
                          digest_to=tuple(str(a).strip() for a in digest_to if str(a).strip()),
                          slack_webhook=(environ.get("MAPWS_SLACK_WEBHOOK")
                                         or str(table.get("slack_webhook", ""))).strip(),
                          rules=NotifyRules(**numbers))


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
    _coerce_calendar(values, raw)
    _coerce_fiscal_year(values)
    th = raw.get("thresholds", {})
    if th:
        allowed = {f.name for f in fields(Thresholds)} - {"date_flags"}
        bad = sorted(set(th) - allowed)
        if bad:
            raise UsageError(f"Unknown threshold(s): {', '.join(bad)}.", f"Known: {', '.join(sorted(allowed))}.")
        windows: dict[str, Any] = {k: int(v) for k, v in th.items()}  # every configurable one is a number
        values["thresholds"] = Thresholds(**windows)
    for name in ("credentials", "folder", "impersonate", "state", "timezone", "locale", "google_api_root",
                 "seller", "seller_company"):
        if name in values and values[name] is not None:
            values[name] = str(values[name])
    _check_place(values)
    _check_language(values)
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


def _coerce_calendar(values: dict[str, Any], raw: dict[str, Any]) -> None:
    """``holidays`` (region codes and single dates), ``--holidays`` and ``closures``, checked here so
    a typo stops the command with the closest codes rather than a plan on the wrong days. The
    calendar code loads only when there is something to check (a command's start-up)."""
    holidays = raw.get("holidays", [])
    if not isinstance(holidays, list):
        raise UsageError("holidays in the config file must be a list of region codes or dates.",
                         'holidays = ["US"], ["US", "GB-ENG"] or ["2026-12-24"]')
    dates: set[date] = set()
    regions: list[str] = []
    named_none = False
    for entry in holidays:
        if isinstance(entry, date):
            dates.add(entry)
        elif str(entry).strip().lower() == "none":  # holidays = ["none"]: weekends only
            named_none = True
        elif re.match(r"^\s*\d{4}-", str(entry)):
            dates.add(parse_day(str(entry), "holiday"))
        else:
            from map_workspace.workdays import check_region

            regions.append(check_region(str(entry)))
    values["holidays"] = frozenset(dates)
    if (regions or named_none) and values.get("holiday_regions") is None:  # --holidays wins over the file
        values["holiday_regions"] = tuple(regions)
    flag = values.get("holiday_regions")
    if isinstance(flag, str):  # --holidays JP,US or --holidays none
        from map_workspace.workdays import check_region

        names = flag.replace(",", " ").split()
        values["holiday_regions"] = () if [n.lower() for n in names] == ["none"] else tuple(
            check_region(name) for name in names)
    closures = raw.get("closures", [])
    if not isinstance(closures, list):
        raise UsageError("closures in the config file must be a list of day ranges.",
                         'closures = ["12-29..01-03", "2027-08-13..2027-08-16"]')
    if closures:
        from map_workspace.workdays import parse_closure

        for closure in closures:
            parse_closure(str(closure))
    values["closures"] = tuple(str(c).strip() for c in closures)


def _coerce_fiscal_year(values: dict[str, Any]) -> None:
    """``fiscal_year_start`` (a month, 1-12) and ``budget_release_weeks`` (1 or more)."""
    for name, low, high, hint in (("fiscal_year_start", 1, 12, "fiscal_year_start = 4 (April)"),
                                  ("budget_release_weeks", 1, 52, "budget_release_weeks = 4")):
        if values.get(name) is None:
            continue
        value = values[name]
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit() \
                or not low <= int(value) <= high:
            raise UsageError(f"{name} in the config file must be a whole number from {low} to {high}, got {value!r}.",
                             f"Write e.g. {hint}.")
        values[name] = int(value)


def _check_place(values: dict[str, Any]) -> None:
    """The time zone and locale a plan's spreadsheet gets: Google refuses anything else, so say so
    here rather than halfway through a create."""
    if values.get("timezone") is not None:
        zone = values["timezone"].strip()
        if not is_time_zone(zone):
            raise UsageError(f"'{zone}' is not an IANA time zone (timezone in the config, MAPWS_TIMEZONE or "
                             "--timezone).", "Use a name such as Europe/Berlin, America/New_York or UTC.")
        values["timezone"] = zone
    if values.get("locale") is not None:
        locale = normalise_locale(values["locale"])
        problem = locale_problem(locale)
        if problem:
            raise UsageError(f"{problem} (locale in the config, MAPWS_LOCALE or --locale).",
                             "Use a locale such as en_US, en_GB, de_DE, fr_FR or ja_JP.")
        values["locale"] = locale


def _check_language(values: dict[str, Any]) -> None:
    """``language`` (``--lang``, ``MAPWS_LANGUAGE``): one the catalogs have, or a friendly stop."""
    if values.get("language") in (None, ""):
        values.pop("language", None)
        return
    values["language"] = check_language(str(values["language"]))


def check_language(text: str) -> str:
    """A plan language the catalogs have ("JA" → "ja"); UsageError naming the ones there are."""
    from map_workspace import catalog

    lang = text.strip().lower()
    known = catalog.languages()
    if lang not in known:
        names = ", ".join(f"{code} ({catalog.words(code)('language.name')})" for code in known)
        raise UsageError(f"There is no language '{text}' (--lang, language in the config or MAPWS_LANGUAGE).",
                         f"Use one of: {names}.")
    return lang


HEADER = "# mapws configuration: flags and MAPWS_* environment variables override these."


@dataclass(frozen=True)
class ConfigUpdate:
    """What ``mapws init`` did to the config file: the keys it set, and those it left as they were."""

    path: Path
    created: bool
    #: Keys written with a new value (new keys, and with ``force`` changed ones).
    changed: tuple[str, ...]
    #: Keys already in the file that this run left alone.
    kept: tuple[str, ...]


def _given(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings that say something (None, "" and empty lists say nothing), as TOML values."""
    out: dict[str, Any] = {}
    for key, value in settings.items():
        if value in (None, "", ()) or value == []:
            continue
        if isinstance(value, (list, tuple, frozenset, set)):
            out[key] = sorted(str(v) for v in value)
        elif isinstance(value, int) and not isinstance(value, bool):
            out[key] = value
        else:
            out[key] = str(value)
    return out


def read_config_file(path: Path) -> dict[str, Any]:
    """The file's own settings (no environment, no flags, no defaults); {} when there is none."""
    return _parse(path).unwrap() if path.exists() else {}


def _parse(path: Path) -> Any:
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise file_error(exc, path, doing="read the config file") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"The config file {path} is not UTF-8 text: {exc}.",
                         "Fix the file, or move it away and run 'mapws init' again.") from None
    try:
        return tomlkit.parse(text)
    except ParseError as exc:
        raise UsageError(f"The config file {path} is not valid TOML: {exc}.",
                         "Fix the file (mapws keeps its comments and settings when it updates it), or move "
                         "it away and run 'mapws init' again.") from None


def conflicts(path: Path, settings: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Keys the file already sets to another value than ``settings`` gives: key -> (old, new)."""
    current = read_config_file(path)
    return {key: (current[key], value) for key, value in _given(settings).items()
            if key in current and current[key] != value}


def already_set(path: Path, clash: Mapping[str, tuple[Any, Any]]) -> UsageError:
    """The refusal to overwrite values the file already sets (without ``--force``)."""
    said = "; ".join(f"{key} = {old!r} (you gave {new!r})" for key, (old, new) in clash.items())
    return UsageError(f"{path} already sets {said}; nothing was changed.",
                      "Pass --force to overwrite those values; every other setting in the file is kept either way.")


def update_config(path: Path, settings: Mapping[str, Any], *, force: bool = False) -> ConfigUpdate:
    """Set the keys ``settings`` gives and keep everything else in the file (other keys, tables,
    comments, order): a TOML round trip. A key already set to another value is overwritten only
    with ``force``; without it nothing is written and the error names each such key."""
    import tomlkit

    given = _given(settings)
    created = not path.exists()
    doc = tomlkit.document() if created else _parse(path)
    if created:
        doc.add(tomlkit.comment(HEADER[2:]))
    clash = conflicts(path, given) if not created else {}
    if clash and not force:
        raise already_set(path, clash)
    before = doc.unwrap()
    changed = tuple(key for key, value in given.items() if before.get(key) != value)
    for key in changed:
        doc[key] = given[key]
    kept = tuple(key for key in before if key not in changed)
    if changed or created:
        _write_atomically(path, tomlkit.dumps(doc))
    return ConfigUpdate(path, created, changed, kept)


def _write_atomically(path: Path, text: str) -> None:
    import secrets

    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp.write_text(text, encoding="utf-8")
        if path.exists():
            os.chmod(temp, path.stat().st_mode & 0o7777)
        os.replace(temp, path)
    except OSError as exc:
        raise file_error(exc, path, doing="write the config file",
                         after="The config file was not changed.") from exc
    finally:
        discard(temp)


def write_config(path: Path, settings: Mapping[str, Any]) -> Path:
    """Write a new config.toml with these settings (simple keys only), creating its folder."""
    import tomlkit

    doc = tomlkit.document()
    doc.add(tomlkit.comment(HEADER[2:]))
    for key, value in _given(settings).items():
        doc[key] = value
    _write_atomically(path, tomlkit.dumps(doc))
    return path
