"""PDF rendering of statements (pure: a view in, bytes out; no database, no Flask).

Drawn straight onto a reportlab canvas rather than through platypus tables: lines have a fixed
height (long texts are shortened to their column), so the layout is computed once, page by
page, before anything is drawn. That keeps the work linear in the number of lines (a statement
of 1 000 lines costs ten times one of 100) and gives the total page count up front for the
"Pagina 1 van 3" footer. ``invariant=1`` makes the bytes deterministic: the same view renders
to the same file, so a stored statement's checksum can be reproduced.

The statement is written in the member's language, not the staff member's browser language, so
its words come from the small tables below rather than from the request's gettext catalogue.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from reportlab.lib import colors
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from bank.statements.builder import (
    AccountStatementView,
    Addressee,
    AnnualStatementView,
    Letterhead,
    LoanStatementView,
)

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 48.0
MARGIN_TOP = 48.0
MARGIN_BOTTOM = 60.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
BODY_SIZE = 8.5
ROW_HEIGHT = 14.0
ACCENT = colors.HexColor("#1f5f4a")
RULE = colors.HexColor("#c9d3cf")
ZEBRA = colors.HexColor("#f2f6f4")

WORDS: dict[str, dict[str, str]] = {
    "nl": {
        "account_statement": "Rekeningafschrift",
        "loan_statement": "Overzicht lening",
        "annual_statement": "Jaaroverzicht",
        "member_number": "Lidnummer",
        "account": "Rekening",
        "product": "Product",
        "period": "Periode",
        "date": "Datum",
        "description": "Omschrijving",
        "counterparty": "Tegenpartij",
        "debit": "Af",
        "credit": "Bij",
        "balance": "Saldo",
        "opening_balance": "Beginsaldo",
        "closing_balance": "Eindsaldo",
        "totals": "Totaal af / bij",
        "no_lines": "Geen boekingen in deze periode.",
        "page": "Pagina {page} van {pages}",
        "produced_on": "Aangemaakt op",
        "to": "t/m",
        "loan": "Lening",
        "purpose": "Doel",
        "principal": "Hoofdsom",
        "rate": "Rentepercentage",
        "method": "Aflosvorm",
        "frequency": "Termijnen",
        "term": "Looptijd",
        "periods": "termijnen",
        "disbursed_on": "Uitbetaald op",
        "as_of": "Stand per",
        "schedule": "Aflossingsschema",
        "number": "Nr.",
        "due_on": "Vervaldatum",
        "interest": "Rente",
        "charges": "Kosten",
        "total_due": "Termijnbedrag",
        "paid": "Betaald",
        "state": "Status",
        "payments": "Betalingen",
        "no_payments": "Nog geen betalingen ontvangen.",
        "amount": "Bedrag",
        "outstanding_principal": "Openstaande hoofdsom",
        "arrears": "Achterstand",
        "days_past_due": "Dagen achterstand",
        "state_paid": "betaald",
        "state_partly_paid": "deels betaald",
        "state_overdue": "achterstallig",
        "state_open": "open",
        "state_written_off": "afgeboekt",
        "year": "Jaar",
        "accounts": "Rekeningen",
        "balance_start": "Saldo 1 januari",
        "balance_end": "Saldo 31 december",
        "balance_on": "Saldo per {date}",
        "outstanding_on": "Schuld per {date}",
        "interest_received": "Ontvangen rente",
        "loans": "Leningen",
        "outstanding_start": "Schuld 1 januari",
        "outstanding_end": "Schuld 31 december",
        "interest_paid": "Betaalde rente",
        "shares": "Aandelen (ledenkapitaal)",
        "share_class": "Soort",
        "share_count": "Aantal",
        "total": "Totaal",
        "none": "Geen.",
        "tax_note": "Bewaar dit overzicht voor uw belastingaangifte (box 3: saldo op 1 januari).",
    },
    "en": {
        "account_statement": "Account statement",
        "loan_statement": "Loan statement",
        "annual_statement": "Annual statement",
        "member_number": "Member number",
        "account": "Account",
        "product": "Product",
        "period": "Period",
        "date": "Date",
        "description": "Description",
        "counterparty": "Counterparty",
        "debit": "Debit",
        "credit": "Credit",
        "balance": "Balance",
        "opening_balance": "Opening balance",
        "closing_balance": "Closing balance",
        "totals": "Total debit / credit",
        "no_lines": "No transactions in this period.",
        "page": "Page {page} of {pages}",
        "produced_on": "Produced on",
        "to": "to",
        "loan": "Loan",
        "purpose": "Purpose",
        "principal": "Principal",
        "rate": "Interest rate",
        "method": "Repayment method",
        "frequency": "Instalments",
        "term": "Term",
        "periods": "instalments",
        "disbursed_on": "Disbursed on",
        "as_of": "As of",
        "schedule": "Amortisation schedule",
        "number": "No.",
        "due_on": "Due on",
        "interest": "Interest",
        "charges": "Charges",
        "total_due": "Instalment",
        "paid": "Paid",
        "state": "Status",
        "payments": "Payments",
        "no_payments": "No payments received yet.",
        "amount": "Amount",
        "outstanding_principal": "Outstanding principal",
        "arrears": "Arrears",
        "days_past_due": "Days past due",
        "state_paid": "paid",
        "state_partly_paid": "partly paid",
        "state_overdue": "overdue",
        "state_open": "open",
        "state_written_off": "written off",
        "year": "Year",
        "accounts": "Accounts",
        "balance_start": "Balance 1 January",
        "balance_end": "Balance 31 December",
        "balance_on": "Balance on {date}",
        "outstanding_on": "Owed on {date}",
        "interest_received": "Interest received",
        "loans": "Loans",
        "outstanding_start": "Owed 1 January",
        "outstanding_end": "Owed 31 December",
        "interest_paid": "Interest paid",
        "shares": "Member shares",
        "share_class": "Class",
        "share_count": "Number",
        "total": "Total",
        "none": "None.",
        "tax_note": "Keep this statement for your tax return.",
    },
}


# ---------------------------------------------------------------------------------------------
# Formatting (Dutch: € 1.234,56 and 28-11-2026)


def format_money(amount: Decimal | None, language: str) -> str:
    """``€ 1.234,56`` / ``€ -12,50`` in Dutch, ``€1,234.56`` / ``-€12.50`` in English."""
    if amount is None:
        return ""
    quantized = amount.quantize(Decimal("0.01"))
    text = f"{abs(quantized):,.2f}"
    if language == "en":
        return f"-€{text}" if quantized < 0 else f"€{text}"
    text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return f"€ -{text}" if quantized < 0 else f"€ {text}"


def format_date(value: dt.date | None, language: str) -> str:
    if value is None:
        return ""
    return value.isoformat() if language == "en" else value.strftime("%d-%m-%Y")


def format_rate(rate: Decimal, language: str) -> str:
    """0.045 -> ``4,50 %`` (nl) / ``4.50 %`` (en)."""
    text = f"{(rate * 100).normalize():f}"
    if "." in text:
        whole, fraction = text.split(".")
        text = f"{whole}.{fraction.ljust(2, '0')}"
    else:
        text = f"{text}.00"
    return (text if language == "en" else text.replace(".", ",")) + " %"


def fit(text: str, width: float, font: str = FONT, size: float = BODY_SIZE) -> str:
    """Shorten ``text`` with an ellipsis so it fits ``width`` points."""
    if stringWidth(text, font, size) <= width:
        return text
    ellipsis = "…"
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if stringWidth(text[:middle] + ellipsis, font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ellipsis


# ---------------------------------------------------------------------------------------------
# Layout: pages of drawing operations, laid out first, drawn with the page count known

Op = Callable[[Canvas], None]


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    align: str = "left"  # "left" or "right"


@dataclass
class _Layout:
    """Flows blocks down pages; a table continues on the next page with its header repeated."""

    language: str
    letterhead: Letterhead
    title: str
    #: Repeated at the top of every page after the first (account and period, loan number).
    running_title: str = ""
    pages: list[list[Op]] = field(default_factory=list)
    y: float = 0.0

    def __post_init__(self) -> None:
        self.new_page()

    @property
    def words(self) -> dict[str, str]:
        return WORDS[self.language]

    def new_page(self) -> None:
        self.pages.append([])
        self.y = PAGE_HEIGHT - MARGIN_TOP
        if len(self.pages) > 1:
            title = f"{self.letterhead.name} · {self.title}"
            running = self.running_title
            y = self.y
            self.op(lambda c: _text(c, MARGIN_X, y - 8, title, FONT_BOLD, 9, ACCENT))
            if running:
                self.op(
                    lambda c: _text(
                        c, PAGE_WIDTH - MARGIN_X, y - 8, running, FONT, 8, colors.dimgrey, "right"
                    )
                )
            self.y -= 24

    def op(self, operation: Op) -> None:
        self.pages[-1].append(operation)

    def room(self, height: float) -> bool:
        return self.y - height >= MARGIN_BOTTOM

    def ensure(self, height: float) -> None:
        if not self.room(height):
            self.new_page()

    def space(self, height: float) -> None:
        self.y -= height

    def heading(self, text: str, size: float = 11) -> None:
        self.ensure(size + 6 + ROW_HEIGHT * 2)
        y = self.y - size
        self.op(lambda c: _text(c, MARGIN_X, y, text, FONT_BOLD, size, ACCENT))
        self.y -= size + 6

    def paragraph(self, text: str, size: float = BODY_SIZE, font: str = FONT) -> None:
        self.ensure(size + 5)
        y = self.y - size
        fitted = fit(text, CONTENT_WIDTH, font, size)
        self.op(lambda c: _text(c, MARGIN_X, y, fitted, font, size))
        self.y -= size + 5

    def key_values(self, pairs: Sequence[tuple[str, str]], label_width: float = 130) -> None:
        for label, value in pairs:
            self.ensure(ROW_HEIGHT)
            y = self.y - 10
            self.op(
                partial(_text, x=MARGIN_X, y=y, text=label, font=FONT, size=BODY_SIZE, color=colors.dimgrey)
            )
            fitted = fit(value, CONTENT_WIDTH - label_width)
            self.op(
                partial(_text, x=MARGIN_X + label_width, y=y, text=fitted, font=FONT_BOLD, size=BODY_SIZE)
            )
            self.y -= ROW_HEIGHT

    def table(
        self,
        columns: Sequence[Column],
        rows: Sequence[Sequence[str]],
        *,
        bold_rows: frozenset[int] = frozenset(),
    ) -> None:
        """Rows of one line each; the header is repeated on every page the table reaches."""
        scale = CONTENT_WIDTH / sum(column.width for column in columns)
        widths = [column.width * scale for column in columns]
        self.ensure(ROW_HEIGHT * 2)
        self._table_header(columns, widths)
        for index, row in enumerate(rows):
            if not self.room(ROW_HEIGHT):
                self.new_page()
                self._table_header(columns, widths)
            font = FONT_BOLD if index in bold_rows else FONT
            placed = []
            x = MARGIN_X
            for value, width, column in zip(row, widths, columns, strict=True):
                cell = fit(str(value), width - 6, font)
                if cell:
                    left = (
                        x + width - 3 - stringWidth(cell, font, BODY_SIZE)
                        if column.align == "right"
                        else x + 3
                    )
                    placed.append((left, cell))
                x += width
            y = self.y
            shade = index % 2 == 1

            def draw(
                c: Canvas,
                y: float = y,
                placed: list[tuple[float, str]] = placed,
                shade: bool = shade,
                font: str = font,
            ) -> None:
                # One text object per row (not one per cell): a 1 000-line statement stays cheap.
                if shade:
                    c.setFillColor(ZEBRA)
                    c.rect(MARGIN_X, y - ROW_HEIGHT, CONTENT_WIDTH, ROW_HEIGHT, stroke=0, fill=1)
                text = c.beginText()
                text.setFont(font, BODY_SIZE)
                text.setFillColor(colors.black)
                for left, cell in placed:
                    text.setTextOrigin(left, y - 10)
                    text.textOut(cell)
                c.drawText(text)

            self.op(draw)
            self.y -= ROW_HEIGHT
        bottom = self.y
        self.op(lambda c: _rule(c, bottom))
        self.y -= 6

    def _table_header(self, columns: Sequence[Column], widths: Sequence[float]) -> None:
        y = self.y
        titles = [
            fit(column.title, width - 6, FONT_BOLD) for column, width in zip(columns, widths, strict=True)
        ]

        def draw(c: Canvas) -> None:
            c.setFillColor(ACCENT)
            c.rect(MARGIN_X, y - ROW_HEIGHT - 2, CONTENT_WIDTH, ROW_HEIGHT + 2, stroke=0, fill=1)
            x = MARGIN_X
            for title, width, column in zip(titles, widths, columns, strict=True):
                if column.align == "right":
                    _text(c, x + width - 3, y - 11, title, FONT_BOLD, BODY_SIZE, colors.white, "right")
                else:
                    _text(c, x + 3, y - 11, title, FONT_BOLD, BODY_SIZE, colors.white)
                x += width

        self.op(draw)
        self.y -= ROW_HEIGHT + 2

    def render(self) -> bytes:
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
        canvas.setTitle(f"{self.letterhead.name} · {self.title}")
        canvas.setAuthor(self.letterhead.name)
        total = len(self.pages)
        for number, operations in enumerate(self.pages, start=1):
            for operation in operations:
                operation(canvas)
            _footer(canvas, self.letterhead, self.words["page"].format(page=number, pages=total))
            canvas.showPage()
        canvas.save()
        return buffer.getvalue()


def _text(
    c: Canvas,
    x: float,
    y: float,
    text: str,
    font: str = FONT,
    size: float = BODY_SIZE,
    color: Color = colors.black,
    align: str = "left",
) -> None:
    c.setFillColor(color)
    c.setFont(font, size)
    if align == "right":
        c.drawRightString(x, y, text)
    else:
        c.drawString(x, y, text)


def _rule(c: Canvas, y: float, color: Color = RULE) -> None:
    c.setStrokeColor(color)
    c.setLineWidth(0.6)
    c.line(MARGIN_X, y, PAGE_WIDTH - MARGIN_X, y)


def _footer(c: Canvas, letterhead: Letterhead, page_text: str) -> None:
    _rule(c, MARGIN_BOTTOM - 18)
    left = f"{letterhead.name} · {letterhead.registration} · {letterhead.contact}"
    _text(c, MARGIN_X, MARGIN_BOTTOM - 30, fit(left, CONTENT_WIDTH - 90, FONT, 7), FONT, 7, colors.dimgrey)
    _text(c, PAGE_WIDTH - MARGIN_X, MARGIN_BOTTOM - 30, page_text, FONT, 7.5, colors.black, "right")


def _first_page(layout: _Layout, addressee: Addressee, reference: Sequence[tuple[str, str]]) -> None:
    """Letterhead, the member's address (window position) and the reference block on the right."""
    letterhead = layout.letterhead
    words = layout.words
    top = layout.y
    tagline = letterhead.tagline(layout.language)

    def head(c: Canvas) -> None:
        c.setFillColor(ACCENT)
        c.rect(MARGIN_X, top - 4, 6, -34, stroke=0, fill=1)
        _text(c, MARGIN_X + 14, top - 20, letterhead.name, FONT_BOLD, 18, ACCENT)
        _text(c, MARGIN_X + 14, top - 34, tagline, FONT, 8, colors.dimgrey)
        right = PAGE_WIDTH - MARGIN_X
        for offset, line in enumerate((*letterhead.address_lines, letterhead.contact)):
            _text(c, right, top - 12 - offset * 10, line, FONT, 7.5, colors.dimgrey, "right")
        _rule(c, top - 48, ACCENT)

    layout.op(head)
    address_top = top - 92
    lines = [addressee.name, *addressee.address_lines]

    def address(c: Canvas) -> None:
        for offset, line in enumerate(lines):
            _text(c, MARGIN_X, address_top - offset * 13, fit(line, 240, FONT, 10), FONT, 10)

    layout.op(address)
    ref_pairs = [(words["member_number"], str(addressee.member_number)), *reference]

    def reference_block(c: Canvas) -> None:
        x_label = PAGE_WIDTH - MARGIN_X - 230
        for offset, (label, value) in enumerate(ref_pairs):
            y = address_top - offset * 12
            _text(c, x_label, y, label, FONT, 8, colors.dimgrey)
            _text(c, PAGE_WIDTH - MARGIN_X, y, fit(value, 140, FONT_BOLD, 8), FONT_BOLD, 8, align="right")

    layout.op(reference_block)
    layout.y = address_top - max(len(lines) * 13, len(ref_pairs) * 12) - 28
    y_title = layout.y
    title = layout.title

    layout.op(lambda c: _text(c, MARGIN_X, y_title - 14, title, FONT_BOLD, 15, ACCENT))
    layout.y -= 30


