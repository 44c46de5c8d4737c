"""A member's own data export (AVG/GDPR, right of access): one JSON document and the same as PDF.

:func:`collect` gathers everything the bank keeps about the person into plain JSON-able data
(money as strings, dates ISO); :func:`render_pdf` is a pure function from that data to bytes.
Organisations the person represents are named with the role, but their accounts are the
organisation's data, not the person's, and are left out.

The BSN is included masked: the portal never shows a full BSN (a download can be left on a
shared computer); the member can see it in full at the counter.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bank import clock
from bank.applications.models import LoanApplication
from bank.audit.models import AuditEvent
from bank.auth.models import User
from bank.errors import N_, NotFound
from bank.ledger import queries as ledger_queries
from bank.members import queries as member_queries
from bank.members.models import IdentityCheck, Member
from bank.members.validation import mask_bsn
from bank.notifications.models import OutboxMessage
from bank.portal import queries
from bank.portal.models import ProfileChange
from bank.savings.models import DepositAccount

#: Format version of the export, so a reader can tell layouts apart.
EXPORT_VERSION = 1


def _text(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value


def collect(session: Session, member_id: int) -> dict[str, Any]:
    """Everything the bank keeps about the person ``member_id`` (the logged-in member)."""
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(N_("member does not exist"))
    fields = (
        "number", "kind", "status", "first_name", "name_prefix", "last_name", "date_of_birth", "email",
        "phone", "street", "house_number", "postcode", "city", "external_iban", "language", "joined_on",
        "left_on", "created_at",
    )  # fmt: skip
    personal = {name: _text(getattr(member, name)) for name in fields}
    personal["bsn"] = mask_bsn(member.bsn)
    logins = [
        {
            "email": user.email,
            "role": user.role,
            "language": user.language,
            "created_at": _text(user.created_at),
            "last_login_at": _text(user.last_login_at),
            "second_factor": bool(user.totp_secret),
        }
        for user in session.scalars(select(User).where(User.member_id == member_id).order_by(User.id))
    ]
    accounts = []
    for account in session.scalars(
        select(DepositAccount).where(DepositAccount.member_id == member_id).order_by(DepositAccount.number)
    ):
        lines, _total, _opening = ledger_queries.history(
            session, account.ledger_account_id, page=1, per_page=1_000_000, newest_first=False
        )
        accounts.append(
            {
                "number": account.number,
                "product": account.product.name(member.language),
                "status": _text(account.status),
                "opened_on": _text(account.opened_on),
                "closed_on": _text(account.closed_on),
                "balance": _text(ledger_queries.balance(session, account.ledger_account_id)),
                "transactions": [
                    {
                        "value_date": _text(line.value_date),
                        "description": line.memo or line.kind,
                        "kind": line.kind,
                        "debit": _text(line.amount) if line.side.value == "debit" else None,
                        "credit": _text(line.amount) if line.side.value == "credit" else None,
                        "balance_after": _text(line.running_balance),
                    }
                    for line in lines
                ],
            }
        )
    views = {view.member.id: view for view in queries.dashboard(session, member_id)}
    mine = views[member_id]
    shares = [
        {
            "class": h.share_class.name,
            "shares": h.shares,
            "paid_in": _text(h.amount),
            "since": _text(h.holding.opened_on),
        }
        for h in mine.holdings
    ]
    loans = []
    for line in mine.loans:
        loan = line.loan
        page = queries.loan_page(session, loan)
        loans.append(
            {
                "number": loan.number,
                "status": _text(loan.status),
                "principal": _text(loan.principal),
                "rate_annual": str(loan.rate_annual),
                "method": _text(loan.method),
                "term_periods": loan.term_periods,
                "disbursed_on": _text(loan.disbursed_on),
                "outstanding_principal": _text(page.outstanding_principal),
                "arrears": _text(page.arrears.amount),
                "instalments": [
                    {
                        "number": i.number,
                        "due_on": _text(i.due_on),
                        "principal_due": _text(i.principal_due),
                        "interest_due": _text(i.interest_due),
                        "fees_due": _text(i.fees_due + i.penalties_due),
                        "paid": _text(i.total_paid),
                        "status": _text(i.status),
                    }
                    for i in page.instalments
                ],
            }
        )
    applications = [
        {
            "number": a.number,
            "status": _text(a.status),
            "amount": _text(a.amount),
            "term_months": a.term_months,
            "purpose": a.purpose_text,
            "created_at": _text(a.created_at),
            "submitted_at": _text(a.submitted_at),
            "decided_on": _text(a.decided_on),
        }
        for a in session.scalars(
            select(LoanApplication)
            .where(LoanApplication.applicant_id == member_id)
            .order_by(LoanApplication.id)
        )
    ]
    representations = [
        {"organisation": link.organisation.full_name, "role": link.role, "since": _text(link.since)}
        for link in member_queries.representations_of(session, member_id)
    ]
    identity = [
        {
            "document": _text(c.document_kind),
            "number_ends_in": c.document_number_last4,
            "checked_on": _text(c.checked_on),
        }
        for c in session.scalars(select(IdentityCheck).where(IdentityCheck.member_id == member_id))
    ]
    changes = [
        {
            "field": c.field,
            "new_value": c.new_value,
            "status": _text(c.status),
            "requested_at": _text(c.requested_at),
            "decided_at": _text(c.decided_at),
        }
        for c in session.scalars(
            select(ProfileChange).where(ProfileChange.member_id == member_id).order_by(ProfileChange.id)
        )
    ]
    user_ids = [str(u.id) for u in session.scalars(select(User).where(User.member_id == member_id))]
    events = [
        {"at": _text(e.at), "action": e.action, "by": e.actor_label, "detail": e.detail}
        for e in session.scalars(
            select(AuditEvent)
            .where(
                or_(
                    (AuditEvent.object_type == "member") & (AuditEvent.object_id == str(member_id)),
                    (AuditEvent.object_type == "user") & AuditEvent.object_id.in_(user_ids or ["-"]),
                )
            )
            .order_by(AuditEvent.id)
        )
    ]
    messages = [
        {
            "created_at": _text(m.created_at),
            "to": m.to_address,
            "subject": m.subject,
            "status": _text(m.status),
        }
        for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.member_id == member_id).order_by(OutboxMessage.id)
        )
    ]
    return {
        "export_version": EXPORT_VERSION,
        "produced_at": _text(clock.now_utc()),
        "bank": "Wijkbank",
        "member": personal,
        "portal_logins": logins,
        "represents": representations,
        "identity_checks": identity,
        "deposit_accounts": accounts,
        "member_shares": shares,
        "loans": loans,
        "loan_applications": applications,
        "profile_change_requests": changes,
        "messages": messages,
        "audit_trail": events,
    }


# ---------------------------------------------------------------------------------------------
# PDF (pure: data -> bytes)

_TITLES = {
    "nl": {
        "title": "Uw gegevens bij de Wijkbank",
        "intro": "Overzicht van alle persoonsgegevens die de Wijkbank over u bewaart (AVG, recht op inzage).",
        "member": "Persoonsgegevens",
        "portal_logins": "Inloggegevens portaal",
        "represents": "Vertegenwoordigt",
        "identity_checks": "Identiteitscontroles",
        "deposit_accounts": "Rekeningen",
        "member_shares": "Aandelen",
        "loans": "Leningen",
        "loan_applications": "Kredietaanvragen",
        "profile_change_requests": "Gevraagde wijzigingen",
        "messages": "Berichten",
        "audit_trail": "Logboek",
        "none": "geen",
        "page": "pagina",
    },
    "en": {
        "title": "Your data at Wijkbank",
        "intro": "Everything Wijkbank keeps about you as personal data (GDPR, right of access).",
        "member": "Personal data",
        "portal_logins": "Portal log-ins",
        "represents": "Represents",
        "identity_checks": "Identity checks",
        "deposit_accounts": "Accounts",
        "member_shares": "Member shares",
        "loans": "Loans",
        "loan_applications": "Loan applications",
        "profile_change_requests": "Requested changes",
        "messages": "Messages",
        "audit_trail": "Audit trail",
        "none": "none",
        "page": "page",
    },
}


def render_pdf(data: dict[str, Any], language: str = "nl") -> bytes:
    """The export as a PDF: the same sections as the JSON, tables of their rows."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    words = _TITLES.get(language, _TITLES["nl"])
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7.5, leading=9)
    story: list[Any] = [
        Paragraph(words["title"], styles["Title"]),
        Paragraph(words["intro"], styles["BodyText"]),
        Paragraph(f"{data['produced_at']}", small),
        Spacer(1, 4 * mm),
    ]
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#c0c8d0")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )

    def cell(value: Any) -> Paragraph:
        return Paragraph(_escape("" if value is None else str(value)), small)

    def rows_table(rows: list[dict[str, Any]]) -> Table | Paragraph:
        flat = [{k: v for k, v in row.items() if not isinstance(v, list)} for row in rows]
        if not flat:
            return Paragraph(words["none"], small)
        headers = list(flat[0])
        table = Table(
            [[cell(h) for h in headers]] + [[cell(r.get(h)) for h in headers] for r in flat], repeatRows=1
        )
        table.setStyle(grid)
        return table

    story.append(Paragraph(words["member"], styles["Heading2"]))
    facts = Table([[cell(k), cell(v)] for k, v in data["member"].items()], colWidths=[45 * mm, 120 * mm])
    facts.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#c0c8d0"))]))
    story.append(facts)
    for key in ("portal_logins", "represents", "identity_checks", "member_shares", "loan_applications"):
        story += [Paragraph(words[key], styles["Heading2"]), rows_table(data[key])]
    story.append(Paragraph(words["deposit_accounts"], styles["Heading2"]))
    if not data["deposit_accounts"]:
        story.append(Paragraph(words["none"], small))
    for account in data["deposit_accounts"]:
        story += [
            rows_table([account]),
            Spacer(1, 2 * mm),
            rows_table(account["transactions"]),
            Spacer(1, 4 * mm),
        ]
    story.append(Paragraph(words["loans"], styles["Heading2"]))
    if not data["loans"]:
        story.append(Paragraph(words["none"], small))
    for loan in data["loans"]:
        story += [rows_table([loan]), Spacer(1, 2 * mm), rows_table(loan["instalments"]), Spacer(1, 4 * mm)]
    for key in ("profile_change_requests", "messages", "audit_trail"):
        story += [Paragraph(words[key], styles["Heading2"]), rows_table(data[key])]

    def number_pages(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, f"{words['page']} {doc.page}")
        canvas.drawString(15 * mm, 10 * mm, f"Wijkbank · {data['member'].get('number')}")
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=words["title"],
        author="Wijkbank",
        invariant=True,
    )
    document.build(story, onFirstPage=number_pages, onLaterPages=number_pages)
    return buffer.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
