"""Committee views: thin adapters over :mod:`bank.committee.service`."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from bank import clock
from bank.applications import queries
from bank.applications.models import LoanApplication
from bank.auth import queries as users
from bank.auth.models import User
from bank.committee import letters
from bank.committee import queries as committee_queries
from bank.committee import service as committee
from bank.committee.models import Meeting
from bank.errors import N_, NotFound, ValidationError
from bank.extensions import db
from bank.statements.builder import parse_date
from bank.web import application_forms as shared
from bank.web.access import staff_required
from bank.web.committee import bp
from bank.web.forms import Attempt, canonical_numbers, form_id, form_status, numbers_refused
from bank.web.staff.collateral import register_context
from bank.web.staff.forbearance import committee_context

ROLE = "committee"

#: What the member does next on an application on an agenda, in their words.
TURN_NOTES = {
    committee_queries.MyTurn.DECLARE: _l("Declare first whether you have a conflict of interest; then vote."),
    committee_queries.MyTurn.VOTE: _l("Your vote is waiting."),
    committee_queries.MyTurn.VOTED: _l("You voted."),
    committee_queries.MyTurn.RECUSED: _l("You declared a conflict of interest, so you do not vote."),
    committee_queries.MyTurn.PREPARED: _l("You prepared this application, so you do not vote (four eyes)."),
    committee_queries.MyTurn.LOOKS: _l("Only committee members declare and vote."),
}


def _application_or_404(application_id: int) -> LoanApplication:
    application = db.session.get(LoanApplication, application_id)
    if application is None:
        abort(404)
    return application


def _review_page(application_id: int) -> ResponseReturnValue:
    return redirect(url_for("committee.review", application_id=application_id))


def _quorum() -> int:
    return int(current_app.config["COMMITTEE_QUORUM"])


@bp.route("/")
@staff_required(ROLE)
def queue() -> ResponseReturnValue:
    session = db.session
    today = clock.today()
    return render_template(
        "committee/queue.html",
        work=committee_queries.work_for(session, g.actor, today=today, quorum=_quorum()),
        turn_notes=TURN_NOTES,
        queue=queries.committee_queue(session),
        upcoming=committee_queries.meetings(session, upcoming=True, today=today),
        past=committee_queries.meetings(session, upcoming=False, today=today, limit=12),
        status_labels=shared.STATUS_LABELS,
        **committee_context(session),
    )


@bp.route("/meetings/new", methods=["GET", "POST"])
@staff_required(ROLE)
def new_meeting() -> ResponseReturnValue:
    chairs = users.active_users_with_role(db.session, "committee")
    errors: dict[str, str] = {}
    if request.method == "POST":
        chair = db.session.get(User, form_id("chair_id") or 0)
        held_on = None
        try:
            held_on = parse_date(request.form.get("held_on"), field="held_on")
        except ValidationError as error:
            errors.update(error.fields)
        if held_on is None and "held_on" not in errors:
            errors["held_on"] = N_("is required")
        if chair is None:
            errors["chair"] = _("choose the chair")
        if not errors:
            assert chair is not None and held_on is not None
            attempt = Attempt(errors)
            with attempt as session:
                meeting = committee.create_meeting(
                    session,
                    held_on=held_on,
                    chair=chair,
                    actor=g.actor,
                    location=request.form.get("location", ""),
                )
            if attempt.succeeded:
                flash(_("Meeting planned."), "success")
                return redirect(url_for("committee.meeting", meeting_id=meeting.id))
    return render_template("committee/meeting_new.html", chairs=chairs, errors=errors, values=request.form), (
        form_status(errors)
    )


@bp.route("/meetings/<int:meeting_id>")
@staff_required(ROLE)
def meeting(meeting_id: int) -> ResponseReturnValue:
    item = db.session.get(Meeting, meeting_id)
    if item is None:
        abort(404)
    quorum = _quorum()
    tallies = {
        agenda.application_id: committee.tally(db.session, agenda.application, quorum=quorum)
        for agenda in item.items
    }
    return render_template(
        "committee/meeting.html", meeting=item, tallies=tallies, status_labels=shared.STATUS_LABELS
    )


@bp.route("/applications/<int:application_id>")
@staff_required(ROLE)
def review(application_id: int) -> ResponseReturnValue:
    session = db.session
    application = _application_or_404(application_id)
    quorum = _quorum()
    meeting_item = committee_queries.meeting_of(session, application)
    declarations = committee_queries.declarations_on(session, application.id)
    mine = committee.declaration_of(session, application, g.actor.user_id) if g.actor.user_id else None
    return render_template(
        "committee/application.html",
        **shared.page_data(session, application),
        tally=committee.tally(session, application, quorum=quorum),
        meeting=meeting_item,
        declarations=declarations,
        my_declaration=mine,
        vote_refusal=committee.vote_refusal(session, application, g.actor),
        is_chair=committee.may_record_decision(session, application, g.actor),
        is_committee=g.actor.role == ROLE,
        **register_context(session, application=application),
    )


@bp.route("/applications/<int:application_id>/declare", methods=["POST"])
@staff_required(ROLE)
def declare(application_id: int) -> ResponseReturnValue:
    application = _application_or_404(application_id)
    attempt = Attempt()
    with attempt as session:
        committee.declare(
            session,
            application,
            actor=g.actor,
            has_conflict=request.form.get("has_conflict") == "yes",
            explanation=request.form.get("explanation", ""),
        )
    if attempt.succeeded:
        flash(_("Declaration recorded."), "success")
    return _review_page(application_id)


@bp.route("/applications/<int:application_id>/vote", methods=["POST"])
@staff_required(ROLE)
def vote(application_id: int) -> ResponseReturnValue:
    application = _application_or_404(application_id)
    attempt = Attempt(expire=True)
    with attempt as session:
        committee.cast_vote(
            session,
            application,
            actor=g.actor,
            choice=request.form.get("choice", ""),
            comment=request.form.get("comment", ""),
        )
    if attempt.succeeded:
        flash(_("Your vote is recorded."), "success")
    return _review_page(application_id)


@bp.route("/applications/<int:application_id>/decide", methods=["POST"])
@staff_required(ROLE)
def decide(application_id: int) -> ResponseReturnValue:
    application = _application_or_404(application_id)
    form = request.form
    # The terms are shown in the page's notation ("235.000,00" in Dutch) and read back in it.
    terms, refused = canonical_numbers(
        {
            "amount": form.get("amount", ""),
            "term_months": form.get("term_months", ""),
            "rate_annual": form.get("rate_annual", ""),
        },
        amounts=("amount",),
        decimals=("rate_annual",),
    )
    attempt = Attempt(expire=True)
    with attempt as session:
        numbers_refused(refused)
        committee.decide(
            session,
            application,
            actor=g.actor,
            quorum=_quorum(),
            conditions=form.get("conditions", ""),
            reasons=form.get("reasons", ""),
            terms=terms,
        )
    if attempt.succeeded:
        flash(_("Decision recorded."), "success")
        shared.send_queued_mail()
    return _review_page(application_id)


@bp.route("/applications/<int:application_id>/return", methods=["POST"])
@staff_required(ROLE)
def return_application(application_id: int) -> ResponseReturnValue:
    application = _application_or_404(application_id)
    attempt = Attempt(expire=True)
    with attempt as session:
        committee.return_to_applicant(session, application, actor=g.actor, note=request.form.get("note", ""))
    if attempt.succeeded:
        flash(_("Returned to the applicant."), "success")
        shared.send_queued_mail()
    return _review_page(application_id)


@bp.route("/applications/<int:application_id>/attachments/<int:attachment_id>")
@staff_required(ROLE)
def attachment(application_id: int, attachment_id: int) -> ResponseReturnValue:
    application = _application_or_404(application_id)
    try:
        item = queries.attachment_of(db.session, application, attachment_id)
    except NotFound:
        abort(404)
    return shared.attachment_response(item)


@bp.route("/applications/<int:application_id>/letter.pdf")
@staff_required(ROLE)
def letter(application_id: int) -> ResponseReturnValue:
    application = _application_or_404(application_id)
    try:
        view = letters.letter_view(db.session, application)
    except NotFound:
        abort(404)
    return shared.pdf_response(letters.render_letter(view), f"{application.number}.pdf")
