"""Every finding the sync can report, in one table: code, severity, column and what to do.

A rule decides *that* something is wrong and passes the data (the item's ID, what was typed,
the dates involved); this table decides where it is reported, and the catalogs
(``map_workspace/catalogs/<lang>/findings.toml``) how it is said in each language. Adding a rule
means adding one entry here and its words in every catalog, and ``docs/findings.md`` and the
README's table are generated from it (``python -m tests.unit.findings_docs``), so the user
documentation cannot drift from the code.

Wordings are ``str.format`` templates over the data a rule passes, plus ``id`` and ``field``.
``{name:phrase}`` runs the value through one of ``PHRASES`` first (``{id:subject}`` says
"This item" for a row without an ID), whose words come from the catalog's ``[phrases]`` too, so
conditional words live in the language's catalog, not at the call site. A finding keeps the data
it was worded from: :meth:`Finding.worded` says it again in another language; its code never changes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from dataclasses import field as default
from datetime import date
from enum import StrEnum
from typing import Any

from map_workspace import catalog


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """One problem the sync found. ``code`` is stable: scripts and tests key on it, and it must be
    a code of ``RULES``. Build one with :meth:`Finding.of`, which words it from the catalog."""

    code: str
    severity: Severity
    message: str
    hint: str = ""
    id: str | None = None
    tab: str = "Plan"
    field: str | None = None
    cell: str | None = None
    #: The item's (or risk's) activity as the plan reads it, so a line can name it; "" when unknown.
    activity: str = ""
    #: The tab's name in the file when the buyer renamed it ("Risk log" for Risks); "" when it is ``tab``.
    sheet: str = ""
    #: The wording's variant and the data the rule passed, so it can be worded in another language
    #: (``None``: a finding taken as worded, such as one remembered as JSON before findings kept data).
    variant: str = default(default="", compare=False, repr=False)
    values: Mapping[str, Any] | None = default(default=None, compare=False, repr=False)
    #: The language ``message`` and ``hint`` are in.
    lang: str = default(default=catalog.DEFAULT, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.code not in RULES:
            raise ValueError(f"unknown finding code {self.code!r}: add it to map_workspace/domain/findings.py")

    @classmethod
    def of(cls, code: str, variant: str = "", *, id: str | None = None, field: str | None = None,
           cell: str | None = None, lang: str = catalog.DEFAULT, **values: Any) -> Finding:
        """The finding ``code`` about this data, worded by the catalog of ``lang`` (``variant``: another
        wording of it, for another place). Rules pass data, never words."""
        shape = _SHAPES.get((code, variant))
        if shape is None:
            raise ValueError(f"unknown finding {code!r} (variant {variant!r}): add it to RULES")
        severity, fixed_field, tab = shape
        if field is not None and fixed_field is not None:
            raise ValueError(f"{code} is always about {fixed_field!r}; do not pass field")
        field = field or fixed_field
        values["id"], values["field"], values["tab"] = id, field, tab
        message, hint = _wording(lang, code, variant).word(code, values)
        return cls(code, severity, message, hint, id, tab, field, cell, variant=variant, values=values, lang=lang)

    def worded(self, lang: str) -> Finding:
        """The same finding said in ``lang`` (its code, severity and place unchanged); itself when it
        is already, or when it carries no data to word it from."""
        if self.values is None or lang == self.lang:
            return self
        message, hint = _wording(lang, self.code, self.variant).word(self.code, dict(self.values))
        return replace(self, message=message, hint=hint, lang=lang)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        """A finding as :meth:`as_json` wrote it (the nightly remembers a plan's findings): already
        worded, so it is taken as it was, its code still checked against ``RULES``."""
        return cls(str(data["code"]), Severity(data["severity"]), str(data["message"]), str(data.get("hint", "")),
                   data.get("id"), str(data.get("tab", "Plan")), data.get("field"), data.get("cell"),
                   str(data.get("activity") or ""), str(data.get("sheet") or ""))

    def as_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "id": self.id,
            "tab": self.tab,
            "cell": self.cell,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
        }

    @property
    def said_of_item(self) -> str:
        """The message as said after the item is named ("T-09 Collect feedback: no owner"): its
        own subject dropped ("T-09 has no owner." → "no owner"; "Milestone M-02 has slipped 2
        times." → "slipped 2 times"), a sentence's capital lowered ("Owner 'IT' is a group …" →
        "owner 'IT' is a group …"), no closing full stop. The subjects and verbs dropped are the
        language's (``[said_of_item]`` in its catalog)."""
        said = catalog.words(self.lang).table("findings.said_of_item")
        text = self.message.strip()
        for stop in said.get("stops", ["."]):
            text = text.removesuffix(stop)
        if self.id:
            for subject in said.get("subjects", []):
                subject = subject.format(id=self.id)
                if text.startswith(subject):
                    rest = text[len(subject):]
                    for verb in said.get("verbs", []):
                        if rest.startswith(verb):
                            return rest[len(verb):]
                    return rest
        if said.get("lower_first", True) and len(text) > 1 and text[0].isupper() and text[1].islower():
            return text[0].lower() + text[1:]
        return text


# --- phrases: the conditional words a template may ask for ---------------------------------------


@functools.cache
def role_words(role: str, lang: str = catalog.DEFAULT) -> str:
    """``buyer.it_lead`` → ``buyer's IT lead``: how a hint names a template role (a title the
    language's catalog does not name is said from its words, acronyms in capitals)."""
    side, _, title = role.partition(".")
    if not title:
        return role
    w = catalog.words(lang)
    acronyms = set(w.get("findings.phrases.acronyms"))
    said = w.table("findings.phrases.roles").get(title) or " ".join(
        p.upper() if p in acronyms else p for p in title.split("_"))
    return w("findings.phrases.role", side=w.table("findings.phrases.sides").get(side, side), title=said)


@functools.cache
def business_days(n: int, lang: str = catalog.DEFAULT) -> str:
    return catalog.words(lang)("findings.phrases.business_day" if n == 1 else "findings.phrases.business_days", n=n)


def _phrases(lang: str) -> dict[str, Callable[[Any], str]]:
    """The phrases a wording may use, with the words of ``lang``."""
    w = catalog.words(lang)

    def p(key: str, **values: Any) -> str:
        return w(f"findings.phrases.{key}", **values)

    def suggested(suggest: tuple[str, str]) -> str:
        role, holder = (*suggest, "")[:2]
        if holder:
            return p("suggested_holder", holder=holder, role=role_words(role, lang))
        return p("suggested_role", role=role_words(role, lang)) if role else ""

    def looked_up(table: str, fallback: Callable[[str], str]) -> Callable[[Any], str]:
        words = w.table(f"findings.phrases.{table}")
        return lambda value: words.get(str(value)) or fallback(str(value))

    def choices(forms: Any) -> str:
        """Forms to pick from, "a, b or c" (a tuple, or the text English made of them)."""
        parts = list(forms) if not isinstance(forms, str) else re.split(r", | or ", forms)
        if len(parts) < 2:
            return "".join(parts)
        return p("comma").join(parts[:-1]) + p("or_last") + parts[-1]

    def day(text: Any) -> str:
        """A day as a finding names it ("Sat 2027-02-27"), in the language's form when it has one."""
        form = p("day_form")
        found = _ISO_DAY.search(str(text))
        if not form or found is None:
            return str(text)
        d = date.fromisoformat(found[0])
        return d.strftime(form.replace("{weekday}", w.get("findings.phrases.weekdays")[d.weekday()]))

    closed = w.table("findings.phrases.closed")

    def why_closed(text: Any) -> str:
        """Why a day is closed ("a Saturday", "a holiday (Christmas Day)") in the language's words."""
        named = re.fullmatch(r"a holiday \((.+)\)", str(text))
        if named:
            return p("holiday_named", name=named[1])
        return str(closed.get(str(text), text))

    return {
        "subject": lambda item_id: item_id or p("this_item"),
        "choices": choices,
        "day": day,
        "why": why_closed,
        "suggested": suggested,
        "and": lambda names: p("and").join(names),
        "or": lambda names: p("or").join(names),
        "comma": lambda names: p("comma").join(names),
        "cycle": lambda ids: p("arrow").join([*ids, ids[0]]),
        "lower": lambda text: str(text).lower(),
        "title": lambda text: str(text).title(),
        "status": looked_up("statuses", str.lower),
        "column": looked_up("columns", str.title),
        "tab": looked_up("tabs", str),
        "type": looked_up("types", str),
        "waiting": lambda ids: p("waiting", ids=p("comma").join(ids)) if ids else "",
        "days": lambda n: business_days(n, lang),
        "are": lambda n: p("is") if n == 1 else p("are"),
        "by": lambda who: p("by", who=who) if who else "",
        "leaves": lambda n: p("leaves", days=business_days(n, lang)) if n > 0 else p("leaves_none"),
    }


#: The phrases' names (their words differ by language; their names do not).
PHRASES: frozenset[str] = frozenset(_phrases(catalog.DEFAULT))

_PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w+))?\}")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Values said as typed, never reshaped (a date someone typed is quoted as they typed it).
_AS_TYPED = frozenset({"text", "owner", "id", "field", "tab"})