# ---------------------------------------------------------------------------------------------
# The three statements


def render_account_statement(view: AccountStatementView) -> bytes:
    """Account statement: opening balance, every line with Af/Bij and saldo, closing balance."""
    language = view.language
    words = WORDS[language]
    period = f"{format_date(view.date_from, language)} {words['to']} {format_date(view.date_to, language)}"
    layout = _Layout(
        language,
        view.letterhead,
        words["account_statement"],
        running_title=f"{view.account_number_formatted} · {period} · {view.addressee.name}",
    )
    _first_page(
        layout,
        view.addressee,
        [
            (words["account"], view.account_number_formatted),
            (words["product"], view.product_name),
            (words["period"], period),
            (words["produced_on"], format_date(view.produced_on, language)),
        ],
    )
    money = lambda amount: format_money(amount, language)  # noqa: E731
    columns = [
        Column(words["date"], 58),
        Column(words["description"], 150),
        Column(words["counterparty"], 120),
        Column(words["debit"], 62, "right"),
        Column(words["credit"], 62, "right"),
        Column(words["balance"], 68, "right"),
    ]
    rows: list[list[str]] = [
        [
            format_date(view.date_from, language),
            words["opening_balance"],
            "",
            "",
            "",
            money(view.opening_balance),
        ]
    ]
    for line in view.lines:
        rows.append(
            [
                format_date(line.value_date, language),
                line.description,
                line.counterparty,
                money(line.debit),
                money(line.credit),
                money(line.running_balance),
            ]
        )
    rows.append(
        [
            format_date(view.date_to, language),
            words["closing_balance"],
            "",
            money(view.total_debit),
            money(view.total_credit),
            money(view.closing_balance),
        ]
    )
    layout.table(columns, rows, bold_rows=frozenset({0, len(rows) - 1}))
    if not view.lines:
        layout.paragraph(words["no_lines"])
    layout.space(8)
    layout.key_values(
        [
            (words["opening_balance"], money(view.opening_balance)),
            (words["totals"], f"{money(view.total_debit)} / {money(view.total_credit)}"),
            (words["closing_balance"], money(view.closing_balance)),
        ]
    )
    return layout.render()


