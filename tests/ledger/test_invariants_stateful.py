"""Hypothesis: random sequences of bookings keep every invariant of DESIGN.md.

A rule-based state machine books deposits, withdrawals, transfers, reversals, retries of a
key with the same content and retries with other content, each in its own transaction like a
view would. A model of the balances says what must happen: a booking that the model allows
succeeds, one it does not is refused and changes nothing. After every step: every entry
balances, the trial balance is zero, cached totals equal the postings, no member account is
negative, and every balance equals the model to the cent.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from bank.actor import system
from bank.errors import IdempotencyConflict, InsufficientFunds
from bank.extensions import db
from bank.ledger import chart
from bank.ledger.models import JournalEntry
from bank.ledger.queries import balance, verify
from bank.ledger.service import account_by_code, open_child_account, post, reverse
from bank.money import from_cents

from .conftest import VALUE_DATE, move

#: Every example shares the test's database; codes and keys stay unique across examples.
_RUNS = itertools.count(1)
amounts = st.integers(min_value=1, max_value=200_000).map(from_cents)


@dataclass
class Booked:
    entry_id: int
    key: str
    kind: str
    #: (from_account, to_account, amount): Dr from / Cr to.
    movement: tuple[int, int, Decimal]
    reversed: bool = False


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.session = db.new_session()
        self.actor = system("hypothesis")
        self.run = next(_RUNS)
        self.settlement = account_by_code(self.session, chart.SETTLEMENT).id
        self.accounts: list[int] = []
        # The settlement account is shared by every example: the model starts where it stands.
        self.model: dict[int, Decimal] = {self.settlement: balance(self.session, self.settlement)}
        self.session.commit()
        self.booked: list[Booked] = []
        self.numbers = itertools.count(1)

    # --- helpers ---------------------------------------------------------------------------

    def key(self, kind: str) -> str:
        return f"h{self.run}:{kind}:{next(self.numbers)}"

    def apply(self, movement: tuple[int, int, Decimal], sign: int = 1) -> None:
        """Dr from / Cr to on the model: member accounts are liabilities, settlement an asset."""
        source, target, amount = movement
        for account, grows in ((source, source == self.settlement), (target, target != self.settlement)):
            delta = amount if grows else -amount
            self.model[account] = self.model.get(account, Decimal("0.00")) + sign * delta

    def allowed(self, movement: tuple[int, int, Decimal]) -> bool:
        source, _, amount = movement
        return source == self.settlement or self.model[source] >= amount

    def book(self, kind: str, movement: tuple[int, int, Decimal]) -> None:
        source, target, amount = movement
        key = self.key(kind)
        if self.allowed(movement):
            entry = post(self.session, key, kind, move(source, target, str(amount)), VALUE_DATE, self.actor)
            self.session.commit()
            self.apply(movement)
            self.booked.append(Booked(entry.id, key, kind, movement))
        else:
            try:
                post(self.session, key, kind, move(source, target, str(amount)), VALUE_DATE, self.actor)
            except InsufficientFunds as refused:
                assert refused.message.startswith("insufficient funds on account 2000-")
            else:  # pragma: no cover - the model says this must be refused
                raise AssertionError(f"{kind} of {amount} should have been refused")
            finally:
                self.session.rollback()

    def entry_count(self) -> int:
        return self.session.scalar(
            select(func.count())
            .select_from(JournalEntry)
            .where(JournalEntry.idempotency_key.like(f"h{self.run}:%"))
        )

    # --- rules ---------------------------------------------------------------------------

    @initialize()
    def open_first_account(self) -> None:
        self.open_account()

    @precondition(lambda self: len(self.accounts) < 4)
    @rule()
    def open_account(self) -> None:
        account = open_child_account(
            self.session, chart.MEMBER_DEPOSITS, f"H{self.run}-{len(self.accounts)}", "M"
        )
        self.session.commit()
        self.accounts.append(account.id)
        self.model[account.id] = Decimal("0.00")

    @rule(data=st.data(), amount=amounts)
    def deposit(self, data: st.DataObject, amount: Decimal) -> None:
        account = data.draw(st.sampled_from(self.accounts))
        self.book("deposit", (self.settlement, account, amount))

    @rule(data=st.data(), amount=amounts)
    def withdraw(self, data: st.DataObject, amount: Decimal) -> None:
        account = data.draw(st.sampled_from(self.accounts))
        # Often exactly the balance or just over it: the edge is where bugs live.
        amount = data.draw(
            st.sampled_from([amount, self.model[account], self.model[account] + Decimal("0.01")])
        )
        if amount > 0:
            self.book("withdrawal", (account, self.settlement, amount))

    @precondition(lambda self: len(self.accounts) >= 2)
    @rule(data=st.data(), amount=amounts)
    def transfer(self, data: st.DataObject, amount: Decimal) -> None:
        source, target = data.draw(st.permutations(self.accounts))[:2]
        self.book("transfer", (source, target, amount))

    @precondition(lambda self: any(not b.reversed for b in self.booked))
    @rule(data=st.data())
    def reverse_an_entry(self, data: st.DataObject) -> None:
        booked = data.draw(st.sampled_from([b for b in self.booked if not b.reversed]))
        source, target, amount = booked.movement
        undo = (target, source, amount)
        key = self.key("reversal")
        if self.allowed(undo):
            reverse(self.session, booked.entry_id, reason="hypothesis", actor=self.actor, key=key)
            self.session.commit()
            self.apply(undo)
            booked.reversed = True
        else:
            try:
                reverse(self.session, booked.entry_id, reason="hypothesis", actor=self.actor, key=key)
            except InsufficientFunds:
                pass
            else:  # pragma: no cover
                raise AssertionError("the reversal should have been refused")
            finally:
                self.session.rollback()

    @precondition(lambda self: bool(self.booked))
    @rule(data=st.data())
    def retry_with_the_same_content(self, data: st.DataObject) -> None:
        booked = data.draw(st.sampled_from(self.booked))
        source, target, amount = booked.movement
        entry = post(
            self.session, booked.key, booked.kind, move(source, target, str(amount)), VALUE_DATE, self.actor
        )
        self.session.commit()
        assert entry.id == booked.entry_id

    @precondition(lambda self: bool(self.booked))
    @rule(data=st.data())
    def retry_with_other_content(self, data: st.DataObject) -> None:
        booked = data.draw(st.sampled_from(self.booked))
        source, target, amount = booked.movement
        other = str(amount + Decimal("0.01"))
        try:
            post(self.session, booked.key, booked.kind, move(source, target, other), VALUE_DATE, self.actor)
        except IdempotencyConflict:
            pass
        else:  # pragma: no cover
            raise AssertionError("a reused key with other content must be a conflict")
        finally:
            self.session.rollback()

    @precondition(lambda self: len(self.accounts) >= 1)
    @rule(data=st.data())
    def overdraw_inside_a_batch_changes_nothing(self, data: st.DataObject) -> None:
        """A deposit and an overdrawing withdrawal in one transaction: neither stays."""
        account = data.draw(st.sampled_from(self.accounts))
        post(
            self.session,
            self.key("deposit"),
            "deposit",
            move(self.settlement, account, "1.00"),
            VALUE_DATE,
            self.actor,
        )
        too_much = str(self.model[account] + Decimal("1.01"))
        try:
            post(
                self.session,
                self.key("withdrawal"),
                "withdrawal",
                move(account, self.settlement, too_much),
                VALUE_DATE,
                self.actor,
            )
        except InsufficientFunds:
            pass
        finally:
            self.session.rollback()

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def ledger_is_sound(self) -> None:
        assert verify(self.session) == []
        for account, expected in self.model.items():
            assert balance(self.session, account) == expected, account
            assert account == self.settlement or expected >= 0
        reversals = sum(1 for b in self.booked if b.reversed)
        assert self.entry_count() == len(self.booked) + reversals
        self.session.commit()

    def teardown(self) -> None:
        self.session.rollback()
        self.session.close()


def test_random_bookings_keep_every_invariant(app):
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
