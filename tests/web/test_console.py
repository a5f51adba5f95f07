"""The staff console in a real browser: officers and assessors do their whole job in it.

Applications reach the console through the JSON API (as the portal sends them); from there on
every step is a page: allocation, a half-finished assessment saved and resumed after signing
out, submission, ratification, verification and deferral with per-outcome feedback.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from httpx import AsyncClient
from playwright.async_api import Browser, Page, expect
from sqlalchemy import update

from api.auth import Role
from models.enums import Pathway, Route
from storage.database import make_engine, make_session_factory
from storage.tables import AssessorRow
from tests.api.helpers import Service, submitted
from tests.builders import pathway_catalogue
from tests.fixtures.api_server import RunningService
from tests.fixtures.smtp import SmtpSink
from tests.web.checks import accessible

pytestmark = [pytest.mark.dev_server, pytest.mark.browser]

CODES = pathway_catalogue(Pathway.AP_L4).outcome_codes()


@pytest_asyncio.fixture(loop_scope="session")
async def service(live: RunningService, web_sink: SmtpSink) -> AsyncIterator[Service]:
    engine = make_engine(live.settings.database_url)
    async with AsyncClient(base_url=live.base_url, timeout=30) as http:
        yield Service(
            http=http, settings=live.settings, mail=web_sink, sessions=make_session_factory(engine)
        )
    engine.dispose()


def assessors_active(service: Service, active: bool) -> None:
    with service.sessions.begin() as session:
        session.execute(update(AssessorRow).values(active=active))


async def sign_in(page: Page, role: Role, subject: str) -> None:
    """Sign in through the development sign-in page (the local stack's stand-in for OIDC)."""
    await page.goto("/console")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in (development)")
    await page.get_by_label(role.value.capitalize(), exact=True).check()
    await page.get_by_label("Subject").fill(subject)
    await page.get_by_role("button", name="Sign in").click()


async def sign_out(page: Page) -> None:
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")


async def state_of(service: Service, app_id: str) -> dict[str, Any]:
    view: dict[str, Any] = (
        await service.http.get(f"/applications/{app_id}", headers=service.officer())
    ).json()
    return view


async def set_findings(page: Page, codes: list[str], level: str, comment: str) -> None:
    labels = {"met": "Met", "partly_met": "Partly met", "not_met": "Not met"}
    for code in codes:
        group = page.get_by_role("group", name=code, exact=False)
        await group.get_by_label(labels[level], exact=True).check()
        await page.locator(f"[id='finding-comment-{code}']").fill(comment)


async def test_r12_r13_a_non_approved_application_from_submission_to_award_in_the_console(
    browser: Browser, live: RunningService, service: Service
) -> None:
    assessors_active(service, False)
    try:
        app_id, _member, view = await submitted(service, Pathway.AP_L4, Route.NON_APPROVED)
    finally:
        assessors_active(service, True)
    assert view["state"] == "awaiting_allocation"

    officer = await (await browser.new_context(base_url=live.base_url)).new_page()
    await sign_in(officer, Role.OFFICER, "officer-1")
    await expect(officer.get_by_role("heading", level=1)).to_have_text("Queues")
    await accessible(officer, "console-dashboard")
    await officer.locator("table").first.get_by_role("link", name=app_id).click()
    await expect(officer.get_by_role("heading", name="Allocate an assessor")).to_be_visible()
    await expect(officer.locator("#actions")).to_contain_text("Not eligible, and why")
    # R08: officers see the learning-outcome coverage map too
    await expect(
        officer.get_by_role("table", name="Evidence for each learning outcome")
    ).to_be_visible()
    await accessible(officer, "console-application-allocate")
    eligible = officer.locator("input[name='assessor_id']:not([value=''])").first
    chosen = await eligible.get_attribute("value")
    assert chosen
    await eligible.check()
    await officer.get_by_role("button", name="Allocate", exact=True).click()
    await expect(officer.locator(".govuk-notification-banner")).to_contain_text("allocated")
    assert (await state_of(service, app_id))["assessor_id"] == chosen

    assessor_context = await browser.new_context(base_url=live.base_url)
    assessor = await assessor_context.new_page()
    await sign_in(assessor, Role.ASSESSOR, chosen)
    await expect(assessor.get_by_role("heading", level=1)).to_have_text("My assessments")
    await accessible(assessor, "console-my-assessments")
    await assessor.get_by_role("link", name=app_id).click()
    # R08: the coverage map above the assessment form, one row per outcome, verdicts in words
    coverage = assessor.get_by_role("table", name="Evidence for each learning outcome")
    await expect(coverage).to_be_visible()
    await expect(coverage.locator("tbody tr")).to_have_count(len(CODES))
    await expect(coverage.locator("tbody th")).to_have_text(
        [re.compile(rf"^{re.escape(code)}: ") for code in CODES]
    )
    await expect(coverage.locator(".govuk-tag")).to_have_text(["Covered"] * len(CODES))
    # The applicant's narrative reads as text in a paragraph, not as escaped markup.
    first = assessor.locator("details").filter(has_text=f"{CODES[0]}: ").first
    await first.locator("summary").click()
    await expect(first.locator("p.cor-preserve")).to_have_text(f"My reflection on {CODES[0]}.")
    await expect(first).not_to_contain_text("<p")
    await expect(assessor.locator("#actions table#coverage ~ form")).to_have_count(1)
    half = CODES[: len(CODES) // 2]
    await set_findings(assessor, half, "met", "Well evidenced in the narrative.")
    await assessor.get_by_role("button", name="Save and continue later").click()
    await expect(assessor.locator(".govuk-notification-banner")).to_contain_text("saved")
    await sign_out(assessor)

    await sign_in(assessor, Role.ASSESSOR, chosen)
    await assessor.goto(f"/console/applications/{app_id}")
    for code in half:
        group = assessor.get_by_role("group", name=code, exact=False)
        await expect(group.get_by_label("Met", exact=True)).to_be_checked()
        await expect(assessor.locator(f"[id='finding-comment-{code}']")).to_have_value(
            "Well evidenced in the narrative."
        )
    await assessor.get_by_label("Accredited", exact=True).check()
    await assessor.get_by_role("button", name="Submit assessment").click()
    summary = assessor.locator(".govuk-error-summary")
    for code in CODES[len(half) :]:
        await expect(summary.get_by_role("link", name=f"no finding for {code}")).to_be_visible()
    await accessible(assessor, "console-assessment-incomplete")
    await summary.get_by_role("link", name=f"no finding for {CODES[-1]}").click()
    await set_findings(assessor, CODES[len(half) :], "met", "Met through the CPD portfolio.")
    await assessor.get_by_role("button", name="Submit assessment").click()
    await expect(assessor.locator(".govuk-notification-banner")).to_contain_text("submitted")
    assert (await state_of(service, app_id))["state"] == "awaiting_ratification"

    await officer.goto(f"/console/applications/{app_id}")
    await expect(
        officer.get_by_role("heading", name="Ratify the recommendation (R13)")
    ).to_be_visible()
    await expect(officer.get_by_label("Accredited (the assessor's recommendation)")).to_be_checked()
    await accessible(officer, "console-ratify")
    await officer.get_by_role("button", name="Record the decision").click()
    await expect(officer.locator(".govuk-notification-banner")).to_contain_text("recorded")
    assert (await state_of(service, app_id))["state"] == "accredited"


async def test_r11_an_approved_route_application_is_verified_in_the_console(
    page: Page, service: Service
) -> None:
    app_id, _member, view = await submitted(service, Pathway.AP_L5, Route.APPROVED)
    assert view["state"] == "in_verification"
    await sign_in(page, Role.OFFICER, "officer-2")
    await page.goto("/console?queue=awaiting_verification&pathway=AP_L5")
    await page.locator("table").first.get_by_role("link", name=app_id).click()
    await expect(page.get_by_role("heading", name="Verify the application (R11)")).to_be_visible()
    await page.get_by_role("button", name="Record the decision").click()
    await expect(page.locator(".govuk-error-summary")).to_be_visible()  # no outcome chosen
    await page.get_by_label("Accredited", exact=True).check()
    await page.get_by_role("button", name="Record the decision").click()
    await expect(page.locator(".govuk-notification-banner")).to_contain_text("recorded")
    assert (await state_of(service, app_id))["state"] == "accredited"


async def test_r13_a_deferral_with_feedback_on_each_outcome_not_met(
    browser: Browser, live: RunningService, service: Service
) -> None:
    app_id, _member, view = await submitted(service, Pathway.AP_L4, Route.NON_APPROVED)
    assessor_id = view["assessor_id"]
    assessor = await (await browser.new_context(base_url=live.base_url)).new_page()
    await sign_in(assessor, Role.ASSESSOR, assessor_id)
    await assessor.goto(f"/console/applications/{app_id}")
    await set_findings(assessor, CODES[1:], "met", "Met.")
    await set_findings(assessor, CODES[:1], "not_met", "Add a reflective case study.")
    await assessor.get_by_label("Deferred: more evidence needed").check()
    await assessor.get_by_role("button", name="Submit assessment").click()
    await expect(assessor.locator(".govuk-notification-banner")).to_contain_text("submitted")

    officer = await (await browser.new_context(base_url=live.base_url)).new_page()
    await sign_in(officer, Role.OFFICER, "officer-3")
    await officer.goto(f"/console/applications/{app_id}")
    await expect(
        officer.get_by_label("Deferred: more evidence needed (the assessor's recommendation)")
    ).to_be_checked()
    await officer.locator(f"[id='feedback-comment-{CODES[0]}']").fill(
        "Add a reflective case study showing how you escalate concerns."
    )
    await accessible(officer, "console-defer")
    await officer.get_by_role("button", name="Record the decision").click()
    await expect(officer.locator(".govuk-notification-banner")).to_contain_text("recorded")
    deferred = await state_of(service, app_id)
    assert deferred["state"] == "deferred"
    assert deferred["feedback"][0]["outcome_code"] == CODES[0]
    assert "escalate concerns" in deferred["feedback"][0]["comment"]


async def test_an_assessor_cannot_open_another_assessors_application(
    page: Page, service: Service
) -> None:
    app_id, _member, view = await submitted(service, Pathway.AP_L4, Route.NON_APPROVED)
    other = next(a for a in ("SI-ASR-001", "SI-ASR-002") if a != view["assessor_id"])
    await sign_in(page, Role.ASSESSOR, other)
    response = await page.goto(f"/console/applications/{app_id}")
    assert response is not None and response.status == 403
    await expect(page.get_by_role("heading", level=1)).to_have_text("You cannot open this page")
    await accessible(page, "console-forbidden")


async def test_an_applicant_session_opens_no_console_page(page: Page, service: Service) -> None:
    await sign_in(page, Role.APPLICANT, "M0000001")
    for path in [
        "/console",
        "/console/assessments",
        "/console/accreditations",
        "/console/applications/app-1",
    ]:
        response = await page.goto(path)
        assert response is not None and response.status == 403, path
