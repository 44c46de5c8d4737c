"""The member's own profile: contact data (at once), a new external IBAN (after staff verify it),
and the optional second factor (TOTP)."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, g, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from bank import clock
from bank.auth.models import User
from bank.extensions import db
from bank.members.models import Member
from bank.portal import mail, service
from bank.portal import queries as portal_queries
from bank.portal.models import ProfileChange
from bank.web import labels as status_tables
from bank.web.access import current_actor, member_required, public
from bank.web.forms import Attempt
from bank.web.links import external_url
from bank.web.portal import bp
from bank.web.portal.helpers import me

CHANGE_STATUS = status_tables.CHANGE_STATUS


class ProfileForm(FlaskForm):
    email = StringField(_l("E-mail"), validators=[Length(max=254)], description=_l("also your log-in"))
    phone = StringField(_l("Phone"), validators=[Length(max=30)])
    street = StringField(_l("Street"), validators=[Length(max=200)])
    house_number = StringField(_l("House number"), validators=[Length(max=20)])
    postcode = StringField(_l("Postcode"), validators=[Length(max=10)], description=_l("like 1092 AB"))
    city = StringField(_l("City"), validators=[Length(max=100)])
    external_iban = StringField(
        _l("Your account at another bank (IBAN)"),
        validators=[Length(max=42)],
        description=_l(
            "withdrawals are paid here; a new IBAN is used once the bank has verified it with you"
        ),
    )

    password = PasswordField(
        _l("Current password"),
        validators=[Length(max=200)],
        description=_l("only needed to change your e-mail address"),
    )

    FIELDS = ("email", "phone", "street", "house_number", "postcode", "city", "external_iban")


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app"), validators=[DataRequired(), Length(min=6, max=6)]
    )


def _member_and_user() -> tuple[Member, User]:
    member = db.session.get(Member, me())
    user = db.session.get(User, current_user.id)
    if member is None or user is None:
        from flask import abort

        abort(404)
    return member, user


def _history(member_id: int) -> list[ProfileChange]:
    return portal_queries.profile_changes(db.session, member_id, limit=10)


def _render(
    member: Member, user: User, *, form: ProfileForm | None = None, status: int = 200, **extra: Any
) -> ResponseReturnValue:
    if form is None:
        form = ProfileForm(formdata=None, obj=member)
    return (
        render_template(
            "portal/profile.html",
            member=member,
            user=user,
            form=form,
            changes=_history(member.id),
            change_status=CHANGE_STATUS,
            code_form=extra.pop("code_form", None) or CodeForm(formdata=None),
            **extra,
        ),
        status,
    )


@bp.route("/profile", methods=["GET", "POST"])
@member_required
def profile() -> ResponseReturnValue:
    member, user = _member_and_user()
    form = ProfileForm()
    if form.validate_on_submit():
        values = {name: getattr(form, name).data or "" for name in ProfileForm.FIELDS}
        attempt = Attempt(form, expire=True)
        with attempt as s:
            outcome = service.change_profile(
                s, member, user, actor=g.actor, password=form.password.data or "", **values
            )
            if outcome.email_requested:
                _mail_email_confirmation(s, member, user, outcome.email_requested)
        if attempt.error is not None:
            member, user = _member_and_user()
            return _render(member, user, form=form, status=422)
        if outcome.changed:
            flash(_("Your details are saved."), "success")
        if outcome.pending is not None:
            flash(
                _(
                    "Your new IBAN will be used once the bank has verified it with you;"
                    " until then we keep paying to the old one."
                ),
                "info",
            )
        if outcome.email_requested:
            flash(
                _(
                    "We sent a link to %(email)s: your new address is used once you follow it. "
                    "Your old address was told.",
                    email=outcome.email_requested,
                ),
                "info",
            )
        if not outcome.changed and outcome.pending is None and not outcome.email_requested:
            flash(_("Nothing was changed."), "info")
        return redirect(url_for("portal.profile"))
    if form.errors:
        return _render(member, user, form=form, status=422)
    return _render(member, user)


#: A link to confirm a new e-mail address works this long (and once: it names the old address).
EMAIL_LINK_HOURS = 24


def _email_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="portal-email-change")


def _mail_email_confirmation(s: Session, member: Member, user: User, new_email: str) -> None:
    token = _email_serializer().dumps({"user": user.id, "old": user.email, "new": new_email})
    mail.send(
        s,
        to=new_email,
        template="email_confirm",
        language=user.language,
        context={
            "name": member.full_name,
            "link": external_url("portal.confirm_email", token=token),
            "hours": EMAIL_LINK_HOURS,
        },
        actor=g.actor,
        member_id=member.id,
    )


@bp.route("/profile/email/<token>", methods=["GET", "POST"])
@public
def confirm_email(token: str) -> ResponseReturnValue:
    """Confirm a new log-in address from the link mailed there; every session then ends."""
    try:
        claim = _email_serializer().loads(token, max_age=EMAIL_LINK_HOURS * 3600)
        user = db.session.get(User, int(claim["user"]))
        valid = user is not None and user.is_active and user.email == claim["old"]
    except (BadSignature, KeyError, TypeError, ValueError):
        valid, user, claim = False, None, {}
    if not valid or user is None:
        db.session.rollback()
        message = _("This link is not valid any more. Change your e-mail address again in the portal.")
        return render_template("portal/link_refused.html", message=message), 410
    form = ConfirmForm()
    if form.validate_on_submit():
        attempt = Attempt(show=False)
        with attempt as s:
            service.confirm_email_change(s, s.merge(user), str(claim["new"]), actor=current_actor())
        if attempt.error is not None:
            return render_template("portal/link_refused.html", message=attempt.error.message), 409
        logout_user()
        session.clear()
        flash(_("Your e-mail address is changed. Log in with the new address."), "success")
        return redirect(url_for("auth.login"))
    return render_template("portal/confirm_email.html", form=form, new_email=claim["new"])


class ConfirmForm(FlaskForm):
    pass


@bp.route("/profile/second-factor", methods=["GET", "POST"])
@member_required
def totp_setup() -> ResponseReturnValue:
    _member, user = _member_and_user()
    if user.totp_secret:
        return redirect(url_for("portal.profile"))
    # The secret being set up stays on the server (not in the signed, readable session cookie).
    if not user.totp_setup_secret:
        with db.unit_of_work() as s:
            s.merge(user).totp_setup_secret = service.new_totp_secret()
        _member, user = _member_and_user()
    secret = str(user.totp_setup_secret)
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        attempt = Attempt(show=False)
        with attempt as s:
            service.enable_totp(s, user, secret=secret, code=form.code.data or "", actor=g.actor)
        if attempt.succeeded:
            session["totp_ok"] = True
            flash(
                _("The second factor is on: from now on you log in with a code from your app as well."),
                "success",
            )
            return redirect(url_for("portal.profile"))
        form.code.errors = [
            _("This is not the current code. Check the time on your phone and try the new code.")
        ]
        status = 422
    elif form.errors:
        status = 422
    return (
        render_template(
            "portal/totp_setup.html", form=form, secret=secret, uri=service.totp_uri(secret, user.email)
        ),
        status,
    )


@bp.route("/profile/second-factor/off", methods=["POST"])
@member_required
def totp_disable() -> ResponseReturnValue:
    member, user = _member_and_user()
    form = CodeForm()
    if form.validate_on_submit():
        with db.unit_of_work() as s:
            switched_off = service.disable_totp(s, user, code=form.code.data or "", actor=g.actor)
            locked = (
                not switched_off and user.locked_until is not None and user.locked_until > clock.now_utc()
            )
        if switched_off:
            flash(_("The second factor is off."), "info")
            return redirect(url_for("portal.profile"))
        if locked:
            logout_user()
            session.clear()
            flash(_("This account is locked for 15 minutes after 5 failed log-ins."), "error")
            return redirect(url_for("auth.login"))
        form.code.errors = [_("This is not the current code; the second factor stays on.")]
    member, user = _member_and_user()
    return _render(member, user, code_form=form, status=422)
