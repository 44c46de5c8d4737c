"""Loan applications in the back office: list, enter for a walk-in, edit, review, agenda, documents,
conditions, disbursement (prepared here; approved by a second person on the approvals page), outbox.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from bank import clock
from bank.applications import queries
from bank.applications import service as applications
from bank.applications.models import ApplicationStatus, LoanApplication
from bank.committee import letters
from bank.committee import queries as committee_queries
from bank.committee import service as committee
from bank.committee.models import Condition, Meeting
from bank.errors import NotFound, ValidationError
from bank.extensions import db
from bank.lending import disbursement
from bank.loans.products_models import LoanProduct
from bank.members.queries import by_number
from bank.notifications import service as notifications
from bank.statements.builder import parse_date
from bank.web import application_forms as shared
from bank.web.access import staff_required
from bank.web.filters import date_filter
from bank.web.forms import (
    Attempt,
    canonical_numbers,
    form_id,
    form_status,
    new_form_key,
    numbers_refused,
    whole_number,
)
from bank.web.messages import error_text
from bank.web.staff import bp
from bank.web.staff.approvals import decision_note
from bank.web.staff.collateral import register_context

VIEW_ROLES = ("teller", "credit_officer", "admin")
REVIEW_ROLES = applications.REVIEW_ROLES
S = ApplicationStatus


def _application_or_404(application_id: int) -> LoanApplication:
    application = db.session.get(LoanApplication, application_id)
    if application is None:
        abort(404)
    return application


def _detail(application_id: int) -> Response:
    return redirect(url_for("staff.application", application_id=application_id))


@bp.route("/applications")
@staff_required(*VIEW_ROLES)
def applications_list() -> ResponseReturnValue:
    status_text = request.args.get("status", "")
    status = None
    if status_text:
        try:
            status = ApplicationStatus(status_text)
        except ValueError:
            abort(400)
    return render_template(
        "staff/applications/list.html",
        rows=queries.staff_list(db.session, status),
        status=status,
        status_labels=shared.STATUS_LABELS,
    )


@bp.route("/applications/new", methods=["GET", "POST"])
@staff_required(*applications.STAFF_APPLICANT_ROLES)
def new_application() -> ResponseReturnValue:
    errors: dict[str, str] = {}
    products = shared.active_products(db.session)
    if request.method == "POST":
        number_text = request.form.get("member_number", "").strip()
        number = whole_number(number_text)
        member = by_number(db.session, number) if number is not None else None
        product = db.session.get(LoanProduct, form_id("product_id") or 0)
        if member is None:
            errors["member_number"] = _("no member has this number")
        if product is None:
            errors["product_id"] = _("choose a loan product")
        if not errors:
            assert member is not None and product is not None
            attempt = Attempt(errors, general="member_number")
            with attempt as session:
                application = applications.create_draft(
                    session, applicant=member, product=product, actor=g.actor
                )
            if attempt.succeeded:
                flash(_("Draft %(number)s started.", number=application.number), "success")
                return redirect(url_for("staff.edit_application", application_id=application.id))
    return render_template(
        "staff/applications/new.html", products=products, errors=errors, values=request.form
    )


@bp.route("/applications/<int:application_id>")
@staff_required(*VIEW_ROLES)
def application(application_id: int) -> ResponseReturnValue:
    item = _application_or_404(application_id)
    return _render_detail(item)


def _render_detail(
    item: LoanApplication, review_errors: dict[str, str] | None = None, status: int = 200
) -> Any:
    session = db.session
    today = clock.today()
    data = shared.page_data(session, item)
    pending = disbursement.pending_disbursement(session, item)
    refusal = disbursement.disbursement_refusal(session, item, today) if item.status is S.APPROVED else None
    return (
        render_template(
            "staff/applications/detail.html",
            **data,
            moves=applications.allowed_targets(session, g.actor, item),
            can_review=g.actor.has_role(*REVIEW_ROLES),
            review_gaps=applications.review_gaps(item) if item.status is S.IN_REVIEW else {},
            review_errors=review_errors or {},
            meetings=committee_queries.meetings(session, upcoming=True, today=today),
            meeting=committee_queries.meeting_of(session, item),
            pending_disbursement=pending,
            pending_note=decision_note(pending, g.actor) if pending is not None else "",
            disbursement_refusal=refusal,
            form_key=new_form_key(),
            outbox=notifications.recent(session, limit=20, member_id=item.applicant_id),
            **register_context(session, application=item, today=today),
        ),
        status,
    )


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@staff_required(*applications.STAFF_APPLICANT_ROLES)
def edit_application(application_id: int) -> ResponseReturnValue:
    item = _application_or_404(application_id)
    errors: dict[str, str] = {}
    values = shared.form_values(item)
    if request.method == "POST":
        attempt = Attempt(errors, expire=True)
        with attempt as session:
            shared.save_draft(session, item, request.form)
        if attempt.succeeded:
            flash(_("Saved."), "success")
            return redirect(url_for("staff.edit_application", application_id=item.id))
        item = _application_or_404(application_id)
        values = dict(request.form)
    return render_template(
        "staff/applications/edit.html",
        **shared.page_data(db.session, item),
        values=values,
        errors=errors,
        accounts=shared.accounts_for(db.session, item),
    ), form_status(errors)


@bp.route("/applications/<int:application_id>/move/<target>", methods=["POST"])
@staff_required(*VIEW_ROLES)
def move_application(application_id: int, target: str) -> ResponseReturnValue:
    item = _application_or_404(application_id)
    try:
        target_status = ApplicationStatus(target)
    except ValueError:
        abort(404)
    note = request.form.get("note", "")
    attempt = Attempt(expire=True)
    with attempt as session:
        if target_status is S.SUBMITTED:
            applications.submit(session, item, actor=g.actor, note=note)
        elif target_status is S.WITHDRAWN:
            applications.withdraw(session, item, actor=g.actor, note=note)
        elif target_status is S.IN_REVIEW and item.status is S.ON_AGENDA:
            committee.remove_from_agenda(session, item, actor=g.actor, note=note)
        elif target_status is S.IN_REVIEW:
            applications.take_for_review(session, item, actor=g.actor)
        elif target_status is S.RETURNED:
            applications.return_for_information(session, item, actor=g.actor, note=note)
        else:
            abort(404)
    if attempt.succeeded:
        flash(
            _("%(number)s is now: %(status)s", number=item.number, status=shared.STATUS_LABELS[item.status]),
            "success",
        )
        shared.send_queued_mail()
    return _detail(application_id)


@bp.route("/applications/<int:application_id>/review", methods=["POST"])
@staff_required(*REVIEW_ROLES)
def review_application(application_id: int) -> ResponseReturnValue:
    item = _application_or_404(application_id)
    form = request.form
    data = {
        "checklist": {name: True for name in form.getlist("checklist")},
        "risk_grade": form.get("risk_grade", ""),
        "recommended_amount": form.get("recommended_amount", ""),
        "recommended_term_months": form.get("recommended_term_months", ""),
        "recommended_rate_annual": form.get("recommended_rate_annual", ""),
        "proposed_conditions": form.get("proposed_conditions", ""),
        "review_notes": form.get("review_notes", ""),
    }
    data, refused = canonical_numbers(
        data, amounts=("recommended_amount",), decimals=("recommended_rate_annual",)
    )
    review_errors: dict[str, Any] = {}
    attempt = Attempt(review_errors, expire=True)
    with attempt as session:
        try:
            applications.save_review(session, item, data, actor=g.actor)
        except ValidationError as error:
            numbers_refused(refused, error)
            raise
        numbers_refused(refused)
    if not attempt.succeeded:
        item = _application_or_404(application_id)
        return _render_detail(item, review_errors=review_errors, status=422)
    flash(_("Review saved."), "success")
    return _detail(application_id)


@bp.route("/applications/<int:application_id>/agenda", methods=["POST"])
@staff_required(*REVIEW_ROLES)
def agenda_application(application_id: int) -> ResponseReturnValue:
    item = _application_or_404(application_id)
    meeting = db.session.get(Meeting, form_id("meeting_id") or 0)
    if meeting is None:
        flash(_("Choose a meeting."), "error")
        return _detail(application_id)
    attempt = Attempt(expire=True)
    with attempt as session:
        committee.place_on_agenda(session, item, meeting, actor=g.actor)
    if attempt.succeeded:
        flash(_("On the agenda of %(date)s.", date=date_filter(meeting.held_on)), "success")
        shared.send_queued_mail()
    return _detail(application_id)


@bp.route("/applications/<int:application_id>/attachments", methods=["POST"])
@staff_required(*applications.STAFF_APPLICANT_ROLES)
def upload_application_attachment(application_id: int) -> ResponseReturnValue:
    item = _application_or_404(application_id)
    attempt = Attempt()
    with attempt as session:
        shared.store_upload(session, item)
    if attempt.succeeded:
        flash(_("Document added."), "success")
    return _detail(application_id)


@bp.route("/applications/<int:application_id>/attachments/<int:attachment_id>")
@staff_required(*VIEW_ROLES)
def application_attachment(application_id: int, attachment_id: int) -> ResponseReturnValue:
    item = _application_or_404(application_id)
    try:
        attachment = queries.attachment_of(db.session, item, attachment_id)
    except NotFound:
        abort(404)
    return shared.attachment_response(attachment)


@bp.route("/applications/<int:application_id>/letter.pdf")
@staff_required(*VIEW_ROLES)
def application_letter(application_id: int) -> ResponseReturnValue:
    item = _application_or_404(application_id)
    try:
        view = letters.letter_view(db.session, item)
    except NotFound:
        abort(404)
    return shared.pdf_response(letters.render_letter(view), f"{item.number}.pdf")


@bp.route("/applications/<int:application_id>/conditions/<int:condition_id>", methods=["POST"])
@staff_required(*committee.CONDITION_ROLES)
def tick_application_condition(application_id: int, condition_id: int) -> ResponseReturnValue:
    _application_or_404(application_id)
    condition = db.session.get(Condition, condition_id)
    if condition is None or condition.application_id != application_id:
        abort(404)
    attempt = Attempt(expire=True)
    with attempt as session:
        committee.tick_condition(
            session, condition, actor=g.actor, evidence_note=request.form.get("evidence_note", "")
        )
    if attempt.succeeded:
        flash(_("Condition ticked off."), "success")
    return _detail(application_id)


@bp.route("/applications/<int:application_id>/disburse", methods=["POST"])
@staff_required(*disbursement.PREPARE_ROLES)
def prepare_application_disbursement(application_id: int) -> ResponseReturnValue:
    item = _application_or_404(application_id)
    errors: dict[str, str] = {}
    on_text = request.form.get("disbursed_on", "").strip()
    first_text = request.form.get("first_due_on", "").strip()
    on: dt.date = clock.today()
    first_due: dt.date | None = None
    try:
        on = parse_date(on_text, field="disbursed_on") or on
    except ValidationError as error:
        errors.update(error.fields)
    try:
        first_due = parse_date(first_text, field="first_due_on")
    except ValidationError as error:
        errors.update(error.fields)
    if errors:
        flash(error_text(ValidationError(errors)), "error")
        return _detail(application_id)
    attempt = Attempt(expire=True)
    with attempt as session:
        approval = disbursement.prepare_disbursement(
            session,
            item,
            actor=g.actor,
            key=request.form.get("form_key", "") or new_form_key(),
            disbursed_on=on,
            first_due_on=first_due,
        )
    if attempt.succeeded:
        flash(
            _(
                "Disbursement prepared (request #%(id)s); another staff member approves it under Approvals.",
                id=approval.id,
            ),
            "success",
        )
    return _detail(application_id)


#: The outbox holds every member's mail: for the roles that answer members about it, not every teller.
OUTBOX_ROLES = ("credit_officer", "admin")


@bp.route("/outbox")
@staff_required(*OUTBOX_ROLES)
def outbox() -> ResponseReturnValue:
    return render_template("staff/applications/outbox.html", messages=notifications.recent(db.session))
