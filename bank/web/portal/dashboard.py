"""The member's home: their money first, their loan's next instalment, where their money works.

For the person and each organisation they represent: balances (savings, shares, pool
participations), each loan's next instalment and any arrears, the projects their pool money
funds (as the pools page words them, borrowers named only with consent), the latest bookings,
and their applications. Everything is looked up through the logged-in member, so nothing of
another member can appear; the number of queries grows with the member's own pools, not the bank.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from bank.extensions import db
from bank.money import ZERO
from bank.pools import queries as pool_queries
from bank.portal import queries
from bank.savings.models import DepositAccountStatus
from bank.web.access import member_required
from bank.web.portal import bp
from bank.web.portal.helpers import me
from bank.web.portal.labels import labels
from bank.web.portal.pools import ProjectLine, project_lines

#: Projects shown per participation on the home page (the pools page shows them all).
PROJECTS_ON_HOME = 3
#: Latest bookings shown per member on the home page.
MOVEMENTS_ON_HOME = 5


@dataclass
class Home:
    """What the home page adds to a member's dashboard view: pools, projects and recent bookings."""

    participations: list[tuple[pool_queries.MemberParticipationView, list[ProjectLine]]] = field(
        default_factory=list
    )
    movements: list[queries.Movement] = field(default_factory=list)

    @property
    def in_pools(self) -> Decimal:
        return sum((view.balance for view, _projects in self.participations), ZERO)


@bp.route("/")
@member_required
def dashboard() -> ResponseReturnValue:
    session = db.session
    views = queries.dashboard(session, me())
    homes = {view.member.id: Home() for view in views}
    participations = pool_queries.member_participations(session, list(homes))
    projects = project_lines(session, participations)
    for participation in participations:
        homes[participation.participation.member_id].participations.append(
            (participation, projects[participation.participation.id])
        )
    movements = queries.recent_movements(
        session,
        [
            line.account
            for view in views
            for line in view.accounts
            if line.account.status is not DepositAccountStatus.CLOSED
        ],
        limit=MOVEMENTS_ON_HOME,
        language=str(get_locale() or "nl"),
    )
    for member_id, home in homes.items():
        home.movements = movements.get(member_id, [])
    return render_template(
        "portal/dashboard.html",
        views=views,
        homes=homes,
        projects_on_home=PROJECTS_ON_HOME,
        **labels(),
    )
