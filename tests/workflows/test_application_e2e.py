"""Draft to register, end to end: real worker, real activities, real SMTP sink, real database.

Runs on the Temporal dev server (updates), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
import pytest_asyncio
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from activities import SmtpMailer
from models.accreditation import (
    StartReaccreditation,
    accreditation_workflow_id,
)
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
    RegisterStatus,
    Role,
    Route,
)
from models.records import RegisterEntry
from settings import Settings
from storage import queries
from storage.seed import load_assessors
from tests.builders import (
    applicant,
    complete_application,
    draft_application,
    pathway_catalogue,
    stand_in_catalogue,
)
from tests.fixtures.smtp import SmtpSink
from tests.workflows.helpers import (
    OFFICER,
    Handle,
    act,
    applicant_actor,
    enter,
    portal_verifies_cpd,
    refusal,
    start,
    unique,
)
from worker import build_worker
from workflows.accreditation import AccreditationWorkflow
from workflows.application import ApplicationWorkflow, workflow_id

pytestmark = pytest.mark.dev_server

ROUTES = [(p, r) for p in Pathway for r in Route]


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
    settings = Settings(
        database_url=db_url,
        smtp_host=smtp_sink.host,
        smtp_port=smtp_sink.port,
        task_queue=task_queue,
    )
    load_assessors(session_factory=session_factory)
    async with build_worker(
        dev_env.client,
        settings,
        catalogue=stand_in_catalogue(),
        session_factory=session_factory,
        mailer=SmtpMailer(settings.smtp_host, settings.smtp_port, settings.mail_from),
    ):
        yield Service(dev_env, task_queue, session_factory, smtp_sink)


def today() -> datetime:
    return datetime.now(UTC)


async def declared(service: Service, pathway: Pathway, route: Route) -> tuple[Handle, Application]:
    complete = unique(complete_application(pathway, route, today=today().date()))
    draft = complete.model_copy(update={"content": draft_application(pathway, route).content})
    handle = await start(service.env.client, service.task_queue, draft)
    await enter(handle, complete)
    await portal_verifies_cpd(handle, complete)
    await _declare(service, handle, complete)
    return handle, complete


async def _declare(service: Service, handle: Handle, complete: Application) -> None:
    """Invite the manager and confirm through the link in the email they receive (R09)."""
    await handle.execute_update(
        ApplicationWorkflow.invite_declarer,
        InviteDeclarer(
            actor=applicant_actor(complete),
            declarer_name="Jo Manager",
            declarer_email="jo.manager@northgate.example.org",
            declarer_role=DeclarerRole.MANAGER,
        ),
    )
    token = await _link_token(service, complete.application_id)
    await handle.execute_update(
        ApplicationWorkflow.respond_to_declaration, DeclarationResponse(token=token, confirm=True)
    )


async def _link_token(service: Service, application_id: str) -> str:
    """The token of the declaration link emailed for ``application_id``."""
    marker = f"/declare/{application_id}/"
    for _ in range(300):
        for message in list(service.mail.messages):
            for line in message.get_content().splitlines():
                if marker in line:
                    return line.strip().rsplit("/", 1)[-1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no declaration link for {application_id} was emailed")


def all_met(pathway: Pathway) -> list[Finding]:
    return [
        Finding(outcome_code=code, level=FindingLevel.MET, comment="well evidenced")
        for code in pathway_catalogue(pathway).outcome_codes()
    ]


async def decide_to_accredit(handle: Handle, application: Application) -> None:
    """Submit; then verify (approved route, R11) or assess and ratify (R12, R13)."""
    me = ApplicantAction(actor=applicant_actor(application))
    submitted = await act(handle, ApplicationWorkflow.submit, me)
    if application.route == Route.APPROVED:
        assert submitted.state == "in_verification"
        await handle.execute_update(
            ApplicationWorkflow.verify, Decision(actor=OFFICER, outcome=Outcome.ACCREDITED)
        )
        return
    assert submitted.state == "in_assessment", submitted.queue_reason
    assessor = Actor(id=submitted.assessor_id or "", role=Role.ASSESSOR)
    await handle.execute_update(
        ApplicationWorkflow.record_assessment,
        RecordAssessment(
            actor=assessor,
            findings=all_met(application.pathway),
            recommended_outcome=Outcome.ACCREDITED,
        ),
    )
    await handle.execute_update(ApplicationWorkflow.ratify, Decision(actor=OFFICER))


@pytest.mark.parametrize(("pathway", "route"), ROUTES)
async def test_r11_r12_r19_every_pathway_and_route_reaches_the_register(
    service: Service, pathway: Pathway, route: Route
) -> None:
    # The first SMTP delivery fails: the retried activity still sends each email once.
    service.mail.fail_next(1)
    handle, application = await declared(service, pathway, route)
    member_id = application.applicant.member_id
    await decide_to_accredit(handle, application)
    result = await handle.result()
    assert result.state == "accredited"
    application_id = result.application.application_id

    # R14/R19: the member's accreditation workflow now holds the term and keeps the register.
    member = service.env.client.get_workflow_handle(accreditation_workflow_id(member_id))
    accreditation = await member.query(AccreditationWorkflow.view)
    assert accreditation.expires_on == expiry_date(today().date())
    entry = await _register_entry(service, application.applicant.registration_number)
    with service.sessions() as session:
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


async def _register_entry(
    service: Service, registration_number: str, expires_on: date | None = None
) -> RegisterEntry:
    """The register entry, once the member workflow's activity has written it (with
    ``expires_on``, when given)."""
    for _ in range(200):
        with service.sessions() as session:
            entry = queries.verify_register_entry(
                session=session, registration_number=registration_number
            )
        if entry is not None and expires_on in (None, entry.expires_on):
            return entry
        await asyncio.sleep(0.05)
    raise AssertionError(f"no register entry for {registration_number} expiring {expires_on}")


async def test_r15_r17_r20_reaccreditation_renews_through_the_member_workflow(
    service: Service,
) -> None:
    handle, application = await declared(service, Pathway.AP_L5, Route.NON_APPROVED)
    await decide_to_accredit(handle, application)
    await handle.result()
    first_expiry = expiry_date(today().date())
    member = service.env.client.get_workflow_handle(
        accreditation_workflow_id(application.applicant.member_id)
    )
    # R15: re-accreditation can start as soon as the accreditation is awarded; R17 picks AP_L5.
    me = applicant_actor(application)
    reaccreditation_id = await member.execute_update(
        AccreditationWorkflow.start_reaccreditation, StartReaccreditation(actor=me)
    )
    renewal: Handle = service.env.client.get_workflow_handle_for(
        ApplicationWorkflow.run, workflow_id(reaccreditation_id)
    )
    started = await renewal.query(ApplicationWorkflow.view)
    assert (started.application.pathway, started.application.kind) == (
        Pathway.AP_L5,
        ApplicationKind.REACCREDITATION,
    )
    evidence = complete_application(
        Pathway.AP_L5, None, ApplicationKind.REACCREDITATION, today().date()
    )
    await enter(renewal, evidence.model_copy(update={"applicant": application.applicant}))
    await portal_verifies_cpd(renewal, evidence)
    await _declare(service, renewal, started.application)
    await decide_to_accredit(renewal, started.application)
    renewed = await renewal.result()
    assert renewed.award is not None
    # R20: renewed on time, the new term runs from the previous expiry.
    assert (renewed.award.accredited_from, renewed.award.expires_on) == (
        first_expiry,
        expiry_date(first_expiry),
    )
    entry = await _register_entry(
        service, application.applicant.registration_number, expiry_date(first_expiry)
    )
    assert entry.status == RegisterStatus.CURRENT


async def test_r12_conflict_of_interest_is_refused(service: Service) -> None:
    # The applicant works for SI-ASR-001's employer and is themself assessor SI-ASR-002,
    # the only other active clinical-imaging assessor in the stand-in list.
    pathway = Pathway.AP_L4
    member = applicant(member_id="SI-M-9002")
    complete = unique(
        complete_application(pathway, Route.NON_APPROVED, today=today().date(), member=member),
        new_member=False,
    )
    role = complete.content.role_details
    assert role is not None
    role = role.model_copy(update={"employer": " northgate hospitals NHS trust (fictional) "})
    complete = complete.model_copy(
        update={"content": complete.content.model_copy(update={"role_details": role})}
    )
    handle = await start(service.env.client, service.task_queue, complete)
    await _declare(service, handle, complete)
    submitted = await act(
        handle, ApplicationWorkflow.submit, ApplicantAction(actor=applicant_actor(complete))
    )
    # Both active clinical-imaging assessors are conflicted: the officers' queue gets it.
    assert submitted.state == "awaiting_allocation"
    assert submitted.queue_reason
    for conflicted, why in [("SI-ASR-001", "employer"), ("SI-ASR-002", "applicant")]:
        with pytest.raises(WorkflowUpdateFailedError) as caught:
            await handle.execute_update(
                ApplicationWorkflow.allocate_assessor,
                AllocateAssessor(actor=OFFICER, assessor_id=conflicted),
            )
        error = refusal(caught.value)
        assert error.type == "NoAssessor"
        assert why in str(error).lower(), str(error)
    view = await handle.query(ApplicationWorkflow.view)
    assert (view.state, view.assessor_id) == ("awaiting_allocation", None)
    await service.mail.wait_for_subject("needs an assessor")
