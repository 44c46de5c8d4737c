"""Each fault the ledger refuses has its own error class (bank.ledger.errors).

For every one: the right class (still an ``UnbalancedEntry``, so callers that catch that keep
working, with the same API code and status), the message in English and in Dutch, and nothing
written: no entry, no posting, no cached total moved.
"""

from __future__ import annotations

import datetime as dt
import pickle
from dataclasses import dataclass
from decimal import Decimal

import pytest
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select

# The app with the real Dutch catalogue, as the language tests load it (the shared one has none).
from translations.conftest import app, compiled_catalogue  # noqa: F401

from bank.errors import UnbalancedEntry
from bank.ledger import chart
from bank.ledger import errors as ledger_errors
from bank.ledger.errors import (
    AmountNotPositive,
    CorrectionBeforeItsPeriod,
    DebitsAreNotCredits,
    EntryInClosedPeriod,
    InvalidEntryKind,
    InvalidIdempotencyKey,
    InvalidValueDate,
    PostingToControlAccount,
    ReversalOfReversal,
    ReversalWithoutReason,
    TooFewLines,
)
from bank.ledger.models import ClosedMonth, JournalEntry, LedgerAccount, Posting
from bank.ledger.service import EntryRequest, account_by_code, credit, debit, post, post_many, reverse

from .conftest import VALUE_DATE, move


@dataclass
class World:
    session: object
    actor: object
    settlement: LedgerAccount
    anna: LedgerAccount
    #: An entry already posted (Dr 1000 / Cr Anna 80.00) and its reversal.
    deposit_id: int
    reversal_id: int


@pytest.fixture
def world(session, settlement, open_member_account, deposit, actor) -> World:
    anna = open_member_account("Anna")
    original = deposit(anna, "80.00", "deposit:1")
    reversal = reverse(session, original.id, reason="typo", actor=actor, value_date=VALUE_DATE)
    deposit(anna, "80.00", "deposit:2")
    session.commit()
    return World(session, actor, settlement, anna, original.id, reversal.id)


def _post(
    world: World, *, key: str = "k:1", kind: str = "deposit", lines=None, value_date=VALUE_DATE
) -> None:
    lines = move(world.settlement, world.anna, "10.00") if lines is None else lines
    post(world.session, key, kind, lines, value_date, world.actor)


def _close_march(world: World) -> None:
    """March 2026 closed, as ``bank periods close`` records it (the checks are its own tests')."""
    world.session.add(
        ClosedMonth(first_day=dt.date(2026, 3, 1), last_day=dt.date(2026, 3, 31), closed_by_label="test")
    )
    world.session.flush()


