"""Every finding the sync can report, in one table: code, severity, column, words and what to do.

A rule decides *that* something is wrong and passes the data (the item's ID, what was typed,
the dates involved); this table decides how it is said. Adding a rule means adding one entry
here, and ``docs/findings.md`` and the README's table are generated from it
(``python -m tests.unit.findings_docs``), so the user documentation cannot drift from the code.

Templates are ``str.format`` strings over the data a rule passes, plus ``id`` and ``field``.
``{name:phrase}`` runs the value through one of ``PHRASES`` first (``{id:subject}`` says
"This item" for a row without an ID), so conditional words live here too, not at the call site.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from dataclasses import field as default
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """One problem the sync found. ``code`` is stable: scripts and tests key on it, and it must be
    a code of ``RULES``. Build one with :meth:`Finding.of`, which words it from the table."""

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

    def __post_init__(self) -> None:
        if self.code not in RULES:
            raise ValueError(f"unknown finding code {self.code!r}: add it to map_workspace/domain/findings.py")

    @classmethod
    def of(cls, code: str, variant: str = "", *, id: str | None = None, field: str | None = None,
           cell: str | None = None, **values: Any) -> Finding:
        """The finding ``code`` about this data, worded by ``RULES`` (``variant``: another wording of
        it, for another place). Rules pass data, never words."""
        try:
            w = _WORDINGS[code, variant]
        except KeyError:
            raise ValueError(f"unknown finding {code!r} (variant {variant!r}): add it to RULES") from None
        if field is not None and w.field is not None:
            raise ValueError(f"{code} is always about {w.field!r}; do not pass field")
        field = field or w.field
        values["id"], values["field"], values["tab"] = id, field, w.tab
        try:
            for key, name, phrase in w.phrased:
                values[key] = phrase(values[name])
            return cls(code, w.severity, w.message.format_map(values), w.hint.format_map(values), id, w.tab,
                       field, cell)
        except KeyError as exc:
            raise TypeError(f"finding {code!r} needs a value for {exc}") from None

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
        "owner 'IT' is a group …"), no closing full stop."""
        text = self.message.strip()
        text = text[:-1] if text.endswith(".") else text
        if self.id:
            for subject in (f"{self.id} ", f"Milestone {self.id} "):
                if text.startswith(subject):
                    rest = text[len(subject):]
                    for verb in ("is ", "has "):
                        if rest.startswith(verb):
                            return rest[len(verb):]
                    return rest
        if len(text) > 1 and text[0].isupper() and text[1].islower():
            return text[0].lower() + text[1:]
        return text


# --- phrases: the conditional words a template may ask for ---------------------------------------

_ACRONYMS = frozenset({"cfo", "ceo", "cto", "cio", "coo", "ciso", "it", "ae", "se", "vp", "hr"})


def role_words(role: str) -> str:
    """``buyer.it_lead`` → ``buyer's IT lead``: how a hint names a template role."""
    side, _, title = role.partition(".")
    words = [w.upper() if w in _ACRONYMS else w for w in title.split("_")]
    return f"{side}'s {' '.join(words)}" if title else role


def business_days(n: int) -> str:
    return f"{n} business day" if n == 1 else f"{n} business days"


def _suggested(role: str, holder: str = "") -> str:
    """Who a hint suggests for an item's template role: the person Stakeholders lists in it, or the role."""
    if holder:
        return f" (the plan suggests {holder}, the {role_words(role)})"
    return f" (the plan suggests the {role_words(role)})" if role else ""


PHRASES: dict[str, Callable[[Any], str]] = {
    "subject": lambda item_id: item_id or "This item",
    "suggested": lambda suggest: _suggested(*suggest),
    "and": lambda names: " and ".join(names),
    "or": lambda names: " or ".join(names),
    "comma": lambda names: ", ".join(names),
    "cycle": lambda ids: " → ".join([*ids, ids[0]]),
    "lower": lambda text: str(text).lower(),
    "title": lambda text: str(text).title(),
    "waiting": lambda ids: f" (waiting on {', '.join(ids)})" if ids else "",
    "days": business_days,
    "are": lambda n: "is" if n == 1 else "are",
    "by": lambda who: f" by {who}" if who else "",
    "leaves": lambda n: f"leaves {business_days(n)}" if n > 0 else "leaves no business day",
}

_PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w+))?\}")


