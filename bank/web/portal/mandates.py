"""My mandates: the SEPA direct-debit mandates of the member and of the organisations they
represent (the portal's rule), and revoking one after a confirm step.

Every mandate is looked up through the logged-in member (``queries.mandate_of_member``), so
another member's mandate id is a 404 like every other portal URL with an id.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from bank import clock
from bank.extensions import db
from bank.loans.models import CollectionMethod
from bank.payments import mandates as service
from bank.payments import queries
from bank.payments.models import MANDATE_STATUS, MandateStatus
from bank.portal import queries as portal_queries
from bank.web.access import member_required
from bank.web.forms import Attempt
from bank.web.labels import MANDATE_SCHEME_LABELS
from bank.web.labels import MANDATE_STATUS as STATUS_LABELS
from bank.web.portal import bp
from bank.web.portal.helpers import me, or_404


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the confirm button."""


def _acting_for() -> list[int]:
    """The logged-in member and the organisations they represent."""
    return [member.id for member, _role in portal_queries.visible_members(db.session, me())]


@bp.route("/mandates")
@member_required
def mandates() -> ResponseReturnValue:
    session = db.session
    own = queries.mandates_of_members(session, _acting_for())
    loans = {m.id: [loan for loan in queries.loans_of_mandate(session, m.id)] for m in own}
    return render_template(
        "portal/mandates.html",
        mandates=own,
        loans=loans,
        status_labels=STATUS_LABELS,
        scheme_labels=MANDATE_SCHEME_LABELS,
        Status=MandateStatus,
        Method=CollectionMethod,
    )


@bp.route("/mandates/<int:mandate_id>/revoke", methods=["GET", "POST"])
@member_required
def revoke_mandate(mandate_id: int) -> ResponseReturnValue:
    session = db.session
    acting_for = _acting_for()
    found = or_404(queries.mandate_of_member, session, acting_for, mandate_id)
    if not MANDATE_STATUS.allows(found.status, MandateStatus.REVOKED):
        flash(_("This mandate is no longer active."), "info")
        return redirect(url_for("portal.mandates"))
    form = ConfirmForm()
    if form.validate_on_submit():
        attempt = Attempt()
        with attempt as work:
            service.revoke_mandate(
                work, found, actor=g.actor, on=clock.today(), reason="", acting_for=acting_for
            )
        if attempt.succeeded:
            flash(
                _(
                    "Mandate %(reference)s is revoked: we collect nothing more by it. Please keep enough "
                    "money in your repayment account for your instalments.",
                    reference=found.reference,
                ),
                "success",
            )
            return redirect(url_for("portal.mandates"))
        abort(409)
    return render_template(
        "portal/revoke_mandate.html",
        mandate=found,
        loans=queries.loans_of_mandate(session, found.id),
        form=form,
        scheme_labels=MANDATE_SCHEME_LABELS,
        Method=CollectionMethod,
    )
