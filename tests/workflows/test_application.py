"""The application workflow's updates and routing, on the Temporal dev server (R09-R14)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateStage

from models.application import Finding
from models.commands import (
    Actor,
    AddDocument,
    AllocateAssessor,
    ApplicantAction,
    Decision,
    DeclarationLink,
    DeclarationResponse,
    InviteDeclarer,
    RecordAssessment,
    SaveDraft,
    Withdraw,
)
from models.dates import expiry_date
from models.enums import (
    ApplicationKind,
    DeclarerRole,
    FindingLevel,
    MembershipStatus,
    Outcome,
    Pathway,
    Route,
)
from models.refusals import Refusal
from models.views import ApplicationView
from tests.builders import (
    certificate_document,
    complete_application,
    draft_application,
    pathway_catalogue,
    role_details,
    scope_of_practice_document,
)
from tests.workflows.conftest import Running
from tests.workflows.helpers import (
    ASSESSOR_ACTOR,
    OFFICER,
    Handle,
    act,
    applicant_actor,
    enter,
    refusal,
    save_history,
    start,
    unique,
)
from tests.workflows.stand_ins import ASSESSOR, token_of
from workflows.application import ApplicationWorkflow

pytestmark = pytest.mark.dev_server


def today() -> date:
    return datetime.now(UTC).date()


def findings(pathway: Pathway, level: FindingLevel = FindingLevel.MET) -> list[Finding]:
    return [
        Finding(outcome_code=code, level=level, comment=f"evidence for {code} reviewed")
        for code in pathway_catalogue(pathway).outcome_codes()
    ]


def recommend(
    pathway: Pathway,
    outcome: Outcome = Outcome.ACCREDITED,
    *,
    by: Actor = ASSESSOR_ACTOR,
    found: list[Finding] | None = None,
) -> RecordAssessment:
    """An assessment of every outcome of ``pathway`` (all met unless ``found`` says)."""
    return RecordAssessment(
        actor=by, findings=found or findings(pathway), recommended_outcome=outcome
    )


async def ready_to_submit(
    running: Running, pathway: Pathway, route: Route | None, **extra: object
) -> tuple[Handle, ApplicantAction]:
    """Start a draft, fill it in, and have the manager confirm the declaration."""
    kind = ApplicationKind.REACCREDITATION if route is None else ApplicationKind.INITIAL
    complete = unique(complete_application(pathway, route, kind, today()))
    draft = complete.model_copy(update={"content": draft_application(pathway, route, kind).content})
    handle = await start(running.client, running.task_queue, draft, **extra)
    me = applicant_actor(complete)
    await enter(handle, complete)
    await handle.execute_update(
        ApplicationWorkflow.invite_declarer,
        InviteDeclarer(
            actor=me,
            declarer_name="Jo Manager",
            declarer_email="jo.manager@northgate.example.org",
            declarer_role=DeclarerRole.MANAGER,
        ),
    )
    token = await running.activities.link_token()
    await handle.execute_update(
        ApplicationWorkflow.respond_to_declaration, DeclarationResponse(token=token, confirm=True)
    )
    return handle, ApplicantAction(actor=me)


async def view(handle: Handle) -> ApplicationView:
    return await handle.query(ApplicationWorkflow.view)


@pytest.mark.parametrize("pathway", list(Pathway))
async def test_r11_approved_route_is_verified_by_an_officer_and_awarded(
    on_dev_server: Running, pathway: Pathway
) -> None:
    handle, me = await ready_to_submit(on_dev_server, pathway, Route.APPROVED)
    submitted = await act(handle, ApplicationWorkflow.submit, me)
    assert submitted.state == "in_verification"
    assert "verify" in submitted.allowed_actions
    await handle.execute_update(
        ApplicationWorkflow.verify, Decision(actor=OFFICER, outcome=Outcome.ACCREDITED)
    )
    result = await handle.result()
    await save_history(handle, f"approved_route_award_{pathway.value}")
    assert result.state == "accredited"
    assert result.award is not None
    assert result.award.expires_on == expiry_date(today())  # R14
    # The member's accreditation workflow takes the award from here (and keeps the register).
    [notice] = on_dev_server.activities.awards
    assert (notice.pathway, notice.expires_on) == (pathway, expiry_date(today()))
    templates = on_dev_server.activities.templates()
    assert templates == [
        "declaration_invitation",
        "submission_receipt",
        "outcome_accredited",
    ]


@pytest.mark.parametrize("pathway", list(Pathway))
async def test_r12_non_approved_route_is_assessed_then_ratified(
    on_dev_server: Running, pathway: Pathway
) -> None:
    handle, me = await ready_to_submit(on_dev_server, pathway, Route.NON_APPROVED)
    submitted = await act(handle, ApplicationWorkflow.submit, me)
    assert (submitted.state, submitted.assessor_id) == ("in_assessment", "assessor-1")
    recorded = await act(handle, ApplicationWorkflow.record_assessment, recommend(pathway))
    assert recorded.state == "awaiting_ratification"
    await handle.execute_update(ApplicationWorkflow.ratify, Decision(actor=OFFICER))
    result = await handle.result()
    assert result.state == "accredited"
    assert len(on_dev_server.activities.awards) == 1
    assert "assessor_allocated" in on_dev_server.activities.templates()


async def test_r12_r20_reaccreditation_is_assessed_and_starts_at_the_previous_expiry(
    on_dev_server: Running,
) -> None:
    previous = date(today().year + 1, 3, 31)
    handle, me = await ready_to_submit(
        on_dev_server, Pathway.AP_L5, None, previous_expires_on=previous
    )
    await handle.execute_update(ApplicationWorkflow.submit, me)
    await handle.execute_update(
        ApplicationWorkflow.record_assessment,
        recommend(Pathway.AP_L5),
    )
    await handle.execute_update(ApplicationWorkflow.ratify, Decision(actor=OFFICER))
    result = await handle.result()
    assert result.award is not None
    assert result.award.accredited_from == previous
    assert result.award.expires_on == expiry_date(previous)


async def test_r10_submission_lists_every_missing_item_and_loses_nothing(
    on_dev_server: Running,
) -> None:
    draft = unique(draft_application(Pathway.AP_L4, Route.NON_APPROVED))
    handle = await start(on_dev_server.client, on_dev_server.task_queue, draft)
    me = applicant_actor(draft)
    await handle.execute_update(
        ApplicationWorkflow.save_draft,
        SaveDraft(actor=me, role_details=role_details(Pathway.AP_L4)),
    )
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(ApplicationWorkflow.submit, ApplicantAction(actor=me))
    error = refusal(caught.value)
    assert error.type == "NotReady"
    codes = {p.code for p in Refusal.model_validate(error.details[0]).problems}
    assert {
        "scope_of_practice_missing",
        "qualification_missing",
        "narrative_outcome_missing",
        "cpd_insufficient",
        "declaration_incomplete",
    } <= codes
    state = await view(handle)
    assert state.state == "draft"
    assert state.application.content.role_details == role_details(Pathway.AP_L4)
    assert "submit" not in state.allowed_actions


async def test_r09_declined_declaration_returns_to_draft_with_the_reason(
    on_dev_server: Running,
) -> None:
    complete = unique(complete_application(Pathway.MA_L4, Route.APPROVED, today=today()))
    handle = await start(on_dev_server.client, on_dev_server.task_queue, complete)
    me = applicant_actor(complete)
    invited = await act(
        handle,
        ApplicationWorkflow.invite_declarer,
        InviteDeclarer(
            actor=me,
            declarer_name="Jo Manager",
            declarer_email="jo@northgate.example.org",
            declarer_role=DeclarerRole.PRACTICE_EDUCATOR,
        ),
    )
    assert invited.state == "awaiting_declaration"
    assert [d.name for d in invited.deadlines] == [
        "declaration_reminder",
        "declaration_reminder",
        "declaration_expiry",
    ]
    token = await on_dev_server.activities.link_token()
    [invitation] = await on_dev_server.activities.wait_for("declaration_invitation")
    assert invitation.notification.context["link"].endswith(
        f"/declare/{complete.application_id}/{token}"
    )
    request = await handle.query(
        ApplicationWorkflow.declaration_request, DeclarationLink(token=token)
    )
    assert request is not None
    assert (request.applicant_name, request.declarer_name) == ("Alex Example", "Jo Manager")
    wrong = await handle.query(
        ApplicationWorkflow.declaration_request, DeclarationLink(token="guess")
    )
    assert wrong is None
    declined = await act(
        handle,
        ApplicationWorkflow.respond_to_declaration,
        DeclarationResponse(token=token, confirm=False, reason="scope needs updating"),
    )
    assert declined.state == "draft"
    assert declined.application.declaration is not None
    assert declined.application.declaration.reason == "scope needs updating"
    [missing] = [p for p in declined.missing if p.code == "declaration_incomplete"]
    assert "scope needs updating" in missing.message
    assert [d.name for d in declined.deadlines] == ["draft_idle_warning", "draft_idle_close"]
    [sent] = await on_dev_server.activities.wait_for("declaration_declined")
    assert sent.notification.context["reason"] == "scope needs updating"
    # R09: a used link cannot answer again.
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(
            ApplicationWorkflow.respond_to_declaration,
            DeclarationResponse(token=token, confirm=True),
        )
    assert refusal(caught.value).type == "LinkUsed"
    await handle.execute_update(
        ApplicationWorkflow.withdraw, Withdraw(actor=me, reason="test over")
    )
    await handle.result()
    await save_history(handle, "declaration_declined_then_withdrawn")


async def test_r09_the_applicant_cannot_be_their_own_declarer(on_dev_server: Running) -> None:
    draft = unique(draft_application(Pathway.AP_L4, Route.APPROVED))
    handle = await start(on_dev_server.client, on_dev_server.task_queue, draft)
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(
            ApplicationWorkflow.invite_declarer,
            InviteDeclarer(
                actor=applicant_actor(draft),
                declarer_name="Me",
                declarer_email=draft.applicant.email,
                declarer_role=DeclarerRole.MANAGER,
            ),
        )
    assert "declarer_email" in str(refusal(caught.value))


async def test_a_new_invitation_replans_the_declaration_timers_exactly(
    on_dev_server: Running,
) -> None:
    draft = unique(draft_application(Pathway.AP_L4, Route.APPROVED))
    handle = await start(on_dev_server.client, on_dev_server.task_queue, draft)
    invite = InviteDeclarer(
        actor=applicant_actor(draft),
        declarer_name="Jo Manager",
        declarer_email="jo@northgate.example.org",
        declarer_role=DeclarerRole.MANAGER,
    )
    first = await act(handle, ApplicationWorkflow.invite_declarer, invite)
    second = await act(handle, ApplicationWorkflow.invite_declarer, invite)
    assert len(second.deadlines) == len(first.deadlines) == 3
    assert second.deadlines[-1].due_at > first.deadlines[-1].due_at
    invitations = await on_dev_server.activities.wait_for("declaration_invitation", 2)
    # The first link no longer works once a new invitation has gone out.
    first_token = token_of(invitations[0])
    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update(
            ApplicationWorkflow.respond_to_declaration,
            DeclarationResponse(token=first_token, confirm=True),
        )


async def test_r13_deferral_then_resubmission_then_award(on_dev_server: Running) -> None:
    handle, me = await ready_to_submit(on_dev_server, Pathway.AP_L4, Route.NON_APPROVED)
    await handle.execute_update(ApplicationWorkflow.submit, me)
    partly = findings(Pathway.AP_L4)
    partly[0] = Finding(
        outcome_code=partly[0].outcome_code,
        level=FindingLevel.PARTLY_MET,
        comment="add a reflection on a recent case",
    )
    await handle.execute_update(
        ApplicationWorkflow.record_assessment,
        recommend(Pathway.AP_L4, Outcome.DEFERRED, found=partly),
    )
    deferred = await act(handle, ApplicationWorkflow.ratify, Decision(actor=OFFICER))
    assert deferred.state == "deferred"
    assert [d.name for d in deferred.deadlines] == ["deferral_lapse"]
    [letter] = await on_dev_server.activities.wait_for("deferral")
    assert "add a reflection on a recent case" in letter.notification.context["feedback"]
    resubmitted = await act(handle, ApplicationWorkflow.resubmit, me)
    # The assessor who deferred it sees it again.
    assert (resubmitted.state, resubmitted.assessor_id) == ("in_assessment", "assessor-1")
    await handle.execute_update(
        ApplicationWorkflow.record_assessment,
        recommend(Pathway.AP_L4),
    )
    await handle.execute_update(ApplicationWorkflow.ratify, Decision(actor=OFFICER))
    assert (await handle.result()).state == "accredited"
    await save_history(handle, "deferral_resubmission_award")


async def test_r13_not_accredited_needs_a_reason_and_ends_the_application(
    on_dev_server: Running,
) -> None:
    handle, me = await ready_to_submit(on_dev_server, Pathway.AP_L5, Route.APPROVED)
    await handle.execute_update(ApplicationWorkflow.submit, me)
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(
            ApplicationWorkflow.verify, Decision(actor=OFFICER, outcome=Outcome.NOT_ACCREDITED)
        )
    assert "reason" in str(refusal(caught.value))
    await handle.execute_update(
        ApplicationWorkflow.verify,
        Decision(actor=OFFICER, outcome=Outcome.NOT_ACCREDITED, reason="not an approved award"),
    )
    result = await handle.result()
    await save_history(handle, "not_accredited")
    assert (result.state, result.outcome) == ("not_accredited", Outcome.NOT_ACCREDITED)
    assert on_dev_server.activities.awards == []


async def test_r13_overruling_a_recommendation_needs_a_reason(on_dev_server: Running) -> None:
    handle, me = await ready_to_submit(on_dev_server, Pathway.MA_L4, Route.NON_APPROVED)
    await handle.execute_update(ApplicationWorkflow.submit, me)
    await handle.execute_update(
        ApplicationWorkflow.record_assessment,
        recommend(Pathway.MA_L4),
    )
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(
            ApplicationWorkflow.ratify,
            Decision(actor=OFFICER, outcome=Outcome.NOT_ACCREDITED, reason=""),
        )
    assert "overruling" in str(refusal(caught.value))
    assert (await view(handle)).state == "awaiting_ratification"


async def test_decisions_by_the_wrong_role_or_in_the_wrong_state_are_refused_clearly(
    on_dev_server: Running,
) -> None:
    handle, me = await ready_to_submit(on_dev_server, Pathway.AP_L4, Route.NON_APPROVED)
    # Wrong state: nothing to ratify yet; the message names the state and what is allowed.
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(ApplicationWorkflow.ratify, Decision(actor=OFFICER))
    error = refusal(caught.value)
    assert error.type == "InvalidTransition"
    assert "draft" in str(error) and "submit" in str(error)
    await handle.execute_update(ApplicationWorkflow.submit, me)
    # Wrong role: an applicant cannot ratify, an officer cannot record an assessment.
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(ApplicationWorkflow.ratify, Decision(actor=me.actor))
    assert refusal(caught.value).type == "Forbidden"
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(
            ApplicationWorkflow.record_assessment,
            recommend(Pathway.AP_L4, by=OFFICER),
        )
    assert refusal(caught.value).type == "Forbidden"
    # R12: only the allocated assessor records findings.
    other = ASSESSOR_ACTOR.model_copy(update={"id": "assessor-2"})
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(
            ApplicationWorkflow.record_assessment,
            recommend(Pathway.AP_L4, by=other),
        )
    assert "not the assessor allocated" in str(refusal(caught.value))
    # Another applicant cannot withdraw this application.
    stranger = me.actor.model_copy(update={"id": "M9999"})
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(ApplicationWorkflow.withdraw, Withdraw(actor=stranger))
    assert refusal(caught.value).type == "Forbidden"
    history = (await view(handle)).history
    assert [h.action for h in history][-3:] == ["submit", "route", "allocate"]


async def test_r12_no_free_assessor_waits_for_an_officer_to_allocate(
    on_dev_server: Running,
) -> None:
    on_dev_server.activities.assessors = []
    handle, me = await ready_to_submit(on_dev_server, Pathway.AP_L4, Route.NON_APPROVED)
    waiting = await act(handle, ApplicationWorkflow.submit, me)
    assert waiting.state == "awaiting_allocation"
    assert waiting.queue_reason == "no stand-in assessor is free"
    await on_dev_server.activities.wait_for("allocation_needed")
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(
            ApplicationWorkflow.allocate_assessor, AllocateAssessor(actor=OFFICER)
        )
    assert refusal(caught.value).type == "NoAssessor"
    on_dev_server.activities.assessors = [ASSESSOR]
    allocated = await act(
        handle,
        ApplicationWorkflow.allocate_assessor,
        AllocateAssessor(actor=OFFICER, assessor_id="assessor-1"),
    )
    assert (allocated.state, allocated.assessor_id) == ("in_assessment", "assessor-1")


async def test_defect8_r12_an_allocation_checked_before_the_automatic_one_is_refused_after_it(
    on_dev_server: Running,
) -> None:
    activities = on_dev_server.activities
    activities.allocation_gate = asyncio.Event()
    handle, me = await ready_to_submit(on_dev_server, Pathway.AP_L4, Route.NON_APPROVED)
    submitting = asyncio.create_task(handle.execute_update(ApplicationWorkflow.submit, me))
    for _ in range(200):
        if activities.allocations:
            break
        await asyncio.sleep(0.05)
    assert (await view(handle)).state == "awaiting_allocation"
    # Accepted by its validator while nobody is allocated; run once the automatic one is done.
    officer = await handle.start_update(
        ApplicationWorkflow.allocate_assessor,
        AllocateAssessor(actor=OFFICER, reason="mine"),
        wait_for_stage=WorkflowUpdateStage.ACCEPTED,
    )
    activities.allocation_gate.set()
    assert (await submitting).state == "in_assessment"
    assert (await view(handle)).assessor_id == ASSESSOR.assessor_id
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await officer.result()
    assert refusal(caught.value).type == "Conflict"
    assert ASSESSOR.assessor_id in refusal(caught.value).message
    assert (await view(handle)).assessor_id == ASSESSOR.assessor_id
    assert len(activities.allocations) == 1
    await activities.wait_for("assessor_allocated")
    assert "assessor_released" not in activities.templates()


async def test_documents_are_refused_in_a_draft_save(on_dev_server: Running) -> None:
    handle, me = await ready_to_submit(on_dev_server, Pathway.AP_L4, Route.APPROVED)
    before = (await view(handle)).application
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(
            ApplicationWorkflow.save_draft,
            SaveDraft(actor=me.actor, documents=[certificate_document("doc-other")]),
        )
    assert refusal(caught.value).type == "Invalid"
    assert "uploading" in refusal(caught.value).message
    assert (await view(handle)).application == before


async def test_r02_role_that_does_not_fit_the_pathway_is_refused_on_save(
    on_dev_server: Running,
) -> None:
    draft = unique(draft_application(Pathway.MA_L4, Route.APPROVED))
    handle = await start(on_dev_server.client, on_dev_server.task_queue, draft)
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(
            ApplicationWorkflow.save_draft,
            SaveDraft(actor=applicant_actor(draft), role_details=role_details(Pathway.AP_L4)),
        )
    assert "MA_L4" in str(refusal(caught.value))
    assert (await view(handle)).application.content.role_details is None


async def test_withdrawal_ends_the_application_and_is_audited(on_dev_server: Running) -> None:
    draft = unique(draft_application(Pathway.AP_L4, Route.APPROVED))
    handle = await start(on_dev_server.client, on_dev_server.task_queue, draft)
    await handle.execute_update(
        ApplicationWorkflow.withdraw, Withdraw(actor=applicant_actor(draft), reason="changing jobs")
    )
    result = await handle.result()
    await save_history(handle, "withdrawn")
    assert result.state == "withdrawn"
    # Audit rows are written concurrently; their ids carry the order.
    events = sorted(on_dev_server.activities.events, key=lambda e: e.summary.version)
    audited = [e for update in events for e in update.events]
    assert [e.action for e in audited] == ["created", "withdraw"]
    assert audited[-1].reason == "changing jobs"


async def test_r10_documents_added_together_are_all_kept(on_dev_server: Running) -> None:
    draft = unique(draft_application(Pathway.AP_L4, Route.APPROVED))
    handle = await start(on_dev_server.client, on_dev_server.task_queue, draft)
    me = applicant_actor(draft)
    scope, certificate = scope_of_practice_document(), certificate_document("doc-cert-0")
    await asyncio.gather(
        handle.execute_update(
            ApplicationWorkflow.add_document, AddDocument(actor=me, document=scope)
        ),
        handle.execute_update(
            ApplicationWorkflow.add_document, AddDocument(actor=me, document=certificate)
        ),
        handle.execute_update(
            ApplicationWorkflow.add_document, AddDocument(actor=me, document=scope)
        ),
    )
    documents = (await view(handle)).application.content.documents
    assert sorted(d.document_id for d in documents) == ["doc-cert-0", "doc-scope"]


async def test_r21_members_pay_nothing_and_non_members_are_pointed_to_membership(
    on_dev_server: Running,
) -> None:
    for status, fee in [
        (MembershipStatus.RADIOGRAPHIC_ASSISTANT, 0),
        (MembershipStatus.NON_MEMBER, 4500),
    ]:
        draft = unique(draft_application(Pathway.AP_L4, Route.APPROVED))
        draft = draft.model_copy(
            update={"applicant": draft.applicant.model_copy(update={"membership_status": status})}
        )
        handle = await start(
            on_dev_server.client, on_dev_server.task_queue, draft, non_member_fee_pence=4500
        )
        shown = (await view(handle)).fee
        assert shown is not None and shown.amount_pence == fee
        if fee:
            assert "membership team" in shown.message
