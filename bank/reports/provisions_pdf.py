"""The provisions report as PDF (pure: the tables, already in the reader's words, in; bytes out).

The page shows the same tables as the screen and the CSV (allowance by stage and by purpose, the
movement table, the pools' first-loss buffers, the loans); the web layer translates the titles
and hands them over as :class:`~bank.reports.impact_csv.Section` rows, and this module lays them
out the way the impact report does. ``invariant=1`` keeps the bytes the same for the same report.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bank.reports.impact_csv import Section
from bank.reports.impact_pdf import ACCENT, PAGE, RULE, ZEBRA, format_cell


def _table(section: Section, language: str, cell_style: ParagraphStyle, width: float) -> Table:
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
    first = width * 0.22
    widths = [first] + [(width - first) / (count - 1)] * (count - 1) if count > 1 else [width]
    table = Table(rows, colWidths=widths, hAlign="LEFT", repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, ACCENT),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for row_index in range(2, len(rows), 2):
        style.append(("BACKGROUND", (0, row_index), (-1, row_index), ZEBRA))
    table.setStyle(TableStyle(style))
    return table


def render_provisions_report(
    title: str, lines: Sequence[str], sections: Sequence[Section], language: str
) -> bytes:
    """The report titled ``title`` with its introductory ``lines`` and ``sections`` as PDF bytes."""
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
        title=title,
        author="Wijkbank",
        invariant=1,
    )
    width = PAGE[0] - 30 * mm
    story: list[Any] = [Paragraph("Wijkbank", brand), Paragraph(escape(title), heading)]
    story += [Paragraph(escape(line), body) for line in lines]
    story.append(Spacer(1, 4 * mm))
    for section in sections:
        story += [
            Paragraph(escape(section.title), heading),
            _table(section, language, cell, width),
            Spacer(1, 3 * mm),
        ]
    document.build(story)
    return buffer.getvalue()
