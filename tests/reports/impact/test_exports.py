"""The report's CSV sections and PDF text, in Dutch and English."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from bank.reports.impact import ImpactReport, impact_report
from bank.reports.impact_csv import impact_csv
from bank.reports.impact_pdf import format_cell, render_impact_report

from .world import PERIOD, World

#: The whole CSV of the seeded world, byte for byte, as it was when ``sections`` was one function.
EXPECTED = Path(__file__).parent / "expected"


def _sections(text: str) -> dict[str, list[list[str]]]:
    """CSV sections by title: the rows after the title line up to the empty line."""
    rows = list(csv.reader(io.StringIO(text)))
    result: dict[str, list[list[str]]] = {}
    index = 2  # title line and an empty line
    while index < len(rows):
        title = rows[index][0]
        end = rows.index([], index)
        result[title] = rows[index + 1 : end]
        index = end + 1
    return result


def test_csv_has_one_section_per_table_with_every_figure(session, world: World):
    report = impact_report(session, *PERIOD)
    text = impact_csv(report, "en")
    assert text.splitlines()[0] == "Municipal impact report,2026-01-01,2026-09-30"
    sections = _sections(text)
    assert list(sections) == [
        "Summary",
        "Seed capital as first-loss buffers",
        "Member money in the pools",
        "Loans by purpose",
        "Loans by neighbourhood (postcode area)",
        "Jobs created and kept, by purpose",
        "Jobs per loan",
        "Homes and land secured by land trusts",
        "Returns to member-investors",
        "Losses and how they were absorbed",
    ]
    summary = dict(sections["Summary"][1:])
    assert summary["Municipal seed capital (3100) at period end"] == "97500.00"
    assert summary["Seed capital deployed as first-loss buffers"] == "22500.00"
    assert summary["Member money mobilised (pool participations, 2100) at period end"] == "4500.00"
    assert summary["Member money per euro of deployed seed capital"] == "0.20"
    assert summary["Jobs created"] == "5" and summary["Jobs kept"] == "2"
    assert summary["Homes secured"] == "6" and summary["Land secured (m²)"] == "900"
    assert summary["Interest paid out to member-investors"] == "78.70"
    assert summary["absorbed by the bank"] == "4040.00"
    assert sections["Seed capital as first-loss buffers"] == [
        ["Pool", "Buffer committed", "Used by losses", "Remaining"],
        ["Grondfonds (GRONDFONDS)", "20000.00", "0.00", "20000.00"],
        ["Coöp Startfonds (STARTFONDS)", "2500.00", "2500.00", "0.00"],
        ["Total", "22500.00", "2500.00", "20000.00"],
    ]
    assert sections["Member money in the pools"][1:] == [
        ["Grondfonds (GRONDFONDS)", "2", "4000.00"],
        ["Coöp Startfonds (STARTFONDS)", "1", "500.00"],
        ["Total", "2", "4500.00"],
    ]
    assert sections["Loans by purpose"] == [
        [
            "Purpose",
            "Loans disbursed in the period",
            "Amount disbursed in the period",
            "Loans outstanding at period end",
            "Principal outstanding at period end",
        ],
        ["Community land trust purchase", "1", "100000.00", "1", "97500.00"],
        ["Co-op startup", "1", "20000.00", "1", "20000.00"],
        ["Total", "2", "120000.00", "2", "117500.00"],
    ]
    assert sections["Loans by neighbourhood (postcode area)"][1:] == [
        ["1093", "1", "100000.00", "1", "97500.00"],
        ["1094", "1", "20000.00", "1", "20000.00"],
        ["Total", "2", "120000.00", "2", "117500.00"],
    ]
    assert sections["Jobs created and kept, by purpose"][1:] == [
        ["Co-op startup", "2", "4", "2", "0", "1"],
        ["Community land trust purchase", "1", "1", "0", "1", "0"],
        ["Total", "3", "5", "2", "1", "1"],
    ]
    assert sections["Jobs per loan"][1:] == [  # by loan number: the 2025 bike-shop loan first
        [world.bike_loan.number, "Co-op startup", "1094", "0", "0", "not reported"],
        [world.land_loan.number, "Community land trust purchase", "1093", "1", "0", "yearly report 2026"],
        [world.coop_loan.number, "Co-op startup", "1094", "4", "2", "application (expected)"],
        ["Total", "", "", "5", "2", ""],
    ]
    assert sections["Homes and land secured by land trusts"][1:] == [
        [world.land_loan.number, "1093", "6", "900", "yearly report 2026"],
        ["Total", "", "6", "900", ""],
    ]
    assert sections["Returns to member-investors"][1:] == [
        ["Interest paid out to member-investors", "78.70"],
        ["Quarterly distributions", "2"],
        ["Member-investors at period end", "2"],
        ["Members who received returns", "2"],
    ]
    assert sections["Losses and how they were absorbed"][1:] == [
        [world.bike_loan.number, "Co-op startup", "1094", "2026-07-15", "8040.00", "STARTFONDS", "2500.00",
         "1500.00", "4040.00"],
        ["Total", "", "", "", "8040.00", "", "2500.00", "1500.00", "4040.00"],
    ]  # fmt: skip


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_whole_csv_is_byte_for_byte_the_one_on_file(session, world: World, language: str):
    """Every title, heading, row, total and line end: a change of layout or words shows up here."""
    text = impact_csv(impact_report(session, *PERIOD), language)
    assert text.encode("utf-8") == (EXPECTED / f"impact_{language}.csv").read_bytes()
    assert text.count("\r\n") == len(text.splitlines())


def test_csv_in_dutch_and_safe_against_formulas(session, world: World):
    world.grondfonds.name = '=HYPERLINK("http://evil")'
    session.flush()
    text = impact_csv(impact_report(session, *PERIOD), "nl")
    sections = _sections(text)
    assert "Samenvatting" in sections and "Verliezen en wie ze droeg" in sections
    assert (
        sections["Startkapitaal als eerste-verliesbuffer"][1][0] == '\'=HYPERLINK("http://evil") (GRONDFONDS)'
    )


def _pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_pdf_shows_the_figures_in_english(session, world: World):
    body = render_impact_report(impact_report(session, *PERIOD), "en")
    assert body.startswith(b"%PDF")
    text = _pdf_text(body)
    for expected in (
        "Municipal impact report",
        "Period: 2026-01-01 – 2026-09-30",
        "€97,500.00",
        "€22,500.00",
        "€4,500.00",
        "0.20",
        "€117,500.00",
        "yearly report 2026",
        "application (expected)",
        "€78.70",
        "€8,040.00",
        "€4,040.00",
        world.bike_loan.number,
        "Losses and how they were absorbed",
    ):
        assert expected in text, expected
    assert "Homes and land secured by land trusts" in text


def test_pdf_in_dutch_uses_dutch_words_and_numbers(session, world: World):
    text = _pdf_text(render_impact_report(impact_report(session, *PERIOD), "nl"))
    for expected in (
        "Gemeentelijke impactrapportage",
        "Periode: 01-01-2026 – 30-09-2026",
        "€ 97.500,00",
        "0,20",
        "Ledengeld per euro ingezet startkapitaal",
        "jaarrapportage 2026",
        "€ 4.040,00",
    ):
        assert expected in text, expected


def test_the_same_report_renders_to_the_same_bytes(session, world: World):
    report: ImpactReport = impact_report(session, *PERIOD)
    assert render_impact_report(report, "en") == render_impact_report(report, "en")


def test_cell_formatting():
    assert format_cell(Decimal("1234.5"), "money", "nl") == "€ 1.234,50"
    assert format_cell(None, "ratio", "en") == "—"
    assert format_cell(12345, "int", "nl") == "12.345"
    assert format_cell(Decimal("2.5"), "ratio", "nl") == "2,50"
