"""Staff queues from application states."""

from __future__ import annotations

from models.application_machine import ApplicationState as S
from models.queues import STAFF_QUEUES, StaffQueue, staff_queue


def test_each_waiting_state_has_its_queue() -> None:
    assert staff_queue(S.IN_VERIFICATION, overdue=False) == "awaiting_verification"
    assert staff_queue(S.AWAITING_ALLOCATION, overdue=False) == "awaiting_allocation"
    assert staff_queue(S.IN_ASSESSMENT, overdue=False) == "awaiting_assessment"
    assert staff_queue(S.AWAITING_RATIFICATION, overdue=False) == "awaiting_ratification"
    assert staff_queue(S.DRAFT, overdue=False) is None


def test_an_overdue_assessment_moves_to_the_overdue_queue() -> None:
    assert staff_queue(S.IN_ASSESSMENT, overdue=True) is StaffQueue.OVERDUE == "overdue"


def test_every_queue_is_one_a_state_or_the_overdue_rule_leads_to() -> None:
    found = {staff_queue(state, overdue=overdue) for state in S for overdue in (False, True)}
    assert found - {None} == set(StaffQueue)
    assert all(isinstance(queue, StaffQueue) for queue in STAFF_QUEUES.values())
