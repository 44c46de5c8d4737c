"""Four-eyes approvals: record a request, approve it (carried out at once) or reject it.

Kinds are generic: ``bank.approval_kinds`` lists every kind with its handler and deciders, and
the app factory installs it (:func:`install`); the approval runs the handler in the caller's
transaction, so a
refused handler (e.g. insufficient funds at approval time) leaves the request pending and
nothing half-written. The maker of a request can never approve it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.approvals.models import APPROVAL_STATUS, Approval, ApprovalStatus
from bank.db import is_postgresql
from bank.errors import (
    N_,
    IdempotencyConflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)

#: Carries out an approved request; returns the journal entry id it posted (or None).
Handler = Callable[[Session, Approval, Actor], int | None]

#: Roles that may decide approvals; admins pass every staff check anyway.
DECIDING_ROLES = ("teller", "admin")


@dataclass(frozen=True)
class ApprovalKind:
    """What carries out an approved request of one kind, and who may decide it."""

    handler: Handler
    roles: tuple[str, ...] = DECIDING_ROLES


#: The installed kinds (``bank.approval_kinds.KINDS``); empty until an entry point installs them.
_KINDS: dict[str, ApprovalKind] = {}


def install(kinds: Mapping[str, ApprovalKind]) -> None:
    """Install every approval kind at once (idempotent); the app factory calls it.

    This package knows no feature, so the table lives above them all (``bank.approval_kinds``)
    and is handed over here explicitly rather than filled by imports' side effects.
    """
    _KINDS.clear()
    _KINDS.update(kinds)


def installed() -> Mapping[str, ApprovalKind]:
    """The installed kinds, read-only."""
    return MappingProxyType(_KINDS)


def _installed_kinds() -> dict[str, ApprovalKind]:
    if not _KINDS:
        raise RuntimeError("no approval kinds installed: create_app installs bank.approval_kinds.KINDS")
    return _KINDS


def deciding_roles(kind: str) -> tuple[str, ...]:
    """The roles that may decide requests of ``kind`` (``bank.approval_kinds`` names them)."""
    found = _installed_kinds().get(kind)
    return found.roles if found is not None else DECIDING_ROLES


def _handler(kind: str) -> Handler:
    found = _installed_kinds().get(kind)
    if found is None:
        raise NotFound(N_("no handler for approvals of kind '%(kind)s'"), kind=kind)
    return found.handler


def request_approval(
    session: Session,
    *,
    kind: str,
    request_key: str,
    object_type: str,
    object_id: int,
    summary: str,
    payload: dict[str, Any],
    actor: Actor,
    amount: Decimal | None = None,
) -> tuple[Approval, bool]:
    """Record a request for a second person's decision; returns (approval, created).

    The maker's ``request_key`` makes it idempotent: the same form submitted twice finds the
    first request; the same key with other content is a conflict.
    """
    existing = session.scalar(select(Approval).where(Approval.request_key == request_key))
    if existing is not None:
        if (
            existing.kind != kind
            or existing.object_type != object_type
            or existing.object_id != object_id
            or existing.amount != amount
            or existing.payload != payload
        ):
            raise IdempotencyConflict(
                N_("request key '%(request_key)s' was already used for a different request"),
                request_key=request_key,
            )
        return existing, False
    approval = Approval(
        kind=kind,
        status=ApprovalStatus.PENDING,
        request_key=request_key,
        object_type=object_type,
        object_id=object_id,
        amount=amount,
        summary=summary,
        payload=payload,
        maker_id=actor.user_id,
        maker_label=actor.label,
        created_at=clock.now_utc(),
        reason="",
    )
    session.add(approval)
    session.flush()
    audit.record(
        session,
        actor,
        f"approval.request.{kind}",
        "approval",
        approval.id,
        after={"kind": kind, "object": f"{object_type}:{object_id}", "amount": amount, "summary": summary},
    )
    return approval, True


def get_for_decision(session: Session, approval_id: int) -> Approval:
    """Load an approval, locked on PostgreSQL so two checkers cannot decide it at once."""
    query = select(Approval).where(Approval.id == approval_id)
    if is_postgresql(session):
        query = query.with_for_update()
    approval = session.scalar(query)
    if approval is None:
        raise NotFound(N_("approval %(approval_id)s does not exist"), approval_id=approval_id)
    return approval


def is_maker(approval: Approval, actor: Actor) -> bool:
    """The same person (or, for the system, the same labelled process) that made the request."""
    if approval.maker_id is not None or actor.user_id is not None:
        return approval.maker_id == actor.user_id
    return approval.maker_label == actor.label


def can_approve(approval: Approval, actor: Actor) -> bool:
    """Whether the UI should offer this actor the approve button."""
    return (
        approval.is_pending
        and not is_maker(approval, actor)
        and actor.has_role(*deciding_roles(approval.kind))
    )


def approve(session: Session, approval: Approval, *, actor: Actor, note: str = "") -> Approval:
    """Approve as the second person and carry the request out in the same transaction."""
    roles = deciding_roles(approval.kind)
    if not actor.has_role(*roles):
        raise PermissionDenied(N_("only %(roles)s staff may approve this request"), roles=" or ".join(roles))
    if approval.status is ApprovalStatus.APPROVED and approval.checker_id == actor.user_id:
        return approval  # a double click on "approve": the first one did it
    APPROVAL_STATUS.require(
        approval.status,
        ApprovalStatus.APPROVED,
        N_("request %(id)s was already %(status)s"),
        id=approval.id,
        status=approval.status,
    )
    if is_maker(approval, actor):
        raise PermissionDenied(
            N_("four eyes: you made this request, so you cannot approve it; another staff member must")
        )
    entry_id = _handler(approval.kind)(session, approval, actor)
    approval.status = ApprovalStatus.APPROVED
    approval.checker_id = actor.user_id
    approval.checker_label = actor.label
    approval.decided_at = clock.now_utc()
    approval.reason = note.strip()
    approval.result_entry_id = entry_id
    session.flush()
    audit.record(
        session,
        actor,
        f"approval.approve.{approval.kind}",
        "approval",
        approval.id,
        before={"status": ApprovalStatus.PENDING.value},
        after={"status": approval.status.value, "entry": entry_id, "maker": approval.maker_label},
    )
    return approval


def reject(session: Session, approval: Approval, *, actor: Actor, reason: str) -> Approval:
    """Reject with a reason. The maker may reject (withdraw) their own request: that is safe."""
    roles = deciding_roles(approval.kind)
    if not actor.has_role(*roles):
        raise PermissionDenied(N_("only %(roles)s staff may reject this request"), roles=" or ".join(roles))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("reason", N_("is required when rejecting a request"))
    if len(reason) > 1000:
        raise ValidationError("reason", N_("may be at most 1000 characters"))
    APPROVAL_STATUS.require(
        approval.status,
        ApprovalStatus.REJECTED,
        N_("request %(id)s was already %(status)s"),
        id=approval.id,
        status=approval.status,
    )
    approval.status = ApprovalStatus.REJECTED
    approval.checker_id = actor.user_id
    approval.checker_label = actor.label
    approval.decided_at = clock.now_utc()
    approval.reason = reason
    session.flush()
    audit.record(
        session,
        actor,
        f"approval.reject.{approval.kind}",
        "approval",
        approval.id,
        before={"status": ApprovalStatus.PENDING.value},
        after={"status": approval.status.value, "reason": reason, "maker": approval.maker_label},
    )
    return approval
