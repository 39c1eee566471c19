"""Seller-internal data (deal value, forecast, internal notes, the rep's configuration) never lands
in a file the buyer can open: every part of the workbook and the summary is scanned."""

import json
import zipfile
from pathlib import Path

from click.testing import CliRunner

from map_workspace.cli import cli

SECRET_NOTE = "Champion hinted budget is 310k; push for multi-year"
VALUE = "987654"


def run(*args, env=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def buyer_visible_text(path: Path) -> str:
    """Every XML part of an Office file, decoded: cells, notes, properties, metadata."""
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(name).decode("utf-8", "replace") for name in z.namelist())


def test_seller_internal_data_stays_on_the_sellers_side(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'seller = "Sam Rivera <sam@seller.io>"\ncredentials = "{tmp_path}/keys/sa-key.json"\n'
                      f'state = "{tmp_path}/private-state.sqlite"\n')
    env = {"MAPWS_CONFIG": str(config)}
    created = json.loads(run("create", "Acme rollout", "--decision-date", "2026-06-30", "--buyer",
                             "Dana Tanaka <dana@acme.com>", "--deal-value", VALUE, "--forecast", "commit",
                             "--internal-note", SECRET_NOTE, "--dir", tmp_path / "maps", "--today", "2026-03-02",
                             "--json", env=env).output)
    listed = json.loads(run("list", "--dir", tmp_path / "maps", "--json", env=env).output)["plans"][0]
    assert listed["private"] == {"deal_value": float(VALUE), "forecast": "commit", "notes": SECRET_NOTE}
    run("sync", created["plan"], "--today", "2026-04-20", env=env)
    summary = json.loads(run("summary", created["plan"], "--today", "2026-04-20", "--json", env=env).output)
    for path in (Path(created["plan"]), Path(summary["document"])):
        text = buyer_visible_text(path)
        # (the forecast word itself, "commit", is an ordinary English word a template may use)
        for secret in (VALUE, "987,654", SECRET_NOTE, "sa-key.json", "private-state", str(tmp_path)):
            assert secret not in text, (path.name, secret)
    assert "Sam Rivera" in buyer_visible_text(Path(created["plan"]))  # the seller contact is meant to be seen


def test_listing_plans_reads_private_facts_without_creating_a_database(tmp_path):
    """``mapws list`` only reads: no state database yet means no facts and no new file; one the
    nightly made (no private table yet) means no facts either."""
    import sqlite3

    state = tmp_path / "state" / "state.sqlite"
    env = {"MAPWS_STATE": str(state)}
    run("create", "Acme rollout", "--decision-date", "2026-06-30", "--buyer", "Dana Tanaka <dana@acme.com>",
        "--dir", tmp_path / "maps", "--today", "2026-03-02")
    assert not state.exists()
    listed = json.loads(run("list", "--dir", tmp_path / "maps", "--json", env=env).output)["plans"]
    assert [p["private"] for p in listed] == [None] and not state.parent.exists()
    state.parent.mkdir()
    sqlite3.connect(state).execute("CREATE TABLE plans (plan_key TEXT)").connection.close()
    listed = json.loads(run("list", "--dir", tmp_path / "maps", "--json", env=env).output)["plans"]
    assert [p["private"] for p in listed] == [None]
