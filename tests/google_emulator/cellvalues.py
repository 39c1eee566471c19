"""Cell values the way Sheets treats them: USER_ENTERED parsing, serial dates, number formats."""

from __future__ import annotations

import datetime as dt
import math
import re
import struct
from typing import Any

EPOCH = dt.date(1899, 12, 30)
_NUMBER = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][-+]?\d+)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_YMD_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$")
_CURRENCY = re.compile(r"^(-)?\$(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$")
_PERCENT = re.compile(r"^([-+]?\d+(?:\.\d+)?)%$")


def float32(value: float) -> float:
    """Colours and sizes are float32 inside Sheets: 0.4980392156862745 comes back as 0.49803922."""
    packed = struct.unpack("f", struct.pack("f", value))[0]
    for digits in range(6, 10):
        text = f"{packed:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == packed:
            number = float(text)
            return int(number) if number.is_integer() else number
    return packed


def date_to_serial(value: dt.date | dt.datetime) -> float:
    if isinstance(value, dt.datetime):
        delta = value - dt.datetime(1899, 12, 30)
        return delta.days + delta.seconds / 86400
    return float((value - EPOCH).days)


def serial_to_datetime(serial: float) -> dt.datetime:
    days = math.floor(serial)
    seconds = round((serial - days) * 86400)
    return dt.datetime(1899, 12, 30) + dt.timedelta(days=days, seconds=seconds)


def _plain_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


def parse_user_entered(text: str, locale: str = "en_US") -> tuple[dict[str, Any] | None, dict | None]:
    """Parse typed text into (userEnteredValue, numberFormat or None); None value means clear."""
    if text == "":
        return None, None
    if text.startswith("=") and len(text) > 1:
        return {"formulaValue": text}, None
    if text.startswith("'"):
        return {"stringValue": text[1:]}, None
    stripped = text.strip()
    upper = stripped.upper()
    if upper in ("TRUE", "FALSE"):
        return {"boolValue": upper == "TRUE"}, None
    if stripped and _NUMBER.match(stripped) and any(ch.isdigit() for ch in stripped):
        number = float(stripped.replace(",", ""))
        fmt = None
        if "," in stripped:
            decimals = len(stripped.split(".")[1]) if "." in stripped else 0
            fmt = {"type": "NUMBER", "pattern": "#,##0" + ("." + "0" * decimals if decimals else "")}
        return {"numberValue": _plain_number(number)}, fmt
    match = _PERCENT.match(stripped)
    if match:
        decimals = len(match.group(1).split(".")[1]) if "." in match.group(1) else 0
        pattern = "0" + ("." + "0" * decimals if decimals else "") + "%"
        return {"numberValue": _plain_number(float(match.group(1)) / 100)}, {
            "type": "PERCENT",
            "pattern": pattern,
        }
    match = _CURRENCY.match(stripped)
    if match:
        number = float(match.group(2).replace(",", "") + (match.group(3) or ""))
        if match.group(1):
            number = -number
        return {"numberValue": _plain_number(number)}, {"type": "CURRENCY", "pattern": '"$"#,##0.00'}
    parsed = _parse_date(stripped, locale)
    if parsed is not None:
        return parsed
    return {"stringValue": text}, None


