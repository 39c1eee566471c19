"""The locales and time zones a plan's spreadsheet can have, and how each locale writes formulas.

Google Sheets offers a fixed list of locales (File → Settings); a locale whose decimal mark is a
comma separates formula arguments with ";" (de_DE: ``=ROUND(1,5;0)``), the others with ","
(en_US, ja_JP: ``=ROUND(1.5,0)``). Sheets parses formulas and conditional-format formulas "as if
the user typed into a cell" — in the spreadsheet's locale — and returns them in that syntax.
Time zones are IANA names; Google's own name for UTC is ``Etc/GMT``. Pure: no I/O.
"""

from __future__ import annotations

import functools
import re

#: Sheets locales that write formulas with "," between arguments and "." for decimals.
COMMA_LOCALES = frozenset(
    """en_US en_GB en_AU en_CA en_IE en_IN en_NZ en_PH en_SG en_HK en_NG en_PK en_KE en_MT en_GH
    ja_JP zh_CN zh_TW zh_HK ko_KR th_TH iw_IL he_IL hi_IN bn_IN ta_IN te_IN mr_IN gu_IN kn_IN ml_IN
    pa_IN ur_PK ms_MY fil_PH es_MX es_US es_PR es_DO es_GT es_HN es_NI es_PA es_SV de_CH it_CH
    de_LI ar_EG ar_SA ar_AE sw_KE my_MM km_KH""".split()
)
#: Sheets locales that write formulas with ";" between arguments and "," for decimals.
SEMICOLON_LOCALES = frozenset(
    """de_DE de_AT de_LU fr_FR fr_CA fr_BE fr_CH fr_LU es_ES es_AR es_BO es_CL es_CO es_CR es_EC
    es_PE es_PY es_UY es_VE es_419 it_IT pt_BR pt_PT nl_NL nl_BE ru_RU uk_UA pl_PL cs_CZ sk_SK
    sv_SE da_DK nb_NO nn_NO no_NO fi_FI tr_TR el_GR hu_HU ro_RO bg_BG hr_HR sl_SI sr_RS bs_BA
    mk_MK sq_AL lt_LT lv_LV et_EE id_ID vi_VN ca_ES eu_ES gl_ES is_IS az_AZ kk_KZ hy_AM ka_GE
    be_BY mn_MN uz_UZ af_ZA en_ZA en_DK""".split()
)
SHEETS_LOCALES = COMMA_LOCALES | SEMICOLON_LOCALES
LANGUAGES = frozenset(locale.split("_")[0] for locale in SHEETS_LOCALES)

#: Names of UTC that Google Sheets lists as its own default zone, "Etc/GMT".
_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu",
                        "GMT", "Etc/GMT+0", "Etc/GMT-0", "Etc/GMT0", "GMT0", "GMT+0", "GMT-0", "Etc/Greenwich",
                        "Greenwich"})
SHEETS_UTC = "Etc/GMT"


def normalise_locale(text: str) -> str:
    """``de-de`` or ``de_DE.UTF-8`` as Sheets writes it (``de_DE``); the text unchanged otherwise."""
    stripped = text.strip()
    match = re.fullmatch(r"([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}|\d{3}))?(?:\.[\w-]+)?(?:@\w+)?", stripped)
    if not match:
        return stripped
    language, region = match.group(1).lower(), match.group(2)
    return f"{language}_{region.upper()}" if region else language


def is_sheets_locale(locale: str) -> bool:
    return locale in SHEETS_LOCALES or locale in LANGUAGES


def locale_problem(locale: str) -> str:
    """Why ``locale`` cannot be a spreadsheet's locale ("" when it can)."""
    if is_sheets_locale(locale):
        return ""
    language = locale.split("_")[0]
    near = sorted(known for known in SHEETS_LOCALES if known.split("_")[0] == language)
    hint = f" ({', '.join(near[:6])} are)" if near else ""
    return f"'{locale}' is not a locale Google Sheets offers{hint}"


@functools.cache
def _zones() -> frozenset[str]:
    import zoneinfo  # here: only a configured time zone is checked against the list (most commands have none)

    return frozenset(zoneinfo.available_timezones())


def is_time_zone(zone: str) -> bool:
    return zone in _zones()


def sheets_time_zone(zone: str) -> str:
    """The name a spreadsheet gets for ``zone``: Google's own ``Etc/GMT`` for UTC and its aliases."""
    return SHEETS_UTC if zone in _UTC_NAMES else zone


def uses_semicolons(locale: str) -> bool:
    """Whether a spreadsheet in ``locale`` separates formula arguments with ";"."""
    if locale in SEMICOLON_LOCALES:
        return True
    if locale in COMMA_LOCALES or not locale:
        return False
    language = locale.split("_")[0]
    home = f"{language}_{language.upper()}"  # a bare "de" is German as written in Germany
    if home in SHEETS_LOCALES:
        return home in SEMICOLON_LOCALES
    semicolons = sum(k.startswith(language + "_") for k in SEMICOLON_LOCALES)
    return semicolons > sum(k.startswith(language + "_") for k in COMMA_LOCALES)
