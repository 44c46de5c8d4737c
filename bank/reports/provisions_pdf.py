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
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from bank.reports.impact_csv import Section
from bank.reports.impact_pdf import ACCENT, PAGE, section_table


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
            # The provisions' two-column tables keep a narrow first column like the wider ones.
            section_table(section, language, cell, width, first_share=0.22),
            Spacer(1, 3 * mm),
        ]
    document.build(story)
    return buffer.getvalue()
