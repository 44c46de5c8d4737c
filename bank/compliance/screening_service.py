"""Screening as a bank process: load a list, screen members against it, decide the hits.

``load_list`` reads a list file through ``lists`` (a malformed file is refused naming the line,
nothing written; the same file twice is refused), stores its entries and makes the load the
current one of its kind. ``screen_everyone`` screens every member that has not left (persons,
organisations and representatives alike: representatives are members) against the current
entries of every kind, the index built once; ``screen_member`` screens one member, as the edges
call it when a member is registered or their name or birth date changes (``members`` sits below
compliance and cannot call it).

A hit is recorded once per subject and list entry: screening again does not repeat a hit that is
open, proposed for clearing or confirmed, nor one that was cleared for the same name and birth
date; a cleared hit comes back when either changed since. Clearing needs four eyes: one
compliance officer proposes it with a reason, another person (an administrator counts) confirms
it. A confirmed *sanctions* match stops everything for the member (:func:`gate_source`); a
confirmed PEP match does not freeze, but marks the member as a PEP (:func:`confirmed_pep_member_ids`,
read by the due-diligence risk class). Nothing here commits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.compliance import due_diligence, lists, screening
from bank.compliance.cdd_models import BeneficialOwner
from bank.compliance.lists import ListEntry, ListKind, ListSource
from bank.compliance.models import (
    HIT_STATUS,
    UNDECIDED,
    HitStatus,
    ListFileKind,
    ScreeningHit,
    ScreeningListEntry,
    ScreeningListLoad,
    SubjectKind,
)
from bank.compliance.verdicts import ALL_PURPOSES, Hindrance, Purpose
from bank.errors import N_, Message, PermissionDenied, ValidationError
from bank.members.models import Member, MemberStatus

#: Who loads lists, screens and decides hits (administrators pass every staff check).
COMPLIANCE_ROLES = ("compliance", "admin")
REASON_MAX = 2000
FILE_NAME_MAX = 255

#: What an open (undecided) hit stops: a new relationship and a loan's payout, not money out — a
#: namesake must still reach their savings while compliance looks; a confirmed match freezes all.
OPEN_HIT_PURPOSES = frozenset({Purpose.OPEN_ACCOUNT, Purpose.DISBURSE})

SANCTIONS_MATCH = N_("a confirmed sanctions list match (hit %(hit)s) – every account is frozen")
OPEN_HIT = N_(
    "a screening hit (hit %(hit)s) waits for compliance's decision: until then no account is opened "
    "and no loan is paid out (money may still leave)"
)


def _require_compliance(actor: Actor) -> None:
    if not actor.has_role(*COMPLIANCE_ROLES):
        raise PermissionDenied(N_("only a compliance officer or an administrator may do this"))


def _reason(text: str | None, field: str, rule: str) -> str:
    reason = (text or "").strip()
    if not reason:
        raise ValidationError(field, rule)
    if len(reason) > REASON_MAX:
        raise ValidationError(field, N_("must be at most %(max)s characters"), max=REASON_MAX)
    return reason


# --- lists ------------------------------------------------------------------------------------


def load_list(session: Session, data: bytes, file_name: str, kind: str, actor: Actor) -> ScreeningListLoad:
    """Read ``data`` as a list file of ``kind`` (``eu`` or ``ftm``), store its entries and make it the
    current load of its kind (older loads stay, as history). Refused without writing anything when
    the file is malformed (the rule names the line), holds no entry, or was loaded before."""
    _require_compliance(actor)
    if kind not in {item.value for item in ListFileKind}:
        raise ValidationError("kind", N_("must be one of %(allowed)s"), allowed=("eu", "ftm"))
    name = os.path.basename((file_name or "").replace("\\", "/")).strip()[:FILE_NAME_MAX] or "list"
    digest = hashlib.sha256(data).hexdigest()
    earlier = session.scalar(select(ScreeningListLoad).where(ScreeningListLoad.sha256 == digest))
    if earlier is not None:
        raise ValidationError(
            "file",
            N_("this file was already loaded on %(date)s (as %(name)s); nothing was loaded"),
            date=earlier.loaded_at.astimezone(clock.BANK_TZ).date(),
            name=earlier.file_name,
        )
    entries = lists.load_list(data, kind)
    persons = sum(1 for entry in entries if entry.is_person)
    session.execute(
        update(ScreeningListLoad)
        .where(ScreeningListLoad.kind == ListFileKind(kind), ScreeningListLoad.is_current.is_(True))
        .values(is_current=False)
    )
    load = ScreeningListLoad(
        kind=ListFileKind(kind),
        file_name=name,
        sha256=digest,
        entry_count=len(entries),
        person_count=persons,
        organisation_count=len(entries) - persons,
        is_current=True,
        loaded_by_id=actor.user_id,
        loaded_by_label=actor.label,
    )
    session.add(load)
    session.flush()
    session.execute(
        insert(ScreeningListEntry),
        [
            {
                "load_id": load.id,
                "source": entry.source.value,
                "entry_key": entry.entry_id[:200],
                "is_person": entry.is_person,
                "kinds": [item.value for item in entry.kinds],
                "names": list(entry.names),
                "birth_dates": list(entry.birth_dates),
                "nationalities": list(entry.nationalities),
            }
            for entry in _distinct_entries(entries)
        ],
    )
    audit.record(
        session,
        actor,
        "screening.list_loaded",
        "screening_list_load",
        load.id,
        after={
            "kind": kind,
            "file_name": name,
            "sha256": digest,
            "entries": load.entry_count,
            "persons": load.person_count,
            "organisations": load.organisation_count,
        },
    )
    return load


def _distinct_entries(entries: Iterable[ListEntry]) -> list[ListEntry]:
    """One entry per list id (a file naming an id twice keeps the first)."""
    seen: dict[str, ListEntry] = {}
    for entry in entries:
        seen.setdefault(entry.entry_id[:200], entry)
    return list(seen.values())


def _as_list_entry(row: ScreeningListEntry) -> ListEntry:
    return ListEntry(
        source=ListSource(row.source),
        entry_id=row.entry_key,
        names=tuple(row.names),
        birth_dates=tuple(row.birth_dates),
        nationalities=tuple(row.nationalities),
        is_person=row.is_person,
        kinds=tuple(ListKind(kind) for kind in row.kinds),
    )


class EntryRef(NamedTuple):
    """What a hit keeps of a stored entry (plain data, so the index outlives a session)."""

    id: int
    load_id: int
    is_sanction: bool
    is_pep: bool


@dataclass(frozen=True)
class CurrentLists:
    """The current entries of every kind, indexed once for screening."""

    index: screening.ScreeningIndex
    #: (source, list id) → the stored entry.
    rows: dict[tuple[str, str], EntryRef]

    def __bool__(self) -> bool:
        return bool(self.rows)


#: The index of the current loads: a list of 50 000 entries takes seconds to index, and a member's
#: registration should not pay that each time. The key is each current load's id, file hash and
#: time, and the range of its entries' ids, so an index is never reused for other rows (a database
#: rebuilt or restored in the same process numbers its loads from 1 again); only the last is kept.
_INDEX_CACHE: dict[tuple[object, ...], CurrentLists] = {}


def current_lists(session: Session) -> CurrentLists:
    """The current loads' entries, indexed (from the cache when the current loads are the same)."""
    loads = session.execute(
        select(ScreeningListLoad.id, ScreeningListLoad.sha256, ScreeningListLoad.loaded_at)
        .where(ScreeningListLoad.is_current.is_(True))
        .order_by(ScreeningListLoad.id)
    ).all()
    load_ids = tuple(load.id for load in loads)
    entry_range = (
        session.execute(
            select(func.min(ScreeningListEntry.id), func.max(ScreeningListEntry.id)).where(
                ScreeningListEntry.load_id.in_(load_ids)
            )
        ).one()
        if load_ids
        else (None, None)
    )
    cache_key = (*(tuple(load) for load in loads), tuple(entry_range))
    cached = _INDEX_CACHE.get(cache_key)
    if cached is not None:
        return cached
    rows = (
        list(
            session.scalars(
                select(ScreeningListEntry)
                .where(ScreeningListEntry.load_id.in_(load_ids))
                .order_by(ScreeningListEntry.id)
            )
        )
        if load_ids
        else []
    )
    by_key = {
        (row.source, row.entry_key): EntryRef(row.id, row.load_id, row.is_sanction, row.is_pep)
        for row in rows
    }
    current = CurrentLists(screening.ScreeningIndex.build(_as_list_entry(row) for row in rows), by_key)
    _INDEX_CACHE.clear()
    _INDEX_CACHE[cache_key] = current
    return current


