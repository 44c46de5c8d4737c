"""The PD table: every fault named by its field, nothing written; versions by effective date."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bank.actor import Actor
from bank.errors import PermissionDenied, ValidationError
from bank.provisioning import queries, service
from bank.provisioning.models import PdTable

from .conftest import ADMIN, OFFICER, PD, D, World, cells


def _set(world: World, **changes):
    values = {
        "effective_on": D(2027, 1, 1),
        "default_grade": "C",
        "unsecured_lgd": "0.45",
        "probabilities": cells(),
        "actor": ADMIN,
    }
    values.update(changes)
    return service.set_pd_table(world.session, **values)


def test_bad_cells_are_named_and_nothing_is_written(world: World):
    probabilities = cells()
    probabilities["pd_B_2"] = "1.5"  # above 1
    probabilities["pd_D_1"] = "-0.01"  # below 0
    probabilities["pd_E_3"] = ""  # missing
    del probabilities["pd_A_1"]  # missing
    probabilities["pd_C_1"] = "twee procent"
    with pytest.raises(ValidationError) as refused:
        _set(world, probabilities=probabilities, unsecured_lgd="1.2", default_grade="F", effective_on=None)
    fields = refused.value.fields
    assert str(fields["pd_B_2"]) == "must be a probability between 0 and 1"
    assert str(fields["pd_D_1"]) == "must be a probability between 0 and 1"
    assert str(fields["pd_E_3"]) == "is required"
    assert str(fields["pd_A_1"]) == "is required"
    assert str(fields["pd_C_1"]) == "must be a probability such as 0.025"
    assert str(fields["unsecured_lgd"]) == "must be a probability between 0 and 1"
    assert str(fields["default_grade"]) == "must be one of A, B, C, D, E"
    assert str(fields["effective_on"]) == "is required"
    world.session.rollback()
    assert world.session.query(PdTable).count() == 0


def test_only_the_admin_sets_the_table(world: World):
    officer = Actor(user_id=999, label="officer@test", role="credit_officer")
    with pytest.raises(PermissionDenied):
        _set(world, actor=officer)


def test_the_table_in_force_at_a_date_is_used_and_history_is_kept(world: World):
    first = _set(world)
    raised = {grade: (str(Decimal(one) * 2), two, three) for grade, (one, two, three) in PD.items()}
    second = _set(world, effective_on=D(2027, 4, 1), probabilities=cells(raised), default_grade="D")
    world.session.commit()
    assert queries.table_in_force(world.session, D(2026, 12, 31)) is None
    assert queries.table_in_force(world.session, D(2027, 3, 31)).id == first.id
    assert queries.table_in_force(world.session, D(2027, 4, 30)).id == second.id
    assert queries.table_in_force(world.session, D(2027, 4, 30)).probability("C", 1) == Decimal("0.035")
    assert queries.table_in_force(world.session, D(2027, 3, 31)).probability("C", 1) == Decimal("0.0175")
    assert [t.id for t in queries.pd_tables(world.session)] == [second.id, first.id]
    with pytest.raises(ValidationError) as twice:
        _set(world, effective_on=D(2027, 4, 1))
    assert "effective_on" in twice.value.fields


def test_month_end_uses_the_version_of_its_date(world: World):
    world.set_table(D(2027, 1, 1))
    loan = world.loan("12345.67", D(2027, 1, 15))
    raised = {grade: ("0.035", two, three) for grade, (_one, two, three) in PD.items()}
    world.set_table(D(2027, 2, 15), raised)
    world.provision(D(2027, 1, 31))
    world.provision(D(2027, 2, 28))
    # January: 12 345.67 x 0.0175 x 0.4 = 86.42; February: x 0.035 x 0.4 = 172.83938 -> 172.84
    assert world.stored(D(2027, 1, 31))[loan.id][1] == Decimal("86.42")
    assert world.stored(D(2027, 2, 28))[loan.id][1] == Decimal("172.84")
    assert world.allowance() == Decimal("172.84")


def test_flags_need_a_reason_and_a_credit_officer(world: World):
    world.set_table(D(2027, 1, 1))
    loan = world.loan("5000.00", D(2027, 1, 15))
    with pytest.raises(ValidationError) as refused:
        service.flag_loan(world.session, loan.id, "watchlist", reason="  ", actor=OFFICER)
    assert "reason" in refused.value.fields
    with pytest.raises(ValidationError) as wrong:
        service.flag_loan(world.session, loan.id, "sleepy", reason="x", actor=OFFICER)
    assert "kind" in wrong.value.fields
    teller = Actor(user_id=999, label="teller@test", role="teller")
    with pytest.raises(PermissionDenied):
        service.flag_loan(world.session, loan.id, "watchlist", reason="x", actor=teller)
    service.flag_loan(world.session, loan.id, "watchlist", reason="Late filings", actor=OFFICER)
    with pytest.raises(ValidationError):
        service.flag_loan(world.session, loan.id, "watchlist", reason="again", actor=OFFICER)
