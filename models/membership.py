"""Membership, fees and indemnity (R21, R22, R23)."""

from __future__ import annotations

from pydantic import BaseModel

from models.enums import MembershipStatus, Pathway

MEMBER_STATUSES = frozenset(
    {
        MembershipStatus.RADIOGRAPHIC_ASSISTANT,
        MembershipStatus.ACCREDITED_AP,
        MembershipStatus.ACCREDITED_MA,
    }
)


class FeeDue(BaseModel):
    """R21: what an applicant owes, and what to tell them."""

    amount_pence: int
    message: str


def is_member(status: MembershipStatus) -> bool:
    return status in MEMBER_STATUSES


def fee_due(status: MembershipStatus, non_member_fee_pence: int) -> FeeDue:
    """R21: Society of Radiographers members pay nothing; others are told to contact membership."""
    if is_member(status):
        return FeeDue(amount_pence=0, message="no fee: accreditation is a benefit of membership")
    return FeeDue(
        amount_pence=non_member_fee_pence,
        message="please contact the Society of Radiographers membership team about the "
        "accreditation fee and joining",
    )


def status_after_award(status: MembershipStatus, pathway: Pathway) -> MembershipStatus:
    """R22: a member moves from radiographic assistant to accredited AP or MA status on award.

    Non-members and cancelled members keep their status: accredited membership needs membership.
    """
    if not is_member(status):
        return status
    if pathway == Pathway.MA_L4:
        return MembershipStatus.ACCREDITED_MA
    return MembershipStatus.ACCREDITED_AP


def indemnity_covered(status: MembershipStatus, accreditation_current: bool) -> bool:
    """R23: indemnity covers the accredited scope only while membership and accreditation last."""
    return accreditation_current and is_member(status)
