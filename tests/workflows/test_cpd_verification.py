"""R08/R16: verified CPD in the application workflow, on the dev server (updates).

A CPD record counts towards the six only when a named verifier confirmed it through their
single-use link, or a trusted service (the member portal) marked it verified; the applicant's
own ``verified_by`` never counts where the policy requires verified CPD.
"""

from __future__ import annotations

from datetime import date

import pytest
from temporalio.client import WorkflowUpdateFailedError

from models.application import Application
from models.commands import (
    Actor,
    ApplicantAction,
    CpdVerificationLink,
    CpdVerificationResponse,
    DeclarationResponse,
    InviteDeclarer,
    MarkCpdVerified,
    RequestCpdVerification,
    SaveDraft,
)
from models.cpd_verification import CpdVerificationStatus, Verifier
from models.enums import DeclarerRole, Pathway, Role, Route
from models.policy import Policy
from models.progress import SpentLink
from models.refusals import RefusalKind
from models.views import ApplicationView
from tests.builders import complete_application
from tests.workflows.conftest import Running
from tests.workflows.helpers import (
    Handle,
    act,
    applicant_actor,
    enter,
    refusal,
    save_history,
    start,
    unique,
)
from tests.workflows.stand_ins import token_of
from workflows.application import ApplicationWorkflow

pytestmark = pytest.mark.dev_server

VERIFIED = Policy(cpd_verification_required=True)
PORTAL = Actor(id="member-portal", role=Role.PORTAL)


def verifier(n: int = 1) -> Verifier:
    return Verifier(
        name=f"Sam Educator {n}",
        email=f"sam.educator{n}@northgate.example.org",
        professional_registration=f"RA{100000 + n}",
    )


async def links(running: Running, count: int) -> list[str]:
    """The tokens of the first ``count`` verification links emailed, oldest first (updates
    start their emails without waiting for them)."""
    sent = await running.activities.wait_for("cpd_verification_request", count)
    return [token_of(s) for s in sent]


def no_links(running: Running) -> bool:
    return "cpd_verification_request" not in running.activities.templates()


async def drafted(running: Running, today: date) -> tuple[Handle, Application]:
    """A complete non-approved draft under the verified-CPD policy, its CPD typed as
    "verified by" someone (which verifies nothing)."""
    application = unique(complete_application(Pathway.AP_L4, Route.NON_APPROVED, today=today))
    handle = await start(running.client, running.task_queue, application, policy=VERIFIED)
    await enter(handle, application)
    return handle, application


def cpd_missing(view: ApplicationView) -> bool:
    return any("cpd" in p.field for p in view.missing)


async def request(handle: Handle, application: Application, index: int, n: int = 1) -> None:
    await handle.execute_update(
        ApplicationWorkflow.request_cpd_verification,
        RequestCpdVerification(
            actor=applicant_actor(application), index=index, verifier=verifier(n)
        ),
    )


async def answer(handle: Handle, token: str, *, confirm: bool, reason: str | None = None) -> None:
    await handle.execute_update(
        ApplicationWorkflow.respond_to_cpd_verification,
        CpdVerificationResponse(token=token, confirm=confirm, reason=reason),
    )


async def test_r08_r16_typed_verified_by_never_counts_only_confirmed_verifications_do(
    on_dev_server: Running,
) -> None:
    handle, application = await drafted(on_dev_server, date.today())
    view = await handle.query(ApplicationWorkflow.view)
    assert all(r.verified_by for r in view.application.content.cpd)
    assert cpd_missing(view), "the applicant's own word verified their CPD"

    for index in range(5):
        await request(handle, application, index, n=index)
        token = (await links(on_dev_server, index + 1))[-1]
        asked = await handle.query(
            ApplicationWorkflow.cpd_verification_request, CpdVerificationLink(token=token)
        )
        assert asked is not None and asked.title == application.content.cpd[index].title
        await answer(handle, token, confirm=True)
    assert cpd_missing(await handle.query(ApplicationWorkflow.view))

    view = await act(
        handle, ApplicationWorkflow.mark_cpd_verified, MarkCpdVerified(actor=PORTAL, index=5)
    )
    assert not cpd_missing(view)
    statuses = [r.verification.status for r in view.application.content.cpd if r.verification]
    assert statuses == [CpdVerificationStatus.CONFIRMED] * 6
    mark = view.application.content.cpd[5].verification
    assert mark is not None and mark.by == "service" and mark.service_caller == "member-portal"
    assert {p.field for p in view.missing} == {"declaration"}  # all else is in
    await save_history(handle, "cpd_verified_by_verifiers_and_the_portal")