def render_loan_statement(view: LoanStatementView) -> bytes:
    """Loan statement: terms, schedule with paid/unpaid, payments, outstanding principal, arrears."""
    language = view.language
    words = WORDS[language]
    money = lambda amount: format_money(amount, language)  # noqa: E731
    layout = _Layout(
        language,
        view.letterhead,
        f"{words['loan_statement']} {view.loan_number}",
        running_title=f"{words['as_of']} {format_date(view.as_of, language)} · {view.addressee.name}",
    )
    _first_page(
        layout,
        view.addressee,
        [
            (words["loan"], view.loan_number),
            (words["as_of"], format_date(view.as_of, language)),
            (words["produced_on"], format_date(view.produced_on, language)),
        ],
    )
    layout.key_values(
        [
            (words["product"], view.product_name),
            (words["purpose"], view.purpose),
            (words["principal"], money(view.principal)),
            (words["rate"], format_rate(view.rate_annual, language)),
            (words["method"], view.method),
            (words["term"], f"{view.term_periods} {words['periods']} ({view.frequency})"),
            (words["disbursed_on"], format_date(view.disbursed_on, language)),
        ]
    )
    layout.space(6)
    layout.key_values(
        [
            (words["outstanding_principal"], money(view.outstanding_principal)),
            (words["arrears"], money(view.arrears_amount)),
            (words["days_past_due"], str(view.days_past_due)),
        ]
    )
    layout.space(10)
    layout.heading(words["schedule"])
    layout.table(
        [
            Column(words["number"], 30, "right"),
            Column(words["due_on"], 62),
            Column(words["principal"], 66, "right"),
            Column(words["interest"], 60, "right"),
            Column(words["charges"], 52, "right"),
            Column(words["total_due"], 68, "right"),
            Column(words["paid"], 68, "right"),
            Column(words["state"], 70),
        ],
        [
            [
                str(row.number),
                format_date(row.due_on, language),
                money(row.principal_due),
                money(row.interest_due),
                money(row.charges_due),
                money(row.total_due),
                money(row.total_paid),
                words[f"state_{row.state}"],
            ]
            for row in view.schedule
        ],
    )
    layout.space(10)
    layout.heading(words["payments"])
    if view.payments:
        rows = [
            [
                format_date(p.value_date, language),
                p.description,
                money(p.principal),
                money(p.interest),
                money(p.charges),
                money(p.total),
            ]
            for p in view.payments
        ]
        rows.append(["", words["total"], "", "", "", money(view.total_paid)])
        layout.table(
            [
                Column(words["date"], 62),
                Column(words["description"], 150),
                Column(words["principal"], 70, "right"),
                Column(words["interest"], 62, "right"),
                Column(words["charges"], 56, "right"),
                Column(words["amount"], 70, "right"),
            ],
            rows,
            bold_rows=frozenset({len(rows) - 1}),
        )
    else:
        layout.paragraph(words["no_payments"])
    return layout.render()


