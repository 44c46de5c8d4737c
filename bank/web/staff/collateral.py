"""The collateral register in the back office: per loan and per application, an item's page with its
appraisals and deed, and pointing a committee condition at an item.

Credit officers and admins write (``bank.collateral.service.EDIT_ROLES``); the committee reads
(the register pages, an item's page and its deed; the review page shows the register too). The
loan page, the application page and the committee's review show the register through
:func:`register_context`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from bank import clock
from bank.applications import attachments as attachment_store
from bank.applications.models import LoanApplication
from bank.collateral import queries, service
from bank.collateral.models import COVER_KINDS, HAIRCUTS, VALUED_KINDS, CollateralItem, CollateralKind
from bank.committee import service as committee
from bank.committee.models import Condition
from bank.extensions import db
from bank.ledger.queries import balance
from bank.loans.models import Loan
from bank.web.access import staff_required
from bank.web.application_forms import file_response
from bank.web.filters import input_locale
from bank.web.forms import Attempt, form_id, form_status
from bank.web.labels import COLLATERAL_KIND_LABELS
from bank.web.staff import bp

READ_ROLES = service.READ_ROLES
EDIT_ROLES = service.EDIT_ROLES
#: The fields each kind's form shows (the service reads the same ones).
KIND_FIELDS: dict[CollateralKind, tuple[str, ...]] = {
    CollateralKind.MORTGAGE: (
        "rank",
        "cadastral_reference",
        "registered_amount",
        "prior_claims",
        "description",
    ),
    CollateralKind.PLEDGE: ("description", "registered_amount"),
    CollateralKind.PERSONAL_GUARANTEE: (
        "guarantor_name",
        "guarantor_member_id",
        "registered_amount",
        "description",
    ),
    CollateralKind.MUNICIPAL_GUARANTEE: ("guarantor_name", "cover_percentage", "cover_cap", "description"),
    CollateralKind.GUARANTEE_FUND: ("guarantor_name", "cover_percentage", "cover_cap", "description"),
}
ITEM_FIELDS = (*{name for names in KIND_FIELDS.values() for name in names}, "notes")
APPRAISAL_FIELDS = ("appraised_on", "value", "appraiser", "note")


def _loan_or_404(loan_id: int) -> Loan:
    loan = db.session.get(Loan, loan_id)
    if loan is None:
        abort(404)
    return loan


def _application_or_404(application_id: int) -> LoanApplication:
    application = db.session.get(LoanApplication, application_id)
    if application is None:
        abort(404)
    return application


def _item_or_404(item_id: int) -> CollateralItem:
    item = db.session.get(CollateralItem, item_id)
    if item is None:
        abort(404)
    return item


def application_exposure(application: LoanApplication) -> Decimal:
    """What the bank would lend: the approved, else the recommended, else the asked amount."""
    return application.recommended_amount or application.amount or Decimal("0.00")


def register_context(
    session: Session,
    *,
    loan: Loan | None = None,
    application: LoanApplication | None = None,
    actor_role: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """What the register's panel shows on the loan page, the application page and the review.

    For a loan: against the outstanding principal today, with loan-to-value over time. For an
    application: against the amount it would lend (approved, recommended or asked).
    """
    today = today or clock.today()
    if loan is not None:
        items = queries.register_of_loan(session, loan.id)
        exposure = balance(session, loan.principal_account_id)
        history = queries.loan_to_value_history(session, loan, items, today) if items else []
        add_url = url_for("staff.new_loan_collateral", loan_id=loan.id)
        page_url = url_for("staff.loan_collateral", loan_id=loan.id)
        open_for_items = True
    else:
        assert application is not None
        items = queries.register_of_application(session, application.id)
        exposure = application_exposure(application)
        history = []
        add_url = url_for("staff.new_application_collateral", application_id=application.id)
        page_url = url_for("staff.application_collateral", application_id=application.id)
        open_for_items = application.status not in service.CLOSED_APPLICATION
    role = actor_role if actor_role is not None else g.actor.role
    return {
        "collateral": queries.valuations(items, exposure, today),
        "collateral_history": history,
        "collateral_kinds": list(CollateralKind),
        "collateral_kind_labels": COLLATERAL_KIND_LABELS,
        "collateral_add_url": add_url if open_for_items else None,
        "collateral_page_url": page_url,
        "can_edit_collateral": role in EDIT_ROLES,
        "can_read_collateral": role in READ_ROLES,
        "collateral_today": today,
    }


# ---------------------------------------------------------------------------------------------
# The overview, the register of a loan and of an application


@bp.route("/collateral")
@staff_required(*READ_ROLES)
def collateral_overview() -> ResponseReturnValue:
    """Every secured loan: outstanding principal, market value, loan-to-value, expected recovery, LGD."""
    today = clock.today()
    lines = queries.secured_loans(db.session, today)
    return render_template(
        "staff/collateral/overview.html",
        lines=lines,
        today=today,
        total_exposure=sum((line.exposure for line in lines), Decimal("0.00")),
        total_cover=sum((line.cover for line in lines), Decimal("0.00")),
    )


@bp.route("/loans/<int:loan_id>/collateral")
@staff_required(*READ_ROLES)
def loan_collateral(loan_id: int) -> ResponseReturnValue:
    loan = _loan_or_404(loan_id)
    return render_template(
        "staff/collateral/register.html",
        loan=loan,
        application=None,
        title=_("Collateral of loan %(number)s", number=loan.number),
        **register_context(db.session, loan=loan),
    )


@bp.route("/applications/<int:application_id>/collateral")
@staff_required(*READ_ROLES)
def application_collateral(application_id: int) -> ResponseReturnValue:
    application = _application_or_404(application_id)
    return render_template(
        "staff/collateral/register.html",
        loan=None,
        application=application,
        title=_("Collateral of application %(number)s", number=application.number),
        **register_context(db.session, application=application),
    )


def _kind_from(values: dict[str, Any]) -> CollateralKind:
    try:
        return CollateralKind(values.get("kind") or CollateralKind.MORTGAGE.value)
    except ValueError:
        abort(404)


def _new_item(loan: Loan | None, application: LoanApplication | None) -> ResponseReturnValue:
    source = request.form if request.method == "POST" else request.args
    kind = _kind_from({"kind": source.get("kind")})
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {name: request.form.get(name, "") for name in ITEM_FIELDS}
    values.update(
        {f"appraisal_{name}": request.form.get(f"appraisal_{name}", "") for name in APPRAISAL_FIELDS}
    )
    if request.method == "POST":
        data = {**values, "kind": kind.value}
        attempt = Attempt(errors)
        with attempt as session:
            item = service.register_item(
                session,
                data,
                actor=g.actor,
                loan=loan,
                application=application,
                locale=input_locale(),
            )
            item_id = item.id
        if attempt.succeeded:
            flash(_("Added to the collateral register."), "success")
            return redirect(url_for("staff.collateral_item", item_id=item_id))
    if loan is not None:
        title = _("Collateral of loan %(number)s", number=loan.number)
        back = url_for("staff.loan_collateral", loan_id=loan.id)
    else:
        assert application is not None
        title = _("Collateral of application %(number)s", number=application.number)
        back = url_for("staff.application_collateral", application_id=application.id)
    return (
        render_template(
            "staff/collateral/new.html",
            title=title,
            back=back,
            kind=kind,
            kinds=list(CollateralKind),
            kind_labels=COLLATERAL_KIND_LABELS,
            fields=KIND_FIELDS[kind],
            appraised=kind in VALUED_KINDS,
            haircut=HAIRCUTS[kind],
            values=values,
            errors=errors,
            today=clock.today(),
        ),
        form_status(errors),
    )


@bp.route("/loans/<int:loan_id>/collateral/new", methods=["GET", "POST"])
@staff_required(*EDIT_ROLES)
def new_loan_collateral(loan_id: int) -> ResponseReturnValue:
    return _new_item(_loan_or_404(loan_id), None)


@bp.route("/applications/<int:application_id>/collateral/new", methods=["GET", "POST"])
@staff_required(*EDIT_ROLES)
def new_application_collateral(application_id: int) -> ResponseReturnValue:
    return _new_item(None, _application_or_404(application_id))


# ---------------------------------------------------------------------------------------------
# One item: its appraisals and deed


def _render_item(
    item: CollateralItem, *, errors: dict[str, Any] | None = None, values: dict[str, Any] | None = None
) -> ResponseReturnValue:
    session = db.session
    today = clock.today()
    loan = session.get(Loan, item.loan_id) if item.loan_id else None
    application = session.get(LoanApplication, item.application_id) if item.application_id else None
    if loan is not None:
        exposure = balance(session, loan.principal_account_id)
    else:
        assert application is not None
        exposure = application_exposure(application)
    register = queries.valuations([item], exposure, today)
    errors = errors or {}
    return (
        render_template(
            "staff/collateral/item.html",
            item=item,
            loan=loan,
            application=application,
            line=register.lines[0],
            exposure=exposure,
            kind_labels=COLLATERAL_KIND_LABELS,
            is_cover=item.kind in COVER_KINDS,
            can_edit=g.actor.role in EDIT_ROLES,
            errors=errors,
            values=values or {"appraised_on": today.isoformat()},
            today=today,
        ),
        form_status(errors),
    )


@bp.route("/collateral/<int:item_id>")
@staff_required(*READ_ROLES)
def collateral_item(item_id: int) -> ResponseReturnValue:
    return _render_item(_item_or_404(item_id))


@bp.route("/collateral/<int:item_id>/appraisals", methods=["POST"])
@staff_required(*EDIT_ROLES)
def add_collateral_appraisal(item_id: int) -> ResponseReturnValue:
    item = _item_or_404(item_id)
    values = {name: request.form.get(name, "") for name in APPRAISAL_FIELDS}
    errors: dict[str, Any] = {}
    attempt = Attempt(errors, general="value")
    with attempt as session:
        service.add_appraisal(session, item, values, actor=g.actor, locale=input_locale())
    if attempt.succeeded:
        flash(_("Appraisal recorded."), "success")
        return redirect(url_for("staff.collateral_item", item_id=item_id))
    db.session.expire_all()
    return _render_item(_item_or_404(item_id), errors=errors, values=values)


@bp.route("/collateral/<int:item_id>/deed", methods=["POST"])
@staff_required(*EDIT_ROLES)
def upload_collateral_deed(item_id: int) -> ResponseReturnValue:
    item = _item_or_404(item_id)
    upload = request.files.get("file")
    content = upload.stream.read(attachment_store.MAX_BYTES + 1) if upload else b""
    errors: dict[str, Any] = {}
    attempt = Attempt(errors, general="file")
    with attempt as session:
        service.attach_deed(
            session,
            item,
            filename=(upload.filename or "") if upload else "",
            content=content,
            upload_dir=current_app.config["UPLOAD_DIR"],
            actor=g.actor,
        )
    if attempt.succeeded:
        flash(_("Deed stored."), "success")
        return redirect(url_for("staff.collateral_item", item_id=item_id))
    db.session.expire_all()
    return _render_item(_item_or_404(item_id), errors=errors)


@bp.route("/collateral/<int:item_id>/deed")
@staff_required(*READ_ROLES)
def collateral_deed(item_id: int) -> Response:
    item = _item_or_404(item_id)
    if not (item.deed_stored_name and item.deed_original_name and item.deed_content_type):
        abort(404)
    return file_response(item.deed_stored_name, item.deed_original_name, item.deed_content_type)


# ---------------------------------------------------------------------------------------------
# A committee condition pointing at a register item


@bp.route("/applications/<int:application_id>/conditions/<int:condition_id>/collateral", methods=["POST"])
@staff_required(*committee.CONDITION_ROLES)
def point_condition_at_collateral(application_id: int, condition_id: int) -> ResponseReturnValue:
    _application_or_404(application_id)
    condition = db.session.get(Condition, condition_id)
    if condition is None or condition.application_id != application_id:
        abort(404)
    attempt = Attempt(expire=True)
    with attempt as session:
        committee.point_condition_at(
            session,
            condition,
            form_id("collateral_item_id"),
            actor=g.actor,
        )
    if attempt.succeeded:
        flash(_("Condition linked to the collateral register."), "success")
    return redirect(url_for("staff.application", application_id=application_id))