def _parse_date(text: str, locale: str) -> tuple[dict, dict] | None:
    try:
        match = _ISO_DATE.match(text)
        if match:
            year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
            if match.group(4):
                moment = dt.datetime(
                    year, month, day, int(match.group(4)), int(match.group(5)), int(match.group(6) or 0)
                )
                return {"numberValue": _plain_number(date_to_serial(moment))}, {
                    "type": "DATE_TIME",
                    "pattern": "yyyy-mm-dd h:mm:ss",
                }
            serial = date_to_serial(dt.date(year, month, day))
            return {"numberValue": _plain_number(serial)}, {"type": "DATE", "pattern": "yyyy-mm-dd"}
        match = _SLASH_DATE.match(text)
        if match:
            first, second, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
            month, day = (first, second) if locale.startswith("en_US") else (second, first)
            pattern = "M/d/yyyy" if locale.startswith("en_US") else "dd/MM/yyyy"
            if match.group(4):
                moment = dt.datetime(
                    year, month, day, int(match.group(4)), int(match.group(5)), int(match.group(6) or 0)
                )
                return {"numberValue": _plain_number(date_to_serial(moment))}, {
                    "type": "DATE_TIME",
                    "pattern": pattern + " H:mm:ss",
                }
            serial = date_to_serial(dt.date(year, month, day))
            return {"numberValue": _plain_number(serial)}, {"type": "DATE", "pattern": pattern}
        match = _YMD_SLASH.match(text)
        if match:
            serial = date_to_serial(dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3))))
            return {"numberValue": _plain_number(serial)}, {"type": "DATE", "pattern": "yyyy/mm/dd"}
        match = _TIME.match(text)
        if match:
            hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
            if match.group(4):
                hour = hour % 12 + (12 if match.group(4).lower() == "pm" else 0)
            if hour > 23 or minute > 59 or second > 59:
                return None
            fraction = (hour * 3600 + minute * 60 + second) / 86400
            return {"numberValue": fraction}, {"type": "TIME", "pattern": "h:mm:ss am/pm"}
    except ValueError:
        return None
    return None


def general_number(value: float) -> str:
    """Sheets' automatic format: 2, 1.5, 0.3333333333, 1E+16."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if value == 0:
        return "0"
    if abs(value) >= 1e15 or abs(value) < 1e-9:
        mantissa, exponent = f"{value:.5E}".split("E")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}E{'+' if int(exponent) >= 0 else '-'}{abs(int(exponent)):02d}"
    digits = max(0, 10 - max(0, int(math.floor(math.log10(abs(value)))) + 1)) if abs(value) >= 1 else 10
    text = f"{round(value, digits):.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


DEFAULT_PATTERNS = {
    "DATE": "M/d/yyyy",
    "DATE_TIME": "M/d/yyyy H:mm:ss",
    "TIME": "h:mm:ss am/pm",
    "NUMBER": "#,##0.00",
    "PERCENT": "0.00%",
    "CURRENCY": '"$"#,##0.00',
    "SCIENTIFIC": "0.00E+00",
}
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def format_value(value: Any, number_format: dict | None) -> str:
    """The formattedValue of an effective value under a numberFormat (a useful subset of patterns)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return value
    if not number_format or number_format.get("type") in (None, "NUMBER_FORMAT_TYPE_UNSPECIFIED", "TEXT"):
        if number_format and number_format.get("pattern") and number_format.get("type") != "TEXT":
            return _format_numeric(value, number_format["pattern"])
        return general_number(value)
    kind = number_format.get("type")
    pattern = number_format.get("pattern") or DEFAULT_PATTERNS.get(kind, "")
    if kind in ("DATE", "DATE_TIME", "TIME"):
        try:
            return format_datetime(serial_to_datetime(value), pattern)
        except (OverflowError, ValueError):
            return general_number(value)
    if not pattern:
        return general_number(value)
    return _format_numeric(value, pattern)


def _format_numeric(value: float, pattern: str) -> str:
    pattern = pattern.split(";")[0]
    literal_prefix = ""
    literal_suffix = ""
    core = pattern
    match = re.match(r'^((?:"[^"]*"|[^0#?.,%])*)([0#?,.]+)((?:"[^"]*"|.)*)$', pattern)
    if match:
        literal_prefix, core, literal_suffix = match.groups()
    percent = "%" in literal_suffix
    if percent:
        value = value * 100
    decimals = len(core.split(".")[1]) if "." in core else 0
    grouping = "," in core.split(".")[0]
    text = f"{abs(value):,.{decimals}f}" if grouping else f"{abs(value):.{decimals}f}"
    prefix = literal_prefix.replace('"', "")
    suffix = literal_suffix.replace('"', "")
    sign = "-" if value < 0 and float(text.replace(",", "")) != 0 else ""
    return f"{sign}{prefix}{text}{suffix}"


_DATE_TOKEN = re.compile(r'"[^"]*"|\\.|am/pm|AM/PM|a/p|y+|Y+|m+|M+|d+|D+|h+|H+|s+|S+|\.0+|.', re.S)


