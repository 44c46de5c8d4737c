"""Decision letters as PDF, in the member's language (nl/en).

:func:`letter_view` gathers plain data from the database; :func:`render_letter` is pure (view in,
bytes out, deterministic with ``invariant=1``), so it is tested without an app or a database.
An approval gives the approved terms, a schedule summary per year (indicative: computed as if
paid out on the decision date) and the conditions; a rejection gives the committee's reasons.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import Session

from bank.applications import service as applications
from bank.applications.models import ApplicationStatus, LoanApplication
from bank.auth.models import User
from bank.committee import service as committee
from bank.committee.models import DecisionOutcome
from bank.errors import N_, NotFound
from bank.loans.schedule import Schedule

ACCENT = colors.HexColor("#1f5f4a")

WORDS: dict[str, dict[str, str]] = {
    "nl": {
        "title_approved": "Besluit kredietcommissie: aanvraag goedgekeurd",
        "title_rejected": "Besluit kredietcommissie: aanvraag afgewezen",
        "dear": "Beste {name},",
        "intro_approved": "De kredietcommissie heeft op {date} uw kredietaanvraag {number} voor een {product}"
        " goedgekeurd, op de voorwaarden hieronder.",
        "intro_rejected": "De kredietcommissie heeft op {date} uw kredietaanvraag {number} voor een {product}"
        " besproken en helaas afgewezen.",
        "terms": "Voorwaarden van de lening",
        "amount": "Hoofdsom",
        "term": "Looptijd",
        "months": "{n} maanden",
        "rate": "Rentepercentage (per jaar)",
        "apr": "Effectieve jaarrente",
        "instalment": "Termijnbedrag",
        "instalments": "Aantal termijnen",
        "grace": "Aflossingsvrije periode",
        "periods": "{n} termijnen",
        "fee": "Afsluitkosten (bij uitbetaling van uw rekening afgeschreven)",
        "total_interest": "Totale rente",
        "total_due": "Totaal te betalen",
        "schedule": "Aflossingsschema per jaar (indicatief, bij uitbetaling op de besluitdatum)",
        "year": "Jaar",
        "principal": "Aflossing",
        "interest": "Rente",
        "total": "Totaal",
        "conditions": "Opschortende voorwaarden (vóór uitbetaling te vervullen)",
        "no_conditions": "Er zijn geen opschortende voorwaarden.",
        "valid_until": "Dit aanbod is geldig tot en met {date}.",
        "reasons": "Redenen",
        "tally": "Stemming: {approve} voor, {reject} tegen, {abstain} onthouding(en).",
        "recusals": "Wegens belangenverstrengeling heeft zich verschoond: {names}.",
        "closing": "Met vriendelijke groet,",
        "signature": "Kredietcommissie Wijkbank",
        "reference": "Kenmerk",
        "date": "Datum",
        "paid_to": "Uitbetaling aan",
    },
    "en": {
        "title_approved": "Loan committee decision: application approved",
        "title_rejected": "Loan committee decision: application declined",
        "dear": "Dear {name},",
        "intro_approved": "On {date} the loan committee approved your loan application {number}"
        " for a {product},"
        " on the terms below.",
        "intro_rejected": "On {date} the loan committee discussed your loan application {number}"
        " for a {product}"
        " and has unfortunately declined it.",
        "terms": "Terms of the loan",
        "amount": "Principal",
        "term": "Term",
        "months": "{n} months",
        "rate": "Interest rate (per year)",
        "apr": "Annual percentage rate",
        "instalment": "Instalment",
        "instalments": "Number of instalments",
        "grace": "Interest-only period",
        "periods": "{n} periods",
        "fee": "Arrangement fee (charged to your account at payout)",
        "total_interest": "Total interest",
        "total_due": "Total to repay",
        "schedule": "Repayment schedule per year (indicative, if paid out on the decision date)",
        "year": "Year",
        "principal": "Principal",
        "interest": "Interest",
        "total": "Total",
        "conditions": "Conditions precedent (to be met before the payout)",
        "no_conditions": "There are no conditions precedent.",
        "valid_until": "This offer is valid until {date} inclusive.",
        "reasons": "Reasons",
        "tally": "Vote: {approve} for, {reject} against, {abstain} abstained.",
        "recusals": "Recused because of a conflict of interest: {names}.",
        "closing": "Kind regards,",
        "signature": "Wijkbank loan committee",
        "reference": "Reference",
        "date": "Date",
        "paid_to": "Paid to",
    },
}


@dataclass(frozen=True)
class YearRow:
    year: int
    principal: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


@dataclass(frozen=True)
class LetterView:
    """Everything a decision letter shows, as plain values."""

    language: str
    approved: bool
    application_number: str
    applicant_name: str
    address_lines: tuple[str, ...]
    product_name: str
    decided_on: dt.date
    votes_approve: int
    votes_reject: int
    votes_abstain: int
    recusals: tuple[str, ...] = ()
    reasons: str = ""
    amount: Decimal | None = None
    term_months: int | None = None
    rate_annual: Decimal | None = None
    apr_percent: Decimal | None = None
    instalment_amount: Decimal | None = None
    instalment_count: int | None = None
    grace_periods: int = 0
    arrangement_fee: Decimal | None = None
    total_interest: Decimal | None = None
    total_due: Decimal | None = None
    offer_expires_on: dt.date | None = None
    paid_to: str = ""
    conditions: tuple[str, ...] = ()
    years: tuple[YearRow, ...] = field(default_factory=tuple)


def year_rows(schedule: Schedule) -> tuple[YearRow, ...]:
    """The schedule summed per calendar year of the due dates."""
    rows: dict[int, list[Decimal]] = {}
    for item in schedule.instalments:
        bucket = rows.setdefault(item.due_on.year, [Decimal("0.00"), Decimal("0.00")])
        bucket[0] += item.principal
        bucket[1] += item.interest
    return tuple(YearRow(year, p, i) for year, (p, i) in sorted(rows.items()))


def _recusal_names(session: Session, labels: Iterable[str]) -> tuple[str, ...]:
    """Recused members by name; decisions recorded before names were stored hold log-in e-mails."""
    labels = tuple(labels)
    emails = [label for label in labels if "@" in label]
    names = (
        dict(session.execute(select(User.email, User.name).where(User.email.in_(emails))).all())
        if emails
        else {}
    )
    return tuple(names.get(label) or label for label in labels)


def letter_view(session: Session, application: LoanApplication) -> LetterView:
    """Gather the letter's data for a decided application (NotFound when there is no decision)."""
    decision = committee.decision_of(session, application)
    if decision is None or application.status in (ApplicationStatus.RETURNED, ApplicationStatus.ON_AGENDA):
        raise NotFound(N_("application %(number)s has no decision letter"), number=application.number)
    applicant = application.applicant
    language = applicant.language if applicant.language in WORDS else "nl"
    address = tuple(
        line
        for line in (
            f"{applicant.street} {applicant.house_number}".strip(),
            f"{applicant.postcode} {applicant.city}".strip(),
        )
        if line
    )
    common: dict[str, Any] = {
        "language": language,
        "application_number": application.number,
        "applicant_name": applicant.full_name,
        "address_lines": address,
        "product_name": application.product.name(language),
        "decided_on": decision.decided_on,
        "votes_approve": decision.votes_approve,
        "votes_reject": decision.votes_reject,
        "votes_abstain": decision.votes_abstain,
        "recusals": _recusal_names(session, decision.recusals or ()),
        "reasons": decision.reasons,
    }
    if decision.outcome is not DecisionOutcome.APPROVED:
        return LetterView(approved=False, **common)
    schedule = applications.preview_schedule(
        application,
        on=decision.decided_on,
        amount=decision.approved_amount,
        term_months=decision.approved_term_months,
        rate_annual=decision.approved_rate_annual,
        grace_periods=decision.approved_grace_periods,
    )
    assert schedule is not None and decision.approved_amount is not None
    paid_to = f"{application.notary_name} ({application.notary_iban})" if application.notary_iban else ""
    return LetterView(
        approved=True,
        amount=decision.approved_amount,
        term_months=decision.approved_term_months,
        rate_annual=decision.approved_rate_annual,
        apr_percent=schedule.apr,
        instalment_amount=schedule.instalment_amount,
        instalment_count=len(schedule.instalments),
        grace_periods=decision.approved_grace_periods or 0,
        arrangement_fee=schedule.terms.fees,
        total_interest=schedule.total_interest,
        total_due=schedule.total_due,
        offer_expires_on=application.offer_expires_on,
        paid_to=paid_to,
        conditions=tuple(c.text for c in decision.conditions),
        years=year_rows(schedule),
        **common,
    )