@dataclass(frozen=True)
class _Wording:
    """One wording compiled once: ``{x:phrase}`` becomes ``{x__phrase}``, filled in before formatting
    (plain ``str.format_map`` then, since a 3,000-item plan may carry thousands of findings)."""

    severity: Severity
    message: str
    hint: str
    phrased: tuple[tuple[str, str, Callable[[Any], str]], ...]  # (key it fills, value name, phrase)
    field: str | None
    tab: str

    @classmethod
    def compile(cls, severity: Severity, message: str, hint: str, field: str | None, tab: str) -> _Wording:
        phrased = {}
        for m in _PLACEHOLDER.finditer(message + hint):
            if m[2] is not None:
                if m[2] not in PHRASES:
                    raise ValueError(f"unknown phrase {m[2]!r} in {message + hint!r}")
                phrased[f"{m[1]}__{m[2]}"] = (m[1], PHRASES[m[2]])

        def compiled(text: str) -> str:
            return _PLACEHOLDER.sub(lambda m: f"{{{m[1]}__{m[2]}}}" if m[2] else m[0], text)

        return cls(severity, compiled(message), compiled(hint),
                   tuple((key, name, phrase) for key, (name, phrase) in phrased.items()), field, tab)


# --- the table's rows --------------------------------------------------------------------------