def format_datetime(moment: dt.datetime, pattern: str) -> str:
    tokens = _DATE_TOKEN.findall(pattern)
    twelve_hour = any(t.lower() in ("am/pm", "a/p") for t in tokens)
    out = []
    for index, token in enumerate(tokens):
        lower = token.lower()
        if token.startswith('"'):
            out.append(token[1:-1])
        elif token.startswith("\\"):
            out.append(token[1:])
        elif lower in ("am/pm", "a/p"):
            out.append("AM" if moment.hour < 12 else "PM")
        elif lower.startswith("y"):
            out.append(f"{moment.year:04d}" if len(token) != 2 else f"{moment.year % 100:02d}")
        elif lower.startswith("d"):
            out.append(
                {1: str(moment.day), 2: f"{moment.day:02d}", 3: _DAYS[moment.weekday()][:3]}.get(
                    len(token), _DAYS[moment.weekday()]
                )
            )
        elif lower.startswith("h"):
            hour = moment.hour % 12 or 12 if twelve_hour else moment.hour
            out.append(str(hour) if len(token) == 1 else f"{hour:02d}")
        elif lower.startswith("s"):
            out.append(str(moment.second) if len(token) == 1 else f"{moment.second:02d}")
        elif lower.startswith("m"):
            previous = next((t.lower() for t in reversed(tokens[:index]) if t.strip(" :/.-,")), "")
            following = next((t.lower() for t in tokens[index + 1 :] if t.strip(" :/.-,")), "")
            is_minute = previous.startswith("h") or following.startswith("s")
            if is_minute:
                out.append(str(moment.minute) if len(token) == 1 else f"{moment.minute:02d}")
            else:
                out.append(
                    {1: str(moment.month), 2: f"{moment.month:02d}", 3: _MONTHS[moment.month - 1][:3]}.get(
                        len(token), _MONTHS[moment.month - 1]
                    )
                )
        else:
            out.append(token)
    return "".join(out)


def raw_to_user_entered(value: Any, input_option: str, locale: str) -> tuple[dict | None, dict | None]:
    """A JSON value from values.update/append into (userEnteredValue, numberFormat)."""
    if isinstance(value, bool):
        return {"boolValue": value}, None
    if isinstance(value, (int, float)):
        return {"numberValue": value}, None
    text = str(value)
    if input_option == "RAW":
        if text == "":
            return None, None
        return {"stringValue": text}, None
    return parse_user_entered(text, locale)


# ---------------------------------------------------------------- locales, time zones, formula syntax

#: The locales Sheets offers (File → Settings), split by how they write formulas: a locale whose
#: decimal mark is a comma separates function arguments with ";" (de_DE: =ROUND(1,5;0)); the rest
#: use "," (en_US, ja_JP: =ROUND(1.5,0)). Bare language codes ("en", "de") are accepted too.
COMMA_LOCALES = frozenset(
    """en_US en_GB en_AU en_CA en_IE en_IN en_NZ en_PH en_SG en_HK en_NG en_PK en_KE en_MT en_GH
    ja_JP zh_CN zh_TW zh_HK ko_KR th_TH iw_IL he_IL hi_IN bn_IN ta_IN te_IN mr_IN gu_IN kn_IN ml_IN
    pa_IN ur_PK ms_MY fil_PH es_MX es_US es_PR es_DO es_GT es_HN es_NI es_PA es_SV de_CH it_CH
    de_LI ar_EG ar_SA ar_AE sw_KE my_MM km_KH""".split()
)
SEMICOLON_LOCALES = frozenset(
    """de_DE de_AT de_LU fr_FR fr_CA fr_BE fr_CH fr_LU es_ES es_AR es_BO es_CL es_CO es_CR es_EC
    es_PE es_PY es_UY es_VE es_419 it_IT pt_BR pt_PT nl_NL nl_BE ru_RU uk_UA pl_PL cs_CZ sk_SK
    sv_SE da_DK nb_NO nn_NO no_NO fi_FI tr_TR el_GR hu_HU ro_RO bg_BG hr_HR sl_SI sr_RS bs_BA
    mk_MK sq_AL lt_LT lv_LV et_EE id_ID vi_VN ca_ES eu_ES gl_ES is_IS az_AZ kk_KZ hy_AM ka_GE
    be_BY mn_MN uz_UZ af_ZA en_ZA en_DK""".split()
)
SHEETS_LOCALES = COMMA_LOCALES | SEMICOLON_LOCALES
_LANGUAGES = frozenset(locale.split("_")[0] for locale in SHEETS_LOCALES)
_CUSTOM_ZONE = re.compile(r"^GMT[+-]\d{2}:\d{2}$")


