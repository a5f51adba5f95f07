"""R08/R16: a CPD verification request's reminders and expiry, on the time-skipping server.

Updates cannot run there, so the workflow starts part-way with a request already sent (its
live link in the progress) and time passes.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from models.application_machine import ApplicationState
from models.cpd_verification import CpdVerificationStatus, Verifier, requested
from models.deadlines import DeadlineFacts
from models.enums import Pathway, Route
from models.policy import Policy
from models.progress import ApplicationProgress, CpdLinks
from tests.builders import complete_application
from tests.workflows.conftest import Running
from tests.workflows.helpers import start, unique

pytestmark = pytest.mark.time_skipping

DAY = timedelta(days=1)
POLICY = Policy(cpd_verification_required=True)


async def test_r08_a_request_is_reminded_then_expires_and_the_applicant_is_told(
    time_skipping_env: WorkflowEnvironment, on_time_skipping: Running
) -> None:
    t0 = await time_skipping_env.get_current_time()
    application = unique(complete_application(Pathway.AP_L4, Route.NON_APPROVED, today=t0.date()))
    verifier = Verifier(
        name="Sam Educator", email="sam@northgate.example.org", professional_registration="RA1"
    )
    cpd = list(application.content.cpd)
    cpd[0] = cpd[0].model_copy(update={"verification": requested(verifier, "cpd-1", t0, POLICY)})
    application = application.model_copy(
        update={"content": application.content.model_copy(update={"cpd": cpd})}
    )
    progress = ApplicationProgress(
        state=ApplicationState.DRAFT,
        facts=DeadlineFacts(last_edited_at=t0),
        cpd_links=CpdLinks(live={"the-token": "cpd-1"}, issued=1),
    )
    handle = await start(
        on_time_skipping.client,
        on_time_skipping.task_queue,
        application,
        policy=POLICY,
        progress=progress,
    )
    result = await handle.result()

    sent = [(s.template, round((s.at - t0) / DAY)) for s in on_time_skipping.activities.sent]
    assert sent == [
        ("cpd_verification_reminder", 7),
        ("cpd_verification_reminder", 21),
        ("cpd_verification_expired", 28),
        ("draft_closing", 335),
        ("application_closed", 365),
    ]
    reminder = on_time_skipping.activities.sent[0].notification
    assert reminder.to_email == "sam@northgate.example.org"
    assert reminder.context["link"].endswith(f"/{application.application_id}/the-token")
    assert on_time_skipping.activities.sent[2].notification.to_email == application.applicant.email
    assert result.state == "closed"
    verification = result.application.content.cpd[0].verification
    assert verification is not None and verification.status == CpdVerificationStatus.EXPIRED
