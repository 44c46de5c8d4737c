"""The municipal impact report as PDF (pure: report and language in, bytes out).

Laid out with reportlab's platypus like the committee's decision letters: the report is a few
short tables whose rows wrap, so a flowing document suits it better than the statements' fixed
line grid. ``invariant=1`` keeps the bytes the same for the same report.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bank.reports.impact import ImpactReport
from bank.reports.impact_csv import Section, sections, words
from bank.statements.pdf import format_date, format_money

ACCENT = colors.HexColor("#1f5f4a")
RULE = colors.HexColor("#c9d3cf")
ZEBRA = colors.HexColor("#f2f6f4")
PAGE = landscape(A4)
NUMERIC = ("money", "int", "ratio")


def format_number(value: Decimal | None, language: str) -> str:
    """A plain number to two decimals: 2,50 (nl) / 2.50 (en); em dash when there is none."""
    if value is None:
        return "—"
    text = f"{value:,.2f}"
    if language == "en":
        return text
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def format_cell(value: Any, kind: str, language: str) -> str:
    if value is None:
        return "—" if kind == "ratio" else ""
    if kind == "money":
        return format_money(value, language)
    if kind == "ratio":
        return format_number(value, language)
    if kind == "date" and isinstance(value, dt.date):
        return format_date(value, language)
    if kind == "int" and isinstance(value, int):
        return f"{value:,}".replace(",", "." if language == "nl" else ",")
    return str(value)


def section_table(
    section: Section,
    language: str,
    cell_style: ParagraphStyle,
    width: float,
    *,
    first_share: float | None = None,
) -> Table:
    """A report section as a zebra-striped table in ``language``; the provisions PDF uses it too.

    The first column takes ``first_share`` of ``width`` (by default half of a two-column table,
    else 22 %); the other columns share the rest.
    """
    head = [Paragraph(f"<b>{escape(title)}</b>", cell_style) for title, _kind in section.columns]
    rows: list[list[Any]] = [head]
    for index, row in enumerate(section.rows):
        rows.append(
            [
                Paragraph(escape(format_cell(value, section.kind(index, column), language)), cell_style)
                for column, value in enumerate(row)
            ]
        )
    if section.footer is not None:
        rows.append(
            [
                Paragraph(
                    f"<b>{escape(format_cell(value, section.kind(None, column), language))}</b>", cell_style
                )
                for column, value in enumerate(section.footer)
            ]
        )
    count = len(section.columns)
    if first_share is None:
        first_share = 0.5 if count == 2 else 0.22
    first = width * first_share
    widths = [first] + [(width - first) / (count - 1)] * (count - 1) if count > 1 else [width]
    table = Table(rows, colWidths=widths, hAlign="LEFT", repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, ACCENT),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for row_index in range(1, len(rows)):
        if row_index % 2 == 0:
            style.append(("BACKGROUND", (0, row_index), (-1, row_index), ZEBRA))
    table.setStyle(TableStyle(style))
    return table


def render_impact_report(report: ImpactReport, language: str) -> bytes:
    """The report in ``language`` ("nl" or "en") as PDF bytes."""
    w = words(language)
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName="Helvetica", fontSize=9, leading=12)
    cell = ParagraphStyle("cell", parent=body, fontSize=8, leading=10)
    heading = ParagraphStyle(
        "heading", parent=styles["Heading2"], textColor=ACCENT, fontName="Helvetica-Bold", fontSize=12
    )
    brand = ParagraphStyle("brand", parent=body, fontName="Helvetica-Bold", fontSize=14, textColor=ACCENT)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{w['title']} {report.period_start.isoformat()} – {report.period_end.isoformat()}",
        author="Wijkbank",
        invariant=1,
    )
    width = PAGE[0] - 30 * mm
    story: list[Any] = [
        Paragraph("Wijkbank", brand),
        Paragraph(escape(w["title"]), heading),
        Paragraph(
            escape(
                f"{w['period']}: {format_date(report.period_start, language)}"
                f" – {format_date(report.period_end, language)}"
            ),
            body,
        ),
        Paragraph(escape(w["generated"]), cell),
        Spacer(1, 4 * mm),
    ]
    for section in sections(report, language):
        story += [
            Paragraph(escape(section.title), heading),
            section_table(section, language, cell, width if len(section.columns) > 2 else width * 0.7),
            Spacer(1, 3 * mm),
        ]

    def number_pages(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.grey)
        canvas.drawRightString(PAGE[0] - 15 * mm, 8 * mm, w["page"].format(page=doc.page))
        canvas.restoreState()

    document.build(story, onFirstPage=number_pages, onLaterPages=number_pages)
    return buffer.getvalue()
