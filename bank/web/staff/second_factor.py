"""Administrators issue single-use links with which staff enrol their authenticator app.

The link is mailed to the staff member (the outbox keeps a masked copy); the administrator never
sees the token or the secret. Until the link is used, a second factor already set up keeps working.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select

from bank.auth import service as auth_service
from bank.auth.models import User
from bank.errors import BankError
from bank.extensions import db
from bank.portal import mail
from bank.web.access import staff_required
from bank.web.links import external_url
from bank.web.messages import error_text
from bank.web.nav import add_staff_nav
from bank.web.staff import bp

add_staff_nav("staff.second_factor", "Second factor", ("admin",), order=95)


class PlainForm(FlaskForm):
    pass


@bp.route("/second-factor")
@staff_required("admin")
def second_factor() -> ResponseReturnValue:
    users = list(db.session.scalars(select(User).where(User.role != "member").order_by(User.email)))
    return render_template("staff/second_factor.html", users=users, form=PlainForm(formdata=None))


@bp.route("/second-factor/<int:user_id>/link", methods=["POST"])
@staff_required("admin")
def second_factor_link(user_id: int) -> ResponseReturnValue:
    user = db.session.get(User, user_id)
    if user is None or not user.is_staff:
        abort(404)
    if not PlainForm().validate_on_submit():
        abort(400)
    try:
        with db.unit_of_work() as session:
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
    except BankError as error:
        flash(_("No link sent: %(reason)s", reason=error_text(error)), "error")
    else:
        flash(
            _("A set-up link was mailed to %(email)s; it works once, for 24 hours.", email=email), "success"
        )
    return redirect(url_for("staff.second_factor"))