def _reasons_json(reasons: screening.Reasons) -> dict[str, object]:
    return {
        key: value if isinstance(value, int) else str(value)
        for key, value in dataclasses.asdict(reasons).items()
    }


# --- screening --------------------------------------------------------------------------------


def subject_of(member: Member) -> screening.Subject:
    """A member as screening sees them: their name as written on a letter, and birth date."""
    return screening.Subject(
        subject_id=member.id,
        names=(member.full_name,),
        birth_date=member.date_of_birth if member.is_person else None,
        is_person=member.is_person,
    )


@dataclass(frozen=True)
class Screened:
    """Someone screened: a member, or a beneficial owner who is not one (``member_id`` is then the
    organisation whose relationship the hit concerns)."""

    kind: SubjectKind
    subject_id: int
    member_id: int
    name: str
    birth_date: dt.date | None
    is_person: bool
    nationality: str | None = None

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.subject_id}"

    def as_subject(self) -> screening.Subject:
        return screening.Subject(
            subject_id=self.key,
            names=(self.name,),
            birth_date=self.birth_date,
            nationality=self.nationality,
            is_person=self.is_person,
        )


def screened_member(member: Member) -> Screened:
    return Screened(
        SubjectKind.MEMBER,
        member.id,
        member.id,
        member.full_name,
        member.date_of_birth if member.is_person else None,
        member.is_person,
    )


