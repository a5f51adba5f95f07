"""The applicant's pages in a real browser: their applications, starting one (the pathway from
role and level), the overview with what is missing and the coverage map, submission refused
and accepted, a deferral's feedback and resubmission, and their accreditation with
re-accreditation. Applications are filled in through the JSON API where a test needs them
ready (the section pages have their own tests)."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from httpx import ASGITransport, AsyncClient
from playwright.async_api import Page, expect

from api.auth import Role
from api.main import create_app
from models.application import NarrativeSection, Qualification
from models.enums import ApplicationKind, FheqLevel, Pathway, Route
from models.readiness import readiness
from settings import Settings
from storage.database import make_engine, make_session_factory
from storage.migrate import upgrade
from tests.api.helpers import (
    Service,
    create,
    declare,
    eventually,
    fill_in,
    new_member_id,
    ok,
    view_of,
)
from tests.builders import draft_application, pathway_catalogue, role_details, with_content
from tests.fixtures.api_server import RunningService
from tests.fixtures.smtp import SmtpSink
from tests.web.checks import accessible
from web import session
from web.routes.apply_common import section_for, section_url

pytestmark = [pytest.mark.dev_server, pytest.mark.browser]

CODES = pathway_catalogue(Pathway.AP_L4).outcome_codes()
SECTION = re.compile(
    r"^/apply/applications/[^/]+/(role|qualifications|scope|cpd|narrative|declarer)$"
)


@pytest_asyncio.fixture(loop_scope="session")
async def service(live: RunningService, web_sink: SmtpSink) -> AsyncIterator[Service]:
    engine = make_engine(live.settings.database_url)
    async with AsyncClient(base_url=live.base_url, timeout=30) as http:
        yield Service(
            http=http, settings=live.settings, mail=web_sink, sessions=make_session_factory(engine)
        )
    engine.dispose()


async def sign_in(page: Page, member_id: str, path: str = "/apply") -> None:
    """Sign in as the applicant ``member_id`` through the development sign-in page."""
    await page.goto(path)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in (development)")
    await page.get_by_label("Applicant", exact=True).check()
    await page.get_by_label("Subject").fill(member_id)
    await page.get_by_label("Name (optional)").fill("Sam Applicant")
    await page.get_by_role("button", name="Sign in").click()


async def post_status(page: Page, button: str) -> int:
    """Click ``button`` (a form's) and answer the status of the POST it sends."""
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name=button).click()
    return (await answer.value).status


async def error_links(page: Page) -> list[tuple[str, str]]:
    links = page.locator(".govuk-error-summary a")
    return [
        ((await a.inner_text()).strip(), await a.get_attribute("href") or "")
        for a in await links.all()
    ]


