"""Administrators issue single-use links with which staff enrol their authenticator app.

The link is mailed to the staff member (the outbox keeps a masked copy); the administrator never
sees the token or the secret. Until the link is used, a second factor already set up keeps working.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from bank.auth import queries as user_queries
from bank.auth import service as auth_service
from bank.auth.models import User
from bank.extensions import db
from bank.portal import mail
from bank.web.access import staff_required
from bank.web.forms import Attempt
from bank.web.links import external_url
from bank.web.staff import bp


class PlainForm(FlaskForm):
    pass


@bp.route("/second-factor")
@staff_required("admin")
def second_factor() -> ResponseReturnValue:
    return render_template(
        "staff/second_factor.html", users=user_queries.staff_users(db.session), form=PlainForm(formdata=None)
    )


@bp.route("/second-factor/<int:user_id>/link", methods=["POST"])
@staff_required("admin")
def second_factor_link(user_id: int) -> ResponseReturnValue:
    user = db.session.get(User, user_id)
    if user is None or not user.is_staff:
        abort(404)
    if not PlainForm().validate_on_submit():
        abort(400)
    attempt = Attempt(say=lambda reason: _("No link sent: %(reason)s", reason=reason))
    with attempt as session:
        user = session.merge(user)
        token = auth_service.issue_enrolment_link(session, user, actor=g.actor)
        mail.send(
            session,
            to=user.email,
            template="second_factor",
            language=user.language,
            context={
                "name": user.name,
                "link": external_url("auth.enrol_second_factor", token=token),
                "hours": int(auth_service.ENROLMENT_VALID_FOR.total_seconds() // 3600),
            },
            actor=g.actor,
            member_id=None,
        )
        email = user.email
    if attempt.succeeded:
        flash(
            _("A set-up link was mailed to %(email)s; it works once, for 24 hours.", email=email), "success"
        )
    return redirect(url_for("staff.second_factor"))