def screened_owner(owner: BeneficialOwner) -> Screened:
    return Screened(
        SubjectKind.UBO,
        owner.id,
        owner.organisation_id,
        owner.name,
        owner.date_of_birth,
        True,
        owner.nationality or None,
    )


@dataclass(frozen=True)
class ScreeningResult:
    subjects: int
    new_hits: list[ScreeningHit]


def _earlier_hits(session: Session, subjects: Sequence[Screened] | None) -> dict[str, list[ScreeningHit]]:
    """The subjects' hits so far, by subject key (``None``: everyone's, when everyone is screened)."""
    found: dict[str, list[ScreeningHit]] = defaultdict(list)
    query = select(ScreeningHit)
    if subjects is not None:
        query = query.where(
            or_(
                *(
                    (ScreeningHit.subject_kind == subject.kind)
                    & (ScreeningHit.subject_id == subject.subject_id)
                    for subject in subjects
                )
            )
        )
    for hit in session.scalars(query):
        found[f"{hit.subject_kind.value}:{hit.subject_id}"].append(hit)
    return found


def _already_known(earlier: Iterable[ScreeningHit], subject: Screened, source: str, key: str) -> bool:
    """Whether a hit of this subject on this entry stands already (open, proposed, confirmed) or
    was cleared for the name and birth date the subject has now."""
    for hit in earlier:
        if hit.entry_source != source or hit.entry_key != key:
            continue
        if hit.status not in (HitStatus.CLEARED, HitStatus.LIFTED):
            return True
        if hit.subject_name == subject.name and hit.subject_birth_date == subject.birth_date:
            return True
    return False


