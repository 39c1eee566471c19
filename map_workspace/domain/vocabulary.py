"""Words buyers type, and what they mean. One list, read by the parsers and by the sheet's live
formulas alike, so the spreadsheet and the sync count the same things as done."""

from __future__ import annotations

from map_workspace.domain.model import Level, RiskStatus, Status

#: Lower-case words (after trimming) read as each status. The canonical label comes first.
STATUS_WORDS: dict[Status, tuple[str, ...]] = {
    Status.NOT_STARTED: ("not started", "todo", "to do", "open", "new", "pending", "planned", "not yet"),
    Status.IN_PROGRESS: (
        "in progress", "wip", "started", "ongoing", "in-progress", "underway", "working on it",
        "in review", "doing",
    ),
    Status.DONE: ("done", "complete", "completed", "finished", "closed", "yes", "ok", "✅", "✔", "✓", "済", "完了"),
    Status.BLOCKED: ("blocked", "stuck", "on hold", "waiting", "on-hold", "⛔", "🚫"),
    Status.NA: ("n/a", "na", "n.a.", "not applicable", "dropped", "cancelled", "canceled", "skip", "skipped"),
}

#: Words that name a group or a placeholder rather than a person (PRODUCT.md: owners are people).
GROUP_WORDS: frozenset[str] = frozenset(
    {
        "team", "the team", "sales", "sales team", "it", "it team", "the it team", "legal", "legal team",
        "procurement", "purchasing", "tbd", "tba", "tbc", "everyone", "all", "both", "both sides",
        "us", "them", "we", "they", "buyer", "seller", "customer", "vendor", "security", "security team",
        "finance", "finance team", "operations", "ops", "the operations team", "engineering", "management",
        "exec", "execs", "leadership", "committee", "board", "hr", "marketing", "support", "admin",
        "someone", "somebody", "anyone",
        "architects", "architecture team", "stakeholders", "champion", "cfo team",
        "全員",
    }
)

#: Words that say nobody owns the item yet: read as an empty Owner cell, not as a group. Text made
#: of punctuation only ("?", "-", "—") is a placeholder too.
PLACEHOLDER_WORDS: frozenset[str] = frozenset(
    {
        "tbd", "tba", "tbc", "tbd.", "n/a", "na", "n.a.", "none", "nobody", "nobody yet", "no one", "no owner",
        "unassigned", "not assigned", "not yet assigned", "to be decided", "to be confirmed", "to be assigned",
        "未定", "担当者未定", "未割当", "未定義", "未定です", "担当未定", "なし",
    }
)

LEVEL_WORDS: dict[Level, tuple[str, ...]] = {
    Level.LOW: ("low", "l", "lo", "minor", "unlikely", "1"),
    Level.MEDIUM: ("medium", "m", "med", "moderate", "possible", "2"),
    Level.HIGH: ("high", "h", "hi", "major", "likely", "critical", "3"),
}

RISK_STATUS_WORDS: dict[RiskStatus, tuple[str, ...]] = {
    RiskStatus.OPEN: ("open", "active", "new"),
    RiskStatus.MITIGATED: ("mitigated", "managed", "in hand", "contained"),
    RiskStatus.CLOSED: ("closed", "resolved", "gone", "done", "retired"),
}
