"""Month-end provisioning of N loans against one SQL aggregate computing the same figures.

``python -m bench.credit_risk_provisioning --loans 20000 [--database-url postgresql+psycopg://…]``
prints one JSON object (DESIGN.md, "Benchmarks"). The loans are the repayment bench's
(``bench.repayment_run.build``: 3 000.00 each, three monthly instalments from 2 March 2026), with
a spread the staging sees: a quarter paid up, the others 59, 89 or 120 days past due at the end
of June, half of them graded by a credit officer (A–E), one in twenty on the watchlist and one
in fifty credit-impaired. Side by side in one run:

- ``provisioning_s``: the month-end run (``bank.provisioning.service.provision_month_end``):
  four reads over all loans, the collateral register asked once, the stage and expected loss of
  every loan, one row per loan stored, the allowance entry posted, committed;
- ``sql_s``: one SQL statement computing the same figures (stage, exposure and expected loss
  summed per stage) and nothing else: no rows stored, no entry.

``provisioning_vs_sql`` (target <= 4) is their ratio; the per-stage totals of both are compared
to the cent (``sql_agrees``). The lead folds :func:`measure` into ``python -m bench.credit_risk``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from bank import clock
from bank.actor import system
from bank.applications.models import ApplicationStatus, LoanApplication
from bank.db import Database
from bank.loans.models import Instalment
from bank.money import from_cents
from bank.provisioning import queries, service
from bank.provisioning.models import GRADES, STAGES, LoanProvision, LoanRiskFlag, RiskFlagKind
from bench.repayment_run import build, fresh_database, log

MONTH_END = dt.date(2026, 6, 30)
TABLE_FROM = dt.date(2026, 1, 1)
PD = {"A": ("0.004", "0.04", "1"), "B": ("0.008", "0.07", "1"), "C": ("0.015", "0.12", "1"),
      "D": ("0.03", "0.2", "1"), "E": ("0.06", "0.35", "1")}  # fmt: skip
UNSECURED_LGD = "0.45"

#: The same figures as the run, in one statement: exposure at the month-end (cached balances less
#: later postings), the oldest instalment unpaid at the month-end, the standing flags, the stage,
#: the PD of the grade (or the default grade) and stage, and the expected loss rounded half up
#: to the cent per loan; summed per stage.
SQL = """
WITH exposure AS (
  SELECT l.id AS loan_id,
         COALESCE(a.risk_grade, :default_grade) AS grade,
         (p.debits_posted - p.credits_posted + i.debits_posted - i.credits_posted
          + f.debits_posted - f.credits_posted)
         - COALESCE((SELECT SUM(CASE WHEN ps.side = 'debit' THEN ps.amount ELSE -ps.amount END)
                     FROM postings ps
                     WHERE ps.account_id IN (l.principal_account_id, l.interest_account_id, l.fees_account_id)
                       AND ps.value_date > :month_end), 0) AS cents
  FROM loans l
  JOIN ledger_accounts p ON p.id = l.principal_account_id
  JOIN ledger_accounts i ON i.id = l.interest_account_id
  JOIN ledger_accounts f ON f.id = l.fees_account_id
  LEFT JOIN loan_applications a ON a.loan_id = l.id
  WHERE l.disbursed_on <= :month_end AND (l.status = 'active' OR l.closed_on > :month_end)
), overdue AS (
  SELECT loan_id, MIN(due_on) AS oldest
  FROM instalments
  WHERE due_on < :month_end AND (status = 'open' OR (status = 'paid' AND paid_on > :month_end))
  GROUP BY loan_id
), flags AS (
  SELECT loan_id,
         MAX(CASE WHEN kind = 'credit_impaired' THEN 1 ELSE 0 END) AS impaired,
         MAX(CASE WHEN kind = 'watchlist' THEN 1 ELSE 0 END) AS watched
  FROM loan_risk_flags
  WHERE flagged_on <= :month_end AND (cleared_on IS NULL OR cleared_on > :month_end)
  GROUP BY loan_id
), staged AS (
  SELECT e.loan_id, e.grade, CASE WHEN e.cents > 0 THEN e.cents ELSE 0 END AS cents,
         CASE WHEN fl.impaired = 1 THEN 3
              WHEN o.oldest < :over_90 THEN 3
              WHEN o.oldest < :over_30 THEN 2
              WHEN fl.watched = 1 THEN 2
              ELSE 1 END AS stage
  FROM exposure e
  LEFT JOIN overdue o ON o.loan_id = e.loan_id
  LEFT JOIN flags fl ON fl.loan_id = e.loan_id
)
SELECT s.stage, COUNT(*), SUM(s.cents),
       SUM({loss})