def _screen(
    session: Session, subjects: Sequence[Screened], current: CurrentLists, actor: Actor
) -> list[ScreeningHit]:
    if not current or not subjects:
        return []
    earlier = _earlier_hits(session, subjects if len(subjects) <= 20 else None)
    by_key = {subject.key: subject for subject in subjects}
    created: list[ScreeningHit] = []
    for found in screening.screen_all(current.index, (subject.as_subject() for subject in subjects)):
        subject = by_key[str(found.subject_id)]
        source, key = found.entry.source.value, found.entry.entry_id
        if _already_known(earlier[subject.key], subject, source, key):
            continue
        row = current.rows[(source, key)]
        hit = ScreeningHit(
            subject_kind=subject.kind,
            subject_id=subject.subject_id,
            member_id=subject.member_id,
            subject_name=subject.name,
            subject_birth_date=subject.birth_date,
            subject_is_person=subject.is_person,
            load_id=row.load_id,
            list_entry_id=row.id,
            entry_source=source,
            entry_key=key,
            is_sanction=row.is_sanction,
            is_pep=row.is_pep,
            score=found.score,
            reasons=_reasons_json(found.reasons),
            status=HitStatus.OPEN,
        )
        session.add(hit)
        session.flush()
        earlier[subject.key].append(hit)
        created.append(hit)
        audit.record(
            session,
            actor,
            "screening.hit_found",
            "screening_hit",
            hit.id,
            after={
                "member": _number_of(session, subject.member_id),
                "subject": subject.kind.value,
                "entry": f"{source}:{key}",
                "score": hit.score,
            },
        )
    return created


def _number_of(session: Session, member_id: int) -> int | None:
    member = session.get(Member, member_id)
    return member.number if member is not None else None


def _owners_to_screen(session: Session, organisation_ids: Iterable[int] | None) -> list[Screened]:
    """The beneficial owners who are not members themselves (members are screened as members)."""
    query = select(BeneficialOwner).where(BeneficialOwner.member_id.is_(None)).order_by(BeneficialOwner.id)
    if organisation_ids is not None:
        query = query.where(BeneficialOwner.organisation_id.in_(list(organisation_ids)))
    return [screened_owner(owner) for owner in session.scalars(query)]


def screen_owner(session: Session, owner: BeneficialOwner, actor: Actor) -> list[ScreeningHit]:
    """Screen a beneficial owner when added (a member who is one is screened as a member)."""
    if owner.member_id is not None:
        return []
    return _screen(session, [screened_owner(owner)], current_lists(session), actor)


def screen_member(session: Session, member: Member, actor: Actor) -> list[ScreeningHit]:
    """Screen one member against the current lists (at registration, on a change of name or birth
    date); the new hits (none when no list is loaded)."""
    if member.status is MemberStatus.LEFT:
        return []
    current = current_lists(session)
    return _screen(session, [screened_member(member)], current, actor)


#: The fields whose change screens a member again.
SCREENED_FIELDS = frozenset({"first_name", "name_prefix", "last_name", "legal_name", "date_of_birth"})


def screen_after_change(
    session: Session, member: Member, changed: Iterable[str], actor: Actor
) -> list[ScreeningHit]:
    """Screen ``member`` again when ``changed`` (the fields changed) has their name or birth date."""
    if not SCREENED_FIELDS & set(changed):
        return []
    return screen_member(session, member, actor)


def screen_everyone(session: Session, actor: Actor) -> ScreeningResult:
    """Screen every member who has not left, and the beneficial owners of those organisations who
    are not members themselves, against the current lists (after a load, or on demand)."""
    _require_compliance(actor)
    current = current_lists(session)
    members = list(
        session.scalars(select(Member).where(Member.status != MemberStatus.LEFT).order_by(Member.id))
    )
    subjects = [screened_member(member) for member in members]
    subjects += _owners_to_screen(session, [m.id for m in members if not m.is_person])
    created = _screen(session, subjects, current, actor)
    audit.record(
        session,
        actor,
        "screening.everyone_screened",
        "screening_list_load",
        None,
        after={"subjects": len(subjects), "entries": len(current.rows), "new_hits": len(created)},
    )
    return ScreeningResult(len(subjects), created)


# --- deciding hits ----------------------------------------------------------------------------


def _now() -> dt.datetime:
    return clock.now_utc()


