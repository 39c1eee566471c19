"""Reading CRM exports: which export a header is, the dates and amounts as the exports write them,
and a malformed file named by row and column."""

from __future__ import annotations

from datetime import date

import pytest

from map_workspace.crm_export import CrmExportError, parse_amount, parse_date, parse_export
from tests.support.team import HUBSPOT_EXPORT, SALESFORCE_REPORT

#: A Salesforce Data Loader (or Workbench) export: API names, ISO date-times in UTC, plain numbers,
#: checkboxes as true/false.
SALESFORCE_DATA_LOADER = """\
"Id","Name","StageName","IsClosed","IsWon","CreatedDate","CloseDate","Amount","OwnerId"
"0065g00000AcmeQAAR","Acme rollout","Closed Won","true","true","2025-12-01T09:15:22.000Z","2026-03-20","120000.0",\
"0055g00000SamRAAA"
"0065g00000UmbrBAAR","Umbrella expansion","Negotiation/Review","false","false","2025-11-20T14:20:00.000+0000",\
"2026-03-31","","0055g00000AnaOAAA"
"""

#: A HubSpot export with internal property names (as an API-built or "internal names" export writes them).
HUBSPOT_INTERNAL = """\
hs_object_id,dealname,dealstage,closedate,createdate,amount,hs_is_closed_won,hs_is_closed
14567890101,Acme rollout,closedwon,2026-03-20T16:02:00Z,2025-12-01T09:15:00Z,120000,true,true
14567890102,Globex pilot,closedlost,2026-03-27T11:40:00Z,2025-12-15T10:00:00Z,45000,false,true
14567890104,Umbrella expansion,contractsent,2026-03-31T00:00:00Z,2025-11-20T14:20:00Z,250000,false,false
"""


def test_a_salesforce_report_with_its_labels_us_dates_currency_and_footer():
    crm = parse_export(SALESFORCE_REPORT)
    assert crm.source == "salesforce" and len(crm.deals) == 8  # the footer is not a deal
    acme = crm.deals[0]
    assert (acme.crm_id, acme.name, acme.stage) == ("0065g00000AcmeQ", "Acme rollout (renamed in CRM)", "Closed Won")
    assert (acme.created, acme.close_date, acme.amount, acme.outcome) == (date(2025, 12, 1), date(2026, 3, 20),
                                                                         120000.0, "won")
    assert crm.deals[1].outcome == "lost" and crm.deals[3].outcome is None
    assert crm.deals[5].amount == 72250.5


def test_a_salesforce_data_loader_export_with_api_names():
    crm = parse_export(SALESFORCE_DATA_LOADER)
    assert crm.source == "salesforce"
    acme, umbrella = crm.deals
    assert (acme.created, acme.close_date, acme.amount, acme.outcome) == (date(2025, 12, 1), date(2026, 3, 20),
                                                                         120000.0, "won")
    assert (umbrella.amount, umbrella.outcome, umbrella.created) == (None, None, date(2025, 11, 20))


def test_hubspot_exports_with_labels_or_internal_names():
    labelled = parse_export(HUBSPOT_EXPORT)
    assert labelled.source == "hubspot" and len(labelled.deals) == 8
    assert [d.outcome for d in labelled.deals[:4]] == ["won", "lost", "won", None]
    assert labelled.deals[0].created == date(2025, 12, 1) and labelled.deals[0].crm_id == "14567890101"
    internal = parse_export(HUBSPOT_INTERNAL)
    assert internal.source == "hubspot"
    assert [(d.outcome, d.close_date) for d in internal.deals] == [("won", date(2026, 3, 20)),
                                                                   ("lost", date(2026, 3, 27)),
                                                                   (None, date(2026, 3, 31))]


def test_hubspot_without_is_closed_won_reads_the_default_pipelines_stages():
    text = "Record ID,Deal Name,Deal Stage,Close Date,Create Date,Amount\n1,A,Closed Won,2026-03-20,2026-01-02,10\n" \
           "2,B,Closed Lost,2026-03-21,2026-01-02,10\n3,C,Qualified To Buy,2026-05-01,2026-01-02,10\n"
    assert [d.outcome for d in parse_export(text).deals] == ["won", "lost", None]


@pytest.mark.parametrize(("text", "day"), [
    ("2026-03-31", date(2026, 3, 31)), ("2026-03-31T17:04:05.000Z", date(2026, 3, 31)),
    ("2026-03-31 17:04", date(2026, 3, 31)), ("3/31/2026", date(2026, 3, 31)), ("3/4/2026", date(2026, 3, 4)),
    ("03/31/2026 5:04 PM", date(2026, 3, 31)), ("31.03.2026", date(2026, 3, 31)), ("1774976645000", date(2026, 3, 31)),
    ("", None),
])
def test_dates_as_the_exports_write_them(text, day):
    assert parse_date(text) == day


@pytest.mark.parametrize("text", ["31/31/2026", "March 31", "2026-02-30", "soon"])
def test_what_is_not_a_date(text):
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize(("text", "amount"), [
    ("120000", 120000.0), ("120,000.00", 120000.0), ("$120,000", 120000.0), ("USD 120,000.00", 120000.0),
    ("€98.500,00", 98500.0), ("EUR 98.500,00", 98500.0), ("98,50", 98.5), ("£1,234,567.8", 1234567.8),
    ("1.234.567", 1234567.0), ("(500.00)", -500.0), ("72250.5", 72250.5), ("", None), ("JPY 1,500,000", 1500000.0),
])
def test_amounts_with_symbols_codes_and_separators(text, amount):
    assert parse_amount(text) == amount


def test_a_row_with_a_column_too_few_is_named():
    text = HUBSPOT_EXPORT.replace("14567890103,Initech renewal,Closed Won,", "14567890103,Initech renewal,")
    with pytest.raises(CrmExportError) as caught:
        parse_export(text, "deals.csv")
    assert caught.value.row == 4 and "deals.csv, row 4: 8 column(s) where the header has 9" in caught.value.message


def test_an_unbalanced_quote_is_a_clear_error():
    with pytest.raises(CrmExportError) as caught:
        parse_export('"Id","Name","StageName","CloseDate"\n"006A","Acme, "Closed Won","2026-03-20"\n', "sf.csv")
    assert caught.value.exit_code == 2 and "sf.csv" in caught.value.message


def test_a_deal_without_an_id_is_named():
    text = HUBSPOT_EXPORT.replace("14567890105,", ",")
    with pytest.raises(CrmExportError) as caught:
        parse_export(text)
    assert (caught.value.row, caught.value.column) == (6, "Record ID")
