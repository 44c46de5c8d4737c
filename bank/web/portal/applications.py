"""Applying for a loan in the portal: my applications, a draft, documents, submit, withdraw, the letter.

Everything is looked up through the logged-in member (themself and the organisations they
represent); any other id is a 404, never a 403, so ids of others reveal nothing.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from bank.applications import queries
from bank.applications import service as applications
from bank.applications.models import ApplicationStatus, LoanApplication
from bank.committee import letters
from bank.errors import NotFound
from bank.extensions import db
from bank.loans.products_models import LoanProduct, ProductStatus
from bank.members.models import Member
from bank.members.queries import visible_member_ids
from bank.web import application_forms as shared
from bank.web.access import member_required
from bank.web.forms import Attempt, form_id, form_status
from bank.web.portal import bp
from bank.web.portal.helpers import me

S = ApplicationStatus


def _mine_or_404(application_id: int) -> LoanApplication:
    try:
        return queries.member_application(db.session, me(), application_id)
    except NotFound:
        abort(404)


def _detail(application_id: int) -> ResponseReturnValue:
    return redirect(url_for("portal.application", application_id=application_id))


@bp.route("/applications")
@member_required
def applications_list() -> ResponseReturnValue:
    return render_template(
        "portal/applications/list.html",
        rows=queries.for_member(db.session, me()),
        status_labels=shared.STATUS_LABELS,
    )


@bp.route("/applications/new", methods=["GET", "POST"])
@member_required
def new_application() -> ResponseReturnValue:
    session = db.session
    applicants = [session.get(Member, member_id) for member_id in sorted(visible_member_ids(session, me()))]
    products = shared.active_products(session)
    errors: dict[str, str] = {}
    if request.method == "POST":
        applicant_id = form_id("applicant_id")
        applicant = next((m for m in applicants if m is not None and m.id == applicant_id), None)
        product = session.get(LoanProduct, form_id("product_id") or 0)
        if applicant is None:
            errors["applicant_id"] = _("choose yourself or an organisation you represent")
        if product is None or product.status is not ProductStatus.ACTIVE:
            errors["product_id"] = _("choose a loan product")
        if not errors:
            assert applicant is not None and product is not None
            attempt = Attempt(errors, general="applicant_id")
            with attempt as uow:
                application = applications.create_draft(
                    uow, applicant=applicant, product=product, actor=g.actor
                )
            if attempt.succeeded:
                flash(
                    _(
                        "Your draft %(number)s is saved; fill it in at your own pace.",
                        number=application.number,
                    )
                )
                return _detail(application.id)
    return render_template(
        "portal/applications/new.html",
        applicants=[m for m in applicants if m],
        products=products,
        errors=errors,
    ), form_status(errors)


@bp.route("/applications/<int:application_id>", methods=["GET", "POST"])
@member_required
def application(application_id: int) -> ResponseReturnValue:
    item = _mine_or_404(application_id)
    errors: dict[str, str] = {}
    values = shared.form_values(item)
    if request.method == "POST":
        attempt = Attempt(errors, expire=True)
        with attempt as session:
            shared.save_draft(session, item, request.form)
        if attempt.succeeded:
            flash(_("Saved."))
            return _detail(application_id)
        item = _mine_or_404(application_id)
        values = dict(request.form)
    return render_template(
        "portal/applications/detail.html",
        **shared.page_data(db.session, item),
        values=values,
        errors=errors,
        accounts=shared.accounts_for(db.session, item),
        moves=applications.allowed_targets(db.session, g.actor, item),
    ), form_status(errors)


@bp.route("/applications/<int:application_id>/submit", methods=["POST"])
@member_required
def submit_application(application_id: int) -> ResponseReturnValue:
    item = _mine_or_404(application_id)
    attempt = Attempt(expire=True)
    with attempt as session:
        applications.submit(session, item, actor=g.actor)
    if attempt.succeeded:
        flash(_("Submitted. We will let you know by e-mail how it goes."))
        shared.send_queued_mail()
    return _detail(application_id)


@bp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
@member_required
def withdraw_application(application_id: int) -> ResponseReturnValue:
    item = _mine_or_404(application_id)
    attempt = Attempt(expire=True)
    with attempt as session:
        applications.withdraw(session, item, actor=g.actor, note=request.form.get("note", ""))
    if attempt.succeeded:
        flash(_("Your application is withdrawn."))
        shared.send_queued_mail()
    return _detail(application_id)


@bp.route("/applications/<int:application_id>/attachments", methods=["POST"])
@member_required
def upload_attachment(application_id: int) -> ResponseReturnValue:
    item = _mine_or_404(application_id)
    attempt = Attempt()
    with attempt as session:
        shared.store_upload(session, item)
    if attempt.succeeded:
        flash(_("Document added."))
    return _detail(application_id)


@bp.route("/applications/<int:application_id>/attachments/<int:attachment_id>")
@member_required
def attachment(application_id: int, attachment_id: int) -> ResponseReturnValue:
    item = _mine_or_404(application_id)
    try:
        stored = queries.attachment_of(db.session, item, attachment_id)
    except NotFound:
        abort(404)
    return shared.attachment_response(stored)


@bp.route("/applications/<int:application_id>/letter.pdf")
@member_required
def decision_letter(application_id: int) -> ResponseReturnValue:
    item = _mine_or_404(application_id)
    try:
        view = letters.letter_view(db.session, item)
    except NotFound:
        abort(404)
    return shared.pdf_response(letters.render_letter(view), f"{item.number}.pdf")
