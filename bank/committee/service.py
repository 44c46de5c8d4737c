"""The loan committee at work: meetings and agendas, conflicts of interest, votes, the chair's decision.

Rules (issue 4): only users with the role *committee* vote (admins may look, not vote); a
member who declares a conflict of interest is recused and cannot vote; the credit officer who
prepared an application cannot vote on it; one vote per member per review round. The chair of
the meeting records the decision once quorum (eligible votes cast, abstentions included) is
reached; the majority of approve/reject votes decides, abstentions don't count, a tie decides
nothing. The decision is immutable; its conditions are ticked off later with an evidence note.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.applications import service as applications
from bank.applications.models import (
    APPLICATION_STATUS,
    COMMITTEE,
    CREDIT_OFFICER,
    ApplicationStatus,
    LoanApplication,
)
from bank.auth.models import User
from bank.collateral import service as collateral
from bank.committee.models import (
    AgendaItem,
    Condition,
    ConflictDeclaration,
    Decision,
    DecisionOutcome,
    Meeting,
    Vote,
    VoteChoice,
)
from bank.errors import N_, Conflict, InvalidTransition, Message, NotFound, PermissionDenied, ValidationError
from bank.loans.service import terms_for
from bank.money import parse_rate_percent

S = ApplicationStatus
#: Roles that may see the committee pages; only "committee" votes and decides.
VIEW_ROLES = ("committee", "admin")
#: Who may schedule meetings and tick off conditions.
MEETING_ROLES = ("committee", "admin", "credit_officer")
CONDITION_ROLES = ("credit_officer", "admin")
MAX_CONDITIONS = 20


def _committee_member(actor: Actor, doing: str) -> None:
    if actor.role != "committee" or actor.user_id is None:
        raise PermissionDenied(N_("only loan committee members may %(doing)s"), doing=doing)


# ---------------------------------------------------------------------------------------------
# Meetings and the agenda


def create_meeting(
    session: Session, *, held_on: dt.date, chair: User, actor: Actor, location: str = "", notes: str = ""
) -> Meeting:
    """Schedule a meeting chaired by a committee member."""
    if not actor.has_role(*MEETING_ROLES):
        raise PermissionDenied(
            N_("only committee members, credit officers and administrators schedule meetings")
        )
    errors: dict[str, str] = {}
    if chair.role != "committee" or not chair.is_active:
        errors["chair"] = N_("must be an active loan committee member")
    if held_on < clock.today():
        errors["held_on"] = N_("must be today or later")
    if len(location) > 200:
        errors["location"] = N_("must be at most 200 characters")
    if errors:
        raise ValidationError(errors)
    meeting = Meeting(
        held_on=held_on,
        location=location.strip(),
        chair_id=chair.id,
        chair_label=chair.name,
        notes=notes.strip(),
        created_at=clock.now_utc(),
        created_by_label=actor.label,
    )
    session.add(meeting)
    session.flush()
    audit.record(
        session,
        actor,
        "committee.meeting",
        "committee_meeting",
        meeting.id,
        after={"held_on": held_on, "chair": chair.name},
    )
    return meeting


def active_agenda_item(session: Session, application: LoanApplication) -> AgendaItem | None:
    """The agenda item the application is on in its current round (not removed)."""
    return session.scalar(
        select(AgendaItem).where(
            AgendaItem.application_id == application.id,
            AgendaItem.review_round == application.review_round,
            AgendaItem.removed_at.is_(None),
        )
    )


def place_on_agenda(
    session: Session, application: LoanApplication, meeting: Meeting, *, actor: Actor
) -> AgendaItem:
    """The credit officer puts a fully reviewed application on a coming meeting's agenda."""
    if not actor.has_role(*applications.REVIEW_ROLES):
        raise PermissionDenied(N_("only credit officers put applications on the agenda"))
    applications.require_transition(application.status, S.ON_AGENDA)
    gaps = applications.review_gaps(application)
    if gaps:
        raise ValidationError(gaps)
    if meeting.held_on < clock.today():
        raise ValidationError("meeting", N_("has already taken place; choose a coming meeting"))
    # Numbered after every item the meeting ever had: counting only the items still on it gave a
    # second "1" after one was taken off. The unique (meeting, position) refuses a race.
    position = (
        session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id)) or 0
    ) + 1
    item = AgendaItem(
        meeting_id=meeting.id,
        application_id=application.id,
        review_round=application.review_round,
        position=position,
        added_at=clock.now_utc(),
        added_by_label=actor.label,
    )
    session.add(item)
    session.flush()
    applications.transition(
        session,
        application,
        S.ON_AGENDA,
        actor=actor,
        capacity=CREDIT_OFFICER,
        note=f"agenda of {meeting.held_on.isoformat()}",
    )
    return item


