"""Who may act on an application (R11-R13 and ownership)."""

from __future__ import annotations

import pytest

from models.commands import Actor
from models.enums import Role
from models.permissions import ACTION_ROLES, refusal


def actor(role: Role, id: str = "someone") -> Actor:
    return Actor(id=id, role=role)


@pytest.mark.parametrize("action", sorted(ACTION_ROLES))
@pytest.mark.parametrize("role", list(Role))
def test_only_the_listed_roles_may_act(action: str, role: Role) -> None:
    who = actor(role, "M1" if role == Role.APPLICANT else "A1")
    allowed = refusal(action, who, applicant_member_id="M1", assessor_id="A1") is None
    assert allowed == (role in ACTION_ROLES[action])


def test_r11_r13_verification_and_ratification_are_for_officers() -> None:
    for action in ("verify", "ratify"):
        assert ACTION_ROLES[action] == {Role.OFFICER}


def test_an_applicant_acts_only_on_their_own_application() -> None:
    reason = refusal(
        "submit", actor(Role.APPLICANT, "M2"), applicant_member_id="M1", assessor_id=None
    )
    assert reason == "M2 is not the applicant of this application"


def test_r12_an_assessor_acts_only_on_an_application_allocated_to_them() -> None:
    reason = refusal(
        "record_assessment",
        actor(Role.ASSESSOR, "A2"),
        applicant_member_id="M1",
        assessor_id="A1",
    )
    assert reason == "A2 is not the assessor allocated to this application"
