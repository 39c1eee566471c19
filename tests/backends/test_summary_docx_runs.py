"""The summary .docx gives each run its own formatting: the renderer copies the run properties it
made once per format (issue 8: python-docx's font setters were a third of the rendering), so every
run must still carry a copy of its own, never one shared with (and moved from) another run."""

from __future__ import annotations

import zipfile
from xml.etree import ElementTree

from map_workspace.backends.local.docx_summary import ALERT, MUTED, TABLE_PT, render_docx
from map_workspace.summary import Section, SummaryDoc, Table

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _runs(path) -> list[tuple[str, dict[str, str]]]:
    """Each run of the body as (text, {property: value}): sz in half-points, color, b, i."""
    with zipfile.ZipFile(path) as docx:
        body = ElementTree.fromstring(docx.read("word/document.xml"))
    runs = []
    for run in body.iter(f"{W}r"):
        text = "".join(t.text or "" for t in run.iter(f"{W}t"))
        props = run.find(f"{W}rPr")
        found = {} if props is None else {
            child.tag.removeprefix(W): child.get(f"{W}val", "on") for child in props}
        runs.append((text, found))
    return runs


def test_every_run_keeps_its_own_formatting(tmp_path):
    rows = tuple((f"T-{n:02d}", f"Step {n}", "Needs owner" if n % 2 else "Dana Tanaka") for n in range(1, 9))
    doc = SummaryDoc("Acme rollout", "Mutual action plan", (
        Section("Where we are", facts=(("Health", "On track"), ("Progress", "3 of 8 done")), key="where"),
        Section("Next steps", table=Table(("ID", "Activity", "Owner"), rows, more=2), key="next_steps"),
    ), footer="Made by mapws")
    runs = _runs(render_docx(doc, tmp_path / "s.docx"))

    texts = [text for text, _ in runs]
    assert texts.count("Needs owner") == 4 and texts.count("Dana Tanaka") == 4
    headings = {section.title for section in doc.sections}  # styled by their paragraph, not by run
    assert [t for t, p in runs if "sz" not in p and t not in headings] == []
    for text, props in runs:
        if text == "Needs owner":  # unowned: the alert colour, table type, as every one of them
            assert props == {"color": str(ALERT), "sz": str(int(TABLE_PT * 2))}
        elif text == "Dana Tanaka":
            assert props == {"sz": str(int(TABLE_PT * 2))}
    labels = [props for text, props in runs if text in ("Health", "Progress")]
    assert labels == [{"b": "on", "color": str(MUTED), "sz": "18"}] * 2