def remove_from_agenda(session: Session, application: LoanApplication, *, actor: Actor, note: str) -> None:
    """Take an application off the agenda (back to in review); votes of this round stay recorded."""
    if not actor.has_role(*applications.REVIEW_ROLES):
        raise PermissionDenied(N_("only credit officers take applications off the agenda"))
    applications.require_transition(application.status, S.IN_REVIEW)
    item = active_agenda_item(session, application)
    applications.transition(
        session, application, S.IN_REVIEW, actor=actor, capacity=CREDIT_OFFICER, note=note
    )
    if item is not None:
        item.removed_at = clock.now_utc()
    session.flush()


# ---------------------------------------------------------------------------------------------
# Conflicts of interest and votes


def declaration_of(
    session: Session, application: LoanApplication, user_id: int
) -> ConflictDeclaration | None:
    return session.scalar(
        select(ConflictDeclaration).where(
            ConflictDeclaration.application_id == application.id, ConflictDeclaration.user_id == user_id
        )
    )


def declare(
    session: Session, application: LoanApplication, *, actor: Actor, has_conflict: bool, explanation: str = ""
) -> ConflictDeclaration:
    """Declare, once per application, whether you have a conflict of interest; a conflict recuses you."""
    _committee_member(actor, "declare conflicts of interest")
    APPLICATION_STATUS.require_action(
        "declare_conflict",
        application.status,
        N_("application %(number)s is not before the committee"),
        number=application.number,
    )
    explanation = " ".join((explanation or "").split())
    if has_conflict and not explanation:
        raise ValidationError("explanation", N_("is required when you declare a conflict of interest"))
    if len(explanation) > 1000:
        raise ValidationError("explanation", N_("must be at most 1000 characters"))
    assert actor.user_id is not None
    if declaration_of(session, application, actor.user_id) is not None:
        raise Conflict(
            N_("you already made your declaration for application %(number)s"), number=application.number
        )
    declaration = ConflictDeclaration(
        application_id=application.id,
        user_id=actor.user_id,
        user_label=actor.label,
        has_conflict=has_conflict,
        explanation=explanation,
        declared_at=clock.now_utc(),
    )
    session.add(declaration)
    session.flush()
    audit.record(
        session,
        actor,
        "committee.recusal" if has_conflict else "committee.no_conflict",
        "loan_application",
        application.id,
        after={"has_conflict": has_conflict},
        detail=explanation,
    )
    return declaration


def vote_refusal(session: Session, application: LoanApplication, actor: Actor) -> Message | None:
    """Why ``actor`` may not vote on ``application`` now, or None when they may (for the page)."""
    if actor.role != "committee" or actor.user_id is None:
        return Message(N_("only loan committee members vote"))
    if not APPLICATION_STATUS.allows_action("vote", application.status):
        return Message(N_("application %(number)s is not on a committee agenda"), number=application.number)
    if application.reviewer_id == actor.user_id:
        return Message(N_("you prepared this application, so you cannot vote on it (four eyes)"))
    declaration = declaration_of(session, application, actor.user_id)
    if declaration is None:
        return Message(N_("declare first whether you have a conflict of interest"))
    if declaration.has_conflict:
        return Message(N_("you declared a conflict of interest and are recused from this application"))
    if session.scalar(
        select(Vote.id).where(
            Vote.application_id == application.id,
            Vote.review_round == application.review_round,
            Vote.user_id == actor.user_id,
        )
    ):
        return Message(N_("you already voted on this application; a vote cannot be changed"))
    return None


