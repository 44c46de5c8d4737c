"""Monthly statements: produced once per account with movements, immutable, checked on read."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import stat
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from bank.errors import ValidationError
from bank.ledger import queries as ledger_queries
from bank.statements import service
from bank.statements.models import StoredStatement

from . import world as w

OCTOBER_END = dt.date(2026, 10, 31)


def test_month_end_stores_one_statement_per_account_with_movements(session, world, tmp_path):
    run = service.produce_monthly_statements(session, OCTOBER_END, actor=w.SETUP, statement_dir=tmp_path)
    session.commit()
    # October: Anna (withdrawal, transfer out, deposit) and Bram (transfer in); the co-op had nothing.
    assert (run.accounts, run.created, run.already_stored) == (2, 2, 0)
    (anna,) = service.stored_statements_for(session, world.anna_account)
    assert (anna.period_start, anna.period_end) == (dt.date(2026, 10, 1), OCTOBER_END)
    assert anna.opening_balance == ledger_queries.balance(
        session, world.anna_account.ledger_account_id, dt.date(2026, 9, 30)
    )
    assert anna.closing_balance == ledger_queries.balance(
        session, world.anna_account.ledger_account_id, OCTOBER_END
    )
    assert anna.line_count == 3
    assert service.stored_statements_for(session, world.coop_account) == []

    content = service.read_stored_statement(anna, tmp_path)
    assert hashlib.sha256(content).hexdigest() == anna.sha256
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "€ 2.411,41" in text and "Eindsaldo" in text
    path = tmp_path / anna.relative_path
    assert not os.stat(path).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)  # read-only


def test_a_second_run_produces_nothing_and_changes_nothing(session, world, tmp_path):
    service.produce_monthly_statements(session, OCTOBER_END, actor=w.SETUP, statement_dir=tmp_path)
    session.commit()
    before = {s.id: (s.sha256, s.relative_path) for s in session.scalars(select(StoredStatement))}
    again = service.produce_monthly_statements(session, OCTOBER_END, actor=w.SETUP, statement_dir=tmp_path)
    session.commit()
    assert (again.created, again.already_stored) == (0, 2)
    assert {s.id: (s.sha256, s.relative_path) for s in session.scalars(select(StoredStatement))} == before
    statement, created = service.store_monthly_statement(
        session, world.anna_account, OCTOBER_END, actor=w.SETUP, statement_dir=tmp_path
    )
    assert not created and statement.id in before


def test_a_changed_file_is_refused_not_served(session, world, tmp_path):
    service.produce_monthly_statements(session, OCTOBER_END, actor=w.SETUP, statement_dir=tmp_path)
    session.commit()
    (statement,) = service.stored_statements_for(session, world.anna_account)
    path = Path(tmp_path) / statement.relative_path
    path.chmod(0o644)
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01  # one flipped bit somewhere in the page
    path.write_bytes(bytes(content))
    with pytest.raises(service.StatementDamaged, match="checksum"):
        service.read_stored_statement(statement, tmp_path)
    path.unlink()
    with pytest.raises(service.StatementDamaged, match="missing"):
        service.read_stored_statement(statement, tmp_path)


def test_statements_for_a_member_list_every_month_newest_first(session, world, tmp_path):
    for month_end in (dt.date(2026, 9, 30), OCTOBER_END, dt.date(2026, 1, 31)):
        service.produce_monthly_statements(session, month_end, actor=w.SETUP, statement_dir=tmp_path)
    session.commit()
    listed = service.stored_statements_for_member(session, world.anna.id)
    assert [s.period_start for s in listed] == [
        dt.date(2026, 10, 1),
        dt.date(2026, 9, 1),
        dt.date(2026, 1, 1),
    ]
    assert service.stored_statement_of_member(session, world.bram.id, listed[0].id) is None
    assert listed[0].download_name == f"rekeningafschrift-{world.anna_account.number}-2026-10.pdf"


@pytest.mark.parametrize(
    ("month_end", "field", "rule"),
    [(dt.date(2026, 11, 30), "month", "must have ended"), (dt.date(2026, 10, 30), "month_end", "last day")],
)
def test_month_must_have_ended_and_be_a_month_end(session, world, tmp_path, month_end, field, rule):
    with pytest.raises(ValidationError) as refused:
        service.produce_monthly_statements(session, month_end, actor=w.SETUP, statement_dir=tmp_path)
    assert rule in refused.value.fields[field]
    assert session.scalar(select(func.count()).select_from(StoredStatement)) == 0


def test_month_end_job_does_the_month_that_ended_last(session, world, tmp_path):
    run = service.month_end_job(session, dt.date(2026, 11, 3), actor=w.SETUP, statement_dir=tmp_path)
    assert run is not None and run.month_end == OCTOBER_END and run.created == 2
    assert service.month_end_job(session, OCTOBER_END, actor=w.SETUP, statement_dir=tmp_path).created == 0


def test_parse_month_names_the_field():
    assert service.parse_month("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    with pytest.raises(ValidationError) as refused:
        service.parse_month("oktober")
    assert "month" in refused.value.fields


def test_on_demand_pdf_for_any_past_period(session, world):
    content = service.account_statement_pdf(
        session, world.anna_account, dt.date(2026, 1, 1), dt.date(2026, 11, 28), language="en"
    )
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "Opening balance" in text
    assert f"€{Decimal('2411.41'):,.2f}" in text


def test_a_stored_statement_row_cannot_be_edited_or_deleted(session, world, tmp_path):
    from bank.db import AppendOnlyViolation

    service.produce_monthly_statements(session, OCTOBER_END, actor=w.SETUP, statement_dir=tmp_path)
    session.commit()
    statement = service.stored_statements_for(session, world.anna_account)[0]
    statement.closing_balance = Decimal("1000000.00")
    with pytest.raises(AppendOnlyViolation):
        session.flush()
    session.rollback()
    session.delete(statement)
    with pytest.raises(AppendOnlyViolation):
        session.flush()
    session.rollback()