def _money(amount: Decimal, language: str) -> str:
    return format_currency(amount, "EUR", locale=language, format_type="standard")


def _date(value: dt.date, language: str) -> str:
    return format_date(value, "dd-MM-yyyy" if language == "nl" else "d MMMM yyyy", locale=language)


def _percent(rate_fraction: Decimal, language: str) -> str:
    return format_decimal(rate_fraction * 100, format="#,##0.00##", locale=language) + " %"


def render_letter(view: LetterView) -> bytes:
    """The decision letter as PDF bytes (pure)."""
    words = WORDS[view.language]
    lang = view.language
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName="Helvetica", fontSize=10, leading=14)
    heading = ParagraphStyle("h", parent=styles["Heading2"], textColor=ACCENT, fontName="Helvetica-Bold")
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{view.application_number}",
        author="Wijkbank",
        invariant=1,
    )
    story: list[Flowable] = [
        Paragraph("<b>Wijkbank</b>", ParagraphStyle("brand", parent=body, fontSize=14, textColor=ACCENT)),
        Spacer(1, 6 * mm),
    ]
    for line in (view.applicant_name, *view.address_lines):
        story.append(Paragraph(escape(line), body))
    story += [
        Spacer(1, 6 * mm),
        Paragraph(
            f"{words['reference']}: {escape(view.application_number)} &nbsp;&nbsp; "
            f"{words['date']}: {_date(view.decided_on, lang)}",
            small,
        ),
        Spacer(1, 4 * mm),
        Paragraph(words["title_approved" if view.approved else "title_rejected"], heading),
        Paragraph(escape(words["dear"].format(name=view.applicant_name)), body),
        Spacer(1, 2 * mm),
        Paragraph(
            escape(
                words["intro_approved" if view.approved else "intro_rejected"].format(
                    date=_date(view.decided_on, lang),
                    number=view.application_number,
                    product=view.product_name,
                )
            ),
            body,
        ),
        Spacer(1, 3 * mm),
    ]
    if view.approved:
        assert view.amount is not None and view.rate_annual is not None
        rows = [
            [words["amount"], _money(view.amount, lang)],
            [words["term"], words["months"].format(n=view.term_months)],
            [words["rate"], _percent(view.rate_annual, lang)],
            [words["apr"], format_decimal(view.apr_percent or 0, format="#,##0.00", locale=lang) + " %"],
            [words["instalment"], _money(view.instalment_amount or Decimal("0"), lang)],
            [words["instalments"], str(view.instalment_count)],
        ]
        if view.grace_periods:
            rows.append([words["grace"], words["periods"].format(n=view.grace_periods)])
        rows += [
            [words["fee"], _money(view.arrangement_fee or Decimal("0"), lang)],
            [words["total_interest"], _money(view.total_interest or Decimal("0"), lang)],
            [words["total_due"], _money(view.total_due or Decimal("0"), lang)],
        ]
        if view.paid_to:
            rows.append([words["paid_to"], view.paid_to])
        story += [Paragraph(words["terms"], heading), _table(rows, (70 * mm, 80 * mm), header=False)]
        story += [Spacer(1, 3 * mm), Paragraph(words["schedule"], heading)]
        year_table = [[words["year"], words["principal"], words["interest"], words["total"]]]
        year_table += [
            [str(r.year), _money(r.principal, lang), _money(r.interest, lang), _money(r.total, lang)]
            for r in view.years
        ]
        story.append(_table(year_table, (25 * mm, 40 * mm, 40 * mm, 40 * mm), header=True))
        story += [Spacer(1, 3 * mm), Paragraph(words["conditions"], heading)]
        if view.conditions:
            for number, text in enumerate(view.conditions, start=1):
                story.append(Paragraph(f"{number}. {escape(text)}", body))
        else:
            story.append(Paragraph(words["no_conditions"], body))
        if view.offer_expires_on:
            story += [
                Spacer(1, 3 * mm),
                Paragraph(words["valid_until"].format(date=_date(view.offer_expires_on, lang)), body),
            ]
    else:
        story.append(Paragraph(words["reasons"], heading))
        for line in view.reasons.splitlines() or [""]:
            if line.strip():
                story.append(Paragraph(escape(line.strip()), body))
    story += [
        Spacer(1, 4 * mm),
        Paragraph(
            words["tally"].format(
                approve=view.votes_approve, reject=view.votes_reject, abstain=view.votes_abstain
            ),
            small,
        ),
    ]
    if view.recusals:
        story.append(Paragraph(escape(words["recusals"].format(names=", ".join(view.recusals))), small))
    story += [
        Spacer(1, 6 * mm),
        Paragraph(words["closing"], body),
        Paragraph(words["signature"], body),
    ]
    document.build(story)
    return buffer.getvalue()


def _table(rows: list[list[str]], widths: tuple[float, ...], *, header: bool) -> Table:
    table = Table(rows, colWidths=list(widths), hAlign="LEFT")
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 9.5),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c9d3cf")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        style += [("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9.5), ("ALIGN", (1, 0), (-1, -1), "RIGHT")]
    else:
        style += [("ALIGN", (1, 0), (1, -1), "RIGHT")]
    table.setStyle(TableStyle(style))
    return table
