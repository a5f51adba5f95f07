"""The member's accreditation workflow: timers on the time-skipping server, updates and
signals on the dev server (R14, R15, R17, R18, R20, R22, R23)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from models.accreditation import (
    Accreditation,
    AccreditationProgress,
    MembershipChanged,
    ReaccreditationDecided,
    ReaccreditationSubmitted,
    ScopeChanged,
    StartReaccreditation,
)
from models.application import Applicant, RoleDetails
from models.commands import Actor
from models.dates import add_years, term_for_award
from models.enums import (
    ApplicationKind,
    AreaOfPractice,
    FheqLevel,
    MembershipStatus,
    Outcome,
    Pathway,
    PractitionerRole,
    RegisterStatus,
    Role,
)
from models.lifecycle_deadlines import start_of
from models.policy import Policy
from tests.workflows.conftest import Running
from tests.workflows.helpers import refusal, save_history
from tests.workflows.lifecycle_helpers import (
    MemberHandle,
    SenderInput,
    StandInApplicationSender,
    actions,
    award_notice,
    eventually,
    latest,
    member_input,
    new_member,
    start_part_way,
    start_with_award,
    term_is,
    view_of,
)
from tests.workflows.stand_ins import StandInActivities
from workflows.accreditation import AccreditationWorkflow
from workflows.application import ApplicationWorkflow
from workflows.application import workflow_id as application_workflow_id

DAY = timedelta(days=1)
OFFICER = Actor(id="officer-1", role=Role.OFFICER, name="Pat Officer")


def emails(activities: StandInActivities) -> list[tuple[str, date]]:
    return [(s.template, s.at.date()) for s in activities.sent]


def register_statuses(activities: StandInActivities) -> list[RegisterStatus]:
    return [entry.status for entry in activities.register]


def me(member: Applicant) -> Actor:
    return Actor(id=member.member_id, role=Role.APPLICANT, name=member.name)


def membership(status: MembershipStatus, effective_at: datetime) -> MembershipChanged:
    return MembershipChanged(event_id=uuid.uuid4().hex, status=status, effective_at=effective_at)


async def wait_for_register(activities: StandInActivities, count: int) -> None:
    for _ in range(200):
        if len(activities.register) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"register entries: {activities.register}")


async def sleep_until(env: WorkflowEnvironment, when: datetime) -> None:
    now = await env.get_current_time()
    if when > now:
        await env.sleep(when - now)


# --- timers: on the time-skipping server -------------------------------------------------


@pytest.mark.time_skipping
async def test_r14_r20_reminders_at_90_30_7_days_then_lapse_on_the_expiry_date(
    time_skipping_env: WorkflowEnvironment, on_time_skipping: Running
) -> None:
    t0 = await time_skipping_env.get_current_time()
    notice = award_notice(new_member(), t0.date())
    handle = await start_with_award(on_time_skipping.client, on_time_skipping.task_queue, notice)
    view = await eventually(handle, lambda v: v.status == RegisterStatus.CURRENT)
    assert [d.name for d in view.deadlines] == ["expiry_reminder"] * 3 + ["expiry"]

    await sleep_until(time_skipping_env, start_of(notice.expires_on) + DAY)

    view = await eventually(handle, lambda v: v.status == RegisterStatus.LAPSED)
    expires = notice.expires_on
    assert expires == add_years(t0.date(), 2)
    activities = on_time_skipping.activities
    await activities.wait_for("accreditation_lapsed")
    assert emails(activities) == [
        ("expiry_reminder", expires - 90 * DAY),
        ("expiry_reminder", expires - 30 * DAY),
        ("expiry_reminder", expires - 7 * DAY),
        ("accreditation_lapsed", expires),
    ]
    assert [s.notification.context["days_left"] for s in activities.sent[:3]] == ["90", "30", "7"]
    assert register_statuses(activities) == [RegisterStatus.CURRENT, RegisterStatus.LAPSED]
    assert view.deadlines == []
    assert view.indemnity_covered is False
    # The staff read model follows every change, newest last, and ends lapsed without cover.
    summaries = sorted(activities.accreditations, key=lambda a: a.version)
    assert len({a.version for a in summaries}) == len(summaries)
    assert (summaries[-1].status, summaries[-1].indemnity_covered) == (RegisterStatus.LAPSED, False)
    await save_history(handle, "accreditation_award_reminders_lapse")
    await handle.terminate("test over")


@pytest.mark.time_skipping
async def test_r20_renewal_awarded_before_expiry_moves_every_timer_to_the_new_term(
    time_skipping_env: WorkflowEnvironment, on_time_skipping: Running
) -> None:
    t0 = await time_skipping_env.get_current_time()
    member = new_member()
    first = award_notice(member, t0.date())
    handle = await start_with_award(on_time_skipping.client, on_time_skipping.task_queue, first)
    await sleep_until(time_skipping_env, start_of(first.expires_on - 60 * DAY))

    today = (await time_skipping_env.get_current_time()).date()
    accredited_from, expires_on = term_for_award(today, first.expires_on)
    renewal = award_notice(
        member,
        today,
        kind=ApplicationKind.REACCREDITATION,
        accredited_from=accredited_from,
        expires_on=expires_on,
    )
    await handle.signal(AccreditationWorkflow.award, renewal)
    view = await eventually(handle, lambda v: v.term == 2)
    assert view.expires_on == add_years(first.expires_on, 2)
    assert view.accredited_from == first.expires_on
    assert [d.due_at.date() for d in view.deadlines] == [
        view.expires_on - 90 * DAY,
        view.expires_on - 30 * DAY,
        view.expires_on - 7 * DAY,
        view.expires_on,
    ]

    await sleep_until(time_skipping_env, start_of(first.expires_on) + 100 * DAY)
    view = await view_of(handle)
    assert view.status == RegisterStatus.CURRENT
    activities = on_time_skipping.activities
    assert emails(activities) == [
        ("expiry_reminder", first.expires_on - 90 * DAY),
        ("accreditation_renewed", today),
    ]
    assert register_statuses(activities) == [RegisterStatus.CURRENT, RegisterStatus.CURRENT]
    assert activities.register[-1].expires_on == view.expires_on
    await handle.terminate("test over")


def held_accreditation(member: Applicant, expires_on: date) -> Accreditation:
    return Accreditation.from_notice(
        award_notice(member, add_years(expires_on, -2), expires_on=expires_on)
    )


@pytest.mark.time_skipping
@pytest.mark.parametrize(
    ("outcome", "keep_current"),
    [
        (Outcome.ACCREDITED, True),
        (Outcome.NOT_ACCREDITED, True),
        (Outcome.ACCREDITED, False),
    ],
)
async def test_r20_submitted_before_expiry_stays_current_until_the_decision(
    time_skipping_env: WorkflowEnvironment,
    on_time_skipping: Running,
    outcome: Outcome,
    keep_current: bool,
) -> None:
    t0 = await time_skipping_env.get_current_time()
    member = new_member(MembershipStatus.ACCREDITED_AP)
    expires = t0.date() + 20 * DAY
    progress = AccreditationProgress(
        member=member,
        membership_status=MembershipStatus.ACCREDITED_AP,
        accreditation=held_accreditation(member, expires),
        status=RegisterStatus.CURRENT,
        term=1,
        term_started_at=t0,
        open_application_id="app-open",
    )
    policy = Policy(keep_current_while_reaccreditation_pending=keep_current)
    handle = await start_part_way(
        on_time_skipping.client, on_time_skipping.task_queue, progress, policy
    )
    submitted = ReaccreditationSubmitted(application_id="app-open", submitted_at=t0)
    await handle.signal(AccreditationWorkflow.reaccreditation_submitted, submitted)
    await eventually(handle, lambda v: v.reaccreditation_submitted_at is not None)

    await sleep_until(time_skipping_env, start_of(expires) + 10 * DAY)
    view = await view_of(handle)
    activities = on_time_skipping.activities
    if keep_current:
        assert view.status == RegisterStatus.CURRENT  # R20: kept current while decided
        assert [d.name for d in view.deadlines] == []
    else:
        assert view.status == RegisterStatus.LAPSED
        await activities.wait_for("accreditation_lapsed")

    now = await time_skipping_env.get_current_time()
    if outcome == Outcome.ACCREDITED:
        # Every award, a renewal too, reaches the member's workflow as its notice.
        accredited_from, expires_on = term_for_award(
            now.date(), expires, submitted_on=t0.date(), keep_current_while_pending=keep_current
        )
        award = award_notice(
            member,
            now.date(),
            kind=ApplicationKind.REACCREDITATION,
            application_id="app-open",
            accredited_from=accredited_from,
            expires_on=expires_on,
        )
        await handle.signal(AccreditationWorkflow.award, award)
    else:
        decided = ReaccreditationDecided(application_id="app-open", outcome=outcome, decided_at=now)
        await handle.signal(AccreditationWorkflow.reaccreditation_decided, decided)
    view = await eventually(handle, lambda v: v.open_application_id is None)

    if outcome == Outcome.ACCREDITED:
        assert view.status == RegisterStatus.CURRENT
        # on time: from the old expiry; late (no keeping current): from the award date
        assert view.accredited_from == (expires if keep_current else now.date())
        assert view.expires_on == add_years(view.accredited_from, 2)
        await activities.wait_for("accreditation_renewed")
    else:
        assert view.status == RegisterStatus.LAPSED
        assert view.membership_status == MembershipStatus.RADIOGRAPHIC_ASSISTANT
        await activities.wait_for("accreditation_lapsed")
    expected = [("expiry_reminder", expires - 7 * DAY)]
    if not keep_current:
        expected.append(("accreditation_lapsed", expires))
    expected.append(
        (
            "accreditation_renewed" if outcome == Outcome.ACCREDITED else "accreditation_lapsed",
            now.date(),
        )
    )
    assert emails(activities) == expected
    await handle.terminate("test over")


@pytest.mark.time_skipping
async def test_r23_cancelled_then_rejoined_after_expiry_stays_lapsed(
    time_skipping_env: WorkflowEnvironment, on_time_skipping: Running
) -> None:
    t0 = await time_skipping_env.get_current_time()
    member = new_member(MembershipStatus.ACCREDITED_AP)
    expires = t0.date() + 30 * DAY
    notice = award_notice(member, add_years(expires, -2), expires_on=expires)
    handle = await start_with_award(on_time_skipping.client, on_time_skipping.task_queue, notice)
    await handle.signal(
        AccreditationWorkflow.membership_changed, membership(MembershipStatus.CANCELLED, t0)
    )
    view = await eventually(handle, lambda v: v.status == RegisterStatus.SUSPENDED)
    assert view.indemnity_covered is False

    await sleep_until(time_skipping_env, start_of(expires) + 10 * DAY)
    rejoined = await time_skipping_env.get_current_time()
    await handle.signal(
        AccreditationWorkflow.membership_changed,
        membership(MembershipStatus.RADIOGRAPHIC_ASSISTANT, rejoined),
    )
    view = await eventually(
        handle, lambda v: v.membership_status == MembershipStatus.RADIOGRAPHIC_ASSISTANT
    )
    assert view.status == RegisterStatus.LAPSED
    assert view.indemnity_covered is False
    activities = on_time_skipping.activities
    await activities.wait_for("accreditation_lapsed")
    assert [t for t, _ in emails(activities)] == [
        "accreditation_suspended",
        "expiry_reminder",  # 7 days before: the member may still rejoin in time
        "accreditation_lapsed",
    ]
    assert register_statuses(activities) == [
        RegisterStatus.CURRENT,
        RegisterStatus.SUSPENDED,
        RegisterStatus.LAPSED,
    ]
    await handle.terminate("test over")


@pytest.mark.time_skipping
async def test_r20_ten_years_five_renewals_continue_as_new_with_every_expiry_right(
    time_skipping_env: WorkflowEnvironment, on_time_skipping: Running
) -> None:
    client = on_time_skipping.client
    t0 = await time_skipping_env.get_current_time()
    member = new_member()
    first = award_notice(member, t0.date())
    handle = await start_with_award(client, on_time_skipping.task_queue, first)
    await eventually(handle, lambda v: v.term == 1)
    expires = first.expires_on
    run_ids = [await _next_run(handle, None)]
    for renewal_number in range(5):
        await sleep_until(time_skipping_env, start_of(expires - 40 * DAY))
        today = (await time_skipping_env.get_current_time()).date()
        accredited_from, expires_on = term_for_award(today, expires)
        assert (accredited_from, expires_on) == (expires, add_years(expires, 2))
        renewal = award_notice(
            member,
            today,
            kind=ApplicationKind.REACCREDITATION,
            accredited_from=accredited_from,
            expires_on=expires_on,
        )
        await handle.signal(AccreditationWorkflow.award, renewal)
        view = await eventually(handle, term_is(renewal_number + 2))
        assert (view.accredited_from, view.expires_on) == (expires, expires_on)
        run_ids.append(await _next_run(handle, run_ids[-1]))
        expires = expires_on

    assert expires == add_years(first.expires_on, 10)
    assert len(set(run_ids)) == 6  # a fresh run for every term
    history = await handle.fetch_history()
    assert len(history.events) < 60
    activities = on_time_skipping.activities
    await activities.wait_for("accreditation_renewed", 5)
    assert [t for t, _ in emails(activities)] == ["expiry_reminder", "accreditation_renewed"] * 5
    assert [e.expires_on for e in activities.register] == [
        add_years(first.expires_on, 2 * n) for n in range(6)
    ]
    await handle.terminate("test over")


async def _next_run(handle: WorkflowHandle[Any, Any], previous: str | None) -> str:
    """The run after ``previous``: the view shows a new term a moment before the workflow has
    settled its side effects and continued as new."""
    for _ in range(200):
        run_id = (await handle.describe()).run_id
        if run_id and run_id != previous:
            return run_id
        await asyncio.sleep(0.05)
    raise AssertionError(f"the workflow did not continue as new after run {previous}")


# --- updates and signals: on the dev server ----------------------------------------------


def today() -> date:
    return datetime.now(UTC).date()


@pytest.mark.dev_server
@pytest.mark.parametrize(
    ("pathway", "levels", "directed_to"),
    [
        (Pathway.AP_L5, [FheqLevel.L5], Pathway.AP_L5),
        (Pathway.AP_L4, [FheqLevel.L4, FheqLevel.L5], Pathway.AP_L5),
        (Pathway.AP_L4, [FheqLevel.L4], Pathway.AP_L4),
        (Pathway.AP_L5, [FheqLevel.L6], Pathway.AP_L4),
        (Pathway.AP_L4, [FheqLevel.OTHER], Pathway.AP_L4),
        (Pathway.MA_L4, [FheqLevel.L5], Pathway.MA_L4),
    ],
)
async def test_r15_r17_start_reaccreditation_directs_to_the_pathway_as_a_child_application(
    on_dev_server: Running, pathway: Pathway, levels: list[FheqLevel], directed_to: Pathway
) -> None:
    client = on_dev_server.client
    notice = award_notice(new_member(), today(), pathway=pathway, levels=levels)
    handle = await start_with_award(client, on_dev_server.task_queue, notice)

    application_id = await handle.execute_update(
        AccreditationWorkflow.start_reaccreditation, StartReaccreditation(actor=me(notice.member))
    )

    child = client.get_workflow_handle_for(
        ApplicationWorkflow.run, application_workflow_id(application_id)
    )
    app_view = await child.query(ApplicationWorkflow.view)
    assert app_view.application.pathway == directed_to
    assert app_view.application.kind == ApplicationKind.REACCREDITATION
    assert app_view.application.route is None
    role = app_view.application.content.role_details
    assert role is not None
    assert (role.role, role.areas_of_practice, role.scope_summary, role.employer) == (
        notice.role,
        notice.areas_of_practice,
        notice.scope_summary,
        notice.employer,
    )
    view = await view_of(handle)
    assert view.open_application_id == application_id
    await on_dev_server.activities.wait_for("reaccreditation_started")
    await child.terminate("test over")
    await handle.terminate("test over")


@pytest.mark.dev_server
async def test_r15_r23_start_reaccreditation_refusals(on_dev_server: Running) -> None:
    client, queue = on_dev_server.client, on_dev_server.task_queue
    notice = award_notice(new_member(), today())
    handle = await start_with_award(client, queue, notice)

    async def refused(h: MemberHandle, actor: Actor) -> str:
        with pytest.raises(WorkflowUpdateFailedError) as caught:
            await h.execute_update(
                AccreditationWorkflow.start_reaccreditation, StartReaccreditation(actor=actor)
            )
        kind = refusal(caught.value).type
        assert kind is not None
        return kind

    stranger = Actor(id="M-someone-else", role=Role.APPLICANT)
    assert await refused(handle, stranger) == "Forbidden"
    assert await refused(handle, Actor(id="a-1", role=Role.ASSESSOR)) == "Forbidden"

    application_id = await handle.execute_update(
        AccreditationWorkflow.start_reaccreditation, StartReaccreditation(actor=OFFICER)
    )
    assert await refused(handle, me(notice.member)) == "AlreadyOpen"

    # R23: after expiry it has lapsed: a new (initial) application is needed, not this.
    old = award_notice(new_member(), add_years(today(), -2) - 5 * DAY, expires_on=today() - 5 * DAY)
    lapsed = await start_with_award(client, queue, old)
    await eventually(lapsed, lambda v: v.status == RegisterStatus.LAPSED)
    assert await refused(lapsed, me(old.member)) == "Lapsed"

    nothing = new_member()
    await client.start_workflow(
        "Accreditation",
        member_input(nothing),
        id=f"accreditation-{nothing.member_id}",
        task_queue=queue,
    )
    assert await refused(latest(client, nothing.member_id), me(nothing)) == "NotAccredited"

    await client.get_workflow_handle(application_workflow_id(application_id)).terminate("over")
    for h in (handle, lapsed, latest(client, nothing.member_id)):
        await h.terminate("test over")


@pytest.mark.dev_server
async def test_r18_scope_change_keeps_the_assessed_scope_until_re_accredited(
    on_dev_server: Running,
) -> None:
    client, queue = on_dev_server.client, on_dev_server.task_queue
    notice = award_notice(new_member(), today())
    member = notice.member
    handle = await start_with_award(client, queue, notice)
    new_scope = RoleDetails(
        role=PractitionerRole.ASSISTANT_PRACTITIONER,
        job_title="Assistant practitioner",
        employer=member.employer,
        areas_of_practice=[AreaOfPractice.CLINICAL_IMAGING, AreaOfPractice.AAA_SCREENING],
        scope_summary="Plain-film imaging and AAA screening scans",
    )
    changed = ScopeChanged(
        event_id="scope-1",
        role_details=new_scope,
        reason="new AAA screening duties",
        changed_at=datetime.now(UTC),
    )
    await handle.signal(AccreditationWorkflow.scope_changed, changed)
    view = await eventually(handle, lambda v: v.pending_scope is not None)
    # R18: still the assessed scope on the register, under indemnity
    assert view.scope_summary == notice.scope_summary
    assert view.areas_of_practice == notice.areas_of_practice
    assert view.indemnity_covered is True
    await on_dev_server.activities.wait_for("scope_change_recorded")
    assert all(
        e.scope_of_practice == notice.scope_summary for e in on_dev_server.activities.register
    )

    application_id = await handle.execute_update(
        AccreditationWorkflow.start_reaccreditation, StartReaccreditation(actor=me(member))
    )
    child = client.get_workflow_handle_for(
        ApplicationWorkflow.run, application_workflow_id(application_id)
    )
    app_view = await child.query(ApplicationWorkflow.view)
    assert app_view.application.content.role_details == new_scope

    # The child application's messages, as its workflow sends them (the award as its notice).
    submitted_at = datetime.now(UTC)
    accredited_from, expires_on = term_for_award(today(), notice.expires_on)
    award = award_notice(
        member,
        today(),
        kind=ApplicationKind.REACCREDITATION,
        application_id=application_id,
        areas=new_scope.areas_of_practice,
        scope_summary=new_scope.scope_summary,
        accredited_from=accredited_from,
        expires_on=expires_on,
    )
    sender = SenderInput(
        member_id=member.member_id,
        submitted=ReaccreditationSubmitted(
            application_id=application_id, submitted_at=submitted_at
        ),
        award=award,
    )
    await run_sender(client, sender)
    view = await eventually(handle, lambda v: v.open_application_id is None)
    assert view.pending_scope is None
    assert view.scope_summary == new_scope.scope_summary
    assert (view.accredited_from, view.expires_on) == (notice.expires_on, expires_on)
    assert actions(view)[-3:] == ["reaccreditation_started", "reaccreditation_submitted", "renewed"]
    await on_dev_server.activities.wait_for("accreditation_renewed")
    assert on_dev_server.activities.register[-1].scope_of_practice == new_scope.scope_summary
    await child.terminate("test over")
    await handle.terminate("test over")


async def run_sender(client: Client, sender: SenderInput) -> None:
    queue = f"sender-{uuid.uuid4()}"
    async with Worker(client, task_queue=queue, workflows=[StandInApplicationSender]):
        await client.execute_workflow(
            StandInApplicationSender.run, sender, id=f"sender-{uuid.uuid4()}", task_queue=queue
        )


@pytest.mark.dev_server
@pytest.mark.parametrize(
    ("pathway", "before", "after"),
    [
        (Pathway.AP_L4, MembershipStatus.RADIOGRAPHIC_ASSISTANT, MembershipStatus.ACCREDITED_AP),
        (Pathway.MA_L4, MembershipStatus.RADIOGRAPHIC_ASSISTANT, MembershipStatus.ACCREDITED_MA),
        (Pathway.AP_L5, MembershipStatus.NON_MEMBER, MembershipStatus.NON_MEMBER),
    ],
)
async def test_r22_membership_status_after_award(
    on_dev_server: Running, pathway: Pathway, before: MembershipStatus, after: MembershipStatus
) -> None:
    notice = award_notice(new_member(before), today(), pathway=pathway)
    handle = await start_with_award(on_dev_server.client, on_dev_server.task_queue, notice)
    view = await eventually(handle, lambda v: v.status is not None)
    assert view.status == RegisterStatus.CURRENT
    assert view.membership_status == after
    assert view.indemnity_covered is (after != MembershipStatus.NON_MEMBER)  # R23
    await handle.terminate("test over")


@pytest.mark.dev_server
async def test_r23_cancelled_membership_suspends_and_rejoining_before_expiry_restores(
    on_dev_server: Running,
) -> None:
    notice = award_notice(new_member(), today())
    handle = await start_with_award(on_dev_server.client, on_dev_server.task_queue, notice)
    await eventually(handle, lambda v: v.status == RegisterStatus.CURRENT)
    t = datetime.now(UTC)

    await handle.signal(
        AccreditationWorkflow.membership_changed, membership(MembershipStatus.CANCELLED, t)
    )
    view = await eventually(handle, lambda v: v.status == RegisterStatus.SUSPENDED)
    assert view.indemnity_covered is False
    assert view.membership_status == MembershipStatus.CANCELLED

    rejoin = membership(MembershipStatus.RADIOGRAPHIC_ASSISTANT, t + timedelta(seconds=1))
    await handle.signal(AccreditationWorkflow.membership_changed, rejoin)
    view = await eventually(handle, lambda v: v.status == RegisterStatus.CURRENT)
    assert view.expires_on == notice.expires_on  # the rest of the same term
    assert view.membership_status == MembershipStatus.ACCREDITED_AP
    assert view.indemnity_covered is True
    activities = on_dev_server.activities
    await activities.wait_for("accreditation_suspended")
    await activities.wait_for("accreditation_restored")
    assert sorted(activities.templates()) == ["accreditation_restored", "accreditation_suspended"]
    await wait_for_register(activities, 3)
    assert register_statuses(activities) == [
        RegisterStatus.CURRENT,
        RegisterStatus.SUSPENDED,
        RegisterStatus.CURRENT,
    ]
    await handle.terminate("test over")


@pytest.mark.dev_server
async def test_r14_award_on_29_february_expires_on_28_february(on_dev_server: Running) -> None:
    notice = award_notice(new_member(), date(2028, 2, 29))
    assert notice.expires_on == date(2030, 2, 28)
    handle = await start_with_award(on_dev_server.client, on_dev_server.task_queue, notice)
    view = await eventually(handle, lambda v: v.status is not None)
    assert (view.accredited_from, view.expires_on) == (date(2028, 2, 29), date(2030, 2, 28))
    assert [d.due_at.date() for d in view.deadlines] == [
        date(2029, 11, 30),
        date(2030, 1, 29),
        date(2030, 2, 21),
        date(2030, 2, 28),
    ]
    await handle.terminate("test over")


@pytest.mark.dev_server
async def test_signals_twice_or_out_of_order_change_nothing_twice(on_dev_server: Running) -> None:
    client, queue = on_dev_server.client, on_dev_server.task_queue
    notice = award_notice(new_member(), today())
    member = notice.member
    handle = await start_with_award(client, queue, notice)
    await handle.signal(AccreditationWorkflow.award, notice)  # the award again
    older = award_notice(member, today() - 30 * DAY)  # an older award, late
    await handle.signal(AccreditationWorkflow.award, older)

    t = datetime.now(UTC)
    cancel = membership(MembershipStatus.CANCELLED, t)
    rejoin = membership(MembershipStatus.RADIOGRAPHIC_ASSISTANT, t + timedelta(seconds=5))
    for message in (cancel, cancel, rejoin, rejoin, cancel):
        await handle.signal(AccreditationWorkflow.membership_changed, message)

    application_id = await handle.execute_update(
        AccreditationWorkflow.start_reaccreditation, StartReaccreditation(actor=me(member))
    )
    first_submit = ReaccreditationSubmitted(application_id=application_id, submitted_at=t)
    deferral = ReaccreditationDecided(
        application_id=application_id, outcome=Outcome.DEFERRED, decided_at=t + DAY
    )
    resubmit = ReaccreditationSubmitted(application_id=application_id, submitted_at=t + 2 * DAY)
    # the deferral overtakes the first submission; the resubmission arrives twice
    for name, reaccreditation_message in (
        (AccreditationWorkflow.reaccreditation_decided, deferral),
        (AccreditationWorkflow.reaccreditation_submitted, first_submit),
        (AccreditationWorkflow.reaccreditation_submitted, resubmit),
        (AccreditationWorkflow.reaccreditation_submitted, resubmit),
        (AccreditationWorkflow.reaccreditation_decided, deferral),
    ):
        await handle.signal(name, reaccreditation_message)  # type: ignore[arg-type]

    view = await eventually(handle, lambda v: v.reaccreditation_submitted_at is not None)
    assert view.reaccreditation_submitted_at == resubmit.submitted_at
    assert view.status == RegisterStatus.CURRENT
    assert (view.accredited_from, view.expires_on) == (notice.accredited_from, notice.expires_on)
    assert actions(view) == [
        "awarded",
        "suspended",
        "restored",
        "reaccreditation_started",
        "reaccreditation_deferred",
        "reaccreditation_submitted",
    ]
    activities = on_dev_server.activities
    # Each email once; they are sent concurrently, so in no particular order.
    expected = ["accreditation_restored", "accreditation_suspended", "reaccreditation_started"]
    for template in expected:
        await activities.wait_for(template)
    assert sorted(activities.templates()) == expected
    await client.get_workflow_handle(application_workflow_id(application_id)).terminate("over")
    await handle.terminate("test over")