@dataclass(frozen=True)
class Variant:
    """Another place the same code is reported, worded for that place (``None``: as the rule)."""

    when: str  # for the docs: "On the Overview's Target decision date"
    message: str | None = None
    hint: str | None = None
    severity: Severity | None = None
    field: str | None = None
    tab: str | None = None
    example: Mapping[str, Any] = default(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    """One finding code: how it is worded and what the user should know about it."""

    code: str
    section: str  # the docs' heading it is listed under
    severity: Severity
    message: str
    hint: str
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


def example(rule: Rule, variant: str = "") -> Finding:
    """The rule worded with its example data, as the docs show it."""
    data = dict(rule.example)
    if variant:
        data.update(rule.variants[variant].example)
    return Finding.of(rule.code, variant, **data)


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

_PICK = "Name one person from the Stakeholders tab"
_FORMS = {"forms": "2026-05-15, 5/15/2026, May 15 2026 or 2026年5月15日"}

RULES: dict[str, Rule] = {rule.code: rule for rule in (
    # --- owners ---
    Rule("owner.missing", OWNERS, E, "{id:subject} has no owner.",
         _PICK + "{suggest:suggested}: if it is the team's job, it is nobody's job.",
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
                 message="{id:subject} has no owner yet ('{owner}').",
                 example={"owner": "TBD", "suggest": ("buyer.cfo", "Priya Shah")}),
         }),
    Rule("owner.group", OWNERS, E, "Owner '{owner}' is a group, not a person.",
         _PICK + " who will make it happen{suggest:suggested}.",
         'The Owner names a team or a department ("IT", "legal", "the operations team", "everyone"). A '
         "group cannot be asked how it is going: name the one person in it who answers for the item, and "
         "keep the team in Notes if it helps.",
         _ONE_OWNER, {"id": "T-05", "owner": "the IT team", "suggest": ("", "")}, field="owner", flag="Needs owner",
         note=True),
    Rule("owner.company", OWNERS, E, "Owner '{owner}' is a company, not a person.",
         _PICK + "{suggest:suggested}.",
         "The Owner is the buyer's or the seller's company name (as on the Overview). Name the person at "
         "that company who will do it.",
         _ONE_OWNER, {"id": "T-06", "owner": "Acme", "suggest": ("buyer.cfo", "")}, field="owner",
         flag="Needs owner",
         note=True),
    Rule("owner.multiple", OWNERS, E, "Owner '{owner}' names more than one person ({names:and}).",
         "Keep one owner; mention the others in Notes.",
         'The Owner cell names two or more people ("Dana and Sam", "Dana / Sam"). Shared ownership '
         "blurs who answers for the item: keep one owner and mention the others in Notes. Until then "
         "each of them is counted as an owner (Owns, the night's digest, availability) and each is "
         "checked against the Stakeholders tab.",
         _ONE_OWNER, {"id": "T-07", "owner": "Dana Tanaka and Sam Rivera", "names": ("Dana Tanaka", "Sam Rivera")},
         field="owner", flag="One owner only", note=True),
    Rule("owner.unknown", OWNERS, W, "Owner '{owner}' is not in the Stakeholders tab.",
         "Add them to Stakeholders (name, role, email), or pick someone listed.",
         "The Owner is a person's name, but nobody on the Stakeholders tab matches it (by full name, "
         "email, or a given or family name unique in the plan). Add the person to Stakeholders, with "
         "their role and email, or correct the spelling. Not reported while the Stakeholders tab is "
         "missing.",
         _KNOWN_OWNER, {"id": "T-09", "owner": "Zed Unknown"}, field="owner", flag="Unknown owner", note=True),
    Rule("owner.ambiguous", OWNERS, W, "Owner '{owner}' could be {candidates:or}.",
         "Write the full name or the email.",
         'The Owner is a name part ("Dana") that matches several people on the Stakeholders tab. Write '
         "the full name or the email, so the item's owner (and the Owns count) is certain.",
         _KNOWN_OWNER, {"id": "T-08", "owner": "Dana", "candidates": ("Dana Tanaka", "Dana Smith")},
         field="owner", flag="Which owner?", note=True),
    # --- dates ---
    Rule("date.missing", DATES, E, "{id:subject} has no due date.",
         "Agree a date with its owner and write it as {forms}.",
         "An open item has an empty Due cell. Without a date it cannot be late, so it cannot be chased: "
         "agree a date with its owner and type it in any of the forms the hint lists (the forms depend on "
         "the plan's locale). Done and N/A items need no date.",
         _READABLE_DATE, {"id": "T-21", **_FORMS}, field="due", flag="Needs date", note=True),
    Rule("date.unparseable", DATES, E, "Due '{text}' is not a date mapws can read; it is kept as typed.",
         "Write it as {forms}.",
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
                 message="Target decision date '{text}' is not a date mapws can read.",
                 field="target_decision", tab="Overview", example={"text": "some day"}),
             "done_on": Variant(
                 "On Done on, where only the record of when it was done is lost",
                 message="Done on '{text}' is not a date mapws can read.", severity=W, field="done_on",
                 example={"id": "T-02", "text": "whenever"}),
         }),
    Rule("date.out_of_window", DATES, W, "Due {due} is far outside the plan's window ({low} to {high}).",
         "Check the year: was it a typo?",
         "A due date lies more than `window_days` (default 365) before or after both today and the target "
         "decision date: usually a mistyped year. Correct it, or ignore the warning if the date is right.",
         "a date more than a year outside the plan's window (a typo?)",
         {"id": "T-03", "due": "2028-01-05", "low": "2025-05-04", "high": "2027-06-30"}, field="due",
         flag="Check date", note=True),
    Rule("overview.no_target", DATES, W, "The Overview has no target decision date.",
         "Fill in 'Target decision date' on the Overview tab.",
         "The Overview's Target decision date is empty, so the projected decision cannot be compared "
         "with a target and health cannot say whether the deal is late. Agree the date with the buyer "
         "and fill it in.",
         "the Overview has no target decision date to measure the projection against", {},
         field="target_decision", tab="Overview"),
    # --- statuses, types, rows ---
    Rule("status.unknown", ENTRIES, W,
         "Status '{text}' is not one of Not started, In progress, Done, Blocked, N/A; the item is treated as open.",
         "Pick a status from the dropdown; put details in Notes.",
         "The Status cell holds something that is neither one of the five statuses nor a known synonym "
         '("complete", "wip", "✅" are read as their meaning). The item counts as open. Pick a status '
         "from the dropdown and put the details in Notes.",
         "a status outside the list and its synonyms; the item counts as open",
         {"id": "T-04", "text": "Pending"}, field="status", flag="Check status", note=True),
    # --- dependencies ---
    Rule("dep.unknown", DEPENDENCIES, E, "{id:subject} depends on {dep}, which is not in the plan.",
         "Use the ID of an existing row (see the ID column).",
         "Depends on names an ID that no row of the Plan has (a typo, or a row that was deleted). Use the "
         "ID of an existing row, as shown in the ID column, or remove it.",
         _DEPS_HOLD, {"id": "T-06", "dep": "T-99"}, field="depends_on", flag="Bad dependency", note=True),
    Rule("dep.self", DEPENDENCIES, E, "{id} depends on itself.", "Remove its own ID from Depends on.",
         "An item lists its own ID in Depends on, so it could never start. Remove it.",
         _DEPS_HOLD, {"id": "T-03"}, field="depends_on", flag="Bad dependency", note=True),
    Rule("dep.cycle", DEPENDENCIES, E, "Dependencies form a cycle: {cycle:cycle}.",
         "Remove one of these dependencies so the order is clear.",
         "Items depend on each other in a circle (T-05 needs T-06, which needs T-05), so none of them "
         "could start. Each item in the cycle is flagged; remove one of the dependencies. Until then the "
         "cycle's dependencies are ignored when the decision date is projected.",
         _DEPS_HOLD, {"id": "T-05", "cycle": ("T-05", "T-06", "T-07")}, field="depends_on",
         flag="Dependency cycle", note=True),
    Rule("dep.unreadable", DEPENDENCIES, E, "Depends on '{text}': {bad:comma} is not an item ID.",
         "List item IDs such as T-03, M-02, separated by commas.",
         "Depends on holds something other than item IDs (a name, a sentence). List the IDs of the items "
         "this one waits for, separated by commas; the IDs it could read are still used.",
         _DEPS_HOLD, {"id": "T-02", "text": "T-01, banana", "bad": ("banana",)}, field="depends_on",
         flag="Bad dependency", note=True),
    Rule("dep.order", DEPENDENCIES, W, "{id} is due {due}, before {dep} (due {dep_due}) that it depends on.",
         "Move {id} later, or {dep} earlier (and tell its owner).",
         "An open item is due before an item it depends on, so it cannot be done on time. Move it later, "
         "or bring the prerequisite forward and tell its owner.",
         _DEPS_TIMING, {"id": "T-08", "due": "2026-05-06", "dep": "T-01", "dep_due": "2026-05-08"}, field="due",
         flag="Before its prerequisite", note=True,
         variants={
             "done": Variant(
                 "When the prerequisite is Done: measured from the day it was done (Done on)",
                 message="{id} is due {due}, before {dep} was done ({dep_due}).",
                 hint="Move {id} later: it could not start before {dep} was done."),
         }),
    Rule("dep.lead", DEPENDENCIES, W, "{id} is due only {gap} business day(s) after {dep}; it needs {lead}.",
         "Give {id} until {earliest}, or bring {dep} forward.",
         "An open item is due fewer business days after its prerequisite than its lead time (the time the "
         "template plans for it, kept in the plan's memory). The hint gives the earliest realistic date; "
         "move the item to it, or bring the prerequisite forward.",
         _DEPS_TIMING, {"id": "T-09", "gap": 1, "dep": "T-01", "lead": 5, "earliest": "2026-05-15"}, field="due",
         flag="Too soon after prerequisite", note=True,
         variants={
             "done": Variant(
                 "When the prerequisite is Done: the lead time counts from its Done on date (a prerequisite "
                 "done in time raises nothing)",
                 message="{id} is due only {gap} business day(s) after {dep} was done ({done_on}); it needs {lead}.",
                 hint="Give {id} until {earliest}.", example={"done_on": "2026-05-14"}),
         }),
    Rule("dep.started_early", DEPENDENCIES, W,
         "{id} is {status:lower} while {dep}, which it depends on, is still open.",
         "Check whether {dep} is really open, or whether the dependency still holds.",
         "An item is In progress or Done while an item it depends on is still open. Either the "
         "prerequisite is really done and its status is out of date, or the dependency no longer holds "
         "and can be removed.",
         "started while a prerequisite is still open", {"id": "T-11", "status": "In progress", "dep": "T-01"},
         field="status", flag="Started early", note=True),
    # --- the attention list ---
    Rule("availability.conflict", ATTENTION, W, "{id} is due {due}, while {person} is unavailable ({availability}).",
         "Move the date, or name a stand-in owner for that period.",
         "An open item is due on a day its owner said they are away: the Stakeholders tab's Availability "
         'column holds a date range ("travelling 2026-05-11 to 2026-05-22", "Out Jan 11-15", "PTO until '
         'Jan 15", "back Jan 18") that covers the due date. With two people in the Owner cell, each is '
         "checked. Move the date, or name a stand-in owner for that period.",
         "due while its owner is unavailable (Stakeholders' Availability column)",
         {"id": "T-01", "due": "2026-05-15", "person": "Priya Shah",
          "availability": "travelling 2026-05-11 to 2026-05-22"},
         field="due", flag="Owner away", note=True),
    Rule("availability.unreadable", ATTENTION, W,
         "{person}'s availability '{text}' names no days mapws can read, so it is not checked against due dates.",
         "Write the days away as a range: 'Out Jan 11-15', 'on leave 2026-01-11 to 2026-01-15', "
         "'PTO until Jan 15' or 'back Jan 18'.",
         "The Stakeholders tab's Availability cell seems to speak of days (a date, a month, \"out\", "
         "\"leave\", \"PTO\", \"back\" …) but mapws could not read a range from it, so items due while "
         "the person is away cannot be flagged. It reads ranges such as \"Out Jan 11-15\", \"Jan 11–15\", "
         "\"11-15 Jan\", \"on leave 1/11-1/15\", \"1/11〜1/15\", \"travelling 2026-05-11 to 2026-05-22\", "
         "open ones such as \"PTO until Jan 15\", \"out from Jan 11\", and returns such as \"back Jan 18\". "
         "Constraints without days (\"prefers mornings\") are left alone.",
         "due while its owner is unavailable (Stakeholders' Availability column)",
         {"person": "Priya Shah", "text": "out sometime in Q1"}, field="availability", tab="Stakeholders",
         note=True),
    Rule("item.overdue", ATTENTION, W, "{id} is {late} day(s) overdue.", "Check in with its owner.",
         "An open item's due date has passed. The sheet's Flag column and colours show this live; the "
         "sync lists it for the night's digest. Check in with the owner: mark it Done, or agree a new date.",
         _ATTENTION, {"id": "T-09", "late": 6}, field="due"),
    Rule("item.stalled", ATTENTION, W, "{id} is {late} days overdue.",
         "Agree a new date with its owner, or mark it Done or N/A.",
         "An open item is overdue by `stalled_after_days` (default 7) or more. A stalled milestone puts "
         "health at At risk or worse. Agree a new date with its owner, or mark it Done or N/A if it no longer "
         "matters.",
         _ATTENTION, {"id": "T-07", "late": 14}, field="due"),
    Rule("item.due_soon", ATTENTION, INFO, "{id} is due {due}.", "",
         "An open item is due within `due_soon_days` (default 3) working days of the plan's calendar. "
         "Shown with `--verbose`, and in the "
         "night's digest, as a reminder; nothing needs fixing.",
         _ATTENTION, {"id": "T-12", "due": "2026-05-07"}, field="due"),
    Rule("item.blocked", ATTENTION, W, "{id} is blocked{waiting:waiting}.",
         "Raise it at the next check-in and agree who unblocks it.",
         "An item's status is Blocked; the message names the open items it waits on, if any. Raise it at "
         "the next check-in and agree who unblocks it.",
         _ATTENTION, {"id": "T-02", "waiting": ("T-03", "T-04")}, field="status"),
    Rule("slip.milestone_repeated", ATTENTION, W, "Milestone {id} has slipped {slips} times.",
         "Repeated slips are an early sign the deal is in trouble: review the plan with the champion.",
         "A milestone's due date has moved later `repeated_slips` times (default 2): the Slips column "
         "counts each move. Health drops a step. Review the plan with the champion: are the dates still "
         "real?",
         "a milestone moved later twice or more: health drops a step", {"id": "M-02", "slips": 2}, field="due"),
    Rule("buyer.silent", ATTENTION, W,
         "The buyer has not edited the plan for {days:days} (last edit {since}{by:by}).",
         "Ask the champion for one update, or hold the next check-in ('mapws checkin PLAN').",
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
                 message="The buyer has not edited the plan since it was created on {since} ({days:days}).",
                 example={"days": 11, "since": "2027-01-04"}),
         }),
    # --- plan health ---
    Rule("hygiene.too_many_open", HEALTH, W, "The plan has {open} open items (more than {limit}).",
         "Drop items that stopped mattering (status N/A) or merge small ones.",
         "More than `max_open_items` (default 30) items are open: a plan that long is not read, let alone "
         "run. Set items that stopped mattering to N/A, or merge small ones.",
         _HYGIENE, {"open": 34, "limit": 30}),
    Rule("hygiene.buyer_item_seller_owner", HEALTH, W, "{id} is a buyer item owned by {person}, on the seller side.",
         "Buyer items need a buyer owner: the seller cannot do them for the buyer.",
         "An open item whose Side is Buyer is owned by someone the Stakeholders tab lists on the seller "
         "side. The seller cannot do the buyer's work: name a buyer owner (the seller can still help, "
         "in Notes).",
         _HYGIENE, {"id": "T-40", "person": "Sam Rivera"}, field="owner", note=True),
    Rule("schedule.compressed", HEALTH, W,
         "The decision date left {shortfall} business days fewer than the template plans: dates were compressed.",
         "Agree realistic dates with the buyer, or move the decision date.",
         "The decision date was too close for the template when the plan was made: lead times were "
         "shortened so every item still fits before it, and health shows at least At risk from then on. "
         "Agree realistic dates with the buyer, or move the decision date.",
         "the decision date was too close for the template: dates were compressed", {"shortfall": 4},
         variants={
             "create": Variant(
                 "When the plan is created",
                 message="The decision date {decision} {available:leaves}, but the {template} template plans "
                         "{needed}: dates were compressed by {shortfall:days}.",
                 hint="The earliest decision date the {template} template fits is {earliest}: agree it with "
                      "the buyer (mapws replan PLAN --decision-date {earliest}), or agree realistic dates for "
                      "the compressed items.",
                 example={"decision": "2026-03-20", "available": 14, "template": "enterprise", "needed": 54,
                          "shortfall": 40, "earliest": "2026-05-15"}),
         }),
    Rule("schedule.buffer", HEALTH, INFO,
         "The plan keeps {days:days} of buffer between its last item ({last}) and the decision on {decision}.",
         "Keep the buffer for what slips; 'mapws replan' moves a date and its dependents.",
         "When the plan is created, items are scheduled forward from today (or `--start`) on working "
         "days; the time left between the last item before the decision and the decision milestone is "
         "this buffer. It absorbs slips before the decision date is at risk.",
         "the plan's buffer before the decision (when it is created)",
         {"days": 12, "last": "2027-03-12", "decision": "2027-03-31"},
         variants={
             "chain": Variant(
                 "When the plan is created from a template with an approval chain",
                 message="The plan keeps {days:days} of buffer between its last item before the approval "
                         "chain ({last}) and the chain's first step, {first} on {starts}; the chain then runs "
                         "to the decision on {decision}.",
                 hint="Keep the buffer for what slips before the chain starts; 'mapws replan' moves a date "
                      "and its dependents.",
                 example={"days": 12, "last": "2027-01-08", "first": "稟議起案", "starts": "2027-01-27",
                          "decision": "2027-02-26"}),
         }),
    Rule("schedule.decision_closed", HEALTH, W,
         "The decision date is {day}, {why}: it is kept as given.",
         "Check the date with the buyer; a decision on a working day is easier to keep.",
         "The decision date agreed with the buyer falls on a weekend, a public holiday of the plan's "
         "calendar or a company closure. The plan keeps it (it is the buyer's date) and every other item "
         "is due on a working day.",
         "the decision date falls on a weekend, holiday or closure",
         {"day": "Sat 2027-02-27", "why": "a Saturday"}, field="due"),
    Rule("schedule.fiscal_year_start", HEALTH, W,
         "The decision date {decision} falls in the first {weeks} weeks of the buyer's fiscal year "
         "(it starts {year_start}), when budgets are often not released yet.",
         "Ask the buyer whether the budget is approved before then; if not, agree a decision before "
         "the fiscal year starts or after {released}.",
         "The template (or `fiscal_year_start` in config.toml) says when the buyer's fiscal year starts "
         "(April for most Japanese companies, whose year ends in March). A decision in its first weeks "
         "(`budget_release_weeks`, default 4) often waits for the new year's budget to be released. "
         "Confirm the budget with the buyer, or agree a date outside that window.",
         "the decision date falls in the first weeks of the buyer's fiscal year (budgets not yet released)",
         {"decision": "2027-04-09", "weeks": 4, "year_start": "2027-04-01", "released": "2027-04-29"},
         field="due"),
    Rule("decision.late", HEALTH, W,
         "The decision is projected for {projected}, {late} business day(s) after the target {target}.",
         "Look at what pushes it (overdue items and their dependents) at the next check-in, or agree a new "
         "target openly.",
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
         "The target decision date moved from {old} to {new}: {items:comma} {count:are} now due after it.",
         "Agree new dates with their owners so the plan ends by {new} (mapws replan PLAN --item ID --due DATE "
         "moves one with what depends on it), or agree the target again.",
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
                             message="The target decision date moved from {old} to {new}; every open item is "
                                     "due by then.",
                             hint="To move what follows the decision with it: mapws replan PLAN --decision-date "
                                  "{new}.",
                             example={"new": "2027-03-12", "items": (), "count": 0}),
         }),
    # --- sheet layout ---
    Rule("layout.column_missing", LAYOUT, W, "The {tab} tab has no '{title}' column; it is skipped.",
         "Put the header '{title}' back on the column to restore it.",
         "A Plan column's header was renamed or deleted, so mapws cannot find the column. What it held is "
         "skipped (no claim is made about it: a lost Owner column is not \"no owner\" on every row). Put "
         "the header back, as the hint says, to restore it. A missing ID or Activity column stops the "
         "sync instead.",
         _LAYOUT, {"title": "Owner", "field": "owner"}),
    Rule("layout.tab_missing", LAYOUT, W,
         "The Stakeholders tab is missing (renamed or deleted): owners cannot be matched to people.",
         "Restore the tab named 'Stakeholders' (undo, or copy it back from a previous version).",
         "The Stakeholders or Risks tab cannot be found under its name. Without Stakeholders, owners "
         "cannot be checked against people (no unknown-owner warnings are raised); without Risks, risks "
         "are not read. Restore the tab under its name (undo, or copy it back from a previous version). A "
         "missing Plan tab stops the sync instead.",
         _LAYOUT, {}, tab="Stakeholders",
         variants={
             "Risks": Variant(
                 "For the Risks tab",
                 message="The Risks tab is missing (renamed or deleted): risks are not read.",
                 hint="Restore the tab named 'Risks' (undo, or copy it back from a previous version).",
                 tab="Risks"),
         }),
    Rule("row.no_activity", ENTRIES, W, "Row {row} has no Activity, so it is not counted as an item.",
         "Describe the activity in the Activity column, or clear the row.",
         "A Plan row has an owner, date, status, notes or type but no Activity, so it is not an item "
         "(and gets no ID). Describe the activity, or clear the row.",
         _ROWS, {"row": 28}, field="activity"),
    Rule("type.unknown", ENTRIES, W, "Type '{text}' is neither Task nor Milestone; read as {read_as}.",
         "Pick Task or Milestone from the dropdown.",
         "The Type cell is neither Task nor Milestone. The row is read as a milestone when its ID starts "
         "with M, otherwise as a task. Pick one from the dropdown.",
         _ROWS, {"id": "T-01", "text": "Epic", "read_as": "Task"}, field="type", note=True),
    # --- risks ---
    Rule("risk.level_unknown", RISKS, W, "{field:title} '{text}' is not Low, Medium or High.",
         "Pick Low, Medium or High from the dropdown.",
         "A risk's Probability or Impact is not Low, Medium or High (or a known synonym), so the risk "
         "cannot be ranked. Pick a level from the dropdown.",
         _ROWS, {"id": "R-01", "field": "probability", "text": "Huge"}, tab="Risks", note=True),
    Rule("risk.status_unknown", RISKS, W, "Risk status '{text}' is not Open, Mitigated or Closed.",
         "Pick Open, Mitigated or Closed from the dropdown.",
         "A risk's Status is not Open, Mitigated or Closed (or a known synonym). Pick one from the "
         "dropdown.",
         _ROWS, {"id": "R-02", "text": "Worrying"}, field="status", tab="Risks", note=True),
)}


def _wordings(rules: Iterable[Rule]) -> dict[tuple[str, str], _Wording]:
    out = {}
    for rule in rules:
        out[rule.code, ""] = _Wording.compile(rule.severity, rule.message, rule.hint, rule.field, rule.tab)
        for name, v in rule.variants.items():
            out[rule.code, name] = _Wording.compile(
                v.severity or rule.severity,
                v.message if v.message is not None else rule.message,
                v.hint if v.hint is not None else rule.hint,
                v.field or rule.field,
                v.tab or rule.tab,
            )
    return out


_WORDINGS = _wordings(RULES.values())

#: Words the sync writes into the Plan's Flag column, for findings a formula cannot work out.
FLAG_WORDS: dict[str, str] = {r.code: r.flag for r in RULES.values() if r.flag}
#: Findings about what a buyer typed get a ``[mapws]`` note on that cell; date-driven ones (overdue,
#: due soon) do not, since the sheet's live flags already show them.
NOTE_CODES: tuple[str, ...] = tuple(r.code for r in RULES.values() if r.note)