def cast_vote(
    session: Session,
    application: LoanApplication,
    *,
    actor: Actor,
    choice: VoteChoice | str,
    comment: str = "",
) -> Vote:
    """Vote approve, reject or abstain, with a comment; once per member per review round."""
    _committee_member(actor, "vote")
    try:
        vote_choice = VoteChoice(choice)
    except ValueError:
        raise ValidationError("choice", N_("must be approve, reject or abstain")) from None
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise ValidationError("comment", N_("must be at most 2000 characters"))
    if vote_choice is VoteChoice.REJECT and not comment:
        raise ValidationError("comment", N_("is required with a vote against: give your reason"))
    # The one refusal about the application rather than the voter (the role was checked above).
    APPLICATION_STATUS.require_action(
        "vote",
        application.status,
        N_("application %(number)s is not on a committee agenda"),
        number=application.number,
    )
    refusal = vote_refusal(session, application, actor)
    if refusal is not None:
        if "already voted" in refusal:
            raise Conflict(refusal)
        raise PermissionDenied(refusal)
    assert actor.user_id is not None
    vote = Vote(
        application_id=application.id,
        review_round=application.review_round,
        user_id=actor.user_id,
        user_label=actor.label,
        choice=vote_choice,
        comment=comment,
        cast_at=clock.now_utc(),
    )
    try:
        with session.begin_nested():
            session.add(vote)
            session.flush()
    except IntegrityError:
        raise Conflict(N_("you already voted on this application; a vote cannot be changed")) from None
    audit.record(
        session,
        actor,
        "committee.vote",
        "loan_application",
        application.id,
        after={"choice": vote_choice.value, "round": application.review_round},
        detail=comment,
    )
    return vote


@dataclass(frozen=True)
class Tally:
    approve: int
    reject: int
    abstain: int
    quorum: int
    recusals: tuple[str, ...] = field(default_factory=tuple)
    votes: tuple[Vote, ...] = field(default_factory=tuple)

    @property
    def cast(self) -> int:
        return self.approve + self.reject + self.abstain

    @property
    def has_quorum(self) -> bool:
        return self.cast >= self.quorum

    @property
    def outcome(self) -> DecisionOutcome | None:
        """The majority of votes cast for or against; None on a tie (abstentions don't count)."""
        if self.approve > self.reject:
            return DecisionOutcome.APPROVED
        if self.reject > self.approve:
            return DecisionOutcome.REJECTED
        return None


def tally(session: Session, application: LoanApplication, *, quorum: int) -> Tally:
    """Count this round's votes (every stored vote is eligible: the rules were checked when cast)."""
    votes = tuple(
        session.scalars(
            select(Vote)
            .where(Vote.application_id == application.id, Vote.review_round == application.review_round)
            .order_by(Vote.id)
        )
    )
    # By name: the recusal is printed in the applicant's letter, where a log-in e-mail has no place.
    recusals = tuple(
        session.scalars(
            select(func.coalesce(func.nullif(User.name, ""), ConflictDeclaration.user_label))
            .join(User, User.id == ConflictDeclaration.user_id)
            .where(
                ConflictDeclaration.application_id == application.id,
                ConflictDeclaration.has_conflict.is_(True),
            )
            .order_by(ConflictDeclaration.id)
        )
    )
    count = {choice: sum(1 for v in votes if v.choice is choice) for choice in VoteChoice}
    return Tally(
        approve=count[VoteChoice.APPROVE],
        reject=count[VoteChoice.REJECT],
        abstain=count[VoteChoice.ABSTAIN],
        quorum=quorum,
        recusals=recusals,
        votes=votes,
    )


# ---------------------------------------------------------------------------------------------
# The chair's decision


def _require_chair(session: Session, application: LoanApplication, actor: Actor) -> Meeting:
    _committee_member(actor, "record decisions")
    APPLICATION_STATUS.require_action(
        "decide",
        application.status,
        N_("application %(number)s is not on a committee agenda"),
        number=application.number,
    )
    item = active_agenda_item(session, application)
    if item is None:
        raise InvalidTransition(
            N_("application %(number)s is on no meeting's agenda"), number=application.number
        )
    meeting = item.meeting
    if application.reviewer_id == actor.user_id:
        raise PermissionDenied(N_("you prepared this application, so you cannot decide on it (four eyes)"))
    if chair_is_recused(session, application, meeting):
        # The chair declared a conflict: another eligible committee member chairs this item.
        if meeting.chair_id == actor.user_id:
            raise PermissionDenied(
                N_(
                    "you declared a conflict of interest on this application, so another committee "
                    "member who declared none chairs it and records the decision"
                )
            )
        declaration = declaration_of(session, application, actor.user_id or -1)
        if declaration is None or declaration.has_conflict:
            raise PermissionDenied(
                N_(
                    "the chair is recused from this application; a committee member who declared no "
                    "conflict of interest records the decision"
                )
            )
        return meeting
    if meeting.chair_id != actor.user_id:
        raise PermissionDenied(
            N_("only the chair of the meeting (%(chair_label)s) records the decision"),
            chair_label=meeting.chair_label,
        )
    return meeting