def is_sheets_locale(locale: str) -> bool:
    return locale in SHEETS_LOCALES or locale in _LANGUAGES


def is_sheets_time_zone(zone: str) -> bool:
    """An IANA (CLDR) zone name, or the custom form Google reads back for an unknown one (GMT-07:00)."""
    import zoneinfo

    return zone in _zones(zoneinfo) or bool(_CUSTOM_ZONE.match(zone))


def _zones(zoneinfo: Any) -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(zoneinfo.available_timezones())
    return _ZONES


_ZONES: frozenset[str] | None = None


def uses_semicolons(locale: str) -> bool:
    """Whether the locale separates formula arguments with ";" (and writes decimals with ",")."""
    if locale in SEMICOLON_LOCALES:
        return True
    if locale in COMMA_LOCALES:
        return False
    language = locale.split("_")[0]
    home = f"{language}_{language.upper()}"  # a bare "de" reads as de_DE
    if home in SHEETS_LOCALES:
        return home in SEMICOLON_LOCALES
    semicolons = sum(k.startswith(language + "_") for k in SEMICOLON_LOCALES)
    return semicolons > sum(k.startswith(language + "_") for k in COMMA_LOCALES)


class FormulaSyntaxError(ValueError):
    """A formula that does not parse in the spreadsheet's locale (e.g. "," between arguments in de_DE)."""


def _formula_pieces(formula: str):
    """(is_literal, text) pieces: string literals ("a""b") and quoted sheet names ('My tab') are literal."""
    out, i, start = [], 0, 0
    while i < len(formula):
        quote = formula[i]
        if quote in "\"'":
            if i > start:
                out.append((False, formula[start:i]))
            j = i + 1
            while j < len(formula):
                if formula[j] == quote:
                    if j + 1 < len(formula) and formula[j + 1] == quote:
                        j += 2
                        continue
                    break
                j += 1
            out.append((True, formula[i : j + 1]))
            i = start = j + 1
            continue
        i += 1
    if start < len(formula):
        out.append((False, formula[start:]))
    return out


_DECIMAL_COMMA = re.compile(r"(?<![A-Za-z$\d])(\d+),(\d+)")
_DECIMAL_POINT = re.compile(r"(?<![A-Za-z$\d])(\d+)\.(\d+)")


def formula_to_canonical(formula: str, locale: str) -> str:
    """A formula as typed in `locale` turned into the stored (en_US) syntax; FormulaSyntaxError when
    the wrong separator is used (a "," between arguments in a semicolon locale, or a ";" in a comma one)."""
    semicolons = uses_semicolons(locale)
    out = []
    for literal, text in _formula_pieces(formula):
        if literal:
            out.append(text)
            continue
        if semicolons:
            text = _DECIMAL_COMMA.sub(r"\1.\2", text)
            if "," in text:
                raise FormulaSyntaxError(formula)
            if "{" not in text:
                text = text.replace(";", ",")
        elif ";" in text and "{" not in text:
            raise FormulaSyntaxError(formula)
        out.append(text)
    return "".join(out)


def formula_for_locale(formula: str, locale: str) -> str:
    """A stored (en_US) formula as Sheets shows and returns it in `locale`."""
    if not uses_semicolons(locale):
        return formula
    out = []
    for literal, text in _formula_pieces(formula):
        if not literal:
            text = _DECIMAL_POINT.sub(r"\1,\2", text.replace(",", ";")) if "{" not in text else text
        out.append(text)
    return "".join(out)
