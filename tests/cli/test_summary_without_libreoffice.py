"""`summary --pdf` without a working LibreOffice (issue 9, item 8): the .docx is written and the
output says so, where, and how to get the PDF; exit 3 only because the PDF is missing. No
LibreOffice is run here: one is absent (MAPWS_SOFFICE names a program not on PATH) or broken (a
program that fails the way a damaged install does)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from map_workspace.cli import cli

TODAY = "2026-03-02"


def run(*args, code=0, env=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
    assert result.exit_code == code, (result.exit_code, result.output)
    return result


def plan(tmp_path: Path) -> Path:
    run("create", "Acme rollout", "--decision-date", "2026-06-30", "--buyer", "Dana Tanaka <dana@acme.com>",
        "--dir", tmp_path, "--today", TODAY)
    return tmp_path


def test_no_libreoffice_writes_the_docx_says_where_and_how_to_get_the_pdf(tmp_path):
    plans = plan(tmp_path / "plans")
    env = {"MAPWS_SOFFICE": "soffice", "PATH": str(tmp_path / "empty")}
    result = run("summary", "acme-rollout", "--pdf", "--dir", plans, "--today", TODAY, code=3, env=env)
    docx = plans / "acme-rollout-summary.docx"
    assert docx.is_file() and not docx.with_suffix(".pdf").exists()
    assert f"Wrote {docx}" in result.stdout
    assert f"The summary was written ({docx}), but not its PDF" in result.stderr
    assert "apt-get install" in result.stderr and "mapws summary acme-rollout --pdf" in result.stderr
    assert "Unexpected" not in result.output

    data = json.loads(run("summary", "acme-rollout", "--pdf", "--dir", plans, "--today", TODAY, "--json",
                          code=3, env=env).stdout)  # one JSON object: the result, with why there is no PDF
    assert data["document"] == str(docx) and data["pdf"] is None
    assert data["pdf_error"]["code"] == "summary.no_pdf" and "apt-get install" in data["pdf_error"]["hint"]


def test_a_broken_libreoffice_gets_an_honest_message(tmp_path):
    plans = plan(tmp_path / "plans")
    broken = tmp_path / "bin" / "soffice"
    broken.parent.mkdir()
    broken.write_text("#!/bin/sh\necho 'soffice.bin: error while loading shared libraries: libuno_sal.so.3' >&2\n"
                      "exit 127\n")
    broken.chmod(0o755)
    env = {"MAPWS_SOFFICE": str(broken)}
    result = run("summary", "acme-rollout", "--pdf", "--dir", plans, "--today", TODAY, code=3, env=env)
    assert (plans / "acme-rollout-summary.docx").is_file()
    assert "libuno_sal.so.3" in result.stderr and f"{broken} --headless --version" in result.stderr
    assert "not damaged" not in result.stderr and "The summary was written" in result.stderr
