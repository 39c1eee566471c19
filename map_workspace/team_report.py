"""``mapws report``: the team's pipeline and the seed's claims measured on the team's own deals.

Every figure is computed by pandas from plain rows (``deal_facts.DealFacts``, ``crm_export.CrmDeal``),
and each comes with the words that say how (``TeamReport.method``). pandas loads with this module
only: no other command imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from map_workspace.crm_export import CrmDeal, CrmExport
from map_workspace.deal_facts import DealFacts

#: Fewer closed deals than this in a group and its figures get a caution line.
SMALL_GROUP = 20
HEALTH_RISK = {"off_track": 0, "at_risk": 1, "on_track": 2}
SLIP_BUCKETS = ("0", "1–2", "3+")
COMPLETION_BUCKETS = ("0–49%", "50–79%", "80–99%", "100%")

PIPELINE_COLUMNS = ("deal", "seller", "health", "progress", "overdue", "slips", "slip_days", "created",
                    "target_decision", "projected_decision", "projected_slip_days", "next_milestone",
                    "next_milestone_due", "days_since_buyer_edit", "accepted", "deal_value", "forecast", "crm_id",
                    "plan")


@dataclass
class TeamReport:
    """The report's tables (pandas DataFrames) and what they are made of."""

    as_of: date
    since: date | None
    pipeline: pd.DataFrame
    outcomes: dict[str, dict[str, Any]]
    by_slips: pd.DataFrame
    by_completion: pd.DataFrame
    projection: pd.DataFrame
    projection_summary: dict[str, Any]
    by_seller: pd.DataFrame
    unmatched_crm_rows: int
    crm_source: str | None
    method: list[str] = field(default_factory=list)
    cautions: list[str] = field(default_factory=list)
    significance: dict[str, Any] | None = None
    plans_read: int = 0
    plans_remembered: int = 0
    #: Plans left out because they could not be read: (plan, why).
    failed: tuple[tuple[str, str], ...] = ()

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by its title: an .xlsx sheet each, an HTML table each."""
        outcomes = pd.DataFrame([{"group": "with an accepted MAP", **self.outcomes["with_map"]},
                                 {"group": "without one", **self.outcomes["without_map"]}])
        return {"Pipeline": self.pipeline, "Outcomes": outcomes, "By slips": self.by_slips,
                "By completion": self.by_completion, "Projection error": self.projection,
                "By seller": self.by_seller}

    def as_json(self) -> dict[str, Any]:
        return {
            "pipeline": records(self.pipeline),
            "outcomes": self.outcomes,
            "by_slips": records(self.by_slips),
            "by_completion": records(self.by_completion),
            "projection_error": {**self.projection_summary, "deals": records(self.projection)},
            "by_seller": records(self.by_seller),
            "unmatched_crm_rows": self.unmatched_crm_rows,
            "crm": self.crm_source,
            "as_of": self.as_of.isoformat(),
            "since": self.since.isoformat() if self.since else None,
            "significance": self.significance,
            "cautions": self.cautions,
            "method": self.method,
            "plans": {"read": self.plans_read, "from_state_store": self.plans_remembered},
            "failed_plans": [{"plan": plan, "error": why} for plan, why in self.failed],
        }


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-able dicts: NaN/NaT as None, numpy numbers as Python ones."""
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({k: _plain(v) for k, v in row.items()})
    return out


def _plain(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):  # a numpy number or bool
        value = value.item()
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    return value


# --- joining the CRM export to the plans -------------------------------------------------------------

def _blank(value: Any) -> bool:
    """None, NaN (pandas' empty cell) or ""."""
    return value is None or value == "" or (not isinstance(value, str) and bool(pd.isna(value)))


def _same_id(a: str, b: str) -> bool:
    """Salesforce IDs come as 15 (case-sensitive) or 18 characters: the first 15 are the same record."""
    if a == b:
        return True
    return len(a) in (15, 18) and len(b) in (15, 18) and len(a) != len(b) and a[:15] == b[:15]