async def test_r01_r02_r03_the_start_page_proposes_the_pathway_and_starts_an_application(
    page: Page, service: Service
) -> None:
    member_id = new_member_id()
    await sign_in(page, member_id)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your applications")
    await expect(page.locator("main")).to_contain_text("You have no applications yet")
    await accessible(page, "apply-applications-none")

    await page.get_by_role("button", name="Start an application").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Start an application")
    # R01: the level is the FHEQ academic level, not the pay band; R17: re-accreditation
    # starts from the accreditation page.
    await expect(page.locator("main")).to_contain_text("not your NHS Agenda for Change pay band")
    await expect(page.get_by_role("link", name="your accreditation")).to_have_attribute(
        "href", "/apply/accreditation"
    )
    await accessible(page, "apply-start")
    assert await post_status(page, "Continue") == 422
    assert [t for t, _ in await error_links(page)] == [
        "Select your role",
        "Select the level of the qualification you hold",
    ]

    # R02: no assistant practitioner pathway is at level 6, so the applicant chooses.
    await page.get_by_label("Assistant practitioner").check()
    await page.get_by_label("Level 6").check()
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Choose your pathway")
    choices = page.get_by_role("group", name="Which pathway are you applying for?")
    await expect(choices.get_by_role("radio")).to_have_count(2)
    await accessible(page, "apply-start-choose-pathway")
    await page.get_by_role("link", name="Change your answers").click()
    await expect(page.get_by_label("Assistant practitioner")).to_be_checked()
    await page.get_by_label("Level 5").check()
    await page.get_by_role("button", name="Continue").click()

    # R01/R02: an assistant practitioner holding level 5 is proposed AP_L5.
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your pathway and details")
    await expect(page.locator(".govuk-summary-list")).to_contain_text(
        "Assistant practitioner (FHEQ level 5)"
    )
    await expect(page.get_by_label("Full name")).to_have_value("Sam Applicant")
    # R03/R07: the approved programmes of that pathway, or not from an approved programme.
    routes = page.get_by_role("group", name="Which approved programme did you complete?")
    for programme in pathway_catalogue(Pathway.AP_L5).programmes:
        await expect(routes.get_by_label(programme.title)).to_be_visible()
    await expect(routes.get_by_role("radio")).to_have_count(
        len(pathway_catalogue(Pathway.AP_L5).programmes) + 1
    )
    await accessible(page, "apply-start-details")

    assert await post_status(page, "Start application") == 422
    assert [href for _, href in await error_links(page)] == [
        "#route",
        "#completed-day",
        "#email",
        "#registration_number",
        "#employer",
        "#membership",
    ]
    await accessible(page, "apply-start-details-errors")
    chosen = pathway_catalogue(Pathway.AP_L5).programmes[0]
    await routes.get_by_label(chosen.title).check()
    await page.get_by_label("Day").fill("14")
    await page.get_by_label("Month").fill("7")
    await page.get_by_label("Year").fill("2024")
    await page.get_by_label("Email address").fill("sam@members.example.org")
    await page.get_by_label("Professional registration number").fill("AP123456")
    await page.get_by_label("Employer").fill("Northgate Hospitals NHS Trust")
    await page.get_by_label("Yes, I am a member").check()
    await page.get_by_role("button", name="Start application").click()

    await expect(page).to_have_url(re.compile(r"/apply/applications/app-[0-9a-f]+$"))
    app_id = page.url.rsplit("/", 1)[1]
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your application for accreditation"
    )
    await expect(page.locator("main")).to_contain_text("Draft: not submitted yet")
    tasks = page.locator(".govuk-task-list")
    await expect(tasks.get_by_role("link", name="Qualifications")).to_have_attribute(
        "href", f"/apply/applications/{app_id}/qualifications"
    )
    await expect(tasks).to_contain_text("Not needed on the approved route")
    await accessible(page, "apply-overview-new-approved")

    view = await view_of(service, app_id, service.member(member_id))
    application = view["application"]
    assert (application["pathway"], application["route"]) == ("AP_L5", "approved")
    assert application["applicant"]["registration_number"] == "AP123456"
    # R10: nothing entered is lost: the programme chosen and its date are in the draft.
    [qualification] = application["content"]["qualifications"]
    assert (qualification["programme_id"], qualification["completed_on"]) == (
        chosen.id,
        "2024-07-14",
    )


async def test_r10_a_draft_lists_what_is_missing_and_submission_is_refused_listing_it_all(
    page: Page, service: Service
) -> None:
    member_id = new_member_id()
    app_id = (await create(service, member_id, Pathway.AP_L4, Route.NON_APPROVED))["application_id"]
    await sign_in(page, member_id, f"/apply/applications/{app_id}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your application for accreditation"
    )
    missing = page.locator("#missing ~ ul a")
    await expect(missing.first).to_be_visible()
    hrefs = [await a.get_attribute("href") or "" for a in await missing.all()]
    assert all(SECTION.match(h) for h in hrefs), hrefs
    assert {SECTION.match(h).group(1) for h in hrefs} == {  # type: ignore[union-attr]
        "role",
        "qualifications",
        "scope",
        "cpd",
        "narrative",
        "declarer",
    }
    # R08: every learning outcome of the pathway against its evidence, none covered yet.
    coverage = page.get_by_role("table", name="Evidence for each learning outcome")
    await expect(coverage.locator("tbody tr")).to_have_count(len(CODES))
    await expect(coverage.locator(".govuk-tag")).to_have_text(["Needs evidence"] * len(CODES))
    await expect(page.locator(".govuk-task-list")).to_contain_text("Not yet started")
    await accessible(page, "apply-overview-draft")

    assert await post_status(page, "Submit application") == 422
    listed = await error_links(page)
    assert [href for _, href in listed] == hrefs  # every missing item, each to its section
    assert any(text.startswith("The critical narrative must evidence") for text, _ in listed)
    await accessible(page, "apply-overview-submit-refused")
    view = await view_of(service, app_id, service.member(member_id))
    assert view["state"] == "draft"


