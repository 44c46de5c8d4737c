"""Portal access and self-service (L3): invitations, password resets, member TOTP, profile changes.

Every function takes the session and the acting :class:`~bank.actor.Actor`, checks its rules
before writing, audits in the same transaction and never commits.

Tokens: a link carries 32 random bytes (``secrets.token_urlsafe``); the database keeps only
their SHA-256. A link works once, until it expires (:data:`INVITE_VALID_FOR`, 72 hours for an
invitation; :data:`RESET_VALID_FOR` for a password reset), and a newer link of the same
purpose revokes the older ones. Refusals say which of these happened, so the member knows to
ask for a new link, but never reveal whose link it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import pyotp
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.auth import service as auth_service
from bank.auth.models import User
from bank.errors import (
    N_,
    BankError,
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from bank.members import queries as member_queries
from bank.members import service as member_service
from bank.members import validation as check
from bank.members.models import MEMBER_STATUS, Member, MemberKind
from bank.portal import mail
from bank.portal.models import CHANGE_STATUS, AccessToken, ChangeStatus, ProfileChange, TokenPurpose

#: An invitation link works for 72 hours (issue 6).
INVITE_VALID_FOR = dt.timedelta(hours=72)
#: A password-reset link is shorter-lived: it is asked for by whoever knows the e-mail address.
RESET_VALID_FOR = dt.timedelta(hours=2)
#: Staff roles that may invite members and verify their changes.
PORTAL_STAFF_ROLES = ("teller", "credit_officer", "admin")
#: Fields a member changes in the portal that take effect at once.
IMMEDIATE_FIELDS = ("email", "phone", "street", "house_number", "postcode", "city")
#: Fields that wait for staff verification.
VERIFIED_FIELDS = ("external_iban",)


class TokenRefused(BankError):
    """The link is unknown, expired, used or replaced; ``reason`` says which (for the message)."""

    code = "token_refused"
    http_status = 410

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def hash_token(token: str) -> str:
    """The stored form of a link's token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _require_staff(actor: Actor) -> None:
    if not actor.has_role(*PORTAL_STAFF_ROLES):
        raise PermissionDenied(N_("role %(role)s may not manage portal access"), role=actor.role)


def _require_member_actor(actor: Actor, member: Member) -> None:
    if actor.role != "member" or actor.member_id != member.id:
        raise PermissionDenied(N_("only the member themself may change this in the portal"))


# ---------------------------------------------------------------------------------------------
# Invitations


@dataclass(frozen=True)
class Invitation:
    """What an invitation created: the log-in, the stored token row and the link's token.

    ``token`` is returned only so the caller can build the link for the outbox (and tests can
    follow it); it is not stored anywhere.
    """

    user: User
    access_token: AccessToken
    token: str


def portal_user_of(session: Session, member_id: int) -> User | None:
    """The portal log-in of a person-member, if one exists."""
    return session.scalar(select(User).where(User.member_id == member_id, User.role == "member"))