FROM staged s
JOIN pd_rates r ON r.table_id = :table_id AND r.grade = s.grade AND r.stage = s.stage
GROUP BY s.stage
ORDER BY s.stage
"""
#: The loss of one loan, half up to the cent: exact numeric on PostgreSQL; on SQLite a double
#: (exposure x PD x LGD of a loan is far inside its 15 exact digits) truncated after + 0.5.
LOSS = {
    "postgresql": "ROUND(CAST(s.cents AS NUMERIC) * r.probability * :lgd / 10000000000000000)",
    "sqlite": "CAST(s.cents * 1.0 * r.probability * :lgd / 10000000000000000 + 0.5 AS INTEGER)",
}


def prepare(url: str, loans: int) -> Database:
    """The loans, their spread, the PD table; every row inserted directly (not timed)."""
    build(url, loans)
    database = Database()
    database.configure(url)
    engine = database.engine
    assert engine is not None
    now = dt.datetime.now(dt.UTC)
    paid = {0: 3, 1: 1, 2: 0, 3: 2}  # instalments paid, by loan id % 4
    with engine.begin() as connection:
        for remainder, count in paid.items():
            if count:
                connection.execute(
                    sa.update(Instalment)
                    .where((Instalment.loan_id % 4) == remainder, Instalment.number <= count)
                    .values(status="paid", paid_on=dt.date(2026, 3, 2))
                )
        product_id = connection.execute(sa.text("SELECT MIN(id) FROM loan_products")).scalar()
        rows = [
            {
                "number": f"KA-B-{loan_id:07d}",
                "status": ApplicationStatus.DISBURSED,
                "applicant_id": loan_id,
                "created_by_label": "bench",
                "product_id": product_id,
                "loan_id": loan_id,
                "risk_grade": GRADES[loan_id % 5],
                "created_at": now,
                "updated_at": now,
            }
            for loan_id in range(1, loans + 1, 2)
        ]
        for start in range(0, len(rows), 5000):
            connection.execute(sa.insert(LoanApplication), rows[start : start + 5000])
        flags = [
            {
                "loan_id": loan_id,
                "kind": RiskFlagKind.CREDIT_IMPAIRED if loan_id % 50 == 0 else RiskFlagKind.WATCHLIST,
                "reason": "bench",
                "flagged_on": dt.date(2026, 5, 1),
                "flagged_by_label": "bench",
                "cleared_reason": "",
                "cleared_by_label": "",
                "created_at": now,
            }
            for loan_id in range(1, loans + 1)
            if loan_id % 20 == 0 or loan_id % 50 == 0
        ]
        if flags:
            connection.execute(sa.insert(LoanRiskFlag), flags)
    session = database.new_session()
    try:
        service.set_pd_table(
            session,
            effective_on=TABLE_FROM,
            default_grade="C",
            unsecured_lgd=UNSECURED_LGD,
            probabilities={
                queries.cell_field(grade, stage): PD[grade][stage - 1] for grade in GRADES for stage in STAGES
            },
            actor=system("bench"),
        )
        session.commit()
        session.execute(sa.text("ANALYZE"))
        session.commit()
    finally:
        session.close()
    return database


def sql_figures(database: Database) -> tuple[float, dict[int, tuple[int, Decimal, Decimal]]]:
    """(seconds, stage -> (loans, exposure, expected loss)) of the one SQL aggregate."""
    session = database.new_session()
    try:
        table = queries.table_in_force(session, MONTH_END)
        assert table is not None
        dialect = "postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"
        statement = sa.text(SQL.replace("{loss}", LOSS[dialect])).bindparams(
            sa.bindparam("month_end", type_=sa.Date),
            sa.bindparam("over_30", type_=sa.Date),
            sa.bindparam("over_90", type_=sa.Date),
        )
        params = {
            "month_end": MONTH_END,
            "over_30": MONTH_END - dt.timedelta(days=30),
            "over_90": MONTH_END - dt.timedelta(days=90),
            "default_grade": table.default_grade,
            "lgd": int(table.unsecured_lgd * 10**8),
            "table_id": table.id,
        }
        session.rollback()
        started = time.perf_counter()
        rows = session.execute(statement, params).all()
        seconds = time.perf_counter() - started
        return seconds, {
            int(stage): (int(count), from_cents(int(cents)), from_cents(int(ecl)))
            for stage, count, cents, ecl in rows
        }
    finally:
        session.close()


def run_figures(database: Database) -> tuple[float, dict[int, tuple[int, Decimal, Decimal]]]:
    """(seconds, the same figures from the stored results) of the month-end run, committed."""
    session = database.new_session()
    try:
        with clock.frozen(dt.date(2026, 7, 1)):
            queries.table_in_force(session, MONTH_END)  # the mappers configured before the timer
            session.rollback()
            started = time.perf_counter()
            service.provision_month_end(session, MONTH_END, actor=system("bench"))
            session.commit()
            seconds = time.perf_counter() - started
        figures = {
            int(stage): (int(count), from_cents(int(cents)), from_cents(int(ecl)))
            for stage, count, cents, ecl in session.execute(
                sa.select(
                    LoanProvision.stage,
                    sa.func.count(),
                    sa.func.sum(sa.type_coerce(LoanProvision.exposure, sa.BigInteger)),
                    sa.func.sum(sa.type_coerce(LoanProvision.ecl, sa.BigInteger)),
                )
                .where(LoanProvision.month_end == MONTH_END)
                .group_by(LoanProvision.stage)
                .order_by(LoanProvision.stage)
            )
        }
        return seconds, figures
    finally:
        session.close()


def check(name: str, value: float, target: str) -> dict[str, Any]:
    limit = float(target.split()[-1])
    return {"name": name, "value": round(value, 2), "target": target, "ok": value <= limit}


def measure(loans: int, database_url: str | None) -> dict[str, Any]:
    """Build ``loans`` loans, time the run and the SQL aggregate side by side; the bench's JSON."""
    url = fresh_database(database_url)
    log(f"building {loans} loans")
    database = prepare(url, loans)
    try:
        sql_seconds, sql = sql_figures(database)
        run_seconds, stored = run_figures(database)
        # The aggregate again after the run (caches warm alike for both), the faster of the two.
        again, _ = sql_figures(database)
        sql_seconds = min(sql_seconds, again)
    finally:
        if database.engine is not None:
            database.engine.dispose()
    total = sum((ecl for _n, _e, ecl in stored.values()), Decimal("0.00"))
    return {
        "bench": "credit_risk_provisioning",
        "params": {
            "loans": loans,
            "database": "postgresql" if database_url else "sqlite",
            "month_end": MONTH_END.isoformat(),
        },
        "results": {
            "provisioning_s": round(run_seconds, 3),
            "sql_s": round(sql_seconds, 3),
            "loans_per_s": round(loans / run_seconds) if run_seconds else None,
            "allowance": str(total),
            "by_stage": {
                str(stage): {"loans": count, "exposure": str(exposure), "ecl": str(ecl)}
                for stage, (count, exposure, ecl) in stored.items()
            },
            "sql_agrees": stored == sql,
        },
        "checks": [check("provisioning_vs_sql", run_seconds / sql_seconds if sql_seconds else 0.0, "<= 4")],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=20000, help="number of loans (default 20000)")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL URL; default a fresh SQLite file")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.loans, args.database_url)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