def may_record_decision(session: Session, application: LoanApplication, actor: Actor) -> bool:
    """Whether ``actor`` records the decision on ``application`` now (the page shows the form)."""
    try:
        _require_chair(session, application, actor)
    except (PermissionDenied, InvalidTransition):
        return False
    return True


def chair_is_recused(session: Session, application: LoanApplication, meeting: Meeting) -> bool:
    """Whether the meeting's chair declared a conflict of interest on ``application``."""
    declaration = declaration_of(session, application, meeting.chair_id)
    return declaration is not None and declaration.has_conflict


def voted_terms_only(
    application: LoanApplication, terms: Mapping[str, Any], decided_on: dt.date
) -> dict[str, Any]:
    """The terms the committee voted on (the credit officer's recommendation); overrides are refused.

    The votes were cast on those terms, so the chair cannot record others: a different amount,
    term or rate needs a new review round and a new vote. A field repeating the voted value is fine.
    """
    asked = _approved_terms(application, terms, decided_on)
    voted = _approved_terms(application, {}, decided_on)
    names = {
        "approved_amount": "amount",
        "approved_term_months": "term_months",
        "approved_rate_annual": "rate_annual",
        "approved_grace_periods": "grace_periods",
    }
    differing = {
        names[key]: N_("differs from the terms the committee voted on; return the application for a new vote")
        for key, value in asked.items()
        if value != voted[key]
    }
    if differing:
        raise ValidationError(differing)
    return voted


def _conditions(raw: Sequence[str] | str) -> list[str]:
    lines = raw.splitlines() if isinstance(raw, str) else list(raw)
    conditions = [" ".join(str(line).split()) for line in lines]
    conditions = [text.lstrip("-• ").strip() for text in conditions if text.strip("-• ")]
    if len(conditions) > MAX_CONDITIONS:
        raise ValidationError(
            "conditions", N_("at most %(max_conditions)s conditions"), max_conditions=MAX_CONDITIONS
        )
    for text in conditions:
        if len(text) > 500:
            raise ValidationError("conditions", N_("each condition must be at most 500 characters"))
    return conditions


