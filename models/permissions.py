"""Who may do what to an application (R11-R13, and the portal's ownership rule)."""

from __future__ import annotations

from models.commands import Actor
from models.enums import StaffRole

_APPLICANT = frozenset({StaffRole.APPLICANT})
_OFFICERS = frozenset({StaffRole.OFFICER, StaffRole.ADMIN})

ACTION_ROLES: dict[str, frozenset[StaffRole]] = {
    "save_draft": _APPLICANT,
    "add_document": _APPLICANT,
    "invite_declarer": _APPLICANT,
    "submit": _APPLICANT,
    "resubmit": _APPLICANT,
    "withdraw": _APPLICANT | _OFFICERS,
    "respond_to_declaration": frozenset({StaffRole.DECLARER}),
    "allocate_assessor": _OFFICERS,
    "record_assessment": frozenset({StaffRole.ASSESSOR}),
    "verify": frozenset({StaffRole.OFFICER}),
    "ratify": frozenset({StaffRole.OFFICER}),
}


def refusal(
    action: str, actor: Actor, *, applicant_member_id: str, assessor_id: str | None
) -> str | None:
    """Why ``actor`` may not take ``action`` on this application, or None when they may.

    Applicants act only on their own application; assessors only on one allocated to them.
    """
    roles = ACTION_ROLES[action]
    if actor.role not in roles:
        allowed = ", ".join(sorted(r.value for r in roles))
        return f"'{action}' is for the {allowed} role; {actor.id} acts as {actor.role.value}"
    if actor.role == StaffRole.APPLICANT and actor.id != applicant_member_id:
        return f"{actor.id} is not the applicant of this application"
    if actor.role == StaffRole.ASSESSOR and actor.id != assessor_id:
        return f"{actor.id} is not the assessor allocated to this application"
    return None
