"""Search attributes: an operator lists workflows by state, pathway, assessor, member, status
and expiry (``workflows/search_attributes.py``), on the dev server's visibility store."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from models.accreditation import (
    Accreditation,
    AccreditationProgress,
    AwardNotice,
    MembershipChanged,
)
from models.commands import Decision
from models.dates import add_years
from models.enums import MembershipStatus, Pathway, RegisterStatus, Route
from models.lifecycle_deadlines import start_of
from tests.builders import draft_application
from tests.workflows.conftest import Running
from tests.workflows.helpers import OFFICER, Handle, start, unique
from tests.workflows.lifecycle_helpers import (
    MemberHandle,
    award_notice,
    eventually,
    new_member,
    start_part_way,
    start_with_award,
)
from tests.workflows.test_application import ready_to_submit, recommend
from workflows import search_attributes as sa
from workflows.accreditation import AccreditationWorkflow, accreditation_workflow_id
from workflows.application import ApplicationWorkflow

VISIBILITY_SECONDS = 15.0
"""Visibility lags the workflows a little: queries are retried this long."""


async def assert_lists(client: Client, query: str, expected: list[str]) -> None:
    """``query`` lists exactly the workflow ids ``expected``, one execution each (once
    visibility has caught up)."""
    deadline = time.monotonic() + VISIBILITY_SECONDS
    while True:
        found = sorted([execution.id async for execution in client.list_workflows(query)])
        if found == sorted(expected) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    assert found == sorted(expected), query


def test_the_readme_registers_every_attribute_by_its_name_and_type() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for name, type_name in sa.REGISTRATIONS:
        assert f"| `{name}` | {type_name} |" in readme, name
        assert f" {name}={type_name}" in readme, name
    flags = sa.dev_server_flags()
    assert flags[0::2] == ["--search-attribute"] * len(sa.KEYS)
    assert "AccreditationExpiry=Datetime" in flags[1::2]


def rfc3339(day: date) -> str:
    return start_of(day).strftime("%Y-%m-%dT%H:%M:%SZ")


async def upserts(handle: Handle) -> list[list[str]]:
    """The attributes of ours each upsert changed."""
    ours = {key.name for key in sa.KEYS}
    found: list[list[str]] = []
    async for event in handle.fetch_history_events():
        if event.HasField("upsert_workflow_search_attributes_event_attributes"):
            fields = event.upsert_workflow_search_attributes_event_attributes.search_attributes
            names = sorted(ours.intersection(fields.indexed_fields))
            if names:
                found.append(names)
    return found


async def submitted(running: Running, pathway: Pathway, route: Route) -> Handle:
    # ``ready_to_submit`` confirms the first declaration link sent: let it be this one's.
    running.activities.sent.clear()
    handle, me = await ready_to_submit(running, pathway, route)
    await handle.execute_update(ApplicationWorkflow.submit, me)
    return handle


async def in_assessment(running: Running, pathway: Pathway) -> Handle:
    return await submitted(running, pathway, Route.NON_APPROVED)


async def awaiting_ratification(running: Running, pathway: Pathway) -> Handle:
    handle = await in_assessment(running, pathway)
    await handle.execute_update(ApplicationWorkflow.record_assessment, recommend(pathway))
    return handle


@pytest.mark.dev_server
async def test_applications_are_listed_by_state_pathway_route_assessor_and_member(
    on_dev_server: Running,
) -> None:
    running = on_dev_server
    ratify_l4 = await awaiting_ratification(running, Pathway.AP_L4)
    ratify_l5 = await awaiting_ratification(running, Pathway.AP_L5)
    assessing_l4 = await in_assessment(running, Pathway.AP_L4)
    verifying_l4 = await submitted(running, Pathway.AP_L4, Route.APPROVED)
    draft = unique(draft_application(Pathway.AP_L4, Route.NON_APPROVED))
    drafting_l4 = await start(running.client, running.task_queue, draft)
    accredited_ma = await awaiting_ratification(running, Pathway.MA_L4)
    await accredited_ma.execute_update(ApplicationWorkflow.ratify, Decision(actor=OFFICER))
    everyone = [ratify_l4, ratify_l5, assessing_l4, verifying_l4, drafting_l4, accredited_ma]

    ours = f"TaskQueue = '{running.task_queue}' AND WorkflowType = 'Application'"
    cases: list[tuple[str, list[Handle]]] = [
        ("ApplicationState = 'awaiting_ratification' AND Pathway = 'AP_L4'", [ratify_l4]),
        ("ApplicationState = 'awaiting_ratification'", [ratify_l4, ratify_l5]),
        ("AssessorId = 'assessor-1' AND ApplicationState = 'in_assessment'", [assessing_l4]),
        ("Route = 'approved'", [verifying_l4]),
        ("ApplicationState = 'draft'", [drafting_l4]),
        ("ApplicationState = 'accredited' AND Pathway = 'MA_L4'", [accredited_ma]),
        ("ApplicationKind = 'initial'", everyone),
        (f"MemberId = '{draft.applicant.member_id}'", [drafting_l4]),
    ]
    for query, expected in cases:
        await assert_lists(running.client, f"{ours} AND {query}", [h.id for h in expected])

    described = (await ratify_l4.describe()).typed_search_attributes
    view = await ratify_l4.query(ApplicationWorkflow.view)
    app = view.application
    ours_only = {key.name for key in sa.KEYS}
    assert {p.key.name: p.value for p in described if p.key.name in ours_only} == {
        "ApplicationState": "awaiting_ratification",
        "Pathway": "AP_L4",
        "Route": "non_approved",
        "ApplicationKind": "initial",
        "AssessorId": "assessor-1",
        "MemberId": app.applicant.member_id,
    }
    # Upserted at start and once per step that changed them, not on every event (drafts,
    # uploads): a submission that routes and allocates upserts once.
    changes = [h.action for h in view.history if h.from_state != h.to_state]
    assert changes == [
        "invite_declarer",
        "confirm_declaration",
        "submit",
        "route",
        "allocate",
        "record_assessment",
    ]
    assert await upserts(ratify_l4) == [
        ["ApplicationKind", "ApplicationState", "MemberId", "Pathway", "Route"],
        ["ApplicationState"],
        ["ApplicationState"],
        ["ApplicationState", "AssessorId"],
        ["ApplicationState"],
    ]
    events = [
        e
        for u in running.activities.events
        if u.summary.application_id == app.application_id
        for e in u.events
    ]
    assert len(events) > 1 + len(changes)
    for handle in everyone:
        if handle is not accredited_ma:
            await handle.terminate("test over")


def lapsed_progress(expired_on: date) -> AccreditationProgress:
    """A member whose accreditation lapsed on ``expired_on``, as continue-as-new carries it."""
    member = new_member(MembershipStatus.RADIOGRAPHIC_ASSISTANT)
    notice = award_notice(member, add_years(expired_on, -2), expires_on=expired_on)
    return AccreditationProgress(
        member=member,
        membership_status=MembershipStatus.RADIOGRAPHIC_ASSISTANT,
        accreditation=Accreditation.from_notice(notice),
        status=RegisterStatus.LAPSED,
        term=1,
        term_started_at=start_of(notice.accredited_from),
    )


@pytest.mark.dev_server
async def test_members_are_listed_by_accreditation_status_and_expiry(
    on_dev_server: Running,
) -> None:
    running = on_dev_server
    today = datetime.now(UTC).date()
    soon = today + timedelta(days=120)
    soon_member = award_notice(new_member(), add_years(soon, -2), expires_on=soon)
    later_member = award_notice(new_member(), today, pathway=Pathway.AP_L5)
    suspended_member = award_notice(new_member(), today)
    handles: list[MemberHandle] = []
    for notice in (soon_member, later_member, suspended_member):
        handle = await start_with_award(running.client, running.task_queue, notice)
        await eventually(handle, lambda v: v.status == RegisterStatus.CURRENT)
        handles.append(handle)
    await handles[2].signal(
        AccreditationWorkflow.membership_changed,
        MembershipChanged(
            event_id=f"cancel-{suspended_member.member.member_id}",
            status=MembershipStatus.CANCELLED,
            effective_at=datetime.now(UTC),
        ),
    )
    await eventually(handles[2], lambda v: v.status == RegisterStatus.SUSPENDED)
    lapsed = lapsed_progress(today - timedelta(days=10))
    handles.append(await start_part_way(running.client, running.task_queue, lapsed))

    # Each award continues as new: only the running execution is the member's workflow now.
    ours = (
        f"TaskQueue = '{running.task_queue}' AND WorkflowType = 'Accreditation' "
        "AND ExecutionStatus = 'Running'"
    )
    cutoff = rfc3339(today + timedelta(days=365))

    cases: list[tuple[str, list[AwardNotice | AccreditationProgress]]] = [
        (f"AccreditationStatus = 'current' AND AccreditationExpiry < '{cutoff}'", [soon_member]),
        (f"AccreditationExpiry >= '{cutoff}'", [later_member, suspended_member]),
        ("AccreditationStatus = 'suspended'", [suspended_member]),
        ("AccreditationStatus = 'lapsed'", [lapsed]),
        (f"Pathway = 'AP_L5' AND MemberId = '{later_member.member.member_id}'", [later_member]),
    ]
    for query, expected in cases:
        ids = [accreditation_workflow_id(m.member.member_id) for m in expected]
        await assert_lists(running.client, f"{ours} AND {query}", ids)

    described = (await handles[0].describe()).typed_search_attributes
    assert described.get(sa.ACCREDITATION_EXPIRY) == start_of(soon)
    assert described.get(sa.MEMBER_ID) == soon_member.member.member_id
    assert described.get(sa.PATHWAY) == soon_member.pathway.value
    for handle in handles:
        await handle.terminate("test over")


@pytest.mark.time_skipping
async def test_a_lapse_on_its_timer_changes_the_status_attribute(
    time_skipping_env: WorkflowEnvironment, on_time_skipping: Running
) -> None:
    """The time-skipping server has the attributes registered too (the fixture's doing)."""
    now = await time_skipping_env.get_current_time()
    expires = now.date() + timedelta(days=3)
    notice = award_notice(new_member(), add_years(expires, -2), expires_on=expires)
    handle = await start_with_award(on_time_skipping.client, on_time_skipping.task_queue, notice)
    await eventually(handle, lambda v: v.status == RegisterStatus.CURRENT)
    assert (await handle.describe()).typed_search_attributes.get(sa.ACCREDITATION_STATUS) == (
        "current"
    )
    await time_skipping_env.sleep(start_of(expires) + timedelta(hours=1) - now)
    await eventually(handle, lambda v: v.status == RegisterStatus.LAPSED)
    status = (await handle.describe()).typed_search_attributes.get(sa.ACCREDITATION_STATUS)
    assert status == "lapsed"
    await handle.terminate("test over")
