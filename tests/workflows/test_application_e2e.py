"""Draft to register, end to end: real worker, real activities, real SMTP sink, real database.

Runs on the Temporal dev server (updates), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities import SmtpMailer, all_activities
from models.application import Application, Finding
from models.commands import (
    Actor,
    AllocateAssessor,
    ApplicantAction,
    Decision,
    DeclarationResponse,
    InviteDeclarer,
    RecordAssessment,
)
from models.dates import expiry_date
from models.enums import (
    ApplicationKind,
    DeclarerRole,
    FindingLevel,
    Outcome,
    Pathway,
    Route,
    StaffRole,
)
from models.views import ApplicationView
from settings import Settings
from storage import queries
from storage.seed import load_assessors
from tests.builders import applicant, complete_application, draft_application, pathway_catalogue
from tests.fixtures.smtp import SmtpSink
from tests.workflows.helpers import (
    OFFICER,
    Handle,
    applicant_actor,
    fill_in,
    refusal,
    start,
    unique,
)
from workflows.application import ApplicationWorkflow

pytestmark = pytest.mark.dev_server

ROUTES = [(p, r) for p in Pathway for r in Route] + [(Pathway.AP_L5, None)]


@dataclass
class Service:
    env: WorkflowEnvironment
    task_queue: str
    sessions: sessionmaker[Session]
    mail: SmtpSink


@pytest_asyncio.fixture(loop_scope="session")
async def service(
    dev_env: WorkflowEnvironment,
    task_queue: str,
    db_url: str,
    session_factory: sessionmaker[Session],
    smtp_sink: SmtpSink,
) -> AsyncIterator[Service]:
    settings = Settings(database_url=db_url, smtp_host=smtp_sink.host, smtp_port=smtp_sink.port)
    load_assessors(session_factory=session_factory)
    mailer = SmtpMailer(settings.smtp_host, settings.smtp_port, settings.mail_from)
    async with Worker(
        dev_env.client,
        task_queue=task_queue,
        workflows=[ApplicationWorkflow],
        activities=all_activities(session_factory, mailer, settings),
    ):
        yield Service(dev_env, task_queue, session_factory, smtp_sink)


def today() -> datetime:
    return datetime.now(UTC)


async def declared(service: Service, pathway: Pathway, route: Route | None) -> Handle:
    kind = ApplicationKind.REACCREDITATION if route is None else ApplicationKind.INITIAL
    complete = unique(complete_application(pathway, route, kind, today().date()))
    draft = complete.model_copy(update={"content": draft_application(pathway, route, kind).content})
    handle = await start(service.env.client, service.task_queue, draft)
    await handle.execute_update("save_draft", fill_in(complete))
    await _declare(service, handle, complete)
    return handle


async def _declare(service: Service, handle: Handle, complete: Application) -> None:
    """Invite the manager and confirm through the link in the email they receive (R09)."""
    await handle.execute_update(
        "invite_declarer",
        InviteDeclarer(
            actor=applicant_actor(complete),
            declarer_name="Jo Manager",
            declarer_email="jo.manager@northgate.example.org",
            declarer_role=DeclarerRole.MANAGER,
        ),
    )
    invitation = await service.mail.wait_for_subject("please complete a declaration")
    link = next(line for line in invitation.get_content().splitlines() if "/declarations/" in line)
    token = link.strip().rsplit("/", 1)[-1]
    await handle.execute_update(
        "respond_to_declaration", DeclarationResponse(token=token, confirm=True)
    )


def all_met(pathway: Pathway) -> list[Finding]:
    return [
        Finding(outcome_code=code, level=FindingLevel.MET, comment="well evidenced")
        for code in pathway_catalogue(pathway).outcome_codes()
    ]


@pytest.mark.parametrize(("pathway", "route"), ROUTES)
async def test_r11_r12_r19_every_pathway_and_route_reaches_the_register(
    service: Service, pathway: Pathway, route: Route | None
) -> None:
    # The first SMTP delivery fails: the retried activity still sends each email once.
    service.mail.fail_next(1)
    handle = await declared(service, pathway, route)
    me = ApplicantAction(actor=Actor(id=applicant().member_id, role=StaffRole.APPLICANT))
    submitted = await handle.execute_update("submit", me, result_type=ApplicationView)
    if route == Route.APPROVED:
        assert submitted.state == "in_verification"
        await handle.execute_update("verify", Decision(actor=OFFICER, outcome=Outcome.ACCREDITED))
    else:
        assert submitted.state == "in_assessment", submitted.queue_reason
        assessor = Actor(id=submitted.assessor_id or "", role=StaffRole.ASSESSOR)
        await handle.execute_update(
            "record_assessment",
            RecordAssessment(
                actor=assessor, findings=all_met(pathway), recommended_outcome=Outcome.ACCREDITED
            ),
        )
        await handle.execute_update("ratify", Decision(actor=OFFICER))
    result = await handle.result()
    assert result.state == "accredited"
    application_id = result.application.application_id

    with service.sessions() as session:
        page = queries.search_register(session=session, registration_number="AP0001")
        [entry] = page.items
        assert (entry.pathway, entry.expires_on) == (pathway, expiry_date(today().date()))
        trail = queries.audit_trail(session=session, application_id=application_id)
        assert trail[0].action == "created"
        assert trail[-1].to_state == "accredited"

    received = Counter((str(m["To"]), str(m["Subject"])) for m in service.mail.messages)
    assert all(n == 1 for n in received.values()), received
    subjects = sorted(subject.split(":")[-1].strip() for _, subject in received)
    expected = [
        "CoR accreditation awarded",
        "please complete a declaration for Alex Example",
        "we have received your application",
    ]
    if route != Route.APPROVED:
        expected.append(f"application {application_id} allocated to you")
    assert subjects == sorted(expected)


async def test_r12_conflict_of_interest_is_refused(service: Service) -> None:
    # The applicant works for SI-ASR-001's employer and is themself assessor SI-ASR-002,
    # the only other active clinical-imaging assessor in the stand-in list.
    pathway = Pathway.AP_L4
    member = applicant(member_id="SI-M-9002")
    complete = unique(
        complete_application(pathway, Route.NON_APPROVED, today=today().date(), member=member)
    )
    role = complete.content.role_details
    assert role is not None
    role = role.model_copy(update={"employer": " northgate hospitals NHS trust (fictional) "})
    complete = complete.model_copy(
        update={"content": complete.content.model_copy(update={"role_details": role})}
    )
    handle = await start(service.env.client, service.task_queue, complete)
    await _declare(service, handle, complete)
    submitted = await handle.execute_update(
        "submit", ApplicantAction(actor=applicant_actor(complete)), result_type=ApplicationView
    )
    # Both active clinical-imaging assessors are conflicted: the officers' queue gets it.
    assert submitted.state == "awaiting_allocation"
    assert submitted.queue_reason
    for conflicted, why in [("SI-ASR-001", "employer"), ("SI-ASR-002", "applicant")]:
        with pytest.raises(WorkflowUpdateFailedError) as caught:
            await handle.execute_update(
                "allocate_assessor", AllocateAssessor(actor=OFFICER, assessor_id=conflicted)
            )
        error = refusal(caught.value)
        assert error.type == "NoAssessor"
        assert why in str(error).lower(), str(error)
    view = await handle.query("view", result_type=ApplicationView)
    assert (view.state, view.assessor_id) == ("awaiting_allocation", None)
    await service.mail.wait_for_subject("needs an assessor")
