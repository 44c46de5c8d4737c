"""Account statements: the view equals the ledger to the cent, the PDF says the same thing."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from bank.errors import ValidationError
from bank.ledger import queries as ledger_queries
from bank.statements import builder, pdf

from . import world as w

OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_october_statement_matches_the_ledger_line_by_line(session, world):
    account = world.anna_account
    view = builder.account_statement(session, account, *OCTOBER)

    ledger_id = account.ledger_account_id
    assert view.opening_balance == ledger_queries.balance(session, ledger_id, dt.date(2026, 9, 30))
    assert view.closing_balance == ledger_queries.balance(session, ledger_id, dt.date(2026, 10, 31))
    # 1500 + 1234.56 + 12.34 interest - 100 shares = 2646.90 on 30 September.
    assert view.opening_balance == Decimal("2646.90")
    assert [(line.value_date, line.debit, line.credit, line.running_balance) for line in view.lines] == [
        (dt.date(2026, 10, 3), Decimal("200.00"), None, Decimal("2446.90")),
        (dt.date(2026, 10, 10), Decimal("45.50"), None, Decimal("2401.40")),
        (dt.date(2026, 10, 31), None, Decimal("10.01"), Decimal("2411.41")),
    ]
    assert view.closing_balance == Decimal("2411.41")
    assert (view.total_debit, view.total_credit) == (Decimal("245.50"), Decimal("10.01"))
    # The ledger's own history (another code path) gives the same running balances.
    history, _total, _opening = ledger_queries.history(
        session, ledger_id, date_from=OCTOBER[0], date_to=OCTOBER[1], per_page=100, newest_first=False
    )
    assert [h.running_balance for h in history] == [line.running_balance for line in view.lines]


def test_lines_say_what_happened_and_with_whom(session, world):
    view = builder.account_statement(session, world.anna_account, *OCTOBER)
    withdrawal, transfer, deposit = view.lines
    assert withdrawal.description == "Opname"
    assert withdrawal.counterparty == "NL91 ABNA 0417 1643 00"
    assert transfer.description == "Overboeking · Huur"
    assert transfer.counterparty == f"Test Bram ({world.bram_account.formatted_number})"
    assert deposit.description == "Storting · Teruggave"
    assert deposit.counterparty == "Wijkbank"


def test_dutch_pdf_has_letterhead_member_lines_balances_and_page_numbers(session, world):
    view = builder.account_statement(session, world.anna_account, *OCTOBER)
    content = pdf.render_account_statement(view)
    assert content.startswith(b"%PDF")
    (text,) = pdf_pages(content)
    for expected in (
        "Wijkbank U.A.",
        "Rekeningafschrift",
        "Test Anna",
        "Dapperstraat",
        world.anna_account.formatted_number,
        "01-10-2026 t/m 31-10-2026",
        "Datum",
        "Af",
        "Bij",
        "Saldo",
        "Beginsaldo",
        "€ 2.646,90",
        "03-10-2026",
        "€ 200,00",
        "€ 2.446,90",
        "10-10-2026",
        "€ 45,50",
        "€ 2.401,40",
        "31-10-2026",
        "€ 10,01",
        "Eindsaldo",
        "€ 2.411,41",
        "€ 245,50",
        "Pagina 1 van 1",
    ):
        assert expected in text, expected


def test_english_member_gets_an_english_statement(session, world):
    view = builder.account_statement(session, world.bram_account, *OCTOBER)
    assert view.language == "en"
    (text,) = pdf_pages(pdf.render_account_statement(view))
    assert "Account statement" in text
    assert "Opening balance" in text and "Closing balance" in text
    assert "€2,500.00" in text  # opening: the January deposit
    assert "€45.50" in text and "€2,545.50" in text
    assert "Page 1 of 1" in text
    assert "2026-10-10" in text


def test_a_long_statement_runs_over_pages_with_numbers_and_totals(session, world, frozen_today):
    account = world.bram_account
    for day in range(1, 31):
        for n in range(4):
            w.deposit(session, account, f"{n + 1}.{day:02d}", dt.date(2026, 9, day))
    session.commit()
    view = builder.account_statement(session, account, dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert len(view.lines) == 120
    assert view.closing_balance == ledger_queries.balance(
        session, account.ledger_account_id, dt.date(2026, 9, 30)
    )
    pages = pdf_pages(pdf.render_account_statement(view))
    assert len(pages) == 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of 3" in text
        assert "Balance" in text  # the table header is repeated on every page
    assert "Opening balance" in pages[0]
    assert "Closing balance" in pages[-1]
    assert pdf.format_money(view.closing_balance, "en") in pages[-1]


def test_an_empty_period_still_shows_opening_and_closing(session, world):
    view = builder.account_statement(session, world.anna_account, dt.date(2026, 8, 1), dt.date(2026, 8, 31))
    assert view.lines == ()
    assert view.opening_balance == view.closing_balance == Decimal("1412.34")
    (text,) = pdf_pages(pdf.render_account_statement(view))
    assert "Geen boekingen in deze periode." in text
    assert "€ 1.412,34" in text


@pytest.mark.parametrize(
    ("date_from", "date_to", "field", "rule"),
    [
        (dt.date(2026, 10, 31), dt.date(2026, 10, 1), "date_to", "must not be before date_from"),
        (dt.date(2026, 11, 1), dt.date(2026, 12, 31), "date_to", "must not lie in the future"),
        (dt.date(2026, 12, 1), dt.date(2026, 12, 31), "date_from", "must not lie in the future"),
        (None, dt.date(2026, 10, 1), "date_from", "is required"),
    ],
)
def test_bad_periods_are_refused_naming_the_field(session, world, date_from, date_to, field, rule):
    with pytest.raises(ValidationError) as refused:
        builder.account_statement(session, world.anna_account, date_from, date_to)
    assert list(refused.value.fields) == [field]
    assert rule in refused.value.fields[field]


def test_typed_dates_are_parsed_or_refused_by_name():
    assert builder.parse_date("31-10-2026", field="date_to") == dt.date(2026, 10, 31)
    assert builder.parse_date("2026-10-31", field="date_to") == dt.date(2026, 10, 31)
    assert builder.parse_date("", field="date_to") is None
    with pytest.raises(ValidationError) as refused:
        builder.parse_date("31/10/2026", field="date_from")
    assert "date_from" in refused.value.fields


def test_money_and_dates_are_formatted_the_dutch_way():
    assert pdf.format_money(Decimal("1234.56"), "nl") == "€ 1.234,56"
    assert pdf.format_money(Decimal("-12.50"), "nl") == "€ -12,50"
    assert pdf.format_money(Decimal("1234567.00"), "nl") == "€ 1.234.567,00"
    assert pdf.format_money(Decimal("1234.56"), "en") == "€1,234.56"
    assert pdf.format_date(dt.date(2026, 11, 28), "nl") == "28-11-2026"
    assert pdf.format_rate(Decimal("0.045"), "nl") == "4,50 %"


def test_rendering_is_deterministic(session, world):
    view = builder.account_statement(session, world.anna_account, *OCTOBER)
    assert pdf.render_account_statement(view) == pdf.render_account_statement(view)


def test_statement_queries_do_not_grow_with_its_lines(session, world, frozen_today):
    """No query per line: a statement of 120 lines costs as many queries as one of 3."""
    from sqlalchemy import event

    def count_queries(account, date_from, date_to) -> int:
        statements: list[str] = []
        engine = session.get_bind()

        def record(*_args: object) -> None:
            statements.append("x")

        session.expire_all()
        event.listen(engine, "before_cursor_execute", record)
        try:
            builder.account_statement(session, account, date_from, date_to)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    few = count_queries(world.anna_account, *OCTOBER)
    for day in range(1, 31):
        for n in range(4):
            w.deposit(session, world.anna_account, f"{n + 1}.00", dt.date(2026, 9, day))
            w.transfer(session, world.bram_account, world.anna_account, "1.00", dt.date(2026, 9, day))
    session.commit()
    many = count_queries(world.anna_account, dt.date(2026, 9, 1), dt.date(2026, 10, 31))
    assert many <= few + 1  # the transfers add one query (their counterparties are member accounts)


@pytest.mark.parametrize(
    ("kind", "memo", "language", "expected"),
    [
        ("savings_interest", "Interest 10-2026", "nl", ("Rente oktober 2026", None)),
        ("savings_interest", "Interest 10-2026", "en", ("Interest October 2026", None)),
        (
            "pool_distribution",
            "Returns of pool Grondfonds, 2026-07-01 to 2026-09-30",
            "nl",
            ("Rendement investeringspool Grondfonds 01-07-2026 – 30-09-2026", None),
        ),
        (
            "pool_subscription",
            "Subscription to pool GRONDFONDS",
            "nl",
            ("Inleg investeringspool GRONDFONDS", None),
        ),
        ("withdrawal", "Withdrawal · to NL91ABNA0417164300", "nl", ("Opname", "NL91ABNA0417164300")),
        ("transfer", "Huur · 1000 0001 61 → 1000 0002 58", "en", ("Transfer · Huur", None)),
        (
            "loan_collection",
            "Instalment collection WL-2026-0001",
            "nl",
            ("Termijn lening WL-2026-0001", None),
        ),
        (
            "loan_fee",
            "Arrangement fee of loan WL-2026-0001",
            "en",
            ("Loan arrangement fee WL-2026-0001", None),
        ),
        ("shares_issue", "3 member share(s) A à 25.00", "nl", ("Aankoop aandelen · 3 aandelen", None)),
        (
            "shares_redemption",
            "Redemption of 1 member share(s) A · to NL91ABNA0417164300",
            "en",
            ("Member shares redeemed · 1 share", "NL91ABNA0417164300"),
        ),
        ("something_new", "Whatever", "nl", ("Something new · Whatever", None)),
    ],
)
def test_descriptions_lead_with_the_kind_in_the_members_language(kind, memo, language, expected):
    assert builder.describe(kind, memo, language) == expected
