"""What waits for one committee member (L3 reads): the committee's home is their work queue.

A committee member used to land on a list of every application and meeting with nothing saying
which of them asked for their hand. :func:`work_for` says, per application on an agenda, what
this member does next (declare, vote, nothing: voted, recused, prepared it) and, for the chair,
which items have their quorum and wait for the decision to be recorded. The rules are the
service's (:func:`bank.committee.service.vote_refusal`, ``_require_chair``); this module reads
them in bulk so the page is a fixed number of queries whatever the size of the agenda.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from bank.actor import Actor
from bank.applications.models import ApplicationStatus, LoanApplication
from bank.committee.models import AgendaItem, ConflictDeclaration, Decision, Meeting, Vote, VoteChoice

#: Decisions recorded this many days back are "recent" on the home page.
RECENT_DECISION_DAYS = 30
RECENT_DECISION_LIMIT = 10


class MyTurn(enum.StrEnum):
    """What the member does next on one application on an agenda."""

    DECLARE = "declare"  # declare first whether you have a conflict of interest
    VOTE = "vote"  # declared no conflict, has not voted
    VOTED = "voted"
    RECUSED = "recused"  # declared a conflict
    PREPARED = "prepared"  # prepared it as credit officer (four eyes)
    LOOKS = "looks"  # not a committee member (an administrator looks, does not vote)


@dataclass(frozen=True)
class AgendaLine:
    """One application on an agenda, as one committee member sees it."""

    item: AgendaItem
    application: LoanApplication
    meeting: Meeting
    turn: MyTurn
    #: Votes cast this round (approve, reject, abstain), and the quorum.
    votes_cast: int
    approve: int
    reject: int
    abstain: int
    quorum: int
    #: Whether this member records the decision (chairs it) and the quorum is there.
    ready_to_decide: bool = False
    #: Whether this member chairs the item (the meeting's chair, or the stand-in when the chair is recused).
    chairs: bool = False

    @property
    def has_quorum(self) -> bool:
        return self.votes_cast >= self.quorum

    @property
    def acts(self) -> bool:
        """Whether the member has something to do here (declare or vote)."""
        return self.turn in (MyTurn.DECLARE, MyTurn.VOTE)


@dataclass
class CommitteeWork:
    """The committee home: next meeting, what waits for my declaration or vote, what I chair, decisions."""

    next_meeting: Meeting | None = None
    #: Every application on an agenda from today on (the next meeting's first), for this member.
    lines: list[AgendaLine] = field(default_factory=list)
    recent_decisions: list[Decision] = field(default_factory=list)
    #: Applications of recent decisions, by id (applicant loaded).
    decided: dict[int, LoanApplication] = field(default_factory=dict)

    @property
    def waiting_for_me(self) -> list[AgendaLine]:
        return [line for line in self.lines if line.acts]

    @property
    def recused(self) -> list[AgendaLine]:
        return [line for line in self.lines if line.turn is MyTurn.RECUSED]

    @property
    def chaired(self) -> list[AgendaLine]:
        return [line for line in self.lines if line.chairs]

    @property
    def next_agenda(self) -> list[AgendaLine]:
        if self.next_meeting is None:
            return []
        return [line for line in self.lines if line.meeting.id == self.next_meeting.id]


def work_for(session: Session, actor: Actor, *, today: dt.date, quorum: int) -> CommitteeWork:
    """The work queue of ``actor`` (a committee member; others get the agenda without turns).

    Seven queries: the agenda items of the applications on an agenda (with meeting, application
    and applicant), the declarations and the votes of this round on them, the next meeting with
    its items, and the recent decisions with their applications.
    """
    work = CommitteeWork()
    items = list(
        session.scalars(
            select(AgendaItem)
            .join(LoanApplication, LoanApplication.id == AgendaItem.application_id)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .options(
                joinedload(AgendaItem.meeting),
                joinedload(AgendaItem.application).joinedload(LoanApplication.applicant),
            )
            .where(
                LoanApplication.status == ApplicationStatus.ON_AGENDA,
                AgendaItem.removed_at.is_(None),
                AgendaItem.review_round == LoanApplication.review_round,
            )
            .order_by(Meeting.held_on, Meeting.id, AgendaItem.position)
        )
    )
    ids = [item.application_id for item in items]
    declarations: dict[tuple[int, int], bool] = {}
    votes: dict[int, Counter[VoteChoice]] = {}
    voted_by: set[tuple[int, int]] = set()
    if ids:
        for application_id, user_id, has_conflict in session.execute(
            select(
                ConflictDeclaration.application_id,
                ConflictDeclaration.user_id,
                ConflictDeclaration.has_conflict,
            ).where(ConflictDeclaration.application_id.in_(ids))
        ):
            declarations[(application_id, user_id)] = has_conflict
        rounds = {item.application_id: item.application.review_round for item in items}
        for application_id, review_round, user_id, choice in session.execute(
            select(Vote.application_id, Vote.review_round, Vote.user_id, Vote.choice).where(
                Vote.application_id.in_(ids)
            )
        ):
            if rounds.get(application_id) == review_round:
                votes.setdefault(application_id, Counter())[choice] += 1
                voted_by.add((application_id, user_id))
    me = actor.user_id if actor.role == "committee" else None
    for item in items:
        application, meeting = item.application, item.meeting
        count = votes.get(application.id, Counter())
        cast = sum(count.values())
        if me is None:
            turn = MyTurn.LOOKS
        elif application.reviewer_id == me:
            turn = MyTurn.PREPARED
        elif (application.id, me) not in declarations:
            turn = MyTurn.DECLARE
        elif declarations[(application.id, me)]:
            turn = MyTurn.RECUSED
        elif (application.id, me) in voted_by:
            turn = MyTurn.VOTED
        else:
            turn = MyTurn.VOTE
        chair_recused = declarations.get((application.id, meeting.chair_id), False)
        # As bank.committee.service._require_chair: the meeting's chair, or, when the chair is
        # recused, any member who declared no conflict; never who prepared the application.
        chairs = (
            me is not None
            and application.reviewer_id != me
            and (
                (meeting.chair_id == me and not chair_recused)
                or (chair_recused and declarations.get((application.id, me)) is False)
            )
        )
        work.lines.append(
            AgendaLine(
                item=item,
                application=application,
                meeting=meeting,
                turn=turn,
                votes_cast=cast,
                approve=count[VoteChoice.APPROVE],
                reject=count[VoteChoice.REJECT],
                abstain=count[VoteChoice.ABSTAIN],
                quorum=quorum,
                chairs=chairs,
                ready_to_decide=chairs and cast >= quorum,
            )
        )
    work.next_meeting = session.scalar(
        select(Meeting)
        .options(
            selectinload(Meeting.items)
            .joinedload(AgendaItem.application)
            .joinedload(LoanApplication.applicant)
        )
        .where(Meeting.held_on >= today)
        .order_by(Meeting.held_on, Meeting.id)
        .limit(1)
    )
    work.recent_decisions = list(
        session.scalars(
            select(Decision)
            .where(Decision.decided_on >= today - dt.timedelta(days=RECENT_DECISION_DAYS))
            .order_by(Decision.decided_on.desc(), Decision.id.desc())
            .limit(RECENT_DECISION_LIMIT)
        )
    )
    decided_ids = [decision.application_id for decision in work.recent_decisions]
    if decided_ids:
        work.decided = {
            application.id: application
            for application in session.scalars(
                select(LoanApplication)
                .options(joinedload(LoanApplication.applicant))
                .where(LoanApplication.id.in_(decided_ids))
            )
        }
    return work


def meetings(session: Session, *, upcoming: bool, today: dt.date, limit: int = 50) -> list[Meeting]:
    """Meetings to come (soonest first) or held (latest first), with their agendas' applications."""
    query = select(Meeting).options(selectinload(Meeting.items).selectinload(AgendaItem.application))
    if upcoming:
        query = query.where(Meeting.held_on >= today).order_by(Meeting.held_on, Meeting.id)
    else:
        query = query.where(Meeting.held_on < today).order_by(Meeting.held_on.desc(), Meeting.id.desc())
    return list(session.scalars(query.limit(limit)))


def meeting_of(session: Session, application: LoanApplication) -> Meeting | None:
    """The meeting on whose agenda the application is in its current round."""
    item = session.scalar(
        select(AgendaItem).where(
            AgendaItem.application_id == application.id,
            AgendaItem.review_round == application.review_round,
            AgendaItem.removed_at.is_(None),
        )
    )
    return item.meeting if item else None
