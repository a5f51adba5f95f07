"""A member from nothing to a submitted non-approved application, in a real browser, through
the applicant's pages alone (R01-R03, R05-R10, R13, R16): the pathway proposed from role and
level, every section filled on its own page, six CPD records sent to verifiers who confirm from
the links in their real emails while the coverage map turns each outcome to covered, the
declarer confirming from theirs, submission from the receipt's page; then a deferral, whose
email leads back to the application, and a resubmission.

The verifiers and the declarer use a browser of their own (another context: no session).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from httpx import AsyncClient, Response
from playwright.async_api import Browser, Page, expect

from api.auth import Role
from models.enums import Pathway
from storage.database import make_engine, make_session_factory
from tests.api.helpers import PDF, Service, eventually, new_member_id, ok, view_of
from tests.builders import pathway_catalogue
from tests.fixtures.api_server import RunningService
from tests.fixtures.smtp import SmtpSink
from tests.web.checks import accessible

pytestmark = [pytest.mark.dev_server, pytest.mark.browser]

CATALOGUE = pathway_catalogue(Pathway.AP_L4)
CODES = CATALOGUE.outcome_codes()
CPD_RECORDS = 6


@pytest_asyncio.fixture(loop_scope="session")
async def service(live: RunningService, web_sink: SmtpSink) -> AsyncIterator[Service]:
    engine = make_engine(live.settings.database_url)
    async with AsyncClient(base_url=live.base_url, timeout=30) as http:
        yield Service(
            http=http, settings=live.settings, mail=web_sink, sessions=make_session_factory(engine)
        )
    engine.dispose()


async def press(page: Page, button: str) -> Response:
    """Click the form button ``button``; the POST's response."""
    async with page.expect_response(lambda r: r.request.method == "POST") as sent:
        await page.get_by_role("button", name=button, exact=True).click()
    return await sent.value  # type: ignore[return-value]


async def emailed_link(sink: SmtpSink, to: str, pattern: str, seen: set[str]) -> str:
    """The first link matching ``pattern`` in an email to ``to`` not among ``seen``."""
    link = re.compile(pattern)

    async def found() -> str | None:
        for message in list(sink.messages):
            if to not in str(message["To"]):
                continue
            for match in link.finditer(str(message.get_content())):
                if match.group(0) not in seen:
                    return match.group(0)
        return None

    url = await eventually(found)
    seen.add(url)
    return url


async def email_about(sink: SmtpSink, to: str, subject: str) -> str:
    """The body of the email to ``to`` whose subject says ``subject``."""

    async def found() -> str | None:
        for message in list(sink.messages):
            if to in str(message["To"]) and subject in str(message["Subject"]):
                return str(message.get_content())
        return None

    return await eventually(found)


async def coverage_verdicts(page: Page) -> list[str]:
    rows = page.locator("#coverage tbody tr")
    return [(await r.locator("td").last.inner_text()).strip() for r in await rows.all()]


