"""The report as files: the pipeline as CSV, every table as a sheet of an .xlsx, and one
self-contained HTML page (charts as inline SVG drawn by matplotlib, no script, nothing fetched)
that a manager opens offline."""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

import pandas as pd

from map_workspace.team_report import TeamReport, records

HEALTH_WORDS = {"off_track": "Off track", "at_risk": "At risk", "on_track": "On track"}
HEALTH_COLOURS = {"off_track": "#c0392b", "at_risk": "#e69f00", "on_track": "#2e8b57"}
WITH_COLOUR, WITHOUT_COLOUR = "#1f6fb2", "#9aa5b1"


def pipeline_csv(report: TeamReport) -> str:
    return report.pipeline.to_csv(index=False, lineterminator="\n")


def write_xlsx(report: TeamReport, path: Path) -> None:
    """One sheet per table, and a Method sheet with the words that say how each figure was made.
    Text is stored as text: a deal or milestone named "=HYPERLINK(…)" never becomes a formula."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for title, frame in report.tables().items():
            frame.to_excel(writer, sheet_name=title, index=False)  # titles fit Excel's 31 characters
        notes = pd.DataFrame({"method": [*report.method, *report.cautions]})
        notes.to_excel(writer, sheet_name="Method", index=False)
        for sheet in writer.book.worksheets:
            for column in sheet.columns:
                for cell in column:
                    if cell.data_type == "f":  # openpyxl reads text starting with "=" as a formula
                        cell.data_type = "s"
                width = max(len(str(c.value or "")) for c in column)
                sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 60)


# --- the HTML page --------------------------------------------------------------------------------

def _svg(figure: Any, salt: str) -> str:
    """A matplotlib figure as an inline <svg> element (Agg-free SVG backend; ids salted per chart so
    two charts on one page never share an id)."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "path"}):
        # No metadata block: no creation time (the same report gives the same page), no RDF links.
        figure.savefig(buffer, format="svg", bbox_inches="tight",
                       metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _figure(width: float = 4.6, height: float = 2.8) -> Any:
    from matplotlib.figure import Figure  # no pyplot: no GUI backend is ever chosen

    return Figure(figsize=(width, height), dpi=100)


def _bars(ax: Any, labels: list[str], values: list[float | None], colours: list[str], counts: list[str],
          fmt: str) -> None:
    shown = [v if v is not None else 0 for v in values]
    bars = ax.bar(labels, shown, color=colours)
    for bar, value, count in zip(bars, values, counts, strict=True):
        text = "n/a" if value is None else fmt.format(value)
        ax.annotate(f"{text}\n{count}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom", fontsize=8, xytext=(0, 2), textcoords="offset points")
    ax.spines[["top", "right"]].set_visible(False)


def charts(report: TeamReport) -> dict[str, str]:
    """The page's charts, by title, as inline SVG."""
    out: dict[str, str] = {}
    w, wo = report.outcomes["with_map"], report.outcomes["without_map"]
    labels = ["With an accepted MAP", "Without"]

    fig = _figure()
    ax = fig.subplots()
    _bars(ax, labels, [None if g["win_rate"] is None else g["win_rate"] * 100 for g in (w, wo)],
          [WITH_COLOUR, WITHOUT_COLOUR], [f"{g['won']} of {g['deals']} won" for g in (w, wo)], "{:.0f}%")
    ax.set_ylabel("Win rate (%)")
    ax.set_ylim(0, 115)
    out["Win rate with and without a MAP"] = _svg(fig, "win-rate")

    fig = _figure()
    ax = fig.subplots()
    cycles = [g["median_cycle_days"] for g in (w, wo)]
    _bars(ax, labels, cycles, [WITH_COLOUR, WITHOUT_COLOUR], [f"{g['deals']} closed" for g in (w, wo)],
          "{:g} days")
    ax.set_ylabel("Median cycle (days)")
    ax.set_ylim(0, max([c for c in cycles if c is not None] or [1]) * 1.3)
    out["Sales cycle with and without a MAP"] = _svg(fig, "cycle")

    fig = _figure()
    ax = fig.subplots()
    rows = records(report.by_slips)
    _bars(ax, [f"{r['slips']} slips" for r in rows], [None if r["win_rate"] is None else r["win_rate"] * 100
                                                     for r in rows],
          ["#2e8b57", "#e69f00", "#c0392b"], [f"{r['won']} of {r['deals']}" for r in rows], "{:.0f}%")
    ax.set_ylabel("Win rate (%)")
    ax.set_ylim(0, 115)
    out["Slips and the outcome"] = _svg(fig, "slips")

    fig = _figure()
    ax = fig.subplots()
    counts = report.pipeline["health"].value_counts() if len(report.pipeline) else pd.Series(dtype=int)
    keys = list(HEALTH_WORDS)
    values = [int(counts.get(k, 0)) for k in keys]
    ax.barh([HEALTH_WORDS[k] for k in keys], values, color=[HEALTH_COLOURS[k] for k in keys])
    for i, v in enumerate(values):
        ax.annotate(str(v), (v, i), va="center", fontsize=8, xytext=(3, 0), textcoords="offset points")
    ax.set_xlabel("Open plans")
    ax.set_xlim(0, max(values + [1]) * 1.2)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.invert_yaxis()
    ax.spines[["top", "right"]].set_visible(False)
    out["Pipeline health"] = _svg(fig, "health")
    return out


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if not value.is_integer() else f"{value:,.0f}"
    return html.escape(str(value))


def _table(title: str, rows: list[dict[str, Any]], columns: list[str], key: str) -> str:
    head = "".join(f'<th data-key="{html.escape(c)}">{html.escape(c.replace("_", " "))}</th>' for c in columns)
    body = "".join("<tr>" + "".join(f'<td data-key="{html.escape(c)}">{_cell(r.get(c))}</td>' for c in columns)
                   + "</tr>" for r in rows)
    empty = "" if rows else '<p class="empty">None.</p>'
    return (f'<section><h2>{html.escape(title)}</h2><div class="scroll"><table id="{key}"><thead><tr>{head}</tr>'
            f"</thead><tbody>{body}</tbody></table></div>{empty}</section>")


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2rem;color:#1d2733;max-width:80rem}
h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.1rem;margin-top:2rem}
.sub{color:#5b6b7b;margin-top:0} .charts{display:flex;flex-wrap:wrap;gap:1.5rem}
figure{margin:0;border:1px solid #e3e8ee;border-radius:6px;padding:.5rem}
figure svg{display:block;width:100%;height:auto;min-width:18rem;max-width:28rem}
figcaption{font-size:.85rem;color:#5b6b7b;text-align:center}
table{border-collapse:collapse;font-size:.85rem;margin-top:.5rem} th,td{border-bottom:1px solid #e3e8ee;
padding:.3rem .6rem;text-align:left;vertical-align:top;white-space:nowrap} th{background:#f5f7fa}
.scroll{overflow-x:auto}
.caution{background:#fff6e0;border-left:4px solid #e69f00;padding:.4rem .8rem}
.method li{margin:.3rem 0;color:#3d4b59}
"""


def render_html(report: TeamReport) -> str:
    """One page, everything inline: no script, no stylesheet or font to fetch, and a Content Security
    Policy that forbids the browser to fetch anything at all."""
    doc = report.as_json()
    figures = "".join(f'<figure class="chart" data-chart="{html.escape(t)}">{svg}'
                      f"<figcaption>{html.escape(t)}</figcaption></figure>" for t, svg in charts(report).items())
    outcome_rows = [{"group": "With an accepted MAP", **doc["outcomes"]["with_map"]},
                    {"group": "Without one", **doc["outcomes"]["without_map"]}]
    sections = [
        _table("Pipeline (open plans, riskiest first)", doc["pipeline"], list(report.pipeline.columns), "pipeline"),
        _table("Outcomes", outcome_rows, ["group", "deals", "won", "win_rate", "median_cycle_days"], "outcomes"),
        _table("By slips", doc["by_slips"], list(report.by_slips.columns), "by_slips"),
        _table("By completion at close", doc["by_completion"], list(report.by_completion.columns), "by_completion"),
        _table("Projection error (won deals, business days)", doc["projection_error"]["deals"],
               list(report.projection.columns), "projection_error"),
        _table("By seller", doc["by_seller"], list(report.by_seller.columns), "by_seller"),
    ]
    cautions = "".join(f'<p class="caution">{html.escape(c)}</p>' for c in report.cautions)
    cautions += "".join(f'<p class="caution">Left out {html.escape(plan)}: {html.escape(why)}</p>'
                        for plan, why in report.failed)
    sig = report.significance
    significance = (f"<p>{html.escape(sig['test'])}: p = {sig['p_value']}</p>" if sig else "")
    method = "".join(f"<li>{html.escape(m)}</li>" for m in report.method)
    crm = (f" · CRM rows that matched no plan: <span id=\"unmatched\">{report.unmatched_crm_rows}</span>"
           if report.crm_source else "")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>mapws report — {report.as_of.isoformat()}</title><style>{STYLE}</style></head><body>"
        f"<h1>Mutual Action Plans: the team's pipeline and outcomes</h1>"
        f"<p class=\"sub\">As of {report.as_of.isoformat()}{crm}</p>"
        f"{cautions}{significance}<div class=\"charts\">{figures}</div>{''.join(sections)}"
        f"<section><h2>How these figures are made</h2><ul class=\"method\">{method}</ul></section>"
        "</body></html>\n"
    )


FORMATS = ("table", "json", "csv", "xlsx", "html")
SUFFIXES = {".json": "json", ".csv": "csv", ".xlsx": "xlsx", ".html": "html", ".htm": "html"}


def write(report: TeamReport, fmt: str, path: Path) -> Path:
    """Write the report in ``fmt`` (csv, xlsx, html, json) at ``path``; returns where."""
    import json

    from map_workspace.errors import file_error

    try:
        if fmt == "xlsx":
            write_xlsx(report, path)
        elif fmt == "html":
            path.write_text(render_html(report), encoding="utf-8")
        elif fmt == "csv":
            path.write_text(pipeline_csv(report), encoding="utf-8")
        else:
            path.write_text(json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise file_error(exc, path, doing="write the report") from exc
    return path