def decide(
    session: Session,
    application: LoanApplication,
    *,
    actor: Actor,
    quorum: int,
    conditions: Sequence[str] | str = (),
    reasons: str = "",
    terms: Mapping[str, Any] | None = None,
    on: dt.date | None = None,
    condition_items: Mapping[int, int] | None = None,
) -> Decision:
    """Record the committee's decision as its chair: approved or rejected by the majority of votes cast.

    The approved terms are those the votes were cast on (the credit officer's recommendation);
    ``terms`` may only repeat them (:func:`voted_terms_only`). When the meeting's chair declared a
    conflict, another committee member who declared none records it, and the record names both.
    Refused without quorum, on a tie, or when a rejection has no reasons. Immutable once recorded.
    ``condition_items`` points conditions (by position, from 1) at items of the application's
    collateral register ("first-rank mortgage inscribed" at the mortgage it is about).
    """
    meeting = _require_chair(session, application, actor)
    if quorum < 1:
        raise ValidationError("quorum", N_("must be at least 1"))
    counted = tally(session, application, quorum=quorum)
    if not counted.has_quorum:
        raise ValidationError(
            "quorum",
            N_(
                "not reached: %(cast)s eligible vote(s) cast, %(quorum)s needed (abstentions count "
                "for the quorum, recused members do not)"
            ),
            cast=counted.cast,
            quorum=quorum,
        )
    outcome = counted.outcome
    if outcome is None:
        raise ValidationError(
            "votes",
            N_(
                "no majority: %(approve)s for and %(reject)s against (abstentions don't count); the "
                "committee cannot decide; return the application or take it to a next meeting"
            ),
            approve=counted.approve,
            reject=counted.reject,
        )
    reasons = (reasons or "").strip()
    if len(reasons) > 4000:
        raise ValidationError("reasons", N_("must be at most 4000 characters"))
    condition_texts = _conditions(conditions) if outcome is DecisionOutcome.APPROVED else []
    pointed = {
        position: collateral.item_of_application(session, application.id, item_id).id
        for position, item_id in (condition_items or {}).items()
        if 1 <= position <= len(condition_texts)
    }
    # The committee decides at its meeting: the decision (and the letter) carry the meeting's day,
    # also when the chair records it before or after that day.
    decided_on = on or meeting.held_on
    approved: dict[str, Any] = {}
    if outcome is DecisionOutcome.REJECTED and not reasons:
        raise ValidationError(
            "reasons", N_("are required with a rejection; the applicant's letter gives them")
        )
    if outcome is DecisionOutcome.APPROVED:
        approved = voted_terms_only(application, terms or {}, decided_on)
    chair_label = actor.label
    if meeting.chair_id != actor.user_id:
        chair_label = f"{actor.label} (chairing for {meeting.chair_label}, recused)"[:200]
    decision = Decision(
        application_id=application.id,
        review_round=application.review_round,
        meeting_id=meeting.id,
        outcome=outcome,
        chair_id=actor.user_id,
        chair_label=chair_label,
        decided_at=clock.now_utc(),
        decided_on=decided_on,
        votes_approve=counted.approve,
        votes_reject=counted.reject,
        votes_abstain=counted.abstain,
        quorum=quorum,
        recusals=list(counted.recusals),
        reasons=reasons,
        **approved,
    )
    session.add(decision)
    session.flush()
    for position, text in enumerate(condition_texts, start=1):
        session.add(
            Condition(
                decision_id=decision.id,
                application_id=application.id,
                position=position,
                text=text,
                evidence_note="",
                collateral_item_id=pointed.get(position),
            )
        )
    applications.mark_decided(
        application, decided_on=decided_on, approved=outcome is DecisionOutcome.APPROVED
    )
    target = S.APPROVED if outcome is DecisionOutcome.APPROVED else S.REJECTED
    note = f"{counted.approve} for, {counted.reject} against, {counted.abstain} abstained" + (
        f"; recused: {', '.join(counted.recusals)}" if counted.recusals else ""
    )
    applications.transition(
        session,
        application,
        target,
        actor=actor,
        capacity=COMMITTEE,
        note=note if outcome is DecisionOutcome.APPROVED else f"{note}\n{reasons}",
    )
    audit.record(
        session,
        actor,
        f"committee.decision.{outcome.value}",
        "loan_application",
        application.id,
        after={
            "decision": decision.id,
            "approve": counted.approve,
            "reject": counted.reject,
            "abstain": counted.abstain,
            "conditions": len(condition_texts),
            "amount": approved.get("approved_amount"),
        },
    )
    return decision