async def test_r01_r08_r16_a_member_reaches_submission_with_verified_cpd_then_resubmits(
    page: Page, browser: Browser, service: Service, live: RunningService, web_sink: SmtpSink
) -> None:
    member = new_member_id()
    email = f"{member.lower()}@members.example.org"
    main = page.locator("main")

    # Signed in as an applicant, from nothing: the pathway proposed from role and level.
    await page.goto("/apply")
    await page.get_by_label("Applicant", exact=True).check()
    await page.get_by_label("Subject").fill(member)
    await page.get_by_label("Name (optional)").fill("Alex Member")
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("button", name="Start an application").click()
    await page.get_by_label("Assistant practitioner").check()
    await page.get_by_label("Level 4").check()
    await page.get_by_role("button", name="Continue").click()
    await expect(page.locator(".govuk-summary-list")).to_contain_text(
        "Assistant practitioner (FHEQ level 4)"
    )
    await page.get_by_label("My qualification is not from an approved programme").check()
    completed = datetime.now(UTC).date() - timedelta(days=400)
    await page.get_by_label("Day").fill(str(completed.day))
    await page.get_by_label("Month").fill(str(completed.month))
    await page.get_by_label("Year").fill(str(completed.year))
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Professional registration number").fill(f"AP{member[1:]}")
    await page.get_by_label("Employer").fill("Northgate Hospitals NHS Trust")
    await page.get_by_label("Yes, I am a member").check()
    await page.get_by_role("button", name="Start application").click()
    await expect(page).to_have_url(re.compile(r"/apply/applications/app-[0-9a-f]+$"))
    app_id = page.url.rsplit("/", 1)[1]
    base = f"/apply/applications/{app_id}"
    assert set(await coverage_verdicts(page)) == {"Needs evidence"}
    await accessible(page, "journey-1-new")

    # Role and scope (R05, R06).
    await page.goto(f"{base}/role")
    await page.get_by_label("Job title").fill("Assistant practitioner")
    await page.get_by_label("Employer").fill("Northgate Hospitals NHS Trust")
    await page.get_by_label("Clinical (diagnostic) imaging").check()
    await page.get_by_label("Summary of your scope of practice").fill(
        "Plain-film imaging of the appendicular skeleton"
    )
    assert (await press(page, "Save role and scope")).status == 303

    # The qualification the start page saved: its details, then its certificate (R07).
    await page.goto(f"{base}/qualifications")
    await page.get_by_role("link", name=re.compile("^Change")).first.click()
    await page.get_by_label("Title of the qualification").fill("Certificate in Imaging Support")
    await page.get_by_label("Awarding body").fill("Westbrook College")
    assert (await press(page, "Save qualification")).status == 303
    await page.get_by_label("Upload the certificate for qualification 1").set_input_files(
        files=[{"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    assert (await press(page, "Upload certificate")).status == 303

    # The scope-of-practice document.
    await page.goto(f"{base}/scope")
    await page.get_by_label("Your scope of practice document").set_input_files(
        files=[{"name": "scope.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    assert (await press(page, "Upload document")).status == 303

    # The critical narrative, one section per learning outcome.
    await page.goto(f"{base}/narrative")
    for code in CODES:
        await page.locator(f"[id='narrative-{code}']").fill(
            f"My reflection on {code}: how my practice meets it, with examples."
        )
    assert (await press(page, "Save narrative")).status == 303

    # Six CPD records, each mapped to learning outcomes (between them, all of them).
    activity = datetime.now(UTC).date() - timedelta(days=60)
    for i in range(CPD_RECORDS):
        await page.goto(f"{base}/cpd")
        await page.get_by_label("What was the activity?").fill(f"CPD activity {i + 1}")
        await page.get_by_label("Day").fill(str(activity.day))
        await page.get_by_label("Month").fill(str(activity.month))
        await page.get_by_label("Year").fill(str(activity.year))
        for code in CODES[i::CPD_RECORDS]:
            await page.get_by_label(re.compile(rf"{re.escape(code)}: ")).check()
        assert (await press(page, "Add CPD record")).status == 303
    await page.goto(base)
    await expect(main).to_contain_text("At least 6 verified CPD records")  # still missing
    await accessible(page, "journey-2-cpd-unverified")

    # R08/R16: each record to a named verifier, who confirms from the link in their email.
    verifier_browser = await browser.new_context(base_url=live.base_url, locale="en-GB")
    verifier_page = await verifier_browser.new_page()
    seen: set[str] = set()
    for i in range(CPD_RECORDS):
        verifier = f"verifier{i}.{member.lower()}@northgate.example.org"
        await page.goto(f"{base}/cpd/{i}/verify")
        await page.get_by_label("Your verifier's full name").fill(f"Sam Verifier {i + 1}")
        await page.get_by_label("Their email address").fill(verifier)
        await page.get_by_label("Their professional registration").fill(f"RA{100000 + i}")
        assert (await press(page, "Send for verification")).status == 303
        link = await emailed_link(
            web_sink, verifier, rf"{re.escape(live.base_url)}/verify-cpd/{app_id}/[0-9a-f-]+", seen
        )
        await verifier_page.goto(link)
        await expect(verifier_page.locator("main")).to_contain_text(f"CPD activity {i + 1}")
        if i == 0:
            await accessible(verifier_page, "journey-3-verifier")
        await verifier_page.get_by_label("Yes, I confirm it").check()
        await verifier_page.get_by_role("button", name="Send my answer").click()
        await expect(verifier_page).to_have_url(re.compile(r"/answered$"))
    await verifier_page.goto(link)  # a link answered once is spent
    await expect(verifier_page.get_by_role("heading", level=1)).to_be_visible()
    assert (
        await service.http.get(link.replace("/verify-cpd/", "/cpd-verifications/"))
    ).status_code == 410

    # The coverage map: every outcome covered, each record verified.
    await page.goto(base)
    assert await coverage_verdicts(page) == ["Covered"] * len(CODES)
    await expect(page.locator("#coverage")).not_to_contain_text("not verified")
    await accessible(page, "journey-4-covered")

    # R09: the declarer confirms from the link in their email.
    manager = f"jo.manager.{member.lower()}@northgate.example.org"
    await page.goto(f"{base}/declarer")
    await page.get_by_label("Their full name").fill("Jo Manager")
    await page.get_by_label("Their email address").fill(manager)
    await page.get_by_label("Manager", exact=True).check()
    assert (await press(page, "Send invitation")).status == 303
    declare = await emailed_link(
        web_sink, manager, rf"{re.escape(live.base_url)}/declare/{app_id}/[0-9a-f-]+", set()
    )
    await verifier_page.goto(declare)
    await verifier_page.get_by_label("Yes, I confirm it").check()
    await verifier_page.get_by_role("button", name="Send my answer").click()
    await expect(verifier_page).to_have_url(re.compile(r"/answered$"))
    await verifier_browser.close()

    # R10: submitted from the overview; the receipt links back to the application's page.
    await page.goto(base)
    await expect(page.locator("#missing")).to_have_count(0)
    assert (await press(page, "Submit application")).status == 303
    await expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Application submitted"
    )
    await accessible(page, "journey-5-submitted")
    receipt = await emailed_link(
        web_sink, email, rf"{re.escape(live.base_url)}/apply/applications/{app_id}\b", set()
    )
    await page.goto(receipt)
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your application for accreditation"
    )
    view = await view_of(service, app_id, service.member(member))
    assert view["state"] in ("in_assessment", "awaiting_allocation")
    assert view["application"]["route"] == "non_approved"
    assert [r["verification"]["status"] for r in view["application"]["content"]["cpd"]] == [
        "confirmed"
    ] * CPD_RECORDS

    # R13: deferred with feedback on one outcome; the deferral email leads back, and the
    # applicant strengthens that section and resubmits.
    if view["state"] == "awaiting_allocation":
        ok(
            await service.http.post(
                f"/applications/{app_id}/allocation", json={}, headers=service.officer()
            )
        )
        view = await view_of(service, app_id, service.officer())
    assessor = view["assessor_id"]
    findings = [
        {"outcome_code": code, "level": "met", "comment": "Well evidenced."} for code in CODES
    ]
    findings[0] = {"outcome_code": CODES[0], "level": "partly_met", "comment": "Say more."}
    ok(
        await service.http.post(
            f"/applications/{app_id}/assessment",
            json={"findings": findings, "recommended_outcome": "deferred"},
            headers=service.auth(Role.ASSESSOR, assessor),
        )
    )
    ok(
        await service.http.post(
            f"/applications/{app_id}/ratification", json={}, headers=service.officer()
        )
    )
    deferral = await email_about(web_sink, email, "further evidence requested")
    assert receipt in deferral
    await page.goto(receipt)
    await expect(main).to_contain_text("Deferred: more evidence is needed")
    await expect(main).to_contain_text("Say more.")
    await accessible(page, "journey-6-deferred")
    await page.goto(f"{base}/narrative")
    await page.locator(f"[id='narrative-{CODES[0]}']").fill(
        "My reflection, with the further evidence the assessor asked for."
    )
    assert (await press(page, "Save narrative")).status == 303
    assert (await press(page, "Resubmit application")).status == 303
    await expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Application resubmitted"
    )
    resubmitted = await view_of(service, app_id, service.member(member))
    assert resubmitted["state"] == "in_assessment"
    assert resubmitted["assessor_id"] == assessor  # R12: the same assessor keeps it
