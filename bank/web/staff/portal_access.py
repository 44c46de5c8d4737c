"""Staff side of the member portal: invite a member (or an organisation's representative) and
verify the profile changes members asked for (a new external IBAN)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length

from bank import clock
from bank.auth import queries as users
from bank.extensions import db, limiter
from bank.members import queries as member_queries
from bank.members.models import Member
from bank.portal import service
from bank.portal.models import ProfileChange
from bank.web import throttle
from bank.web.access import staff_required
from bank.web.forms import Attempt
from bank.web.links import link_base
from bank.web.staff import bp

ROLES = service.PORTAL_STAFF_ROLES


class InviteForm(FlaskForm):
    person_id = HiddenField()
    email = StringField(
        _l("E-mail for the log-in"),
        validators=[Length(max=254)],
        description=_l("empty: the member's e-mail"),
    )


class DecisionForm(FlaskForm):
    note = TextAreaField(
        _l("Note"),
        validators=[Length(max=500)],
        description=_l(
            "approve: how you verified it with the member; reject: the reason (the member sees it)"
        ),
    )


def member_panel_context(session: Session, member: Member) -> dict[str, Any]:
    people = service.portal_people_of(session, member)
    return {
        "portal_people": people,
        "portal_access": service.access_overview(session, [p.id for p in people]),
        "portal_pending": service.pending_changes_of(session, member.id),
        "portal_invite_form": InviteForm(formdata=None),
        "portal_now": clock.now_utc(),
    }


def _invite_link_base() -> str:
    return link_base("portal.accept_invite")


@bp.route("/members/<int:member_id>/portal-invite", methods=["POST"])
@staff_required(*ROLES)
@limiter.limit(throttle.INVITE_PER_MEMBER, key_func=throttle.invited_member)
@limiter.limit(throttle.INVITE_PER_USER, key_func=throttle.logged_in_user)
def portal_invite(member_id: int) -> ResponseReturnValue:
    """Invite the member, or (for an organisation) the representative chosen in the form."""
    member = db.session.get(Member, member_id)
    if member is None:
        abort(404)
    form = InviteForm()
    if not form.validate_on_submit():
        flash(_("The invitation form is incomplete; try again."), "error")
        return redirect(url_for("staff.member", member_id=member_id) + "#portal")
    person_text = form.person_id.data or ""
    person_id = int(person_text) if person_text.isdigit() else member.id
    people = {p.id: p for p in service.portal_people_of(db.session, member)}
    person = people.get(person_id)
    if person is None:
        abort(404)
    attempt = Attempt(say=lambda reason: _("No invitation sent: %(reason)s", reason=reason))
    with attempt as session:
        invitation = service.invite(
            session, person, actor=g.actor, email=form.email.data or None, link_base=_invite_link_base()
        )
        sent_to = invitation.user.email
    if attempt.succeeded:
        flash(
            _(
                "Invitation sent to %(email)s; the link works once, for 72 hours.",
                email=sent_to,
            ),
            "success",
        )
    return redirect(url_for("staff.member", member_id=member_id) + "#portal")


@bp.route("/portal/changes")
@staff_required(*ROLES)
def portal_changes() -> ResponseReturnValue:
    session = db.session
    changes = service.pending_changes(session)
    members = member_queries.by_ids(session, {c.member_id for c in changes})
    requesters = users.emails_by_id(session, {c.requested_by_id for c in changes})
    return render_template(
        "staff/portal/changes.html",
        changes=changes,
        members=members,
        requesters=requesters,
        form=DecisionForm(formdata=None),
    )


@bp.route("/portal/changes/<int:change_id>", methods=["POST"])
@staff_required(*ROLES)
def decide_portal_change(change_id: int) -> ResponseReturnValue:
    change = db.session.get(ProfileChange, change_id)
    if change is None:
        abort(404)
    form = DecisionForm()
    approve = request.form.get("decision") == "approve"
    if form.validate_on_submit():
        attempt = Attempt(say=lambda reason: _("Not saved: %(reason)s", reason=reason))
        with attempt as session:
            service.decide_change(session, change, approve=approve, note=form.note.data or "", actor=g.actor)
        if attempt.succeeded:
            if approve:
                flash(_("The new IBAN is verified and in use."), "success")
            else:
                flash(_("The change was rejected; the member sees your reason."), "info")
    return redirect(url_for("staff.portal_changes"))