async def test_r08_a_link_answers_once_then_is_spent_as_used(on_dev_server: Running) -> None:
    handle, application = await drafted(on_dev_server, date.today())
    await request(handle, application, 0)
    (token,) = await links(on_dev_server, 1)
    sent = on_dev_server.activities.sent[-1].notification
    assert sent.template == "cpd_verification_request"
    assert sent.context["link"].startswith("http://127.0.0.1:8000/verify-cpd/")
    assert sent.to_email == verifier().email
    await answer(handle, token, confirm=True)

    with pytest.raises(WorkflowUpdateFailedError) as used:
        await answer(handle, token, confirm=True)
    assert refusal(used.value).type == RefusalKind.LINK_USED
    link = CpdVerificationLink(token=token)
    assert await handle.query(ApplicationWorkflow.cpd_verification_request, link) is None
    assert await handle.query(ApplicationWorkflow.spent_cpd_link, link) == SpentLink.USED


async def test_r08_a_declined_verification_does_not_count_and_the_applicant_is_told(
    on_dev_server: Running,
) -> None:
    handle, application = await drafted(on_dev_server, date.today())
    await request(handle, application, 0)
    (token,) = await links(on_dev_server, 1)
    await answer(handle, token, confirm=False, reason="I did not supervise this activity")
    await on_dev_server.activities.wait_for("cpd_verification_declined")
    view = await handle.query(ApplicationWorkflow.view)
    declined = view.application.content.cpd[0].verification
    assert declined is not None and declined.status == CpdVerificationStatus.DECLINED
    assert declined.reason == "I did not supervise this activity"
    told = on_dev_server.activities.sent[-1].notification
    assert told.template == "cpd_verification_declined"
    assert told.to_email == application.applicant.email
    assert told.context["reason"] == "I did not supervise this activity"

    # A declined record may be sent again, to someone else.
    await request(handle, application, 0, n=2)
    assert len(await links(on_dev_server, 2)) == 2


async def test_r08_editing_a_verified_record_withdraws_its_verification(
    on_dev_server: Running,
) -> None:
    handle, application = await drafted(on_dev_server, date.today())
    for index in range(6):
        await handle.execute_update(
            ApplicationWorkflow.mark_cpd_verified, MarkCpdVerified(actor=PORTAL, index=index)
        )
    with pytest.raises(WorkflowUpdateFailedError) as again:
        await request(handle, application, 0)
    assert refusal(again.value).type == RefusalKind.CONFLICT
    view = await handle.query(ApplicationWorkflow.view)
    assert not cpd_missing(view)
    cpd = view.application.content.cpd

    edited = [cpd[0].model_copy(update={"title": "Something else entirely"}), *cpd[1:]]
    view = await act(
        handle,
        ApplicationWorkflow.save_draft,
        SaveDraft(actor=applicant_actor(application), cpd=edited),
    )
    assert view.application.content.cpd[0].verification is None
    assert all(r.verification is not None for r in view.application.content.cpd[1:])
    assert cpd_missing(view)
    audit = [e.action for update in on_dev_server.activities.events for e in update.events]
    assert audit[-2:] == ["save_draft", "cpd_verification_withdrawn"]