async def test_r10_r08_a_ready_application_is_submitted_from_its_overview(
    page: Page, service: Service
) -> None:
    member_id = new_member_id()
    app_id = (await create(service, member_id, Pathway.AP_L4, Route.NON_APPROVED))["application_id"]
    await fill_in(service, app_id, member_id, Pathway.AP_L4, Route.NON_APPROVED)
    await declare(service, app_id, member_id)
    await sign_in(page, member_id, f"/apply/applications/{app_id}")
    main = page.locator("main")
    await expect(main).to_contain_text("Confirmed by Jo Manager")
    cpd = page.get_by_role("table", name="CPD records and their verification")
    await expect(cpd.locator("tbody tr td:nth-child(3)")).to_have_text(["Verified"] * 6)
    await expect(cpd).to_contain_text("By the member portal")
    coverage = page.get_by_role("table", name="Evidence for each learning outcome")
    await expect(coverage.locator(".govuk-tag")).to_have_text(["Covered"] * len(CODES))
    await expect(page.locator("#missing")).to_have_count(0)
    await page.get_by_role("button", name="Submit application").click()
    banner = page.locator(".govuk-notification-banner")
    await expect(banner).to_contain_text("Application submitted")
    await expect(page.get_by_role("button", name="Submit application")).to_have_count(0)
    await accessible(page, "apply-overview-submitted")
    view = await view_of(service, app_id, service.member(member_id))
    assert view["state"] not in ("draft", "awaiting_declaration")

    async def listed() -> bool:
        await page.goto("/apply")
        return await page.get_by_role("link", name=re.compile(app_id)).count() == 1

    assert await eventually(listed)
    await accessible(page, "apply-applications")


async def test_r15_r17_an_accredited_member_starts_reaccreditation_from_their_accreditation(
    page: Page, service: Service
) -> None:
    member_id = new_member_id()
    await sign_in(page, member_id, "/apply/accreditation")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your accreditation")
    await expect(page.locator("main")).to_contain_text("You are not accredited yet")
    await expect(page.get_by_role("link", name="Start an application")).to_have_attribute(
        "href", "/apply/start"
    )
    await accessible(page, "apply-accreditation-none")

    await accredited(service, member_id)
    await page.goto("/apply/accreditation")
    summary = page.locator(".govuk-summary-list")
    await expect(summary).to_contain_text("Current")
    await expect(summary).to_contain_text("Assistant practitioner (FHEQ level 4)")
    await expect(summary).to_contain_text("Covers your accredited scope of practice")
    await accessible(page, "apply-accreditation-current")
    # R15: from the day of the award.
    await page.get_by_role("button", name="Start re-accreditation").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your application for re-accreditation"
    )
    new_id = page.url.rsplit("/", 1)[1]
    view = await view_of(service, new_id, service.member(member_id))
    assert (view["application"]["kind"], view["application"]["pathway"]) == (
        "reaccreditation",
        "AP_L4",  # R17: directed by the level held
    )
    await page.goto("/apply/accreditation")
    await expect(page.get_by_role("button", name="Start re-accreditation")).to_have_count(0)
    await expect(
        page.get_by_role("link", name="continue your re-accreditation application")
    ).to_have_attribute("href", f"/apply/applications/{new_id}")


async def accredited(service: Service, member_id: str) -> dict[str, Any]:
    """The member's approved-route application, submitted and accredited by an officer; the
    member's accreditation once its workflow answers."""
    app_id = await submitted_approved(service, member_id)
    ok(
        await service.http.post(
            f"/applications/{app_id}/verification",
            json={"outcome": "accredited"},
            headers=service.officer(),
        )
    )

    async def accreditation() -> dict[str, Any] | None:
        answer = await service.http.get(
            f"/members/{member_id}/accreditation", headers=service.member(member_id)
        )
        found: dict[str, Any] | None = answer.json() if answer.status_code == 200 else None
        return found

    return await eventually(accreditation)


async def submitted_approved(service: Service, member_id: str) -> str:
    app_id: str = (await create(service, member_id, Pathway.AP_L4, Route.APPROVED))[
        "application_id"
    ]
    await fill_in(service, app_id, member_id, Pathway.AP_L4, Route.APPROVED)
    await declare(service, app_id, member_id)
    me = service.member(member_id)
    assert ok(await service.http.post(f"/applications/{app_id}/submit", headers=me))
    return app_id