def placeholders(template: str) -> set[str]:
    """The names of the values a wording uses ("{id:subject} has {n}" → {"id", "n"})."""
    return {m[1] for m in _PLACEHOLDER.finditer(template)}


@dataclass(frozen=True)
class _Wording:
    """One wording in one language, compiled once: ``{x:phrase}`` becomes ``{x__phrase}``, filled in
    before formatting (plain ``str.format_map`` then, since a 3,000-item plan may carry thousands
    of findings). ``date_format``: how the language writes a date value (None: as ISO, untouched)."""

    message: str
    hint: str
    phrased: tuple[tuple[str, str, Callable[[Any], str]], ...]  # (key it fills, value name, phrase)
    date_format: str | None

    @classmethod
    def compile(cls, message: str, hint: str, lang: str) -> _Wording:
        phrases = _phrases(lang)
        phrased = {}
        for m in _PLACEHOLDER.finditer(message + hint):
            if m[2] is not None:
                if m[2] not in phrases:
                    raise ValueError(f"unknown phrase {m[2]!r} in {message + hint!r}")
                phrased[f"{m[1]}__{m[2]}"] = (m[1], phrases[m[2]])

        def compiled(text: str) -> str:
            return _PLACEHOLDER.sub(lambda m: f"{{{m[1]}__{m[2]}}}" if m[2] else m[0], text)

        form = catalog.words(lang)("findings.phrases.date")
        return cls(compiled(message), compiled(hint),
                   tuple((key, name, phrase) for key, (name, phrase) in phrased.items()),
                   None if form == "%Y-%m-%d" else form)

    def word(self, code: str, values: dict[str, Any]) -> tuple[str, str]:
        """(message, hint) of ``code`` for these values (``values`` may gain the phrased ones, kept
        beside the data they were made from)."""
        if self.date_format is not None:  # a new dict: the finding keeps the data as the rule passed it
            values = {k: self._date(v) if k not in _AS_TYPED else v for k, v in values.items()}
        try:
            for key, name, phrase in self.phrased:
                values[key] = phrase(values[name])
            return self.message.format_map(values), self.hint.format_map(values)
        except KeyError as exc:
            raise TypeError(f"finding {code!r} needs a value for {exc}") from None

    def _date(self, value: Any) -> Any:
        if isinstance(value, date):
            return value.strftime(self.date_format or "%Y-%m-%d")
        if isinstance(value, str) and _ISO_DAY.fullmatch(value):
            try:
                return date.fromisoformat(value).strftime(self.date_format or "%Y-%m-%d")
            except ValueError:
                return value
        return value