async def test_r08_editing_a_record_while_its_request_is_pending_spends_the_link(
    on_dev_server: Running,
) -> None:
    handle, application = await drafted(on_dev_server, date.today())
    await request(handle, application, 1)
    (token,) = await links(on_dev_server, 1)
    cpd = list(application.content.cpd)
    cpd[1] = cpd[1].model_copy(update={"activity_date": cpd[1].activity_date.replace(day=1)})
    await handle.execute_update(
        ApplicationWorkflow.save_draft, SaveDraft(actor=applicant_actor(application), cpd=cpd)
    )
    link = CpdVerificationLink(token=token)
    assert await handle.query(ApplicationWorkflow.spent_cpd_link, link) == SpentLink.WITHDRAWN
    with pytest.raises(WorkflowUpdateFailedError) as gone:
        await answer(handle, token, confirm=True)
    assert refusal(gone.value).type == RefusalKind.LINK_USED
    await save_history(handle, "cpd_request_closed_by_submission")


async def test_r08_the_applicant_is_never_their_own_verifier(on_dev_server: Running) -> None:
    handle, application = await drafted(on_dev_server, date.today())
    me = application.applicant
    as_me = Verifier(
        name="Someone Else", email=me.email.upper(), professional_registration="RA999999"
    )
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            ApplicationWorkflow.request_cpd_verification,
            RequestCpdVerification(actor=applicant_actor(application), index=0, verifier=as_me),
        )
    error = refusal(refused.value)
    assert error.type == RefusalKind.INVALID
    assert "verifier.email" in str(error.details)
    assert no_links(on_dev_server)


async def test_r08_only_the_portal_marks_records_verified(on_dev_server: Running) -> None:
    handle, application = await drafted(on_dev_server, date.today())
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            ApplicationWorkflow.mark_cpd_verified,
            MarkCpdVerified(actor=applicant_actor(application), index=0),
        )
    assert refusal(refused.value).type == RefusalKind.FORBIDDEN
    with pytest.raises(WorkflowUpdateFailedError) as unknown:
        await handle.execute_update(
            ApplicationWorkflow.mark_cpd_verified, MarkCpdVerified(actor=PORTAL, index=40)
        )
    assert "cpd[40]" in str(refusal(unknown.value).details)


async def test_r08_submission_withdraws_pending_requests_and_closes_their_links(
    on_dev_server: Running,
) -> None:
    application = unique(
        complete_application(Pathway.AP_L4, Route.NON_APPROVED, today=date.today())
    )
    handle = await start(on_dev_server.client, on_dev_server.task_queue, application)
    await enter(handle, application)  # the policy before verified CPD: verified_by counts
    me = applicant_actor(application)
    await handle.execute_update(
        ApplicationWorkflow.invite_declarer,
        InviteDeclarer(
            actor=me,
            declarer_name="Jo Manager",
            declarer_email="jo.manager@northgate.example.org",
            declarer_role=DeclarerRole.MANAGER,
        ),
    )
    declared = await on_dev_server.activities.link_token()
    await handle.execute_update(
        ApplicationWorkflow.respond_to_declaration,
        DeclarationResponse(token=declared, confirm=True),
    )
    await request(handle, application, 2)
    (token,) = await links(on_dev_server, 1)
    await handle.execute_update(ApplicationWorkflow.submit, ApplicantAction(actor=me))

    link = CpdVerificationLink(token=token)
    assert await handle.query(ApplicationWorkflow.spent_cpd_link, link) == SpentLink.CLOSED
    view = await handle.query(ApplicationWorkflow.view)
    pending = view.application.content.cpd[2].verification
    assert pending is not None and pending.status == CpdVerificationStatus.WITHDRAWN
    with pytest.raises(WorkflowUpdateFailedError) as gone:
        await answer(handle, token, confirm=True)
    assert refusal(gone.value).type == RefusalKind.LINK_USED
    await save_history(handle, "cpd_request_closed_by_submission")