async def test_r13_a_deferred_application_shows_feedback_per_outcome_and_is_resubmitted(
    page: Page, service: Service
) -> None:
    member_id = new_member_id()
    app_id = await submitted_approved(service, member_id)
    code = pathway_catalogue(Pathway.AP_L4).outcomes[0]
    feedback = [{"outcome_code": code.code, "level": "partly_met", "comment": "Show more."}]
    ok(
        await service.http.post(
            f"/applications/{app_id}/verification",
            json={"outcome": "deferred", "feedback": feedback},
            headers=service.officer(),
        )
    )
    await sign_in(page, member_id, f"/apply/applications/{app_id}")
    await expect(page.locator("main")).to_contain_text("Deferred: more evidence is needed")
    table = page.get_by_role("table", name="Feedback on each learning outcome")
    await expect(table.locator("tbody tr")).to_have_text(
        [re.compile(rf"{re.escape(code.code)}: {re.escape(code.title)}\s*Partly met\s*Show more\.")]
    )
    await expect(page.locator(".govuk-inset-text")).to_contain_text("resubmit by")
    await accessible(page, "apply-overview-deferred")
    await page.get_by_role("button", name="Resubmit application").click()
    await expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Application resubmitted"
    )
    view = await view_of(service, app_id, service.member(member_id))
    assert view["state"] == "in_verification"


async def test_r10_the_applicant_s_pages_say_when_the_service_is_unavailable(
    tmp_path: Path,
) -> None:
    settings = Settings(
        _env_file=None,
        environment="test",
        temporal_address="127.0.0.1:9",
        temporal_rpc_timeout_seconds=0.5,
        database_url=f"sqlite:///{tmp_path / 'apply.db'}",
    )
    upgrade(settings.database_url)
    app = create_app(settings)
    now = time.time()
    cookie = session.encode(
        settings, session.SessionData(sub="M0001", role=Role.APPLICANT, started=now, seen=now)
    )
    async with (
        app.router.lifespan_context(app),
        AsyncClient(
            transport=ASGITransport(app=app),
            base_url="http://service.example",
            cookies={session.COOKIE: cookie},
        ) as http,
    ):
        answers = [
            await http.get("/apply/applications/app-1"),
            await http.post("/apply/applications/app-1/submit", data={"csrf_token": "x"}),
            await http.get("/apply/accreditation"),
            await http.post("/apply/accreditation/reaccreditation", data={"csrf_token": "x"}),
        ]
        listed = await http.get("/apply")  # the read model, which is up
    for answer in answers:
        assert answer.status_code == 503, answer.request.url
        assert "Nothing you have entered has been lost" in answer.text
        assert answer.headers["Retry-After"]
    assert listed.status_code == 200
    assert "You have no applications yet" in listed.text


def test_r10_every_missing_item_links_to_the_section_that_puts_it_right() -> None:
    today = date(2026, 11, 26)
    drafts = [draft_application(p, r) for p in Pathway for r in Route] + [
        draft_application(Pathway.AP_L5, None, ApplicationKind.REACCREDITATION)
    ]
    wrong = with_content(
        draft_application(Pathway.AP_L4, Route.NON_APPROVED),
        role_details=role_details(Pathway.MA_L4),
        qualifications=[
            Qualification(fheq_level=FheqLevel.L6, completed_on=date(2001, 1, 1)),
        ],
        narrative=[NarrativeSection(outcome_code="NOT-AN-OUTCOME", text="Text")],
    )
    unlisted = with_content(
        draft_application(Pathway.AP_L4, Route.APPROVED),
        qualifications=[
            Qualification(programme_id="unlisted", fheq_level=FheqLevel.L4, completed_on=today)
        ],
    )
    fields = {
        problem.field
        for application in [*drafts, wrong, unlisted]
        for problem in readiness(application, pathway_catalogue(application.pathway), today)
    }
    assert {
        "role_details.role",
        "qualifications[0].programme_id",
        "narrative[0].outcome_code",
    } <= fields
    assert {f: section_for(f) for f in fields if section_for(f) is None} == {}
    assert section_url("app-1", "qualifications[0].certificate_document_id") == (
        "/apply/applications/app-1/qualifications"
    )
    assert section_url("app-1", "documents") == "/apply/applications/app-1/scope"
    assert section_url("app-1", "declaration") == "/apply/applications/app-1/declarer"
