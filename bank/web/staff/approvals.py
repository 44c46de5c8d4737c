"""Pending approvals (four eyes): the queue, approve as the second person, or reject with a reason.

The maker sees their own requests but gets no approve button; the service refuses it anyway.
Who may decide depends on the kind (``bank.approvals.service.deciding_roles``), so the routes
admit every viewing role and leave the decision to the service.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from bank.actor import Actor
from bank.approvals import queries
from bank.approvals import service as approvals
from bank.approvals.models import Approval
from bank.extensions import db
from bank.web import labels as status_tables
from bank.web.access import staff_required
from bank.web.filters import role_label_filter
from bank.web.forms import Attempt
from bank.web.staff import bp

VIEW_ROLES = ("teller", "admin", "credit_officer")

KIND_LABELS = status_tables.APPROVAL_KINDS
STATUS_LABELS = status_tables.APPROVAL_STATUS


def decision_note(approval: Approval, actor: Actor) -> str:
    """Who may decide this request, and whether (and why not) the viewer may: in the viewer's words.

    A second credit officer saw a disbursement waiting and no button, and nothing said that the
    payout is a teller's or an administrator's to approve.
    """
    roles = approvals.deciding_roles(approval.kind)
    allowed = " / ".join(role_label_filter(role) for role in roles)
    if approvals.is_maker(approval, actor):
        return _(
            "You made this request: another staff member (%(roles)s) decides it (four eyes).", roles=allowed
        )
    if not actor.has_role(*roles):
        return _(
            "Only %(roles)s decide this request; you are %(role)s, so you cannot approve or reject it.",
            roles=allowed,
            role=role_label_filter(actor.role),
        )
    return _("You may approve or reject this request (you did not make it).")


class DecisionForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Length(max=1000)])


@bp.route("/approvals")
@staff_required(*VIEW_ROLES)
def approvals_page() -> ResponseReturnValue:
    session = db.session
    pending = queries.pending(session)
    return render_template(
        "staff/approvals/list.html",
        pending=pending,
        decided=queries.recently_decided(session),
        can_approve={a.id: approvals.can_approve(a, g.actor) for a in pending},
        is_maker={a.id: approvals.is_maker(a, g.actor) for a in pending},
        can_decide={a.id: g.actor.has_role(*approvals.deciding_roles(a.kind)) for a in pending},
        notes={a.id: decision_note(a, g.actor) for a in pending},
        deciders={a.id: approvals.deciding_roles(a.kind) for a in pending},
        form=DecisionForm(formdata=None),
        kind_labels=KIND_LABELS,
        status_labels=STATUS_LABELS,
    )


def _approval_or_404(approval_id: int) -> Approval:
    approval = db.session.get(Approval, approval_id)
    if approval is None:
        abort(404)
    return approval


@bp.route("/approvals/<int:approval_id>/approve", methods=["POST"])
@staff_required(*VIEW_ROLES)
def approve(approval_id: int) -> ResponseReturnValue:
    _approval_or_404(approval_id)
    form = DecisionForm()
    if not form.validate():
        abort(400)
    attempt = Attempt(
        say=lambda reason: _("Request #%(id)s was not approved: %(reason)s", id=approval_id, reason=reason)
    )
    with attempt as session:
        approval = approvals.get_for_decision(session, approval_id)
        approvals.approve(session, approval, actor=g.actor, note=form.reason.data or "")
    if attempt.succeeded:
        flash(_("Request #%(id)s approved and carried out.", id=approval_id), "success")
    return redirect(url_for("staff.approvals_page"))


@bp.route("/approvals/<int:approval_id>/reject", methods=["POST"])
@staff_required(*VIEW_ROLES)
def reject(approval_id: int) -> ResponseReturnValue:
    _approval_or_404(approval_id)
    form = DecisionForm()
    if not form.validate():
        abort(400)
    attempt = Attempt(
        say=lambda reason: _("Request #%(id)s was not rejected: %(reason)s", id=approval_id, reason=reason)
    )
    with attempt as session:
        approval = approvals.get_for_decision(session, approval_id)
        approvals.reject(session, approval, actor=g.actor, reason=form.reason.data or "")
    if attempt.succeeded:
        flash(_("Request #%(id)s rejected.", id=approval_id), "success")
    return redirect(url_for("staff.approvals_page"))