#: (fault, how to cause it, class, English text (API), Dutch text (page)[, English text (page)])
CASES: list[tuple[object, ...]] = [
    (
        "no key",
        lambda w: _post(w, key=""),
        InvalidIdempotencyKey,
        "an entry needs an idempotency key of 1 to 200 characters",
        "een boeking heeft een unieke sleutel van 1 tot 200 tekens nodig",
    ),
    (
        "a key too long",
        lambda w: post_many(
            w.session,
            [EntryRequest("k" * 201, "deposit", move(w.settlement, w.anna, "1.00"), VALUE_DATE)],
            actor=w.actor,
        ),
        InvalidIdempotencyKey,
        "an entry needs an idempotency key of 1 to 200 characters",
        "een boeking heeft een unieke sleutel van 1 tot 200 tekens nodig",
    ),
    (
        "no kind",
        lambda w: _post(w, kind=""),
        InvalidEntryKind,
        "entry 'k:1' needs a kind of 1 to 40 characters",
        "boeking 'k:1' heeft een soort van 1 tot 40 tekens nodig",
    ),
    (
        "a datetime for a date",
        lambda w: _post(w, value_date=dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)),
        InvalidValueDate,
        "entry 'k:1': value_date must be a date",
        "boeking 'k:1': de valutadatum moet een datum zijn",
    ),
    (
        "a text for a date",
        lambda w: _post(w, value_date="2026-03-02"),
        InvalidValueDate,
        "entry 'k:1': value_date must be a date",
        "boeking 'k:1': de valutadatum moet een datum zijn",
    ),
    (
        "one line",
        lambda w: _post(w, lines=[credit(w.anna, Decimal("10.00"))]),
        TooFewLines,
        "entry 'k:1' needs at least two lines",
        "boeking 'k:1' heeft minstens twee regels nodig",
    ),
    (
        "an amount of zero",
        lambda w: _post(w, lines=move(w.settlement, w.anna, "0")),
        AmountNotPositive,
        "entry 'k:1': every amount must be greater than 0",
        "boeking 'k:1': elk bedrag moet groter zijn dan 0",
    ),
    (
        "debits that are not the credits",
        lambda w: _post(w, lines=[debit(w.settlement, Decimal("10.00")), credit(w.anna, Decimal("9.99"))]),
        DebitsAreNotCredits,
        "entry 'k:1' does not balance: debits 10.00 != credits 9.99",
        "boeking 'k:1' is niet in evenwicht: debet €\u00a010,00 ≠ credit €\u00a09,99",
        # A page shows amounts as its language writes them; the API the canonical notation.
        "entry 'k:1' does not balance: debits €10.00 != credits €9.99",
    ),
    (
        "a control account",
        lambda w: _post(
            w, lines=move(w.settlement, account_by_code(w.session, chart.MEMBER_DEPOSITS), "5.00")
        ),
        PostingToControlAccount,
        "account 2000 is a control account; post to a child account",
        "rekening 2000 is een verzamelrekening; boek op een subrekening",
    ),
    (
        "a reversal of a reversal",
        lambda w: reverse(w.session, w.reversal_id, reason="undo the undo", actor=w.actor),
        ReversalOfReversal,
        "entry {reversal_id} is itself a reversal; post a new entry instead",
        "boeking {reversal_id} is zelf een tegenboeking; maak in plaats daarvan een nieuwe boeking",
    ),
    (
        "an entry dated in a closed month",
        lambda w: (_close_march(w), _post(w, value_date=dt.date(2026, 3, 31))),
        EntryInClosedPeriod,
        "entry 'k:1' is dated 2026-03-31, in a closed period (the books are closed through 2026-03-31):"
        " date it in the open period and name the period it corrects",
        # A page shows the rule beside the value date (or under its label), dates as its language writes them.
        "valutadatum: valt in een afgesloten periode: de boeken zijn afgesloten tot en met 31-03-2026",
        "value date: falls in a closed period: the books are closed through 2026-03-31",
    ),
    (
        "a correction dated before the month it corrects",
        lambda w: post(
            w.session,
            "k:1",
            "deposit",
            move(w.settlement, w.anna, "1.00"),
            VALUE_DATE,
            w.actor,
            corrects_month=dt.date(2026, 4, 15),
        ),
        CorrectionBeforeItsPeriod,
        "entry 'k:1' corrects 2026-04 but is dated before that month",
        "boeking 'k:1' corrigeert april 2026 maar is gedateerd vóór die maand",
        "entry 'k:1' corrects April 2026 but is dated before that month",
    ),
    (
        "a reversal without a reason",
        lambda w: reverse(w.session, w.deposit_id, reason="  ", actor=w.actor),
        ReversalWithoutReason,
        "a reversal needs a reason",
        "een tegenboeking heeft een reden nodig",
    ),
]


def _written(world: World) -> tuple[object, ...]:
    session = world.session
    return (
        session.scalar(select(func.count()).select_from(JournalEntry)),
        session.scalar(select(func.count()).select_from(Posting)),
        tuple(
            session.execute(
                select(LedgerAccount.id, LedgerAccount.debits_posted, LedgerAccount.credits_posted).order_by(
                    LedgerAccount.id
                )
            ).all()
        ),
    )


@pytest.mark.parametrize(
    ("cause", "error_class", "english", "dutch", "english_page"),
    [(*case[1:], None)[:5] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_fault_has_its_own_class_its_message_in_both_languages_and_writes_nothing(
    world, cause, error_class, english, dutch, english_page
) -> None:
    from bank.web.messages import error_text

    before = _written(world)

    with pytest.raises(error_class) as caught:
        cause(world)

    error = caught.value
    assert type(error) is error_class
    assert isinstance(error, UnbalancedEntry)
    assert str(error) == english.format(reversal_id=world.reversal_id)
    # A closed period has its own code and names the value date, so a form shows it there.
    fields = {"value_date": "falls in a closed period: the books are closed through 2026-03-31"}
    closed = error_class is EntryInClosedPeriod
    assert error.to_json() == {
        "error": "period_closed" if closed else "unbalanced_entry",
        "message": str(error),
        "fields": fields if closed else {},
    }
    assert error.http_status == 422
    with current_app.test_request_context("/"), force_locale("nl"):
        assert error_text(error) == dutch.format(reversal_id=world.reversal_id)
    with current_app.test_request_context("/"), force_locale("en"):
        assert error_text(error) == (english_page or english).format(reversal_id=world.reversal_id)
    world.session.rollback()
    assert _written(world) == before


def test_every_class_is_tested_and_survives_pickling() -> None:
    """A new class of bank.ledger.errors needs a case above; each travels with its values."""
    classes = {
        value
        for value in vars(ledger_errors).values()
        if isinstance(value, type)
        and issubclass(value, UnbalancedEntry)
        and value.__module__ == ledger_errors.__name__
        and not value.__name__.startswith("_")
    }
    assert classes == {case[2] for case in CASES}
    error = DebitsAreNotCredits(key="k:1", debits=Decimal("10.00"), credits=Decimal("9.99"))
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is DebitsAreNotCredits
    assert (str(copy), copy.message.template, dict(copy.message.params)) == (
        str(error),
        error.message.template,
        dict(error.message.params),
    )
