"""The ``record_award`` activity against a real Temporal dev server (R14, R22)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Worker

from activities.lifecycle import LifecycleActivities
from models.accreditation import AccreditationView, accreditation_workflow_id
from models.enums import ApplicationKind, MembershipStatus, RegisterStatus
from models.policy import Policy
from tests.builders import stand_in_catalogue
from tests.workflows.lifecycle_helpers import award_notice, eventually, latest, new_member
from tests.workflows.stand_ins import StandInActivities
from workflows.accreditation import AccreditationWorkflow
from workflows.application import ApplicationWorkflow

pytestmark = pytest.mark.dev_server


async def test_r14_r22_record_award_starts_the_member_workflow_once_then_signals_it(
    dev_env: WorkflowEnvironment, task_queue: str
) -> None:
    client = dev_env.client
    policy = Policy(expiry_reminder_days=[60])
    activities = LifecycleActivities(client, stand_in_catalogue(), policy)
    env = ActivityEnvironment(client)
    env.info = dataclasses.replace(env.info, task_queue=task_queue)
    today = datetime.now(UTC).date()
    first = award_notice(new_member(), today)
    member_id = first.member.member_id
    stand_ins = StandInActivities()
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[AccreditationWorkflow, ApplicationWorkflow],
        activities=stand_ins.all(),
    ):
        workflow_id = await env.run(activities.record_award, first)
        assert workflow_id == accreditation_workflow_id(member_id)
        handle = latest(client, member_id)
        view: AccreditationView = await eventually(handle, lambda v: v.term == 1)
        assert view.status == RegisterStatus.CURRENT
        assert view.membership_status == MembershipStatus.ACCREDITED_AP
        # the policy travelled in the input: one reminder, then expiry
        assert [d.name for d in view.deadlines] == ["expiry_reminder", "expiry"]

        # idempotent: the same award again is just a repeated signal
        await env.run(activities.record_award, first)
        renewal = award_notice(
            first.member,
            today,
            kind=ApplicationKind.REACCREDITATION,
            accredited_from=first.expires_on,
        )
        await env.run(activities.record_award, renewal)
        view = await eventually(handle, lambda v: v.term == 2)

        assert [e.action for e in view.history] == ["awarded", "renewed"]
        assert view.expires_on == renewal.expires_on
        description = await handle.describe()
        assert description.status == WorkflowExecutionStatus.RUNNING
        await stand_ins.wait_for("accreditation_renewed")
        await handle.terminate("test over")
