"""The runs tests use the servicing stories' small bank (same fixtures)."""

from loans.servicing.conftest import Bank, bank, make_loan_product, pinned_today  # noqa: F401
from sqlalchemy import func, select

from bank.ledger.models import JournalEntry


def entry_count(session) -> int:
    """Journal entries in the database now (fresh read; the read transaction is ended)."""
    session.expire_all()
    count = session.scalar(select(func.count()).select_from(JournalEntry))
    session.commit()  # SQLite: leave no read transaction holding the write lock
    return count