def join_crm(deals: Sequence[DealFacts], crm: CrmExport | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The plans as a frame (with the CRM deal each matched: by CRM id, else by exact deal name, never
    guessed) and the CRM deals no plan matched."""
    plans = pd.DataFrame([d.as_json() for d in deals], columns=list(DealFacts.__dataclass_fields__))
    plans["crm_row"] = pd.NA
    if crm is None or not crm.deals:
        return plans, pd.DataFrame(columns=["crm_id", "name", "outcome", "created", "close_date", "amount"])
    # By CRM id first, for every row; then by exact deal name, among the plans no row's id took
    # (a plan named twice is not guessed between).
    taken: dict[int, int] = {}
    for row, deal in enumerate(crm.deals):
        hit = [int(i) for i, crm_id in plans["crm_id"].items()
               if not _blank(crm_id) and _same_id(str(crm_id), deal.crm_id)]
        if len(hit) == 1 and hit[0] not in taken:
            taken[hit[0]] = row
    by_name: dict[str, list[int]] = {}
    for i, name in plans["deal"].items():
        if int(i) not in taken:
            by_name.setdefault(str(name), []).append(int(i))
    matched = set(taken.values())
    for row, deal in enumerate(crm.deals):
        named = by_name.get(deal.name, [])
        if row not in matched and len(named) == 1 and named[0] not in taken:
            taken[named[0]] = row
            matched.add(row)
    for i, row in taken.items():
        plans.at[i, "crm_row"] = row
    unmatched = [deal for row, deal in enumerate(crm.deals) if row not in matched]
    _merge_crm(plans, crm.deals)
    return plans, pd.DataFrame([_crm_row(d) for d in unmatched],
                               columns=["crm_id", "name", "outcome", "created", "close_date", "amount"])


def _crm_row(deal: CrmDeal) -> dict[str, Any]:
    return {"crm_id": deal.crm_id, "name": deal.name, "outcome": deal.outcome,
            "created": deal.created.isoformat() if deal.created else None,
            "close_date": deal.close_date.isoformat() if deal.close_date and deal.closed else None,
            "amount": deal.amount}


def _merge_crm(plans: pd.DataFrame, crm_deals: Sequence[CrmDeal]) -> None:
    """A matched CRM deal fills what the plan's seller side does not know (outcome, close date, value),
    and its created date starts the cycle (the deal is older than its plan)."""
    for i, row in plans[plans["crm_row"].notna()].iterrows():
        deal = crm_deals[int(row["crm_row"])]
        if _blank(row["outcome"]) and deal.closed:
            plans.at[i, "outcome"] = deal.outcome
            plans.at[i, "closed_on"] = deal.close_date.isoformat() if deal.close_date else None
        if deal.created:
            plans.at[i, "created"] = deal.created.isoformat()
        if pd.isna(row["deal_value"]) and deal.amount is not None:
            plans.at[i, "deal_value"] = deal.amount
        if _blank(row["crm_id"]):
            plans.at[i, "crm_id"] = deal.crm_id


# --- the figures ---------------------------------------------------------------------------------

def _days(frame: pd.DataFrame, start: str, end: str) -> pd.Series:
    return (pd.to_datetime(frame[end]) - pd.to_datetime(frame[start])).dt.days


def _group_figures(frame: pd.DataFrame) -> dict[str, Any]:
    deals = int(len(frame))
    won = int((frame["outcome"] == "won").sum())
    cycle = frame["cycle_days"].dropna()
    return {"deals": deals, "won": won, "win_rate": round(won / deals, 3) if deals else None,
            "median_cycle_days": float(cycle.median()) if len(cycle) else None}


def _by(frame: pd.DataFrame, key: str, order: Sequence[str], label: str) -> pd.DataFrame:
    rows = []
    for bucket in order:
        part = frame[frame[key] == bucket]
        rows.append({label: bucket, **_group_figures(part)})
    return pd.DataFrame(rows)


def _slip_bucket(slips: float) -> str:
    return "0" if slips <= 0 else ("1–2" if slips <= 2 else "3+")


def _completion_bucket(percent: float) -> str:
    return ("0–49%" if percent < 50 else "50–79%" if percent < 80 else "80–99%" if percent < 100 else "100%")


def build(deals: Sequence[DealFacts], crm: CrmExport | None, *, as_of: date, since: date | None = None,
          business_days: Callable[[date, date], int] | None = None, plans_read: int = 0,
          plans_remembered: int = 0) -> TeamReport:
    """Every figure of the report. ``business_days(a, b)``: the working days from a to b on the
    team's calendar (the projection error)."""
    plans, unmatched = join_crm(deals, crm)
    method: list[str] = []
    cautions: list[str] = []

    # Pipeline: the open plans, riskiest first.
    open_plans = plans[plans["outcome"].isna() | (plans["outcome"] == "")].copy()
    open_plans["projected_slip_days"] = _days(open_plans, "target_decision", "projected_decision")
    open_plans["_risk"] = open_plans["health"].map(HEALTH_RISK).fillna(3)
    open_plans = open_plans.sort_values(["_risk", "overdue", "projected_slip_days", "deal"],
                                        ascending=[True, False, False, True], na_position="last")
    pipeline = open_plans.reindex(columns=list(PIPELINE_COLUMNS)).reset_index(drop=True)
    method.append("Pipeline: every open plan, sorted by health (off track, at risk, on track), then overdue items "
                  "(most first), then projected slip (projected minus target decision, in days; most first).")

    # Closed deals: plans with an outcome, and CRM deals no plan matched.
    closed = plans[plans["outcome"].notna() & (plans["outcome"] != "")].copy()
    closed["has_plan"] = True
    lone = unmatched[unmatched["outcome"].notna()].copy().rename(columns={"name": "deal", "close_date": "closed_on",
                                                                         "amount": "deal_value"})
    lone["has_plan"], lone["accepted"] = False, False
    everyone = pd.concat([closed, lone], ignore_index=True) if len(lone) else closed
    if since is not None:
        everyone = everyone[pd.to_datetime(everyone["closed_on"]) >= pd.Timestamp(since)]
        method.append(f"Only deals closed on or after {since.isoformat()} (--since); open plans are all shown.")
    everyone = everyone.copy()
    everyone["cycle_days"] = _days(everyone, "created", "closed_on") if len(everyone) else pd.Series(dtype=float)
    everyone["accepted"] = everyone["accepted"].astype(bool)
    with_map, without_map = everyone[everyone["accepted"]], everyone[~everyone["accepted"]]
    outcomes = {"with_map": _group_figures(with_map), "without_map": _group_figures(without_map)}
    method.append(
        "Outcomes: closed deals (won, lost, no decision; a CRM deal closed without a win counts as lost). With an "
        "accepted MAP: a plan the buyer edited at least once (a change the sync observed that mapws did not make "
        "itself, and that no seller-side person saved, where the file says who) or that had a check-in. "
        "Without: CRM deals with no plan, and plans the buyer never touched. Win "
        "rate = won / closed deals; cycle = created → close date in calendar days (the CRM's created date when "
        "the deal is in the export, else the plan's), median over the group's closed deals.")
    for key, words in (("with_map", "with an accepted MAP"), ("without_map", "without one")):
        n = outcomes[key]["deals"]
        if n < SMALL_GROUP:
            cautions.append(f"Caution: only {n} closed deal(s) {words}; under {SMALL_GROUP}, a win rate or median "
                            "moves a lot with one deal more or less.")
    significance = _fisher(outcomes, method)

    # What predicts the outcome: only closed deals that have a plan.
    planned = everyone[everyone["has_plan"]].copy()
    planned["slip_bucket"] = planned["slips"].fillna(0).map(_slip_bucket)
    planned["completion_bucket"] = planned["progress"].fillna(0).map(_completion_bucket)
    by_slips = _by(planned, "slip_bucket", SLIP_BUCKETS, "slips")
    by_completion = _by(planned, "completion_bucket", COMPLETION_BUCKETS, "completion")
    method.append("By slips and by completion: closed deals with a plan, grouped by the times its items' due "
                  "dates moved past their baselines (the Slips column, summed) and by the share of items done at "
                  "close; the same win rate and median cycle.")

    won = planned[(planned["outcome"] == "won") & planned["planned_decision"].notna()
                  & planned["closed_on"].notna()].copy()
    count = business_days or _weekdays_between
    won["error_business_days"] = [count(date.fromisoformat(str(p)[:10]), date.fromisoformat(str(c)[:10]))
                                  for p, c in zip(won["planned_decision"], won["closed_on"], strict=True)]
    projection = won.reindex(columns=["deal", "seller", "planned_decision", "closed_on",
                                      "error_business_days"]).reset_index(drop=True)
    errors = projection["error_business_days"].astype(float)
    projection_summary = {
        "won_deals": int(len(projection)),
        "median_business_days": float(errors.median()) if len(errors) else None,
        "mean_absolute_business_days": round(float(errors.abs().mean()), 1) if len(errors) else None,
        "closed_later": int((errors > 0).sum()), "closed_earlier": int((errors < 0).sum()),
    }
    method.append("Projection error: for each won deal with a plan, the working days from the decision date the "
                  "plan held at close (its decision milestone, else the target decision) to the day it closed, on "
                  "the team's calendar; positive = closed later than planned.")

    # Per seller: every plan (open and closed) by its seller-side lead.
    sellers = plans.copy()
    sellers["seller"] = sellers["seller"].replace("", "(no seller named)")
    if since is not None:
        sellers = sellers[sellers["outcome"].isna() | (sellers["outcome"] == "")
                          | (pd.to_datetime(sellers["closed_on"]) >= pd.Timestamp(since))]
    by_seller = (sellers.groupby("seller", sort=True)
                 .agg(plans=("plan", "size"), accepted=("accepted", "sum"),
                      closed=("outcome", lambda s: int(s.fillna("").ne("").sum())),
                      won=("outcome", lambda s: int((s == "won").sum())), median_slips=("slips", "median"))
                 .reset_index())
    by_seller["win_rate"] = (by_seller["won"] / by_seller["closed"].where(by_seller["closed"] > 0)).round(3)
    by_seller = by_seller[["seller", "plans", "accepted", "closed", "won", "win_rate", "median_slips"]]
    method.append("Per seller: every plan by its seller-side lead (the account executive, else the first seller "
                  "named); win rate = won / closed plans; median slips over all their plans.")
    if crm is not None:
        method.append(f"CRM: {len(crm.deals)} deal(s) from a {crm.source} export; joined by CRM id, else by exact "
                      f"deal name; {len(unmatched)} row(s) matched no plan and count as deals without a MAP.")
    return TeamReport(as_of, since, pipeline, outcomes, by_slips, by_completion, projection, projection_summary,
                      by_seller, int(len(unmatched)), crm.source if crm is not None else None, method, cautions,
                      significance, plans_read, plans_remembered)


def _weekdays_between(a: date, b: date) -> int:
    import numpy as np

    return int(np.busday_count(a, b)) if b >= a else -int(np.busday_count(b, a))


def _fisher(outcomes: dict[str, dict[str, Any]], method: list[str]) -> dict[str, Any] | None:
    """Fisher's exact test of the two win rates, when scipy is installed (it is not a dependency)."""
    try:
        from scipy.stats import fisher_exact  # type: ignore[import-not-found]
    except ImportError:
        method.append("Significance: not computed (Fisher's exact test needs scipy, which is not installed).")
        return None
    w, wo = outcomes["with_map"], outcomes["without_map"]
    if not w["deals"] or not wo["deals"]:
        return None
    table = [[w["won"], w["deals"] - w["won"]], [wo["won"], wo["deals"] - wo["won"]]]
    odds, p_value = fisher_exact(table, alternative="two-sided")
    method.append("Significance: Fisher's exact test (two-sided) on won / not won, with vs without an accepted MAP.")
    return {"test": "Fisher's exact test (two-sided)", "p_value": round(float(p_value), 4),
            "odds_ratio": None if pd.isna(odds) or odds == float("inf") else round(float(odds), 3)}


# --- the service ----------------------------------------------------------------------------------

def make_report(store: Any, config: Any, *, crm_path: Any = None, since: date | None = None) -> TeamReport:
    """``mapws report``: every plan's facts (unchanged plans from the state store's last snapshot),
    the CRM export when given, and the figures."""
    from map_workspace import app
    from map_workspace.crm_export import read_export
    from map_workspace.deal_facts import gather
    from map_workspace.domain.calendar import business_days_between

    crm = read_export(crm_path) if crm_path is not None else None  # a bad file stops before any plan is read
    gathered = gather(store, config)
    as_of = app.today_for(config)
    days = [as_of] + [date.fromisoformat(d) for f in gathered.deals for d in (f.planned_decision, f.closed_on) if d]
    days += [d.close_date for d in (crm.deals if crm else ()) if d.close_date]
    calendar = app.calendar_for(config, min(days), max(days))
    team = build(gathered.deals, crm, as_of=as_of, since=since,
                 business_days=lambda a, b: business_days_between(a, b, calendar),
                 plans_read=gathered.read, plans_remembered=gathered.remembered)
    team.failed = gathered.failed
    return team