def propose_clearing(session: Session, hit: ScreeningHit, *, reason: str, actor: Actor) -> ScreeningHit:
    """A compliance officer proposes that the hit is not the listed one; a second person confirms."""
    _require_compliance(actor)
    if hit.status is HitStatus.CLEARING_PROPOSED and hit.proposed_by_id == actor.user_id:
        return hit  # a double submit proposes once
    HIT_STATUS.require(
        hit.status,
        HitStatus.CLEARING_PROPOSED,
        N_("hit %(id)s is %(status)s; only an open hit can be proposed for clearing"),
        id=hit.id,
        status=hit.status,
    )
    text = _reason(reason, "reason", N_("is required: say why this is not the listed person or organisation"))
    hit.status = HitStatus.CLEARING_PROPOSED
    hit.proposed_at = _now()
    hit.proposed_by_id = actor.user_id
    hit.proposed_by_label = actor.label
    hit.proposal_reason = text
    session.flush()
    audit.record(
        session, actor, "screening.clearing_proposed", "screening_hit", hit.id, after={"reason": text}
    )
    return hit


def clearing_refusal(hit: ScreeningHit, actor: Actor) -> Message | None:
    """Why ``actor`` may not confirm the proposed clearing (None: they may); pages ask it too."""
    if not actor.has_role(*COMPLIANCE_ROLES):
        return Message(N_("only a compliance officer or an administrator may do this"))
    if actor.user_id is not None and actor.user_id == hit.proposed_by_id:
        return Message(
            N_(
                "you proposed clearing this hit; a second compliance officer or an administrator "
                "confirms it (four eyes)"
            )
        )
    return None


def confirm_clearing(session: Session, hit: ScreeningHit, *, note: str = "", actor: Actor) -> ScreeningHit:
    """A second person confirms the proposed clearing: the hit is closed, nothing follows."""
    if hit.status is HitStatus.CLEARED and hit.decided_by_id == actor.user_id:
        return hit  # a double submit clears once
    HIT_STATUS.require(
        hit.status,
        HitStatus.CLEARED,
        N_("hit %(id)s is %(status)s; only a proposed clearing can be confirmed"),
        id=hit.id,
        status=hit.status,
    )
    refusal = clearing_refusal(hit, actor)
    if refusal is not None:
        raise PermissionDenied(refusal)
    text = (note or "").strip()
    if len(text) > REASON_MAX:
        raise ValidationError("note", N_("must be at most %(max)s characters"), max=REASON_MAX)
    hit.status = HitStatus.CLEARED
    hit.decided_at = _now()
    hit.decided_by_id = actor.user_id
    hit.decided_by_label = actor.label
    hit.decision_reason = text
    session.flush()
    audit.record(
        session,
        actor,
        "screening.cleared",
        "screening_hit",
        hit.id,
        after={"proposed_by": hit.proposed_by_label, "note": text},
    )
    return hit


def confirm_match(session: Session, hit: ScreeningHit, *, reason: str, actor: Actor) -> ScreeningHit:
    """The hit is the listed person or organisation: a sanctions match freezes the member, a PEP
    match marks them as a PEP."""
    _require_compliance(actor)
    if hit.status is HitStatus.CONFIRMED and hit.decided_by_id == actor.user_id:
        return hit  # a double submit confirms once
    HIT_STATUS.require(
        hit.status,
        HitStatus.CONFIRMED,
        N_("hit %(id)s is %(status)s; it can no longer be confirmed"),
        id=hit.id,
        status=hit.status,
    )
    text = _reason(reason, "reason", N_("is required: say why this is the listed person or organisation"))
    before = {"status": hit.status.value}
    hit.status = HitStatus.CONFIRMED
    hit.decided_at = _now()
    hit.decided_by_id = actor.user_id
    hit.decided_by_label = actor.label
    hit.decision_reason = text
    session.flush()
    audit.record(
        session,
        actor,
        "screening.confirmed",
        "screening_hit",
        hit.id,
        before=before,
        after={"reason": text, "sanctions": hit.is_sanction, "pep": hit.is_pep, "member": hit.member.number},
    )
    _mark_due_diligence(session, hit, text, actor)
    return hit


