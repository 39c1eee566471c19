"""`--role cfo=…` names a role the template has under another key: the error suggests the closest
role (issue 9, item 10)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from map_workspace.cli import cli


@pytest.mark.parametrize(("role", "meant"), [("cfo", "'buyer.cfo'"), ("buyer.cfoo", "'buyer.cfo'"),
                                             ("legal", "'buyer.legal' or 'seller.legal'"),
                                             ("exec sponsor", "'buyer.exec_sponsor' or 'seller.exec_sponsor'")])
def test_an_unknown_role_suggests_the_closest(tmp_path, role, meant):
    result = CliRunner().invoke(cli, ["create", "Acme", "--decision-date", "2026-06-30", "--buyer",
                                      "dana@acme.com", "--role", f"{role}=Lee Chen <lee@acme.com>", "--dir",
                                      str(tmp_path), "--today", "2026-03-02", "--json"])
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert f"Did you mean {meant}?" in error["message"]
    assert not list(tmp_path.iterdir())
