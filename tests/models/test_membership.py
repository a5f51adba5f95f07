"""models.membership: fees, membership status and indemnity (R21, R22, R23)."""

from __future__ import annotations

import pytest

from models.enums import MembershipStatus, Pathway
from models.membership import fee_due, indemnity_covered, is_member, status_after_award

MEMBERS = [
    MembershipStatus.RADIOGRAPHIC_ASSISTANT,
    MembershipStatus.ACCREDITED_AP,
    MembershipStatus.ACCREDITED_MA,
]
NOT_MEMBERS = [MembershipStatus.NON_MEMBER, MembershipStatus.CANCELLED]


def test_r21_every_status_is_either_member_or_not() -> None:
    assert set(MEMBERS) | set(NOT_MEMBERS) == set(MembershipStatus)
    assert all(is_member(s) for s in MEMBERS)
    assert not any(is_member(s) for s in NOT_MEMBERS)


@pytest.mark.parametrize("status", MEMBERS)
def test_r21_members_pay_no_fee(status: MembershipStatus) -> None:
    fee = fee_due(status, non_member_fee_pence=12_000)
    assert fee.amount_pence == 0
    assert "no fee" in fee.message


@pytest.mark.parametrize("status", NOT_MEMBERS)
def test_r21_non_members_are_told_to_contact_the_membership_team(status: MembershipStatus) -> None:
    fee = fee_due(status, non_member_fee_pence=12_000)
    assert fee.amount_pence == 12_000
    assert "membership team" in fee.message


def test_r21_the_fee_is_a_setting() -> None:
    assert fee_due(MembershipStatus.NON_MEMBER, 0).amount_pence == 0
    assert fee_due(MembershipStatus.NON_MEMBER, 4_500).amount_pence == 4_500


@pytest.mark.parametrize(
    ("pathway", "status"),
    [
        (Pathway.MA_L4, MembershipStatus.ACCREDITED_MA),
        (Pathway.AP_L4, MembershipStatus.ACCREDITED_AP),
        (Pathway.AP_L5, MembershipStatus.ACCREDITED_AP),
    ],
)
def test_r22_radiographic_assistant_becomes_accredited_on_award(
    pathway: Pathway, status: MembershipStatus
) -> None:
    assert status_after_award(MembershipStatus.RADIOGRAPHIC_ASSISTANT, pathway) == status


def test_r22_accredited_member_keeps_accredited_status_on_reaccreditation() -> None:
    assert (
        status_after_award(MembershipStatus.ACCREDITED_AP, Pathway.AP_L5)
        == MembershipStatus.ACCREDITED_AP
    )


@pytest.mark.parametrize("status", NOT_MEMBERS)
@pytest.mark.parametrize("pathway", list(Pathway))
def test_r22_non_members_gain_no_membership_status_on_award(
    status: MembershipStatus, pathway: Pathway
) -> None:
    assert status_after_award(status, pathway) == status


@pytest.mark.parametrize("status", MEMBERS)
def test_r23_indemnity_covered_while_member_and_accredited(status: MembershipStatus) -> None:
    assert indemnity_covered(status, accreditation_current=True)


@pytest.mark.parametrize("status", NOT_MEMBERS)
def test_r23_indemnity_covered_ends_when_membership_ends(status: MembershipStatus) -> None:
    assert not indemnity_covered(status, accreditation_current=True)


@pytest.mark.parametrize("status", list(MembershipStatus))
def test_r23_indemnity_covered_only_while_accreditation_is_current(
    status: MembershipStatus,
) -> None:
    assert not indemnity_covered(status, accreditation_current=False)
