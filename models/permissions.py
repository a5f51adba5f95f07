"""Who may do what to an application (R11-R13, and the portal's ownership rule)."""

from __future__ import annotations

from models.actions import Action
from models.commands import Actor
from models.enums import Role

_APPLICANT = frozenset({Role.APPLICANT})
_OFFICERS = frozenset({Role.OFFICER, Role.ADMIN})

ACTION_ROLES: dict[Action, frozenset[Role]] = {
    Action.SAVE_DRAFT: _APPLICANT,
    Action.ADD_DOCUMENT: _APPLICANT,
    Action.INVITE_DECLARER: _APPLICANT,
    Action.SUBMIT: _APPLICANT,
    Action.RESUBMIT: _APPLICANT,
    Action.WITHDRAW: _APPLICANT | _OFFICERS,
    Action.RESPOND_TO_DECLARATION: frozenset({Role.DECLARER}),
    Action.REQUEST_CPD_VERIFICATION: _APPLICANT,
    Action.RESPOND_TO_CPD_VERIFICATION: frozenset({Role.VERIFIER}),
    Action.MARK_CPD_VERIFIED: frozenset({Role.PORTAL}),
    Action.ALLOCATE_ASSESSOR: _OFFICERS,
    Action.RECORD_ASSESSMENT: frozenset({Role.ASSESSOR}),
    Action.SAVE_ASSESSMENT_DRAFT: frozenset({Role.ASSESSOR}),
    Action.VERIFY: frozenset({Role.OFFICER}),
    Action.RATIFY: frozenset({Role.OFFICER}),
}
"""Which roles may take each action: the workflow's check and the API's role check."""

READ_ROLES = frozenset({Role.APPLICANT, Role.ASSESSOR, Role.PORTAL}) | _OFFICERS
"""May read an application (its view, documents and assessment): applicants their own,
assessors those allocated to them (``api.access.check_reader``)."""
LIST_ROLES = frozenset({Role.APPLICANT, Role.PORTAL}) | _OFFICERS
"""May list a member's applications: applicants their own."""
AUDIT_ROLES = frozenset({Role.ASSESSOR}) | _OFFICERS
"""May read an application's audit trail: assessors those allocated to them."""
REACCREDITATION_ROLES = _APPLICANT | _OFFICERS
"""May start a member's re-accreditation: the member, or an officer for them."""


def refusal(
    action: Action, actor: Actor, *, applicant_member_id: str, assessor_id: str | None
) -> str | None:
    """Why ``actor`` may not take ``action`` on this application, or None when they may.

    Applicants act only on their own application; assessors only on one allocated to them.
    """
    roles = ACTION_ROLES[action]
    if actor.role not in roles:
        allowed = ", ".join(sorted(r.value for r in roles))
        return f"'{action}' is for the {allowed} role; {actor.id} acts as {actor.role.value}"
    if actor.role == Role.APPLICANT and actor.id != applicant_member_id:
        return f"{actor.id} is not the applicant of this application"
    if actor.role == Role.ASSESSOR and actor.id != assessor_id:
        return f"{actor.id} is not the assessor allocated to this application"
    return None