def render_annual_statement(view: AnnualStatementView) -> bytes:
    """Jaaroverzicht: balances on 1 January and 31 December, interest received and paid, shares."""
    language = view.language
    words = WORDS[language]
    money = lambda amount: format_money(amount, language)  # noqa: E731
    layout = _Layout(language, view.letterhead, f"{words['annual_statement']} {view.year}")
    # The year has not ended yet: the last column is today's balance and says so.
    if view.produced_on < dt.date(view.year, 12, 31):
        on = format_date(view.produced_on, language)
        words = {
            **words,
            "balance_end": words["balance_on"].format(date=on),
            "outstanding_end": words["outstanding_on"].format(date=on),
        }
    _first_page(
        layout,
        view.addressee,
        [
            (words["year"], str(view.year)),
            (words["produced_on"], format_date(view.produced_on, language)),
        ],
    )
    layout.heading(words["accounts"])
    if view.accounts:
        rows = [
            [
                a.account_number_formatted,
                a.product_name,
                money(a.balance_start),
                money(a.balance_end),
                money(a.interest_received),
            ]
            for a in view.accounts
        ]
        rows.append(
            [
                "",
                words["total"],
                money(view.total_start),
                money(view.total_end),
                money(view.interest_received),
            ]
        )
        layout.table(
            [
                Column(words["account"], 80),
                Column(words["product"], 130),
                Column(words["balance_start"], 90, "right"),
                Column(words["balance_end"], 90, "right"),
                Column(words["interest_received"], 90, "right"),
            ],
            rows,
            bold_rows=frozenset({len(rows) - 1}),
        )
    else:
        layout.paragraph(words["none"])
    layout.space(10)
    layout.heading(words["loans"])
    if view.loans:
        rows = [
            [
                loan.loan_number,
                money(loan.outstanding_start),
                money(loan.outstanding_end),
                money(loan.interest_paid),
            ]
            for loan in view.loans
        ]
        rows.append([words["total"], "", "", money(view.interest_paid)])
        layout.table(
            [
                Column(words["loan"], 110),
                Column(words["outstanding_start"], 110, "right"),
                Column(words["outstanding_end"], 110, "right"),
                Column(words["interest_paid"], 110, "right"),
            ],
            rows,
            bold_rows=frozenset({len(rows) - 1}),
        )
    else:
        layout.paragraph(words["none"])
    layout.space(10)
    layout.heading(words["shares"])
    if view.shares:
        layout.table(
            [
                Column(words["share_class"], 200),
                Column(words["share_count"], 80, "right"),
                Column(words["amount"], 110, "right"),
            ],
            [[s.share_class, str(s.shares), money(s.amount)] for s in view.shares],
        )
    else:
        layout.paragraph(words["none"])
    layout.space(12)
    layout.paragraph(words["tax_note"], 8, FONT)
    return layout.render()