def _approved_terms(
    application: LoanApplication, terms: Mapping[str, Any], decided_on: dt.date
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    amount = terms.get("amount") or application.recommended_amount or application.amount
    term_months = terms.get("term_months") or application.recommended_term_months or application.term_months
    rate = terms.get("rate_annual")
    grace = terms.get("grace_periods")
    try:
        amount_value = applications._optional_amount(amount, "amount", allow_zero=False)
    except ValidationError as error:
        errors.update(error.fields)
        amount_value = None
    try:
        term_value = applications._whole(term_months, "term_months", minimum=1, maximum=480)
    except ValidationError as error:
        errors.update(error.fields)
        term_value = None
    try:
        if rate in (None, ""):
            rate_value = application.recommended_rate_annual
        elif isinstance(rate, Decimal):
            rate_value = rate
        else:
            rate_value = parse_rate_percent(rate, "rate_annual")
    except ValidationError as error:
        errors.update(error.fields)
        rate_value = None
    try:
        grace_value = (
            application.grace_periods if grace in (None, "") else applications._whole(grace, "grace_periods")
        )
    except ValidationError as error:
        errors.update(error.fields)
        grace_value = 0
    if errors:
        raise ValidationError(errors)
    product = application.product
    assert amount_value is not None and term_value is not None
    if term_value % product.frequency.months:
        raise ValidationError(
            "term_months", N_("must be a multiple of %(months)s months"), months=product.frequency.months
        )
    try:
        terms_for(
            product,
            principal=amount_value,
            term_periods=term_value // product.frequency.months,
            disbursed_on=decided_on,
            grace_periods=grace_value,
            rate_annual=rate_value,
        )
    except ValidationError as error:
        renamed = {"term": "term_months", "grace_principal": "grace_periods", "principal": "amount"}
        raise ValidationError({renamed.get(k, k): v for k, v in error.fields.items()}) from None
    return {
        "approved_amount": amount_value,
        "approved_term_months": term_value,
        "approved_rate_annual": rate_value if rate_value is not None else product.rate_annual,
        "approved_grace_periods": grace_value,
    }


def return_to_applicant(session: Session, application: LoanApplication, *, actor: Actor, note: str) -> None:
    """The chair sends the application back for more information (no decision; a new round follows)."""
    _require_chair(session, application, actor)
    item = active_agenda_item(session, application)
    applications.transition(session, application, S.RETURNED, actor=actor, capacity=COMMITTEE, note=note)
    if item is not None:
        item.removed_at = clock.now_utc()
    session.flush()


def decision_of(session: Session, application: LoanApplication) -> Decision | None:
    """The latest decision on the application (there is at most one per round, and one final)."""
    return session.scalar(
        select(Decision)
        .where(Decision.application_id == application.id)
        .order_by(Decision.id.desc())
        .limit(1)
    )


# ---------------------------------------------------------------------------------------------
# Conditions


def tick_condition(session: Session, condition: Condition, *, actor: Actor, evidence_note: str) -> Condition:
    """Mark a condition met, with the evidence (e.g. "deed signed at notary X on 12-03, copy filed")."""
    if not actor.has_role(*CONDITION_ROLES):
        raise PermissionDenied(N_("only credit officers tick off conditions"))
    application = session.get(LoanApplication, condition.application_id)
    refusal = N_("conditions can be ticked off only on an approved offer")
    if application is None:
        raise InvalidTransition(refusal)
    APPLICATION_STATUS.require_action("tick_condition", application.status, refusal)
    if condition.is_met:
        raise Conflict(
            N_("condition %(position)s was already ticked off by %(met_by_label)s"),
            position=condition.position,
            met_by_label=condition.met_by_label,
        )
    note = (evidence_note or "").strip()
    if not note:
        raise ValidationError("evidence_note", N_("is required: say what shows the condition is met"))
    if len(note) > 2000:
        raise ValidationError("evidence_note", N_("must be at most 2000 characters"))
    condition.met_at = clock.now_utc()
    condition.met_by_id = actor.user_id
    condition.met_by_label = actor.label
    condition.evidence_note = note
    session.flush()
    audit.record(
        session,
        actor,
        "committee.condition_met",
        "loan_application",
        condition.application_id,
        after={"condition": condition.id, "text": condition.text},
        detail=note,
    )
    return condition


def point_condition_at(
    session: Session, condition: Condition, item_id: int | None, *, actor: Actor
) -> Condition:
    """Point a condition at an item of its application's collateral register (None: at nothing).

    "Hypotheek eerste rang ingeschreven" then links to the mortgage, whose deed and appraisals
    show whether it is met. The decision's text stays as decided; only the reference is set, by a
    credit officer while the offer is open.
    """
    if not actor.has_role(*CONDITION_ROLES):
        raise PermissionDenied(N_("only credit officers point conditions at the collateral register"))
    application = session.get(LoanApplication, condition.application_id)
    refusal = N_("conditions can be ticked off only on an approved offer")
    if application is None:
        raise InvalidTransition(refusal)
    APPLICATION_STATUS.require_action("tick_condition", application.status, refusal)
    before = condition.collateral_item_id
    if item_id is None:
        condition.collateral_item_id = None
    else:
        condition.collateral_item_id = collateral.item_of_application(session, application.id, item_id).id
    session.flush()
    audit.record(
        session,
        actor,
        "committee.condition_collateral",
        "loan_application",
        condition.application_id,
        before={"condition": condition.id, "collateral_item": before},
        after={"condition": condition.id, "collateral_item": condition.collateral_item_id},
    )
    return condition


def open_conditions(session: Session, application: LoanApplication) -> list[Condition]:
    decision = decision_of(session, application)
    if decision is None:
        return []
    return [condition for condition in decision.conditions if not condition.is_met]


def get_meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(N_("meeting %(meeting_id)s does not exist"), meeting_id=meeting_id)
    return meeting
