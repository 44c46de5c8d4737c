"""Log-in, log-out, the second factor and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

import pyotp
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from bank import audit, clock
from bank.auth import service as auth_service
from bank.extensions import db, limiter
from bank.web import throttle
from bank.web.access import authenticated, current_actor, public

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class TotpForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(min=6, max=6)])


def _safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None (the caller goes home instead).

    Browsers drop tabs and newlines from a Location and read a backslash as a slash, so
    ``/\t/evil.example`` would become ``//evil.example`` (another site): any control character,
    white space or backslash drops the target, and so does anything with a scheme or a host.
    """
    if not target or len(target) > 2000:
        return None
    if "\\" in target or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _home_for_user() -> str:
    if current_user.is_authenticated and not current_user.is_staff:
        return url_for("portal.dashboard") if "portal.dashboard" in current_app.view_functions else "/"
    if (
        current_user.is_authenticated
        and current_user.role == "committee"
        and "committee.queue" in current_app.view_functions
    ):
        return url_for("committee.queue")
    return url_for("staff.dashboard")


@bp.route("/")
@public
def index() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(_home_for_user())
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(throttle.LOGIN_PER_ADDRESS, methods=["POST"], deduct_when=throttle.failed_log_in)
def login() -> ResponseReturnValue:
    form = LoginForm()
    if request.args.get("expired"):
        minutes = session.pop("idle_minutes", current_app.config["STAFF_IDLE_MINUTES"])
        flash(_("You were logged out after %(minutes)s minutes without activity.", minutes=minutes), "info")
    if form.validate_on_submit():
        with db.unit_of_work() as session_db:
            try:
                user = auth_service.authenticate(
                    session_db,
                    form.email.data or "",
                    form.password.data or "",
                    ip_address=request.remote_addr,
                )
            except auth_service.LoginRefused as refused:
                user = None
                reason = refused.reason
                if not refused.known and throttle.count_unknown_failure(form.email.data or ""):
                    reason = "locked"
        if user is None:
            if reason == "locked":
                form.form_errors.append(_("This account is locked for 15 minutes after 5 failed log-ins."))
            else:
                form.form_errors.append(_("E-mail or password is incorrect."))
            return render_template("auth/login.html", form=form), 401
        # Rotate the session: nothing from before the log-in survives it.
        language = session.get("lang")
        session.clear()
        if language:
            session["lang"] = language
        login_user(user)
        if (user.is_staff and current_app.config["STAFF_TOTP_REQUIRED"]) or (
            not user.is_staff and user.totp_secret
        ):
            return redirect(url_for("auth.totp", next=_safe_next(request.args.get("next"))))
        return redirect(_safe_next(request.args.get("next")) or _home_for_user())
    return render_template("auth/login.html", form=form)


@bp.route("/login/totp", methods=["GET", "POST"])
@authenticated
@limiter.limit(throttle.SECOND_FACTOR_PER_ADDRESS, methods=["POST"])
@limiter.limit(throttle.SECOND_FACTOR_PER_USER, methods=["POST"], key_func=throttle.logged_in_user)
def totp() -> ResponseReturnValue:
    """Second factor: the code from the authenticator app, accepted once.

    Staff without a second factor are not offered a set-up here (whoever first logged in with
    the password would enrol their own phone): an administrator issues a set-up link.
    """
    form = TotpForm()
    user = db.session.merge(current_user._get_current_object())
    if not user.totp_secret:
        if user.is_staff:
            return render_template("auth/totp.html", form=None, needs_link=True), 403
        return redirect(_home_for_user())
    if form.validate_on_submit():
        with db.unit_of_work() as s:
            user = s.merge(user)
            accepted = auth_service.check_second_factor(
                s, user, form.code.data or "", ip_address=request.remote_addr
            )
            if accepted:
                audit.record(s, current_actor(), "login.totp_ok", "user", user.id)
            locked = user.locked_until is not None and user.locked_until > clock.now_utc()
        if accepted:
            session["totp_ok"] = True
            return redirect(_safe_next(request.args.get("next")) or _home_for_user())
        if locked:
            logout_user()
            session.clear()
            flash(_("This account is locked for 15 minutes after 5 failed log-ins."), "error")
            return redirect(url_for("auth.login"))
        form.code.errors = [_("The code is not correct; use the current code from your authenticator app.")]
    return render_template("auth/totp.html", form=form, needs_link=False)


class EnrolForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(min=6, max=6)])


def _enrolment_refusal(reason: str) -> str:
    return {
        "expired": _("This set-up link has expired; ask an administrator for a new one."),
        "used": _("This set-up link has already been used; a link works only once."),
        "replaced": _("A newer set-up link was issued; use the most recent one."),
    }.get(reason, _("This set-up link is not valid; ask an administrator for a new one."))


@bp.route("/login/second-factor/<token>", methods=["GET", "POST"])
@public
@limiter.limit(throttle.TOKEN_FORM_PER_ADDRESS, methods=["POST"])
def enrol_second_factor(token: str) -> ResponseReturnValue:
    """Enrol an authenticator app with a single-use link an administrator issued.

    The secret is made on the server when the link is first opened and kept there; the page
    shows it once to the holder of the link, who proves the password and a code from the app.
    """
    try:
        with db.unit_of_work() as s:
            link = auth_service.enrolment_link(s, token)
            user, secret = auth_service.enrolment_secret(s, link)
            email = user.email
    except auth_service.EnrolmentRefused as refused:
        return render_template("auth/enrol.html", refused=_enrolment_refusal(refused.reason)), 410
    form = EnrolForm()
    status = 200
    if form.validate_on_submit():
        with db.unit_of_work() as s:
            enrolled = auth_service.complete_enrolment(
                s,
                token,
                password=form.password.data or "",
                code=form.code.data or "",
                ip_address=request.remote_addr,
            )
        if enrolled is not None:
            logout_user()
            session.clear()
            flash(_("Your authenticator app is set up. Log in with your password and a code."), "success")
            return redirect(url_for("auth.login"))
        form.form_errors.append(_("The password or the code is not correct."))
        status = 422
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name="Wijkbank")
    return render_template("auth/enrol.html", form=form, secret=secret, uri=uri, refused=None), status


@bp.route("/logout", methods=["POST"])
@authenticated
def logout() -> ResponseReturnValue:
    with db.unit_of_work() as s:
        user = s.merge(current_user._get_current_object())
        auth_service.end_sessions(s, user, actor=current_actor())
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
@public
def set_language(code: str) -> ResponseReturnValue:
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(_safe_next(request.form.get("next")) or url_for("auth.index"))