def invite(
    session: Session,
    member: Member,
    *,
    actor: Actor,
    email: str | None = None,
    link_base: str,
) -> Invitation:
    """Invite a person-member to the portal: create (or reuse) their log-in and mail a link.

    Organisations never get a log-in of their own: staff invite each representative, whose own
    person-member logs in and then sees the organisation's accounts too. ``email`` overrides
    the member's address (it must then be unique among log-ins); ``link_base`` is the URL the
    token is appended to.
    """
    _require_staff(actor)
    if member.kind is not MemberKind.PERSON:
        raise ValidationError(
            "member", N_("an organisation is invited through its representatives: invite one of them")
        )
    MEMBER_STATUS.require_action(
        "invite_to_portal", member.status, N_("a member who has left cannot be invited to the portal")
    )
    address = check.email(email or member.email or "", field="email")
    user = portal_user_of(session, member.id)
    taken = session.scalar(
        select(User.id).where(func.lower(User.email) == address, User.id != (user.id if user else -1))
    )
    if taken is not None:
        raise ValidationError("email", N_("is already the log-in of another user"))
    if user is None:
        user = auth_service.create_user(
            session,
            email=address,
            name=member.full_name,
            role="member",
            password=None,
            actor=actor,
            member_id=member.id,
            language=member.language,
        )
    elif user.email != address:
        audit.record(
            session,
            actor,
            "user.email_change",
            "user",
            user.id,
            before={"email": user.email},
            after={"email": address},
        )
        user.email = address
    if not user.is_active:
        raise InvalidTransition(N_("this portal log-in is switched off; switch it on before inviting again"))
    issued = _issue_token(session, user, member, TokenPurpose.INVITE, INVITE_VALID_FOR, actor=actor)
    link = f"{link_base.rstrip('/')}/{issued[1]}"
    mail.send(
        session,
        to=address,
        template="invite",
        language=member.language,
        context={
            "name": member.full_name,
            "link": link,
            "hours": int(INVITE_VALID_FOR.total_seconds() // 3600),
        },
        actor=actor,
        member_id=member.id,
    )
    audit.record(
        session,
        actor,
        "portal.invite",
        "member",
        member.id,
        after={"user_id": user.id, "sent_to": address, "expires_at": issued[0].expires_at.isoformat()},
    )
    return Invitation(user=user, access_token=issued[0], token=issued[1])


def _issue_token(
    session: Session,
    user: User,
    member: Member,
    purpose: TokenPurpose,
    valid_for: dt.timedelta,
    *,
    actor: Actor,
) -> tuple[AccessToken, str]:
    now = clock.now_utc()
    # A new link replaces the older unused ones of the same purpose: only the latest e-mail works.
    session.execute(
        update(AccessToken)
        .where(
            AccessToken.user_id == user.id,
            AccessToken.purpose == purpose,
            AccessToken.used_at.is_(None),
            AccessToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    token = secrets.token_urlsafe(32)
    row = AccessToken(
        token_hash=hash_token(token),
        purpose=purpose,
        user_id=user.id,
        member_id=member.id,
        sent_to=user.email,
        created_at=now,
        expires_at=now + valid_for,
        created_by_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    return row, token


def check_token(session: Session, token: str, purpose: TokenPurpose) -> AccessToken:
    """The token row for a link that may still be used, or :class:`TokenRefused` saying why not."""
    row = session.scalar(
        select(AccessToken).where(
            AccessToken.token_hash == hash_token(token or ""), AccessToken.purpose == purpose
        )
    )
    if row is None:
        raise TokenRefused("unknown", "this link is not valid; check that you copied all of it")
    if row.used_at is not None:
        raise TokenRefused("used", "this link has already been used; a link works only once")
    if row.revoked_at is not None:
        raise TokenRefused("replaced", "this link was replaced by a newer one; use the latest e-mail")
    if row.expires_at <= clock.now_utc():
        raise TokenRefused("expired", "this link has expired")
    if not row.user.is_active:
        raise TokenRefused("inactive", "this log-in is switched off; contact the bank")
    return row


def use_token(
    session: Session, token: str, purpose: TokenPurpose, *, password: str, ip_address: str | None = None
) -> User:
    """Set the password through an invitation or reset link, once; the link is then spent.

    The password rules are checked before the token is marked used, so a too-short password
    leaves the link working for a second try. The update of ``used_at`` is conditional (it
    must still be NULL), so two simultaneous submissions spend the link only once.
    """
    row = check_token(session, token, purpose)
    auth_service.check_password_rules(password)
    now = clock.now_utc()
    spent = session.execute(
        update(AccessToken)
        .where(AccessToken.id == row.id, AccessToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
        raise TokenRefused("used", "this link has already been used; a link works only once")
    session.refresh(row)
    user = row.user
    actor = auth_service.actor_for(user, ip_address)
    auth_service.set_password(session, user, password, actor=actor)
    audit.record(
        session,
        actor,
        "portal.invite_accepted" if purpose is TokenPurpose.INVITE else "portal.password_reset",
        "member",
        row.member_id,
        detail=f"token {row.id}",
    )
    return user


# ---------------------------------------------------------------------------------------------
# Password reset


def request_password_reset(
    session: Session, email: str, *, link_base: str, ip_address: str | None = None
) -> AccessToken | None:
    """Mail a reset link to a portal user with this e-mail; silently nothing for anyone else.

    The page answers the same either way, so the form cannot be used to find out who banks here.
    Only members reset by e-mail: staff passwords are reset by an administrator, because their
    log-in also needs the second factor the bank set up for them.
    """
    address = (email or "").strip().lower()
    anonymous = Actor(
        user_id=None, label=f"anonymous:{address[:100]}", role="anonymous", ip_address=ip_address
    )
    user = session.scalar(select(User).where(func.lower(User.email) == address)) if address else None
    if user is None or user.role != "member" or not user.is_active or user.member_id is None:
        audit.record(
            session,
            anonymous,
            "portal.reset_refused",
            "user",
            user.id if user else None,
            detail="unknown, staff or inactive address",
        )
        return None
    member = session.get(Member, user.member_id)
    if member is None:
        return None
    row, token = _issue_token(
        session, user, member, TokenPurpose.PASSWORD_RESET, RESET_VALID_FOR, actor=anonymous
    )
    mail.send(
        session,
        to=user.email,
        template="password_reset",
        language=user.language,
        context={
            "name": user.name,
            "link": f"{link_base.rstrip('/')}/{token}",
            "minutes": int(RESET_VALID_FOR.total_seconds() // 60),
        },
        actor=anonymous,
        member_id=member.id,
    )
    audit.record(session, anonymous, "portal.reset_requested", "member", member.id, detail=f"token {row.id}")
    return row


# ---------------------------------------------------------------------------------------------
# Member TOTP (optional for members; staff set theirs up at log-in)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name="Wijkbank")


def enable_totp(session: Session, user: User, *, secret: str, code: str, actor: Actor) -> None:
    """Switch on the second factor once the member proves their app shows the right code."""
    if user.role != "member" or actor.user_id != user.id:
        raise PermissionDenied(N_("members set up their own second factor"))
    if user.totp_secret:
        raise Conflict(N_("the second factor is already switched on"))
    # No failure counting here: the member is logged in and proving their own new app, not guessing.
    step = auth_service.matching_step(secret, code)
    if step is None:
        raise ValidationError("code", N_("is not the current code of your authenticator app"))
    user.totp_secret = secret
    user.totp_setup_secret = None
    # The code just shown sets the second factor up; it cannot then log in as well.
    user.totp_last_step = step
    audit.record(session, actor, "portal.totp_enabled", "user", user.id)


def disable_totp(session: Session, user: User, *, code: str, actor: Actor) -> bool:
    """Switch the second factor off; needs a current code so a borrowed session cannot do it.

    A wrong code counts like a failed log-in (five lock the account) and returns False rather
    than raising, so the caller commits the count; True when the factor is now off.
    """
    if user.role != "member" or actor.user_id != user.id:
        raise PermissionDenied(N_("members switch off their own second factor"))
    if not user.totp_secret:
        raise Conflict(N_("the second factor is not switched on"))
    if not auth_service.check_second_factor(session, user, code, ip_address=actor.ip_address):
        return False
    user.totp_secret = None
    audit.record(session, actor, "portal.totp_disabled", "user", user.id)
    return True


# ---------------------------------------------------------------------------------------------
# Profile


@dataclass(frozen=True)
class ProfileOutcome:
    #: Fields changed at once, with their new values.
    changed: dict[str, Any]
    #: The pending change waiting for staff (a new external IBAN), if one was asked for.
    pending: ProfileChange | None
    #: A new log-in address asked for: it takes effect when confirmed from that address.
    email_requested: str | None = None


def change_profile(
    session: Session, member: Member, user: User, *, actor: Actor, password: str = "", **values: Any
) -> ProfileOutcome:
    """A member changes their own contact data; a new external IBAN waits for staff.

    Phone and address take effect at once (one ``member.update`` audit event with the before
    and after of exactly the changed fields). The e-mail is also the portal log-in, so a new one
    needs the current password and takes effect only when confirmed from the new address
    (:func:`confirm_email_change`); the old address is told at once. Every rule is checked
    before anything is written.
    """
    _require_member_actor(actor, member)
    MEMBER_STATUS.require_action(
        "change", member.status, N_("a member who has left can no longer be changed")
    )
    unknown = sorted(set(values) - set(IMMEDIATE_FIELDS) - set(VERIFIED_FIELDS))
    if unknown:
        raise ValidationError({name: N_("cannot be changed in the portal") for name in unknown})
    rules = {
        "email": lambda v: check.email(v),
        "phone": lambda v: check.phone(v) if (v or "").strip() else None,
        "street": lambda v: check.required_text(v, "street", max_length=200),
        "house_number": lambda v: check.house_number(v),
        "postcode": lambda v: check.postcode(v),
        "city": lambda v: check.required_text(v, "city", max_length=100),
        "external_iban": lambda v: check.iban(v) if (v or "").strip() else None,
    }
    cleaned: dict[str, Any] = {}
    failures: dict[str, str] = {}
    for name, value in values.items():
        try:
            cleaned[name] = rules[name](value)
        except ValidationError as error:
            failures.update(error.fields)
    new_email = cleaned.pop("email", None)
    if new_email and new_email != member.email:
        if session.scalar(select(Member.id).where(Member.email == new_email, Member.id != member.id)):
            failures["email"] = N_("is already used by another member")
        elif session.scalar(select(User.id).where(func.lower(User.email) == new_email, User.id != user.id)):
            failures["email"] = N_("is already the log-in of another user")
    # A blank IBAN field asks for nothing: the payout account is never removed from the portal.
    new_iban = cleaned.pop("external_iban", None)
    email_requested = new_email if new_email and new_email != member.email else None
    if email_requested and not failures and not auth_service.password_matches(user, password):
        failures["password"] = N_("is not your current password; it is needed to change your log-in address")
    if failures:
        raise ValidationError(failures)
    changed = {name: value for name, value in cleaned.items() if getattr(member, name) != value}
    if changed:
        before = {name: getattr(member, name) for name in changed}
        for name, value in changed.items():
            setattr(member, name, value)
        if "email" in changed and user.email != changed["email"]:
            user.email = changed["email"]
        session.flush()
        audit.record(
            session,
            actor,
            "member.update",
            "member",
            member.id,
            before=before,
            after=changed,
            detail="portal: " + ", ".join(sorted(changed)),
        )
    pending = None
    if new_iban and new_iban != member.external_iban:
        pending = request_iban_change(session, member, new_iban, actor=actor)
    if email_requested:
        audit.record(
            session,
            actor,
            "user.email_change_requested",
            "user",
            user.id,
            before={"email": user.email},
            after={"email": email_requested},
        )
        mail.notify(
            session, member, template="email_requested", context={"new": _masked_email(email_requested)}
        )
    return ProfileOutcome(changed=changed, pending=pending, email_requested=email_requested)


def _masked_email(address: str) -> str:
    """``a…@example.org``: enough for the owner to recognise, little for anyone else."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}…@{domain}"


def confirm_email_change(session: Session, user: User, new_email: str, *, actor: Actor) -> Member:
    """Make ``new_email`` the log-in and contact address, once its owner followed the link sent there.

    Every session of the user ends (``session_version``), the old address is told, and the
    change is audited. The caller checked the link (it names the old address, so it works once).
    """
    address = check.email(new_email, field="email")
    member = session.get(Member, user.member_id) if user.member_id is not None else None
    if member is None or user.role != "member":
        raise PermissionDenied(N_("only a member's portal log-in changes its address here"))
    if session.scalar(
        select(Member.id).where(Member.email == address, Member.id != member.id)
    ) or session.scalar(select(User.id).where(func.lower(User.email) == address, User.id != user.id)):
        raise ValidationError("email", N_("is already the log-in of another user"))
    old_address = member.email
    before = {"email": user.email}
    mail.notify(session, member, template="email_changed", context={"new": _masked_email(address)})
    member.email = address
    user.email = address
    user.session_version += 1
    session.flush()
    audit.record(
        session, actor, "user.email_changed", "user", user.id, before=before, after={"email": address}
    )
    audit.record(
        session,
        actor,
        "member.update",
        "member",
        member.id,
        before={"email": old_address},
        after={"email": address},
        detail="portal: email (confirmed at the new address)",
    )
    return member


def request_iban_change(session: Session, member: Member, iban: str, *, actor: Actor) -> ProfileChange:
    """Record a new external IBAN as pending; an earlier pending request lapses (withdrawn).

    The member asks in the portal, or staff enter it on the member's page; either way a second
    staff member approves it (never the one who asked), and the member is told at the address
    the bank already knows, so a hijacked log-in or a dishonest colleague is noticed.
    """
    if actor.role == "member":
        _require_member_actor(actor, member)
    else:
        _require_staff(actor)
    iban = check.iban(iban)
    now = clock.now_utc()
    for earlier in pending_changes_of(session, member.id):
        if earlier.new_value == iban:
            return earlier
        earlier.status = ChangeStatus.WITHDRAWN
        earlier.decided_at = now
        earlier.decision_note = "replaced by a newer request"
    change = ProfileChange(
        member_id=member.id,
        field="external_iban",
        old_value=member.external_iban,
        new_value=iban,
        status=ChangeStatus.PENDING,
        requested_by_id=actor.user_id,
        requested_at=now,
    )
    session.add(change)
    session.flush()
    audit.record(
        session,
        actor,
        "member.change_requested",
        "member",
        member.id,
        before={"external_iban": member.external_iban},
        after={"external_iban": iban},
        detail=f"profile change {change.id} waits for staff verification",
    )
    mail.notify(session, member, template="iban_requested", context={"iban": _ending(iban)})
    return change


def _ending(iban: str) -> str:
    """Only the last four characters of an IBAN go into mail."""
    return "…" + iban[-4:]


def pending_changes_of(session: Session, member_id: int) -> list[ProfileChange]:
    return list(
        session.scalars(
            select(ProfileChange)
            .where(ProfileChange.member_id == member_id, ProfileChange.status == ChangeStatus.PENDING)
            .order_by(ProfileChange.id)
        )
    )


def decide_change(
    session: Session, change: ProfileChange, *, approve: bool, note: str, actor: Actor
) -> ProfileChange:
    """Staff approve (the new value takes effect, through the members service) or reject it.

    Approving needs a note saying how the IBAN was verified with the member; rejecting needs
    the reason, which the member sees in the portal.
    """
    _require_staff(actor)
    CHANGE_STATUS.require(
        change.status,
        ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED,
        N_("this change is already %(status)s"),
        status=change.status,
    )
    note = (note or "").strip()
    if not note:
        raise ValidationError(
            "note",
            N_("is required: say how you verified it with the member")
            if approve
            else N_("is required: the reason"),
        )
    if len(note) > 500:
        raise ValidationError("note", N_("must be at most 500 characters"))
    member = session.get(Member, change.member_id)
    if member is None:
        raise NotFound(N_("member %(member_id)s does not exist"), member_id=change.member_id)
    if approve and change.requested_by_id is not None and change.requested_by_id == actor.user_id:
        raise PermissionDenied(
            N_("four eyes: you asked for this change, so another staff member must approve it")
        )
    if approve:
        member_service.update_member(
            session, member, actor=actor, iban_approved=True, **{change.field: change.new_value}
        )
        mail.notify(session, member, template="iban_changed", context={"iban": _ending(change.new_value)})
    change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
    change.decided_by_id = actor.user_id
    change.decided_at = clock.now_utc()
    change.decision_note = note
    audit.record(
        session,
        actor,
        "member.change_approved" if approve else "member.change_rejected",
        "member",
        member.id,
        after={change.field: change.new_value},
        detail=f"profile change {change.id}: {note}",
    )
    return change


def pending_changes(session: Session) -> list[ProfileChange]:
    """Every change waiting for staff, oldest first (the staff work list)."""
    return list(
        session.scalars(
            select(ProfileChange)
            .where(ProfileChange.status == ChangeStatus.PENDING)
            .order_by(ProfileChange.requested_at, ProfileChange.id)
        )
    )


def portal_people_of(session: Session, member: Member) -> list[Member]:
    """Who may be invited for a member: the person themself, or an organisation's representatives."""
    if member.kind is MemberKind.PERSON:
        return [member]
    return [link.person for link in member_queries.representatives_of(session, member.id)]


def access_overview(session: Session, member_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per person-member: their log-in (if any) and the latest invitation, for the staff panel."""
    if not member_ids:
        return {}
    users = {
        u.member_id: u
        for u in session.scalars(select(User).where(User.member_id.in_(member_ids), User.role == "member"))
    }
    latest: dict[int, AccessToken] = {}
    for row in session.scalars(
        select(AccessToken)
        .where(AccessToken.member_id.in_(member_ids), AccessToken.purpose == TokenPurpose.INVITE)
        .order_by(AccessToken.id)
    ):
        latest[row.member_id] = row
    return {mid: {"user": users.get(mid), "invite": latest.get(mid)} for mid in member_ids}
