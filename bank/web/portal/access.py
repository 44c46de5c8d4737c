"""Public pages reached from an e-mail: accept an invitation, ask for and use a password reset.

The links carry the token; the pages never say whose link it is. A refused link says why
(expired, used, replaced) so the member knows to ask for a new one.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from bank.errors import BankError
from bank.extensions import db, limiter
from bank.portal import service
from bank.portal.models import TokenPurpose
from bank.web import throttle
from bank.web.access import public
from bank.web.forms import form_status, show_errors
from bank.web.links import link_base
from bank.web.portal import bp


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("at least 12 characters; a sentence of four or five words is easy to remember"),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))],
    )


class ResetRequestForm(FlaskForm):
    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])


def _refusal_message(reason: str) -> str:
    return {
        "expired": _("This link has expired. Ask the bank for a new one, or request a new password below."),
        "used": _("This link has already been used; a link works only once. Log in with your password."),
        "replaced": _("A newer link was sent after this one; use the link in the most recent e-mail."),
        "inactive": _("This log-in is switched off. Please contact the bank."),
    }.get(reason, _("This link is not valid. Check that you copied the whole link from the e-mail."))


def _token_page(token: str, purpose: TokenPurpose, template: str) -> ResponseReturnValue:
    try:
        service.check_token(db.session, token, purpose)
    except service.TokenRefused as refused:
        db.session.rollback()
        return render_template("portal/link_refused.html", message=_refusal_message(refused.reason)), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            with db.unit_of_work() as session:
                service.use_token(
                    session, token, purpose, password=form.password.data or "", ip_address=request.remote_addr
                )
        except service.TokenRefused as refused:
            return render_template("portal/link_refused.html", message=_refusal_message(refused.reason)), 410
        except BankError as error:
            show_errors(form, error)
        else:
            flash(_("Your password is set. Log in with your e-mail address and the new password."), "success")
            return redirect(url_for("auth.login"))
    status = form_status(form)
    return render_template(template, form=form), status


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
@limiter.limit(throttle.TOKEN_FORM_PER_ADDRESS, methods=["POST"])
def accept_invite(token: str) -> ResponseReturnValue:
    return _token_page(token, TokenPurpose.INVITE, "portal/invite.html")


@bp.route("/password-reset", methods=["GET", "POST"])
@public
@limiter.limit(throttle.RESET_REQUEST_PER_ADDRESS, methods=["POST"])
@limiter.limit(throttle.RESET_REQUEST_PER_EMAIL, methods=["POST"], key_func=throttle.typed_email)
def request_reset() -> ResponseReturnValue:
    form = ResetRequestForm()
    if form.validate_on_submit():
        with db.unit_of_work() as session:
            service.request_password_reset(
                session,
                form.email.data or "",
                link_base=link_base("portal.reset_password"),
                ip_address=request.remote_addr,
            )
        # The same answer whether or not the address is known: the form finds out nobody's bank.
        flash(
            _("If this address belongs to a portal log-in, we have sent it a link to choose a new password."),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("portal/reset_request.html", form=form)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit(throttle.TOKEN_FORM_PER_ADDRESS, methods=["POST"])
def reset_password(token: str) -> ResponseReturnValue:
    return _token_page(token, TokenPurpose.PASSWORD_RESET, "portal/reset.html")