def _mark_due_diligence(session: Session, hit: ScreeningHit, reason: str, actor: Actor) -> None:
    """A confirmed match sets the member's PEP or sanctions flag on their due-diligence file, so
    the next assessment classes them high (the flag names the hit it came from)."""
    file = due_diligence.file_of(session, hit.member_id)
    for flag, applies in (("sanctions_hit", hit.is_sanction), ("pep", hit.is_pep)):
        if applies and not (file is not None and getattr(file, flag)):
            due_diligence.set_flag(
                session, hit.member, actor=actor, flag=flag, value=True, reason=f"#{hit.id}: {reason}"
            )
            file = due_diligence.file_of(session, hit.member_id)


def lift(session: Session, hit: ScreeningHit, *, reason: str, actor: Actor) -> ScreeningHit:
    """An administrator takes back a confirmed match (the listing was withdrawn, a court ruled…)."""
    if actor.role != "admin" and not actor.is_system:
        raise PermissionDenied(N_("only an administrator may lift a confirmed match"))
    if hit.status is HitStatus.LIFTED and hit.lifted_by_id == actor.user_id:
        return hit  # a double submit lifts once
    HIT_STATUS.require(
        hit.status,
        HitStatus.LIFTED,
        N_("hit %(id)s is %(status)s; only a confirmed match can be lifted"),
        id=hit.id,
        status=hit.status,
    )
    text = _reason(reason, "reason", N_("is required: say why the match no longer stands"))
    hit.status = HitStatus.LIFTED
    hit.lifted_at = _now()
    hit.lifted_by_id = actor.user_id
    hit.lifted_by_label = actor.label
    hit.lift_reason = text
    session.flush()
    audit.record(session, actor, "screening.lifted", "screening_hit", hit.id, after={"reason": text})
    return hit


# --- what the rest of the bank reads ----------------------------------------------------------


def gate_source(session: Session, member_ids: frozenset[int]) -> dict[int, list[Hindrance]]:
    """The gate's answer from screening: a confirmed sanctions match stops everything; an open hit
    stops a new account and a loan's payout until compliance decides."""
    found: dict[int, list[Hindrance]] = {}
    if not member_ids:
        return found
    hits = session.scalars(
        select(ScreeningHit)
        .where(
            ScreeningHit.member_id.in_(sorted(member_ids)),
            or_(
                (ScreeningHit.status == HitStatus.CONFIRMED) & ScreeningHit.is_sanction.is_(True),
                ScreeningHit.status.in_(UNDECIDED),
            ),
        )
        .order_by(ScreeningHit.status.desc(), ScreeningHit.id)
    )
    for hit in hits:
        if hit.status is HitStatus.CONFIRMED:
            hindrance = Hindrance(
                "screening.sanctions_match", ALL_PURPOSES, Message(SANCTIONS_MATCH, hit=hit.id)
            )
        else:
            hindrance = Hindrance("screening.open_hit", OPEN_HIT_PURPOSES, Message(OPEN_HIT, hit=hit.id))
        found.setdefault(hit.member_id, []).append(hindrance)
    for items in found.values():  # the freeze first: it is the reason that explains most
        items.sort(key=lambda item: item.code != "screening.sanctions_match")
    return found


def confirmed_pep_member_ids(session: Session, member_ids: Iterable[int]) -> set[int]:
    """The members among ``member_ids`` with a confirmed PEP match (the risk class reads it)."""
    ids = sorted(set(member_ids))
    if not ids:
        return set()
    return set(
        session.scalars(
            select(ScreeningHit.member_id).where(
                ScreeningHit.member_id.in_(ids),
                ScreeningHit.status == HitStatus.CONFIRMED,
                ScreeningHit.is_pep.is_(True),
            )
        )
    )


def confirmed_sanctions_member_ids(session: Session, member_ids: Iterable[int]) -> set[int]:
    """The members among ``member_ids`` with a confirmed sanctions match (frozen)."""
    ids = sorted(set(member_ids))
    if not ids:
        return set()
    return set(
        session.scalars(
            select(ScreeningHit.member_id).where(
                ScreeningHit.member_id.in_(ids),
                ScreeningHit.status == HitStatus.CONFIRMED,
                ScreeningHit.is_sanction.is_(True),
            )
        )
    )
