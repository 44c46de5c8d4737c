"""Who is acting (L0): passed into every service so domain code never asks Flask."""

from __future__ import annotations

from dataclasses import dataclass

STAFF_ROLES = frozenset({"admin", "teller", "credit_officer", "committee", "compliance"})
ROLES = (*sorted(STAFF_ROLES), "member")


@dataclass(frozen=True)
class Actor:
    """The person or process on whose behalf a service runs.

    ``user_id`` is None for the system (scheduled runs, migrations, the demo loader).
    """

    user_id: int | None
    label: str
    role: str = "system"
    ip_address: str | None = None
    #: For a portal user: the member they are logged in as.
    member_id: int | None = None

    @property
    def is_system(self) -> bool:
        return self.user_id is None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def has_role(self, *roles: str) -> bool:
        """Admins may do what any staff role may; the system may do anything."""
        if self.is_system:
            return True
        return self.role in roles or (self.role == "admin" and bool(set(roles) & STAFF_ROLES))


SYSTEM = Actor(user_id=None, label="system")


def system(job: str) -> Actor:
    """A labelled system actor, e.g. ``system("repayment-run")``."""
    return Actor(user_id=None, label=f"system:{job}")
