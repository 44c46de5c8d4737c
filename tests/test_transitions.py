"""Every status table, pair by pair, without a database.

Each entity's expected moves and actions are spelled out here once more, so that a change to a
table is a deliberate change to this test too. For every (from, to) pair of an enum the table
either allows it or refuses it with InvalidTransition and the caller's message; likewise every
action in every status.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from bank.applications.models import APPLICATION_STATUS, EDITABLE, FINAL
from bank.applications.models import ApplicationStatus as A
from bank.approvals.models import APPROVAL_STATUS
from bank.approvals.models import ApprovalStatus as Ap
from bank.arrears.models import CASE_STATUS
from bank.arrears.models import CaseStatus as Cs
from bank.errors import N_, InvalidTransition
from bank.loans.models import LOAN_STATUS
from bank.loans.models import LoanStatus as L
from bank.members.models import MEMBER_STATUS
from bank.members.models import MemberStatus as M
from bank.payment_orders.models import ORDER_STATE
from bank.payment_orders.models import OrderState as O
from bank.payments.models import MANDATE_STATUS
from bank.payments.models import MandateStatus as Md
from bank.payments.payout_models import PAYOUT_BATCH_STATE
from bank.payments.payout_models import PayoutBatchState as PB
from bank.pools.models import POOL_STATUS, WITHDRAWAL_STATUS, PoolStatus, WithdrawalStatus
from bank.portal.models import CHANGE_STATUS
from bank.portal.models import ChangeStatus as C
from bank.savings.models import DEPOSIT_ACCOUNT_STATUS
from bank.savings.models import DepositAccountStatus as D
from bank.transitions import Transitions

#: (table, the moves it must allow, {action: the statuses it must be allowed in}).
EXPECTED: dict[str, tuple[Transitions[Any], set[tuple[Any, Any]], dict[str, set[Any]]]] = {
    "loan": (
        LOAN_STATUS,
        {(L.ACTIVE, L.PAID_OFF), (L.ACTIVE, L.WRITTEN_OFF), (L.PAID_OFF, L.ACTIVE)},
        {"service": {L.ACTIVE}, "recover": {L.WRITTEN_OFF}},
    ),
    "deposit_account": (
        DEPOSIT_ACCOUNT_STATUS,
        {(D.OPEN, D.BLOCKED), (D.OPEN, D.CLOSED), (D.BLOCKED, D.OPEN), (D.BLOCKED, D.CLOSED)},
        {},
    ),
    "pool": (POOL_STATUS, {(PoolStatus.OPEN, PoolStatus.CLOSED)}, {}),
    "pool_withdrawal": (
        WITHDRAWAL_STATUS,
        {
            (WithdrawalStatus.WAITING, WithdrawalStatus.PAID),
            (WithdrawalStatus.WAITING, WithdrawalStatus.CANCELLED),
        },
        {},
    ),
    "mandate": (
        MANDATE_STATUS,
        {(Md.ACTIVE, Md.REVOKED), (Md.ACTIVE, Md.EXPIRED)},
        {"amend": {Md.ACTIVE}, "collect": {Md.ACTIVE}, "assign_to_loan": {Md.ACTIVE}},
    ),
    "payment_order": (
        ORDER_STATE,
        {
            (O.ORDERED, O.IN_BATCH),
            (O.IN_BATCH, O.EXPORTED), (O.IN_BATCH, O.REJECTED),
            (O.EXPORTED, O.SETTLED), (O.EXPORTED, O.REJECTED),
            (O.SETTLED, O.RETURNED),
        },
        {},
    ),
    "payout_batch": (
        PAYOUT_BATCH_STATE,
        {(PB.PREPARED, PB.RELEASED), (PB.RELEASED, PB.EXPORTED)},
        {"download": {PB.RELEASED, PB.EXPORTED}},
    ),
    "collection_case": (
        CASE_STATUS,
        {(Cs.OPEN, Cs.ESCALATED), (Cs.OPEN, Cs.CLOSED), (Cs.ESCALATED, Cs.CLOSED)},
        {"follow_up": {Cs.OPEN, Cs.ESCALATED}},
    ),
    "approval": (APPROVAL_STATUS, {(Ap.PENDING, Ap.APPROVED), (Ap.PENDING, Ap.REJECTED)}, {}),
    "profile_change": (
        CHANGE_STATUS,
        {(C.PENDING, C.APPROVED), (C.PENDING, C.REJECTED), (C.PENDING, C.WITHDRAWN)},
        {},
    ),
    "member": (
        MEMBER_STATUS,
        {
            (M.APPLICANT, M.LEFT),
            (M.ACTIVE, M.SUSPENDED), (M.ACTIVE, M.LEFT),
            (M.SUSPENDED, M.ACTIVE), (M.SUSPENDED, M.LEFT),
        },
        {
            "change": {M.APPLICANT, M.ACTIVE, M.SUSPENDED},
            "invite_to_portal": {M.APPLICANT, M.ACTIVE, M.SUSPENDED},
            "pay_share": {M.APPLICANT, M.ACTIVE, M.SUSPENDED},
        },
    ),
    "application": (
        APPLICATION_STATUS,
        {
            (A.DRAFT, A.SUBMITTED), (A.DRAFT, A.WITHDRAWN),
            (A.SUBMITTED, A.IN_REVIEW), (A.SUBMITTED, A.RETURNED), (A.SUBMITTED, A.WITHDRAWN),
            (A.IN_REVIEW, A.ON_AGENDA), (A.IN_REVIEW, A.RETURNED), (A.IN_REVIEW, A.WITHDRAWN),
            (A.ON_AGENDA, A.APPROVED), (A.ON_AGENDA, A.REJECTED), (A.ON_AGENDA, A.RETURNED),
            (A.ON_AGENDA, A.IN_REVIEW), (A.ON_AGENDA, A.WITHDRAWN),
            (A.RETURNED, A.SUBMITTED), (A.RETURNED, A.WITHDRAWN),
            (A.APPROVED, A.DISBURSED), (A.APPROVED, A.EXPIRED),
        },
        {
            "edit": {A.DRAFT, A.RETURNED},
            "review": {A.IN_REVIEW},
            "declare_conflict": {A.IN_REVIEW, A.ON_AGENDA},
            "vote": {A.ON_AGENDA},
            "decide": {A.ON_AGENDA},
            "tick_condition": {A.APPROVED},
        },
    ),
}  # fmt: skip

MOVES = [
    (entity, current, target)
    for entity, (table, _, _) in EXPECTED.items()
    for current, target in itertools.product(table.statuses, table.statuses)
]
ACTIONS = [
    (entity, action, status)
    for entity, (table, _, actions) in EXPECTED.items()
    for action in actions
    for status in table.statuses
]
REFUSAL = N_("%(what)s cannot go from %(current)s to %(target)s")


@pytest.mark.parametrize(
    ("entity", "current", "target"), MOVES, ids=[f"{e}:{c.value}->{t.value}" for e, c, t in MOVES]
)
def test_every_move_is_allowed_or_refused_by_the_table(entity: str, current: Any, target: Any) -> None:
    table, moves, _ = EXPECTED[entity]
    if (current, target) in moves:
        assert table.allows(current, target)
        table.require(current, target, REFUSAL, what=entity, current=current, target=target)
    else:
        assert not table.allows(current, target)
        with pytest.raises(InvalidTransition) as refused:
            table.require(current, target, REFUSAL, what=entity, current=current, target=target)
        # The caller's message, with its values, is what the reader gets.
        assert refused.value.message.template == REFUSAL
        assert str(refused.value) == f"{entity} cannot go from {current.value} to {target.value}"


@pytest.mark.parametrize(
    ("entity", "action", "status"), ACTIONS, ids=[f"{e}:{a}@{s.value}" for e, a, s in ACTIONS]
)
def test_every_action_is_allowed_or_refused_in_every_status(entity: str, action: str, status: Any) -> None:
    table, _, actions = EXPECTED[entity]
    if status in actions[action]:
        assert table.allows_action(action, status)
        table.require_action(action, status, N_("not now"))
    else:
        assert not table.allows_action(action, status)
        with pytest.raises(InvalidTransition, match="not now"):
            table.require_action(action, status, N_("not now"))


@pytest.mark.parametrize("entity", list(EXPECTED))
def test_each_table_is_exactly_the_designed_one(entity: str) -> None:
    table, moves, actions = EXPECTED[entity]
    assert {(c, t) for c, targets in table.moves.items() for t in targets} == moves
    assert {name: set(allowed) for name, allowed in table.actions.items()} == actions
    for status in table.statuses:
        assert table.targets(status) == [t for t in table.statuses if (status, t) in moves]
        assert table.sources(status) == [c for c in table.statuses if (c, status) in moves]


def test_final_statuses_and_the_applications_own_sets_come_from_the_table() -> None:
    assert APPLICATION_STATUS.final == FINAL == {A.REJECTED, A.WITHDRAWN, A.EXPIRED, A.DISBURSED}
    assert APPLICATION_STATUS.actions["edit"] == EDITABLE
    assert LOAN_STATUS.final == {L.WRITTEN_OFF}
    assert DEPOSIT_ACCOUNT_STATUS.final == {D.CLOSED}


def test_a_table_must_name_every_status_of_its_own_enum_only() -> None:
    with pytest.raises(ValueError, match="every status"):
        Transitions(L, {L.ACTIVE: {L.PAID_OFF}, L.PAID_OFF: set()})
    with pytest.raises(ValueError, match="another kind"):
        Transitions(PoolStatus, {PoolStatus.OPEN: {L.ACTIVE}, PoolStatus.CLOSED: set()})
    with pytest.raises(ValueError, match="another kind"):
        Transitions(
            PoolStatus, {PoolStatus.OPEN: set(), PoolStatus.CLOSED: set()}, actions={"subscribe": {L.ACTIVE}}
        )
    # Equal values of another enum ("approved" is an approval's status too) do not pass either.
    with pytest.raises(ValueError, match="another kind"):
        Transitions(Ap, {Ap.PENDING: {A.APPROVED}, Ap.APPROVED: set(), Ap.REJECTED: set()})
