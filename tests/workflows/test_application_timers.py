"""The application workflow's timers, on the time-skipping test server.

Updates cannot run there, so each test starts the workflow part-way with an
``ApplicationProgress`` (the same object continue-as-new carries) and lets time pass.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from models.application_machine import ApplicationState
from models.deadlines import DeadlineFacts
from models.enums import DeclarationStatus, Pathway, Route
from models.policy import Policy
from models.progress import ApplicationProgress
from models.views import ApplicationView
from tests.builders import complete_application, declaration, draft_application
from tests.workflows.conftest import Running
from tests.workflows.helpers import start, unique
from tests.workflows.stand_ins import ASSESSOR, Sent
from workflows.application import ApplicationWorkflow

pytestmark = pytest.mark.time_skipping

DAY = timedelta(days=1)


def days_after(start: datetime, sent: list[Sent]) -> list[tuple[str, int]]:
    return [(s.template, round((s.at - start) / DAY)) for s in sent]


async def test_declaration_reminders_then_expiry_return_to_draft_then_idle_close(
    time_skipping_env: WorkflowEnvironment, on_time_skipping: Running
) -> None:
    t0 = await time_skipping_env.get_current_time()
    application = unique(complete_application(Pathway.AP_L4, Route.APPROVED, today=t0.date()))
    application = application.model_copy(
        update={"declaration": declaration(DeclarationStatus.INVITED, invited_on=t0.date())}
    )
    progress = ApplicationProgress(
        state=ApplicationState.AWAITING_DECLARATION,
        facts=DeadlineFacts(last_edited_at=t0, invited_at=t0, invitation_seq=1),
        declaration_token="secret-token",
    )
    handle = await start(
        on_time_skipping.client, on_time_skipping.task_queue, application, progress=progress
    )
    result = await handle.result()
    assert result.state == "closed"
    assert days_after(t0, on_time_skipping.activities.sent) == [
        ("declaration_reminder", 7),
        ("declaration_reminder", 21),
        ("declaration_expired", 28),
        ("draft_closing", 335),
        ("application_closed", 365),
    ]
    assert result.application.declaration is not None
    assert result.application.declaration.status == DeclarationStatus.EXPIRED


async def test_a_long_idle_draft_closes_with_notice(
    time_skipping_env: WorkflowEnvironment, on_time_skipping: Running
) -> None:
    t0 = await time_skipping_env.get_current_time()
    draft = unique(draft_application(Pathway.MA_L4, Route.APPROVED))
    policy = Policy(draft_idle_close_days=90, draft_idle_warning_days=14)
    result = await (
        await start(on_time_skipping.client, on_time_skipping.task_queue, draft, policy=policy)
    ).result()
    assert result.state == "closed"
    assert days_after(t0, on_time_skipping.activities.sent) == [
        ("draft_closing", 76),
        ("application_closed", 90),
    ]


@pytest.mark.parametrize("window_days", [182, 30])
async def test_r13_deferral_window_lapse_closes_the_application(
    time_skipping_env: WorkflowEnvironment, on_time_skipping: Running, window_days: int
) -> None:
    t0 = await time_skipping_env.get_current_time()
    application = unique(complete_application(Pathway.AP_L5, Route.NON_APPROVED, today=t0.date()))
    progress = ApplicationProgress(
        state=ApplicationState.DEFERRED,
        facts=DeadlineFacts(last_edited_at=t0, deferred_at=t0),
        assessor=ASSESSOR,
    )
    handle = await start(
        on_time_skipping.client,
        on_time_skipping.task_queue,
        application,
        progress=progress,
        policy=Policy(deferral_window_days=window_days),
    )
    result = await handle.result()
    assert result.state == "closed"
    assert days_after(t0, on_time_skipping.activities.sent) == [("application_closed", window_days)]
    assert result.history[-1].reason == "the deferral window ended without a resubmission"


async def test_assessor_service_level_reminds_then_escalates_to_officers(
    time_skipping_env: WorkflowEnvironment, on_time_skipping: Running
) -> None:
    t0 = await time_skipping_env.get_current_time()
    application = unique(complete_application(Pathway.AP_L4, Route.NON_APPROVED, today=t0.date()))
    progress = ApplicationProgress(
        state=ApplicationState.IN_ASSESSMENT,
        facts=DeadlineFacts(last_edited_at=t0, allocated_at=t0, allocation_seq=1),
        assessor=ASSESSOR,
        submitted_at=t0,
    )
    handle: WorkflowHandle[object, ApplicationView] = await start(
        on_time_skipping.client, on_time_skipping.task_queue, application, progress=progress
    )
    await time_skipping_env.sleep(timedelta(days=30))
    view = await handle.query(ApplicationWorkflow.view)
    assert view.overdue is True
    assert view.state == "in_assessment"
    sent = on_time_skipping.activities.sent
    assert days_after(t0, sent) == [("assessor_reminder", 21), ("assessment_overdue", 28)]
    assert sent[-1].notification.to_email == "officers@cor.example"
    latest = max(on_time_skipping.activities.events, key=lambda e: e.summary.version)
    assert latest.summary.queue == "overdue"
    await handle.terminate("test over")
