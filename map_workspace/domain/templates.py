"""Playbooks as data: a template lists roles, activities, risks and goals, and is checked here.

A template arrives as the plain dict a TOML file parses into. :func:`check_template_data` finds
every problem at once, each as a sentence naming the activity and the field, so an author can
fix a file in one pass; :func:`template_from_dict` turns a clean dict into a :class:`Template`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from map_workspace.domain.calendar import MEETING_RULE_FORMS, MeetingDays
from map_workspace.domain.model import ItemType, Level, Side
from map_workspace.errors import TemplateError

#: Placeholders a goal may use; the scheduler fills them from the deal's names and decision date.
GOAL_PLACEHOLDERS: tuple[str, ...] = ("deal", "buyer_company", "seller_company", "decision_date")
GOAL_KEYS: tuple[str, ...] = ("mutual", "buyer", "seller", "success_criteria", "cadence")

_TOP_REQUIRED = ("description", "goals", "roles", "activities")
_TOP_OPTIONAL = ("name", "risks", "calendar")
_ROLE_REQUIRED = ("key", "side", "title")
_ACTIVITY_REQUIRED = ("key", "type", "activity", "side", "owner_role", "duration_days")
_ACTIVITY_OPTIONAL = ("buffer_days", "depends_on", "decision", "meeting", "approval_chain")
_CALENDAR_OPTIONAL = ("holidays", "closures", "fiscal_year_start", "budget_release_weeks")
_CLOSURE = re.compile(r"^\s*(\d{4}-)?\d{2}-\d{2}\s*\.\.\s*(\d{4}-)?\d{2}-\d{2}\s*$")
#: Weeks after the fiscal year starts during which budgets are taken as not yet released.
DEFAULT_BUDGET_RELEASE_WEEKS = 4
_RISK_REQUIRED = ("risk", "probability", "impact", "mitigation", "owner_role")

_ROLE_KEY = re.compile(r"^(?P<side>buyer|seller)\.[a-z][a-z0-9_]*$")
_ACTIVITY_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class RoleSpec:
    key: str
    side: Side
    title: str


@dataclass(frozen=True)
class ActivitySpec:
    key: str
    type: ItemType
    activity: str
    side: Side
    owner_role: str
    duration_days: int
    buffer_days: int
    depends_on: tuple[str, ...]
    decision: bool
    #: A meeting's days ("2nd and 4th Tue"): the item is due on one of them ("" for any day).
    meeting: str = ""
    #: A step of the approval chain that ends at the decision (稟議 → 承認 → 合議 → 経営会議 → 決裁):
    #: ``create`` lays the chain out backward from the decision date, the rest forward from today.
    approval_chain: bool = False

    @property
    def lead_days(self) -> int:
        """Business days planned between the latest prerequisite and this item: work plus buffer."""
        return self.duration_days + self.buffer_days


@dataclass(frozen=True)
class RiskSpec:
    risk: str
    probability: Level
    impact: Level
    mitigation: str
    owner_role: str


@dataclass(frozen=True)
class TemplateCalendar:
    """What a template says about the calendar its plans live on: public-holiday regions used when
    the config names none, closures added to the config's, and the buyer's fiscal year (its first
    month; a decision in its first ``budget_release_weeks`` weeks is warned about)."""

    holidays: tuple[str, ...] = ()
    closures: tuple[str, ...] = ()
    fiscal_year_start: int | None = None
    budget_release_weeks: int = DEFAULT_BUDGET_RELEASE_WEEKS


@dataclass(frozen=True)
class Template:
    name: str
    description: str
    roles: tuple[RoleSpec, ...]
    activities: tuple[ActivitySpec, ...]
    risks: tuple[RiskSpec, ...]
    goals: dict[str, str]
    calendar: TemplateCalendar = TemplateCalendar()

    @property
    def decision(self) -> ActivitySpec:
        """The purchase-decision milestone (a checked template has exactly one)."""
        return next(a for a in self.activities if a.decision)

    def role(self, key: str) -> RoleSpec | None:
        return next((r for r in self.roles if r.key == key), None)

    def activity(self, key: str) -> ActivitySpec | None:
        return next((a for a in self.activities if a.key == key), None)


def template_from_dict(data: Mapping[str, Any], name: str) -> Template:
    """Build a :class:`Template` from parsed TOML; ``name`` is used when the data names none.

    Raises :class:`TemplateError` listing every problem when the data does not check clean.
    """
    problems = check_template_data(data)
    if problems:
        count = f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")
        raise TemplateError(
            f"Template '{data.get('name') or name}' is invalid ({count}): {problems[0]}",
            problems=problems,
            hint="Fix the template file, then run `mapws templates check FILE` to see every problem.",
        )
    return Template(
        name=str(data.get("name") or name),
        description=data["description"],
        roles=tuple(RoleSpec(key=r["key"], side=Side(r["side"]), title=r["title"]) for r in data["roles"]),
        activities=tuple(
            ActivitySpec(
                key=a["key"],
                type=ItemType(a["type"]),
                activity=a["activity"],
                side=Side(a["side"]),
                owner_role=a["owner_role"],
                duration_days=a["duration_days"],
                buffer_days=a.get("buffer_days", 0),
                depends_on=tuple(a.get("depends_on", ())),
                decision=a.get("decision", False),
                meeting=a.get("meeting", ""),
                approval_chain=a.get("approval_chain", False),
            )
            for a in data["activities"]
        ),
        risks=tuple(
            RiskSpec(
                risk=r["risk"],
                probability=Level(r["probability"]),
                impact=Level(r["impact"]),
                mitigation=r["mitigation"],
                owner_role=r["owner_role"],
            )
            for r in data.get("risks", ())
        ),
        goals={key: data["goals"][key] for key in GOAL_KEYS},
        calendar=_calendar(data.get("calendar", {})),
    )


def _calendar(data: Mapping[str, Any]) -> TemplateCalendar:
    return TemplateCalendar(
        holidays=tuple(str(h).strip().upper() for h in data.get("holidays", ())),
        closures=tuple(str(c).strip() for c in data.get("closures", ())),
        fiscal_year_start=data.get("fiscal_year_start"),
        budget_release_weeks=data.get("budget_release_weeks", DEFAULT_BUDGET_RELEASE_WEEKS),
    )


def check_template_data(data: Mapping[str, Any]) -> list[str]:
    """Every problem in a parsed template, each a sentence naming where it is and what to do."""
    if not isinstance(data, Mapping):
        return ["a template must be a table of keys (name, description, goals, roles, activities, risks)"]
    problems: list[str] = []
    _check_fields(data, _TOP_REQUIRED, _TOP_OPTIONAL, "the template", problems)
    for key in ("name", "description"):
        if key in data and not _is_text(data[key]):
            problems.append(f"the template: {key} must be text, got {_show(data[key])}")

    role_keys = _check_roles(data.get("roles"), problems)
    activity_keys = _check_activities(data.get("activities"), role_keys, problems)
    if activity_keys is not None:
        _check_dependencies(data["activities"], activity_keys, problems)
        _check_decision(data["activities"], problems)
        _check_approval_chain(data["activities"], problems)
    _check_risks(data.get("risks", []), role_keys, problems)
    _check_goals(data.get("goals"), problems)
    _check_calendar(data.get("calendar", {}), problems)
    return problems


def _check_calendar(calendar: Any, problems: list[str]) -> None:
    if not isinstance(calendar, Mapping):
        problems.append("calendar must be a [calendar] table")
        return
    _check_fields(calendar, (), _CALENDAR_OPTIONAL, "calendar", problems)
    holidays = calendar.get("holidays", [])
    if not isinstance(holidays, list) or not all(_is_nonblank_text(h) for h in holidays):
        problems.append(f'calendar: holidays must be a list of region codes, e.g. ["JP"], got {_show(holidays)}')
    closures = calendar.get("closures", [])
    if not isinstance(closures, list):
        problems.append(
            f'calendar: closures must be a list of day ranges, e.g. ["12-29..01-03"], got {_show(closures)}')
    else:
        for closure in closures:
            if not _is_text(closure) or not _CLOSURE.match(closure):
                problems.append(f"calendar: closure {closure!r} is not a range: write MM-DD..MM-DD (every year) "
                                f"or YYYY-MM-DD..YYYY-MM-DD, e.g. '12-29..01-03'")
    month = calendar.get("fiscal_year_start", 1)
    if not _is_int(month) or not 1 <= month <= 12:
        problems.append(f"calendar: fiscal_year_start must be a month, 1 to 12, got {_show(month)}")
    weeks = calendar.get("budget_release_weeks", 1)
    if not _is_int(weeks) or weeks < 1:
        problems.append(
            f"calendar: budget_release_weeks must be a whole number of weeks, 1 or more, got {_show(weeks)}")


# --- sections -------------------------------------------------------------------------------


def _check_roles(roles: Any, problems: list[str]) -> set[str]:
    """Check the roles table; returns the declared role keys (for owner_role checks)."""
    declared: set[str] = set()
    if roles is None:
        return declared
    if not _is_list_of_tables(roles):
        problems.append("roles must be a list of [[roles]] tables")
        return declared
    if not roles:
        problems.append("roles is empty: declare at least one role, e.g. buyer.champion and seller.ae")
    for index, role in enumerate(roles, start=1):
        where = _label("role", role, index)
        _check_fields(role, _ROLE_REQUIRED, (), where, problems)
        key = role.get("key")
        if "key" in role:
            if not _is_text(key) or not _ROLE_KEY.match(key):
                problems.append(
                    f"{where}: key must look like 'buyer.champion' or 'seller.ae' "
                    f"(side, a dot, lower-case letters, digits or _), got {_show(key)}"
                )
            elif key in declared:
                problems.append(f"{where}: key {key!r} is declared twice")
            else:
                declared.add(key)
        side = role.get("side")
        if "side" in role:
            allowed = (Side.BUYER.value, Side.SELLER.value)
            if _check_choice(side, allowed, f"{where}: side", problems):
                match = _ROLE_KEY.match(key) if _is_text(key) else None
                if match and match["side"] != side.lower():
                    problems.append(
                        f"{where}: side is {side!r} but the key starts with '{match['side']}.': "
                        f"make them agree"
                    )
        if "title" in role and not _is_nonblank_text(role["title"]):
            problems.append(f"{where}: title must be non-empty text, got {_show(role['title'])}")
    return declared


def _check_activities(activities: Any, role_keys: set[str], problems: list[str]) -> list[str] | None:
    """Check each activity on its own; returns the activity keys in order, or None if unusable."""
    if activities is None:
        return None
    if not _is_list_of_tables(activities):
        problems.append("activities must be a list of [[activities]] tables")
        return None
    if not activities:
        problems.append("activities is empty: a template needs at least the purchase-decision milestone")
    keys: list[str] = []
    first_seen: dict[str, int] = {}
    for index, activity in enumerate(activities, start=1):
        where = _label("activity", activity, index)
        _check_fields(activity, _ACTIVITY_REQUIRED, _ACTIVITY_OPTIONAL, where, problems)
        key = activity.get("key")
        if "key" in activity:
            if not _is_text(key) or not _ACTIVITY_KEY.match(key):
                problems.append(
                    f"{where}: key must be lower-case letters, digits and _ starting with a letter "
                    f"(e.g. 'security_review'), got {_show(key)}"
                )
            elif key in first_seen:
                problems.append(
                    f"activity {key!r}: key is used twice (activities #{first_seen[key]} and #{index})"
                )
            else:
                first_seen[key] = index
                keys.append(key)
        if "type" in activity:
            _check_choice(activity["type"], [t.value for t in ItemType], f"{where}: type", problems)
        if "side" in activity:
            side_ok = _check_choice(activity["side"], [s.value for s in Side], f"{where}: side", problems)
        else:
            side_ok = False
        if "activity" in activity and not _is_nonblank_text(activity["activity"]):
            problems.append(f"{where}: activity must be non-empty text, got {_show(activity['activity'])}")
        if "owner_role" in activity:
            role = activity["owner_role"]
            if _check_role_reference(role, role_keys, f"{where}: owner_role", problems) and side_ok:
                side = activity["side"]
                role_side = role.split(".", 1)[0].capitalize()
                if side != Side.JOINT.value and side != role_side:
                    problems.append(
                        f"{where}: side is {side!r} but owner_role {role!r} is a {role_side.lower()} role: "
                        f"a {side.lower()} item needs a {side.lower()} owner (or make it Joint)"
                    )
        for field in ("duration_days", "buffer_days"):
            if field in activity:
                value = activity[field]
                if not _is_int(value) or value < 0:
                    problems.append(
                        f"{where}: {field} must be a whole number of business days, 0 or more, "
                        f"got {_show(value)}"
                    )
        if "depends_on" in activity:
            deps = activity["depends_on"]
            if not isinstance(deps, list) or not all(_is_text(d) for d in deps):
                problems.append(
                    f"{where}: depends_on must be a list of activity keys, e.g. ['arch_docs'], "
                    f"got {_show(deps)}"
                )
        if "meeting" in activity:
            try:
                MeetingDays.parse(activity["meeting"] if _is_text(activity["meeting"]) else "")
            except ValueError:
                problems.append(f"{where}: meeting must be {MEETING_RULE_FORMS}, got {_show(activity['meeting'])}")
        for flag in ("decision", "approval_chain"):
            if flag in activity and not isinstance(activity[flag], bool):
                problems.append(f"{where}: {flag} must be true or false, got {_show(activity[flag])}")
    return keys


def _check_dependencies(activities: list[Any], keys: list[str], problems: list[str]) -> None:
    """Unknown, self and repeated dependencies, then cycles over the dependencies that do resolve."""
    known = set(keys)
    graph: dict[str, list[str]] = {key: [] for key in keys}
    in_graph: set[str] = set()  # a duplicated key contributes its first activity's edges only
    for index, activity in enumerate(activities, start=1):
        deps = activity.get("depends_on", [])
        if not isinstance(deps, list):
            continue
        where = _label("activity", activity, index)
        key = activity.get("key")
        owns_edges = _is_text(key) and key in graph and key not in in_graph
        if owns_edges:
            in_graph.add(key)
        seen: set[str] = set()
        for dep in deps:
            if not _is_text(dep):
                continue
            if dep == key:
                problems.append(f"{where}: depends_on names the activity itself; remove {dep!r}")
            elif dep not in known:
                problems.append(
                    f"{where}: depends_on names {dep!r}, which is not an activity key"
                    f"{_did_you_mean(dep, keys)}"
                )
            elif dep in seen:
                problems.append(f"{where}: depends_on names {dep!r} twice")
            else:
                seen.add(dep)
                if owns_edges:
                    graph[key].append(dep)
    for cycle in _cycles(graph):
        problems.append(
            f"dependency cycle: {' → '.join(cycle)}: break it by removing one of these depends_on"
        )


def _check_decision(activities: list[Any], problems: list[str]) -> None:
    flagged = [
        (index, activity)
        for index, activity in enumerate(activities, start=1)
        if isinstance(activity, Mapping) and activity.get("decision") is True
    ]
    if not flagged:
        problems.append(
            "no activity has decision = true: mark exactly one Milestone as the purchase decision"
        )
    elif len(flagged) > 1:
        names = ", ".join(_label("activity", a, i) for i, a in flagged)
        problems.append(
            f"{len(flagged)} activities have decision = true ({names}): mark exactly one, "
            f"the purchase decision"
        )
    for index, activity in flagged:
        if activity.get("type") != ItemType.MILESTONE.value:
            problems.append(
                f"{_label('activity', activity, index)}: decision = true but type is "
                f"{_show(activity.get('type'))}: the purchase decision must be a Milestone"
            )


def _check_approval_chain(activities: list[Any], problems: list[str]) -> None:
    """The approval chain runs into the decision: whatever depends on a step of it is another step or
    the decision itself, and every step has such a dependent (the chain is laid out backward from it)."""
    tables = [(i, a) for i, a in enumerate(activities, start=1) if isinstance(a, Mapping)]
    chain = {a.get("key") for _, a in tables if a.get("approval_chain") is True and not a.get("decision")}
    ends = chain | {a.get("key") for _, a in tables if a.get("decision") is True}
    dependents: dict[Any, list[tuple[int, Mapping[str, Any]]]] = {}
    for index, activity in tables:
        deps = activity.get("depends_on", [])
        for dep in deps if isinstance(deps, list) else []:
            if _is_text(dep):
                dependents.setdefault(dep, []).append((index, activity))
    for index, activity in tables:
        key = activity.get("key")
        if key not in chain:
            continue
        where = _label("activity", activity, index)
        outside = [_label("activity", a, i) for i, a in dependents.get(key, []) if a.get("key") not in ends]
        if outside:
            problems.append(f"{where}: approval_chain = true, but {', '.join(outside)} depends on it without being "
                            f"part of the chain: the chain runs into the decision (mark them approval_chain too)")
        elif not dependents.get(key):
            problems.append(f"{where}: approval_chain = true, but nothing depends on it: a step of the chain leads "
                            f"to the decision (add it to the next step's depends_on)")


def _check_risks(risks: Any, role_keys: set[str], problems: list[str]) -> None:
    if not _is_list_of_tables(risks):
        problems.append("risks must be a list of [[risks]] tables")
        return
    for index, risk in enumerate(risks, start=1):
        where = f"risk #{index}"
        _check_fields(risk, _RISK_REQUIRED, (), where, problems)
        for field in ("risk", "mitigation"):
            if field in risk and not _is_nonblank_text(risk[field]):
                problems.append(f"{where}: {field} must be non-empty text, got {_show(risk[field])}")
        for field in ("probability", "impact"):
            if field in risk:
                _check_choice(risk[field], [level.value for level in Level], f"{where}: {field}", problems)
        if "owner_role" in risk:
            _check_role_reference(risk["owner_role"], role_keys, f"{where}: owner_role", problems)


def _check_goals(goals: Any, problems: list[str]) -> None:
    if goals is None:
        return
    if not isinstance(goals, Mapping):
        problems.append("goals must be a [goals] table")
        return
    _check_fields(goals, GOAL_KEYS, (), "goals", problems)
    allowed = ", ".join("{" + p + "}" for p in GOAL_PLACEHOLDERS)
    for key in GOAL_KEYS:
        if key not in goals:
            continue
        text = goals[key]
        if not _is_text(text):
            problems.append(f"goals.{key} must be text, got {_show(text)}")
            continue
        for placeholder in _PLACEHOLDER.findall(text):
            if placeholder not in GOAL_PLACEHOLDERS:
                problems.append(
                    f"goals.{key}: unknown placeholder {{{placeholder}}}"
                    f"{_did_you_mean(placeholder, GOAL_PLACEHOLDERS, wrap='{}')} (allowed: {allowed})"
                )


# --- small checks ---------------------------------------------------------------------------


def _check_fields(
    table: Any, required: tuple[str, ...], optional: tuple[str, ...], where: str, problems: list[str]
) -> None:
    """Missing required keys and unknown keys (usually typos, so suggest the closest)."""
    if not isinstance(table, Mapping):
        return
    for key in required:
        if key not in table:
            problems.append(f"{where}: missing required field {key!r}")
    known = required + optional
    for key in table:
        if key not in known:
            problems.append(f"{where}: unknown field {key!r}{_did_you_mean(str(key), known)}")


def _check_choice(value: Any, allowed: list[str] | tuple[str, ...], where: str, problems: list[str]) -> bool:
    if _is_text(value) and value in allowed:
        return True
    hint = ""
    if _is_text(value):
        same_case = [a for a in allowed if a.lower() == value.strip().lower()]
        hint = f" (did you mean {same_case[0]!r}?)" if same_case else _did_you_mean(value, allowed)
    problems.append(f"{where} must be one of {', '.join(allowed)}, got {_show(value)}{hint}")
    return False


def _check_role_reference(role: Any, role_keys: set[str], where: str, problems: list[str]) -> bool:
    if _is_text(role) and role in role_keys:
        return True
    if not _is_text(role):
        problems.append(f"{where} must be a role key such as 'buyer.champion', got {_show(role)}")
    else:
        problems.append(
            f"{where} {role!r} is not a declared role{_did_you_mean(role, sorted(role_keys))}: "
            f"add it under [[roles]] or use one of {', '.join(sorted(role_keys)) or '(none declared)'}"
        )
    return False


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each distinct dependency cycle once, as a closed path in dependency order (a → b → a)."""
    found: list[list[str]] = []
    seen_sets: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    path: list[str] = []
    position = {node: i for i, node in enumerate(graph)}

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for dep in graph.get(node, []):
            if state.get(dep) == 1:
                cycle = path[path.index(dep):]
                if frozenset(cycle) not in seen_sets:
                    seen_sets.add(frozenset(cycle))
                    # Walk it prerequisite-first, starting from the activity listed first.
                    ordered = list(reversed(cycle))
                    first = min(range(len(ordered)), key=lambda i: position[ordered[i]])
                    ordered = ordered[first:] + ordered[:first]
                    found.append([*ordered, ordered[0]])
            elif dep not in state:
                visit(dep)
        path.pop()
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node)
    return found


def _did_you_mean(value: str, choices: Any, wrap: str = "''") -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {wrap[0]}{close[0]}{wrap[1]}?)" if close else ""


def _label(kind: str, table: Any, index: int) -> str:
    key = table.get("key") if isinstance(table, Mapping) else None
    return f"{kind} {key!r}" if _is_text(key) and key else f"{kind} #{index}"


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_nonblank_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_list_of_tables(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, Mapping) for v in value)
