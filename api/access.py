"""Which applications a caller may see or act on; workflows check updates again themselves."""

from __future__ import annotations

from api import errors
from api.auth import Principal, Role
from models.commands import Actor
from models.views import ApplicationView


def check_reader(principal: Principal, view: ApplicationView) -> None:
    """Applicants see their own applications, assessors those allocated to them.

    Raises:
        HTTPException: 403 when ``principal`` may not see this application.
    """
    if principal.role == Role.APPLICANT and principal.sub != view.application.applicant.member_id:
        raise errors.forbidden(f"{principal.sub} is not the applicant of this application")
    if principal.role == Role.ASSESSOR and principal.sub != view.assessor_id:
        raise errors.forbidden(f"{principal.sub} is not the assessor allocated to this application")
    if principal.role == Role.MEMBERSHIP:
        raise errors.forbidden("the membership system does not read applications")


def actor(principal: Principal) -> Actor:
    """The actor a workflow update names for ``principal``.

    Raises:
        HTTPException: 403 for a system caller, which never acts on an application.
    """
    found = principal.actor()
    if found is None:
        raise errors.forbidden(f"the {principal.role.value} role does not act on applications")
    return found
