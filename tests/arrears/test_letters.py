"""The letters as their readers see them: Dutch amounts and dates, the borrower's own name only,
English for an English-speaking borrower; the statutory collection costs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bank.arrears.letters import (
    COLLECTION_COST_MAXIMUM,
    COLLECTION_COST_MINIMUM,
    LetterView,
    collection_costs,
    pay_by,
    render_letter,
)
from bank.arrears.models import LetterKind

from .conftest import pdf_text


def view(**overrides: object) -> LetterView:
    values: dict[str, object] = {
        "language": "nl",
        "kind": LetterKind.REMINDER,
        "loan_number": "WL-2026-0042",
        "borrower_name": "Buurtkeuken De Pan",
        "address_lines": ("Dapperstraat 8", "1093 BS Amsterdam"),
        "sent_on": dt.date(2026, 11, 27),
        "disbursed_on": dt.date(2026, 2, 2),
        "oldest_due_on": dt.date(2026, 11, 2),
        "days_past_due": 25,
        "principal_overdue": Decimal("1000.00"),
        "interest_overdue": Decimal("200.00"),
        "fees_overdue": Decimal("34.56"),
        "pay_by": dt.date(2026, 12, 4),
        "repayment_account": "1000 0001 23",
        "principal_outstanding": Decimal("23456.78"),
        "previous_sent_on": None,
    }
    values.update(overrides)
    return LetterView(**values)  # type: ignore[arg-type]


def text_of(letter: LetterView) -> str:
    return " ".join(pdf_text(render_letter(letter)).split())


def test_a_dutch_reminder_has_dutch_amounts_and_dates_and_only_its_borrower() -> None:
    text = text_of(view())
    assert "Betalingsherinnering" in text
    assert "€ 1.234,56" in text  # 1 000 + 200 + 34,56
    assert "27-11-2026" in text and "02-11-2026" in text and "04-12-2026" in text
    assert "Buurtkeuken De Pan" in text and "Dapperstraat 8" in text
    assert "1000 0001 23" in text
    assert "2026-11" not in text and "1,234.56" not in text


def test_an_english_borrower_reads_english() -> None:
    text = text_of(
        view(language="en", kind=LetterKind.SECOND_REMINDER, previous_sent_on=dt.date(2026, 11, 17))
    )
    assert "Second reminder" in text
    assert "€1,234.56" in text
    assert "17 November 2026" in text
    assert "Aanmaning" not in text


def test_the_notice_of_default_names_term_consequences_and_costs() -> None:
    text = text_of(view(kind=LetterKind.NOTICE_OF_DEFAULT, pay_by=dt.date(2026, 12, 14)))
    assert "Ingebrekestelling" in text
    assert "artikel 6:82 van het Burgerlijk Wetboek" in text
    assert "veertien dagen na de dag van ontvangst" in text and "14-12-2026" in text
    assert "zonder nadere ingebrekestelling in verzuim" in text
    assert "€ 23.456,78" in text  # the whole loan falls due
    assert "€ 185,18" in text  # 15 % of € 1.234,56 (collection costs)
    assert "artikel 6:96 lid 6" in text


def test_the_notice_gives_at_least_fourteen_days() -> None:
    for offset in range(14):
        sent = dt.date(2026, 11, 20) + dt.timedelta(days=offset)
        assert (pay_by(LetterKind.NOTICE_OF_DEFAULT, sent) - sent).days >= 15
        assert pay_by(LetterKind.NOTICE_OF_DEFAULT, sent).weekday() < 5


def test_collection_costs_follow_the_statutory_scale() -> None:
    assert collection_costs(Decimal("0")) == Decimal("0")
    assert collection_costs(Decimal("100.00")) == Decimal("40.00")
    assert collection_costs(Decimal("1000.00")) == Decimal("150.00")
    assert collection_costs(Decimal("2500.00")) == Decimal("375.00")
    assert collection_costs(Decimal("3000.00")) == Decimal("425.00")
    assert collection_costs(Decimal("10000.00")) == Decimal("875.00")
    assert collection_costs(Decimal("300000.00")) == Decimal("3275.00")
    assert collection_costs(Decimal("2000000.00")) == Decimal("6775.00")


@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000000"), places=2),
    st.decimals(min_value=Decimal("0.00"), max_value=Decimal("5000000"), places=2),
)
def test_collection_costs_are_bounded_and_never_fall_as_the_claim_grows(
    claim: Decimal, more: Decimal
) -> None:
    costs = collection_costs(claim)
    assert COLLECTION_COST_MINIMUM <= costs <= COLLECTION_COST_MAXIMUM
    assert costs == costs.quantize(Decimal("0.01"))
    assert collection_costs(claim + more) >= costs


def test_the_reference_is_in_the_letters_language() -> None:
    assert "WL-2026-0042-ingebrekestelling-20261127" in text_of(view(kind=LetterKind.NOTICE_OF_DEFAULT))
    assert "WL-2026-0042-notice-of-default-20261127" in text_of(
        view(kind=LetterKind.NOTICE_OF_DEFAULT, language="en")
    )