def wording(lang: str, code: str, variant: str = "") -> tuple[str, str]:
    """The (message, hint) templates of ``code`` (``variant``) in ``lang``: the catalog's, English
    where the language lacks them; a variant's own where English gives it one, else the code's."""
    w, english = catalog.words(lang), catalog.words(catalog.DEFAULT)
    out = []
    for part in ("message", "hint"):
        key = f"findings.{code}.{part}"
        if variant:
            try:
                if isinstance(english.get(f"findings.{code}.{variant}.{part}"), str):
                    key = f"findings.{code}.{variant}.{part}"
            except KeyError:
                pass
        out.append(w(key))
    return out[0], out[1]


@functools.cache
def _wording(lang: str, code: str, variant: str) -> _Wording:
    message, hint = wording(lang, code, variant)
    return _Wording.compile(message, hint, lang)


# --- the table's rows --------------------------------------------------------------------------

@dataclass(frozen=True)
class Variant:
    """Another place the same code is reported, worded for that place in the catalogs
    (``[code.variant]``); ``None``: as the rule."""

    when: str  # for the docs: "On the Overview's Target decision date"
    severity: Severity | None = None
    field: str | None = None
    tab: str | None = None
    example: Mapping[str, Any] = default(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    """One finding code: where it is reported and what the user should know about it (its words
    are in the catalogs)."""

    code: str
    section: str  # the docs' heading it is listed under
    severity: Severity
    explain: str  # one paragraph for docs/findings.md: what it means, how to fix it
    summary: str  # the README table's words; codes sharing one summary share a row
    example: Mapping[str, Any]  # data the docs word an example with
    field: str | None = None  # the column it is about, when that is fixed
    tab: str = "Plan"
    flag: str = ""  # the word the sync puts in the Plan's Flag column for it
    note: bool = False  # whether the sync notes it on the cell (buyer-typed problems)
    variants: Mapping[str, Variant] = default(default_factory=dict)

    @property
    def severities(self) -> tuple[Severity, ...]:
        found = [self.severity] + [v.severity for v in self.variants.values() if v.severity]
        return tuple(dict.fromkeys(found))


def about_closed_item(finding: Finding) -> Finding:
    """The finding as reported about a Done or N/A item: the same words, at most info. A finished
    item's leftovers (an unreadable date, a stale dependency) are worth knowing, never an error."""
    return finding if finding.severity is Severity.INFO else replace(finding, severity=Severity.INFO)


def example(rule: Rule, variant: str = "", lang: str = catalog.DEFAULT) -> Finding:
    """The rule worded with its example data, as the docs show it."""
    data = dict(rule.example)
    if variant:
        data.update(rule.variants[variant].example)
    return Finding.of(rule.code, variant, lang=lang, **data)


E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

OWNERS, DATES, ENTRIES, DEPENDENCIES = "Owners", "Dates", "Statuses, types and rows", "Dependencies"
ATTENTION, HEALTH, RISKS, LAYOUT = "The attention list", "Plan health", "Risks", "Sheet layout"

_ONE_OWNER = 'every item has one named person as owner, not a team, the company or two people; "TBD" is no owner'
_KNOWN_OWNER = "the owner is not in Stakeholders, or a first/family name matches several people"
_READABLE_DATE = ("every open item has a date mapws can read (ISO, the locale's numeric form, month names, "
                  "2026/05/15, 2026年5月15日, 令和8年5月15日, R8.5.15, full-width digits)")
_DEPS_HOLD = "dependencies name existing items and form no cycle"
_DEPS_TIMING = "an item due before, or less than its lead time after, what it depends on"
_ATTENTION = "the night's attention list"
_HYGIENE = "more than 30 open items; a buyer item owned by the seller"
_LAYOUT = ("a Plan column or the Stakeholders/Risks tab cannot be found; what it held is skipped, "
           "not reported row by row")
_ROWS = "rows without an activity, unknown types, risk-table problems"

_FORMS = {"forms": "2026-05-15, 5/15/2026, May 15 2026 or 2026年5月15日"}

RULES: dict[str, Rule] = {rule.code: rule for rule in (
    # --- owners ---
    Rule("owner.missing", OWNERS, E,
         "An open item's Owner cell is empty. An item nobody owns is an item nobody does: name the one "
         "person who will make it happen. When the plan was made from a template, the hint names the "
         "role the template expected (the buyer's CFO, the seller's SE …) and the person the Stakeholders "
         "tab lists in that role; `mapws create --role` fills those in up front. A placeholder (\"TBD\", "
         "\"TBC\", \"?\", \"n/a\", \"-\", \"未定\") is read the same way: nobody owns the item yet.",
         _ONE_OWNER, {"id": "T-03", "suggest": ("buyer.it_lead", "")}, field="owner", flag="Needs owner",
         note=True,
         variants={
             "placeholder": Variant(
                 'When the Owner cell holds a placeholder ("TBD", "?", "n/a", "未定"), with the person the '
                 "Stakeholders tab lists in the item's role",
                 example={"owner": "TBD", "suggest": ("buyer.cfo", "Priya Shah")}),
         }),
    Rule("owner.group", OWNERS, E,
         'The Owner names a team or a department ("IT", "legal", "the operations team", "everyone"). A '
         "group cannot be asked how it is going: name the one person in it who answers for the item, and "
         "keep the team in Notes if it helps.",
         _ONE_OWNER, {"id": "T-05", "owner": "the IT team", "suggest": ("", "")}, field="owner", flag="Needs owner",
         note=True),
    Rule("owner.company", OWNERS, E,
         "The Owner is the buyer's or the seller's company name (as on the Overview). Name the person at "
         "that company who will do it.",
         _ONE_OWNER, {"id": "T-06", "owner": "Acme", "suggest": ("buyer.cfo", "")}, field="owner",
         flag="Needs owner",
         note=True),
    Rule("owner.multiple", OWNERS, E,
         'The Owner cell names two or more people ("Dana and Sam", "Dana / Sam"). Shared ownership '
         "blurs who answers for the item: keep one owner and mention the others in Notes. Until then "
         "each of them is counted as an owner (Owns, the night's digest, availability) and each is "
         "checked against the Stakeholders tab.",
         _ONE_OWNER, {"id": "T-07", "owner": "Dana Tanaka and Sam Rivera", "names": ("Dana Tanaka", "Sam Rivera")},
         field="owner", flag="One owner only", note=True),
    Rule("owner.unknown", OWNERS, W,
         "The Owner is a person's name, but nobody on the Stakeholders tab matches it (by full name, "
         "email, or a given or family name unique in the plan). Add the person to Stakeholders, with "
         "their role and email, or correct the spelling. Not reported while the Stakeholders tab is "
         "missing.",
         _KNOWN_OWNER, {"id": "T-09", "owner": "Zed Unknown"}, field="owner", flag="Unknown owner", note=True),
    Rule("owner.ambiguous", OWNERS, W,
         'The Owner is a name part ("Dana") that matches several people on the Stakeholders tab. Write '
         "the full name or the email, so the item's owner (and the Owns count) is certain.",
         _KNOWN_OWNER, {"id": "T-08", "owner": "Dana", "candidates": ("Dana Tanaka", "Dana Smith")},
         field="owner", flag="Which owner?", note=True),
    # --- dates ---
    Rule("date.missing", DATES, E,
         "An open item has an empty Due cell. Without a date it cannot be late, so it cannot be chased: "
         "agree a date with its owner and type it in any of the forms the hint lists (the forms depend on "
         "the plan's locale). Done and N/A items need no date.",
         _READABLE_DATE, {"id": "T-21", **_FORMS}, field="due", flag="Needs date", note=True),
    Rule("date.unparseable", DATES, E,
         "A date cell holds text mapws cannot read as a date (\"next week\", \"Q3\", a typo). The text is "
         "kept as typed and the item is treated as having no date until it is fixed. Type the date in one "
         "of the forms the hint lists: ISO (2026-05-15), the locale's numeric form, a month name, or a "
         "Japanese form; a real date cell always works. Digits in another locale's order are read when only "
         "one order names a real day (15/12 is 15 December in any locale); 5/6/2026 outside the plan's "
         "order is refused rather than guessed.",
         _READABLE_DATE, {"id": "T-03", "text": "next-ish", **_FORMS}, field="due", flag="Bad date", note=True,
         variants={
             "target_decision": Variant(
                 "On the Overview's Target decision date",
                 field="target_decision", tab="Overview", example={"text": "some day"}),
             "done_on": Variant(
                 "On Done on, where only the record of when it was done is lost",
                 severity=W, field="done_on",
                 example={"id": "T-02", "text": "whenever"}),
         }),
    Rule("date.out_of_window", DATES, W,
         "A due date lies more than `window_days` (default 365) before or after both today and the target "
         "decision date: usually a mistyped year. Correct it, or ignore the warning if the date is right.",
         "a date more than a year outside the plan's window (a typo?)",
         {"id": "T-03", "due": "2028-01-05", "low": "2025-05-04", "high": "2027-06-30"}, field="due",
         flag="Check date", note=True),
    Rule("overview.no_target", DATES, W,
         "The Overview's Target decision date is empty, so the projected decision cannot be compared "
         "with a target and health cannot say whether the deal is late. Agree the date with the buyer "
         "and fill it in.",
         "the Overview has no target decision date to measure the projection against", {},
         field="target_decision", tab="Overview"),
    # --- statuses, types, rows ---
    Rule("status.unknown", ENTRIES, W,
         "The Status cell holds something that is neither one of the five statuses nor a known synonym "
         '("complete", "wip", "✅" are read as their meaning). The item counts as open. Pick a status '
         "from the dropdown and put the details in Notes.",
         "a status outside the list and its synonyms; the item counts as open",
         {"id": "T-04", "text": "Pending"}, field="status", flag="Check status", note=True),
    # --- dependencies ---
    Rule("dep.unknown", DEPENDENCIES, E,
         "Depends on names an ID that no row of the Plan has (a typo, or a row that was deleted). Use the "
         "ID of an existing row, as shown in the ID column, or remove it.",
         _DEPS_HOLD, {"id": "T-06", "dep": "T-99"}, field="depends_on", flag="Bad dependency", note=True),
    Rule("dep.self", DEPENDENCIES, E, "An item lists its own ID in Depends on, so it could never start. Remove it.",
         _DEPS_HOLD, {"id": "T-03"}, field="depends_on", flag="Bad dependency", note=True),
    Rule("dep.cycle", DEPENDENCIES, E,
         "Items depend on each other in a circle (T-05 needs T-06, which needs T-05), so none of them "
         "could start. Each item in the cycle is flagged; remove one of the dependencies. Until then the "
         "cycle's dependencies are ignored when the decision date is projected.",
         _DEPS_HOLD, {"id": "T-05", "cycle": ("T-05", "T-06", "T-07")}, field="depends_on",
         flag="Dependency cycle", note=True),
    Rule("dep.unreadable", DEPENDENCIES, E,
         "Depends on holds something other than item IDs (a name, a sentence). List the IDs of the items "
         "this one waits for, separated by commas; the IDs it could read are still used.",
         _DEPS_HOLD, {"id": "T-02", "text": "T-01, banana", "bad": ("banana",)}, field="depends_on",
         flag="Bad dependency", note=True),
    Rule("dep.order", DEPENDENCIES, W,
         "An open item is due before an item it depends on, so it cannot be done on time. Move it later, "
         "or bring the prerequisite forward and tell its owner.",
         _DEPS_TIMING, {"id": "T-08", "due": "2026-05-06", "dep": "T-01", "dep_due": "2026-05-08"}, field="due",
         flag="Before its prerequisite", note=True,
         variants={
             "done": Variant(
                 "When the prerequisite is Done: measured from the day it was done (Done on)"),
         }),
    Rule("dep.lead", DEPENDENCIES, W,
         "An open item is due fewer business days after its prerequisite than its lead time (the time the "
         "template plans for it, kept in the plan's memory). The hint gives the earliest realistic date; "
         "move the item to it, or bring the prerequisite forward.",
         _DEPS_TIMING, {"id": "T-09", "gap": 1, "dep": "T-01", "lead": 5, "earliest": "2026-05-15"}, field="due",
         flag="Too soon after prerequisite", note=True,
         variants={
             "done": Variant(
                 "When the prerequisite is Done: the lead time counts from its Done on date (a prerequisite "
                 "done in time raises nothing)",
                 example={"done_on": "2026-05-14"}),
         }),
    Rule("dep.started_early", DEPENDENCIES, W,
         "An item is In progress or Done while an item it depends on is still open. Either the "
         "prerequisite is really done and its status is out of date, or the dependency no longer holds "
         "and can be removed.",
         "started while a prerequisite is still open", {"id": "T-11", "status": "In progress", "dep": "T-01"},
         field="status", flag="Started early", note=True),
    # --- the attention list ---
    Rule("availability.conflict", ATTENTION, W,
         "An open item is due on a day its owner said they are away: the Stakeholders tab's Availability "
         'column holds a date range ("travelling 2026-05-11 to 2026-05-22", "Out Jan 11-15", "PTO until '
         'Jan 15", "back Jan 18") that covers the due date. With two people in the Owner cell, each is '
         "checked. Move the date, or name a stand-in owner for that period.",
         "due while its owner is unavailable (Stakeholders' Availability column)",
         {"id": "T-01", "due": "2026-05-15", "person": "Priya Shah",
          "availability": "travelling 2026-05-11 to 2026-05-22"},
         field="due", flag="Owner away", note=True),
    Rule("availability.unreadable", ATTENTION, W,
         "The Stakeholders tab's Availability cell seems to speak of days (a date, a month, \"out\", "
         "\"leave\", \"PTO\", \"back\" …) but mapws could not read a range from it, so items due while "
         "the person is away cannot be flagged. It reads ranges such as \"Out Jan 11-15\", \"Jan 11–15\", "
         "\"11-15 Jan\", \"on leave 1/11-1/15\", \"1/11〜1/15\", \"travelling 2026-05-11 to 2026-05-22\", "
         "open ones such as \"PTO until Jan 15\", \"out from Jan 11\", and returns such as \"back Jan 18\". "
         "Constraints without days (\"prefers mornings\") are left alone.",
         "due while its owner is unavailable (Stakeholders' Availability column)",
         {"person": "Priya Shah", "text": "out sometime in Q1"}, field="availability", tab="Stakeholders",
         note=True),
    Rule("item.overdue", ATTENTION, W,
         "An open item's due date has passed. The sheet's Flag column and colours show this live; the "
         "sync lists it for the night's digest. Check in with the owner: mark it Done, or agree a new date.",
         _ATTENTION, {"id": "T-09", "late": 6, "due": "2026-05-08"}, field="due"),
    Rule("item.stalled", ATTENTION, W,
         "An open item is overdue by `stalled_after_days` (default 7) or more. A stalled milestone puts "
         "health at At risk or worse. Agree a new date with its owner, or mark it Done or N/A if it no longer "
         "matters.",
         _ATTENTION, {"id": "T-07", "late": 14, "due": "2026-05-01"}, field="due"),
    Rule("item.due_soon", ATTENTION, INFO,
         "An open item is due within `due_soon_days` (default 3) working days of the plan's calendar. "
         "Shown with `--verbose`, and in the "
         "night's digest, as a reminder; nothing needs fixing.",
         _ATTENTION, {"id": "T-12", "due": "2026-05-07"}, field="due"),
    Rule("item.blocked", ATTENTION, W,
         "An item's status is Blocked; the message names the open items it waits on, if any. Raise it at "
         "the next check-in and agree who unblocks it.",
         _ATTENTION, {"id": "T-02", "waiting": ("T-03", "T-04")}, field="status"),
    Rule("slip.milestone_repeated", ATTENTION, W,
         "A milestone's due date has moved later `repeated_slips` times (default 2): the Slips column "
         "counts each move. Health drops a step. Review the plan with the champion: are the dates still "
         "real?",
         "a milestone moved later twice or more: health drops a step", {"id": "M-02", "slips": 2}, field="due"),
    Rule("buyer.silent", ATTENTION, W,
         "The plan has open items and nobody on the buyer's side has changed it for `buyer_silent` "
         "business days (default 10) of the plan's calendar. A change is the buyer's when the file's last "
         "modifier (Drive's last modifying user; a workbook's last-modified-by) is neither mapws nor "
         "anyone the Stakeholders tab lists on the seller side. The last buyer edit is kept on the seller's "
         "side (the state database), so it survives nights the plan is not read. A plan the buyer never "
         "edited counts from the day it was created (for a plan older than this check, from the first "
         "sync that watched it). Health drops a step. Closed plans are never silent.",
         "the buyer has not edited the plan for `buyer_silent` business days: health drops a step",
         {"days": 12, "since": "2027-01-04", "by": "Dana Tanaka"},
         variants={
             "never": Variant(
                 "When the buyer has never edited the plan",
                 example={"days": 11, "since": "2027-01-04"}),
         }),
    # --- plan health ---
    Rule("hygiene.too_many_open", HEALTH, W,
         "More than `max_open_items` (default 30) items are open: a plan that long is not read, let alone "
         "run. Set items that stopped mattering to N/A, or merge small ones.",
         _HYGIENE, {"open": 34, "limit": 30}),
    Rule("hygiene.buyer_item_seller_owner", HEALTH, W,
         "An open item whose Side is Buyer is owned by someone the Stakeholders tab lists on the seller "
         "side. The seller cannot do the buyer's work: name a buyer owner (the seller can still help, "
         "in Notes).",
         _HYGIENE, {"id": "T-40", "person": "Sam Rivera"}, field="owner", note=True),
    Rule("schedule.compressed", HEALTH, W,
         "The decision date was too close for the template when the plan was made: lead times were "
         "shortened so every item still fits before it, and health shows at least At risk from then on. "
         "Agree realistic dates with the buyer, or move the decision date.",
         "the decision date was too close for the template: dates were compressed", {"shortfall": 4},
         variants={
             "create": Variant(
                 "When the plan is created",
                 example={"decision": "2026-03-20", "available": 14, "template": "enterprise", "needed": 54,
                          "shortfall": 40, "earliest": "2026-05-15"}),
         }),
    Rule("schedule.buffer", HEALTH, INFO,
         "When the plan is created, items are scheduled forward from today (or `--start`) on working "
         "days; the time left between the last item before the decision and the decision milestone is "
         "this buffer. It absorbs slips before the decision date is at risk.",
         "the plan's buffer before the decision (when it is created)",
         {"days": 12, "last": "2027-03-12", "decision": "2027-03-31"},
         variants={
             "chain": Variant(
                 "When the plan is created from a template with an approval chain",
                 example={"days": 12, "last": "2027-01-08", "first": "稟議起案", "starts": "2027-01-27",
                          "decision": "2027-02-26"}),
         }),
    Rule("schedule.decision_closed", HEALTH, W,
         "The decision date agreed with the buyer falls on a weekend, a public holiday of the plan's "
         "calendar or a company closure. The plan keeps it (it is the buyer's date) and every other item "
         "is due on a working day.",
         "the decision date falls on a weekend, holiday or closure",
         {"day": "Sat 2027-02-27", "why": "a Saturday"}, field="due"),
    Rule("schedule.fiscal_year_start", HEALTH, W,
         "The template (or `fiscal_year_start` in config.toml) says when the buyer's fiscal year starts "
         "(April for most Japanese companies, whose year ends in March). A decision in its first weeks "
         "(`budget_release_weeks`, default 4) often waits for the new year's budget to be released. "
         "Confirm the budget with the buyer, or agree a date outside that window.",
         "the decision date falls in the first weeks of the buyer's fiscal year (budgets not yet released)",
         {"decision": "2027-04-09", "weeks": 4, "year_start": "2027-04-01", "released": "2027-04-29"},
         field="due"),
    Rule("decision.late", HEALTH, W,
         "Following the dependencies from today's dates, the purchase decision lands after the Overview's "
         "target. Up to `off_track_after_days` (default 10) business days late it is a warning and health "
         "is At risk; beyond that it is an error and health is Off track. Look at what pushes it (overdue "
         "items and what depends on them) at the next check-in, or agree a new target openly.",
         "the projected decision date is after the target",
         {"projected": "2026-07-07", "late": 5, "target": "2026-06-30"}, field="projected_decision",
         tab="Overview",
         variants={
             "off_track": Variant("More than `off_track_after_days` late, with health Off track", severity=E,
                                  example={"projected": "2026-08-04", "late": 25}),
         }),
    Rule("decision.target_moved", HEALTH, W,
         "Someone changed the Overview's Target decision date. The sync logs the change in History, moves "
         "the decision milestone with it (when its date was still the old target) and the goal texts mapws "
         "wrote that quote the date (text someone edited is left as it is), and reports the open items now "
         "due after the new date, once, in the sync that sees the change. Agree new dates for them with "
         "their owners; `mapws replan PLAN --item ID --due DATE` moves an item and every dependent whose "
         "lead time the move breaks, and `mapws replan PLAN --decision-date DATE` moves the decision with "
         "what follows it.",
         "the target decision date moved: what is now due after it", {"old": "2027-02-26", "new": "2027-02-12",
                                                                      "items": ("T-20", "T-21"), "count": 2},
         field="target_decision", tab="Overview",
         variants={
             "none": Variant("When every open item is still due by the new date", severity=INFO,
                             example={"new": "2027-03-12", "items": (), "count": 0}),
         }),
    # --- sheet layout ---
    Rule("layout.column_missing", LAYOUT, W,
         "A Plan column's header was renamed or deleted, so mapws cannot find the column. What it held is "
         "skipped (no claim is made about it: a lost Owner column is not \"no owner\" on every row). Put "
         "the header back, as the hint says, to restore it. A missing ID or Activity column stops the "
         "sync instead.",
         _LAYOUT, {"title": "Owner", "field": "owner"}),
    Rule("layout.tab_missing", LAYOUT, W,
         "The Stakeholders or Risks tab cannot be found under its name. Without Stakeholders, owners "
         "cannot be checked against people (no unknown-owner warnings are raised); without Risks, risks "
         "are not read. Restore the tab under its name (undo, or copy it back from a previous version). A "
         "missing Plan tab stops the sync instead.",
         _LAYOUT, {}, tab="Stakeholders",
         variants={
             "Risks": Variant(
                 "For the Risks tab",
                 tab="Risks"),
         }),
    Rule("row.no_activity", ENTRIES, W,
         "A Plan row has an owner, date, status, notes or type but no Activity, so it is not an item "
         "(and gets no ID). Describe the activity, or clear the row.",
         _ROWS, {"row": 28}, field="activity"),
    Rule("type.unknown", ENTRIES, W,
         "The Type cell is neither Task nor Milestone. The row is read as a milestone when its ID starts "
         "with M, otherwise as a task. Pick one from the dropdown.",
         _ROWS, {"id": "T-01", "text": "Epic", "read_as": "Task"}, field="type", note=True),
    # --- risks ---
    Rule("risk.level_unknown", RISKS, W,
         "A risk's Probability or Impact is not Low, Medium or High (or a known synonym), so the risk "
         "cannot be ranked. Pick a level from the dropdown.",
         _ROWS, {"id": "R-01", "field": "probability", "text": "Huge"}, tab="Risks", note=True),
    Rule("risk.status_unknown", RISKS, W,
         "A risk's Status is not Open, Mitigated or Closed (or a known synonym). Pick one from the "
         "dropdown.",
         _ROWS, {"id": "R-02", "text": "Worrying"}, field="status", tab="Risks", note=True),
)}


def _shapes(rules: Iterable[Rule]) -> dict[tuple[str, str], tuple[Severity, str | None, str]]:
    """(severity, fixed column, tab) of every code and variant: what does not depend on the language."""
    out = {}
    for rule in rules:
        out[rule.code, ""] = (rule.severity, rule.field, rule.tab)
        for name, v in rule.variants.items():
            out[rule.code, name] = (v.severity or rule.severity, v.field or rule.field, v.tab or rule.tab)
    return out


_SHAPES = _shapes(RULES.values())

#: Words the sync writes into the Plan's Flag column, for findings a formula cannot work out.
FLAG_WORDS: dict[str, str] = {r.code: r.flag for r in RULES.values() if r.flag}
#: Findings about what a buyer typed get a ``[mapws]`` note on that cell; date-driven ones (overdue,
#: due soon) do not, since the sheet's live flags already show them.
NOTE_CODES: tuple[str, ...] = tuple(r.code for r in RULES.values() if r.note)
