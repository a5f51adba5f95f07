"""The applicant's section pages in a real browser: each section saved on its own (R10), with
its errors shown as GOV.UK shows them and what was typed kept; certificates and the scope of
practice uploaded (R06, R07); CPD sent to a named verifier by a real email (R08); the
declarer invited (R09). Applications are created through the JSON API, as the portal does.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import pytest_asyncio
from httpx import ASGITransport, AsyncClient
from playwright.async_api import Page, Response, expect

from api.auth import Role
from api.main import create_app
from models.enums import Pathway, Route
from settings import Settings
from storage.database import make_engine, make_session_factory
from storage.migrate import upgrade
from tests.api.helpers import (
    PDF,
    Service,
    create,
    eventually,
    new_member_id,
    ok,
    profile,
    upload,
)
from tests.builders import pathway_catalogue
from tests.fixtures.api_server import RunningService
from tests.fixtures.smtp import SmtpSink
from tests.web.checks import accessible
from web import session

T = TypeVar("T")


def in_browser(test: T) -> T:
    """A test that drives Chromium against the service on the Temporal dev server."""
    return pytest.mark.dev_server(pytest.mark.browser(test))


@pytest_asyncio.fixture(loop_scope="session")
async def service(live: RunningService, web_sink: SmtpSink) -> AsyncIterator[Service]:
    engine = make_engine(live.settings.database_url)
    async with AsyncClient(base_url=live.base_url, timeout=30) as http:
        yield Service(
            http=http, settings=live.settings, mail=web_sink, sessions=make_session_factory(engine)
        )
    engine.dispose()


async def signed_in_with_new_application(
    page: Page, service: Service, section: str, pathway: Pathway, route: Route
) -> tuple[str, str]:
    """A new application of a new member's, who signs in (as an applicant, through the
    development sign-in page) on the way to its ``section`` page: (application id, member)."""
    member = new_member_id()
    app_id = (await create(service, member, pathway, route))["application_id"]
    await page.goto(f"/apply/applications/{app_id}/{section}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in (development)")
    await page.get_by_label("Applicant", exact=True).check()
    await page.get_by_label("Subject").fill(member)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(rf"/apply/applications/{app_id}/{section}$"))
    return app_id, member


async def content(service: Service, app_id: str, member: str) -> dict[str, Any]:
    view = ok(await service.http.get(f"/applications/{app_id}", headers=service.member(member)))
    found: dict[str, Any] = view["application"]["content"]
    return found


async def press(page: Page, button: str) -> Response:
    """Click ``button`` (a form's submit) and answer the POST's response."""
    async with page.expect_response(lambda r: r.request.method == "POST") as sent:
        await page.get_by_role("button", name=button, exact=True).click()
    return await sent.value


async def summary_says(page: Page, *problems: str | re.Pattern[str]) -> None:
    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_be_visible()
    for problem in problems:
        await expect(summary.get_by_role("link", name=problem)).to_be_visible()


@in_browser
async def test_r05_r06_r08_r10_role_and_narrative_each_saved_alone(
    page: Page, service: Service
) -> None:
    app_id, member = await signed_in_with_new_application(
        page, service, "role", Pathway.AP_L4, Route.NON_APPROVED
    )
    cpd = {"title": "Study day", "activity_date": "2026-01-10", "learning_outcomes": ["AP4.1"]}
    ok(
        await service.http.patch(
            f"/applications/{app_id}", json={"cpd": [cpd]}, headers=service.member(member)
        )
    )
    main = page.locator("main")
    await expect(main).to_contain_text("Assistant practitioner")  # R02: the pathway's role
    await accessible(page, "apply-role")

    await page.get_by_label("Job title").fill("Assistant practitioner (imaging)")
    await page.get_by_label("Employer").fill("")
    answer = await press(page, "Save role and scope")
    assert answer.status == 422
    await summary_says(
        page,
        "Enter your employer",
        "Select at least one area of practice",
        "Enter a summary of your scope of practice",
    )
    await expect(page.get_by_label("Job title")).to_have_value("Assistant practitioner (imaging)")
    await accessible(page, "apply-role-errors")
    await (
        page.locator(".govuk-error-summary").get_by_role("link", name="Enter your employer").click()
    )
    await expect(page.get_by_label("Employer")).to_be_focused()

    await page.get_by_label("Employer").fill("Northgate Hospitals NHS Trust")
    await page.get_by_label("Clinical (diagnostic) imaging").check()
    await page.get_by_label("Other", exact=True).check()
    await page.get_by_label("Summary of your scope of practice").fill("Plain-film imaging")
    answer = await press(page, "Save role and scope")
    assert answer.status == 303
    await expect(page).to_have_url(re.compile(rf"/apply/applications/{app_id}$"))
    saved = await content(service, app_id, member)
    assert saved["role_details"] == {
        "role": "assistant_practitioner",
        "job_title": "Assistant practitioner (imaging)",
        "employer": "Northgate Hospitals NHS Trust",
        "areas_of_practice": ["clinical_imaging", "other"],
        "scope_summary": "Plain-film imaging",
    }
    assert [c["title"] for c in saved["cpd"]] == ["Study day"]  # R10: untouched

    codes = pathway_catalogue(Pathway.AP_L4).outcome_codes()
    await page.goto(f"/apply/applications/{app_id}/narrative")
    await expect(page.locator("textarea")).to_have_count(len(codes))
    await page.locator(f"[id='narrative-{codes[0]}']").fill("I practise within my scope.")
    await page.locator(f"[id='narrative-{codes[1]}']").fill("I escalate concerns.")
    answer = await press(page, "Save narrative")
    assert answer.status == 303
    saved_again = await content(service, app_id, member)
    assert saved_again["narrative"] == [
        {"outcome_code": codes[0], "text": "I practise within my scope."},
        {"outcome_code": codes[1], "text": "I escalate concerns."},
    ]
    assert saved_again["role_details"] == saved["role_details"]  # R10
    assert saved_again["cpd"] == saved["cpd"]
    await page.goto(f"/apply/applications/{app_id}/narrative")
    await expect(main).to_contain_text("Length: 5 words, 27 characters")
    await expect(page.locator(f"[id='narrative-{codes[1]}']")).to_have_value("I escalate concerns.")
    await accessible(page, "apply-narrative")


@in_browser
async def test_r07_an_approved_programme_with_its_certificate(page: Page, service: Service) -> None:
    app_id, member = await signed_in_with_new_application(
        page, service, "qualifications", Pathway.AP_L5, Route.APPROVED
    )
    programme = pathway_catalogue(Pathway.AP_L5).programmes[0]
    await accessible(page, "apply-qualifications-approved")
    await page.get_by_label("Day").fill("30")
    await page.get_by_label("Month").fill("2")
    await page.get_by_label("Year").fill("2025")
    answer = await press(page, "Add qualification")
    assert answer.status == 422
    await summary_says(
        page,
        "Select the approved programme you completed",
        "The date you completed it must be a real date",
    )
    await expect(page.get_by_label("Day")).to_have_value("30")  # what was typed stays

    await page.get_by_label(programme.title).check()
    await page.get_by_label("Day").fill("14")
    await page.get_by_label("Certificate", exact=True).set_input_files(
        files=[{"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    answer = await press(page, "Add qualification")
    assert answer.status == 303
    await expect(page.locator(".govuk-notification-banner")).to_contain_text("added")
    saved = await content(service, app_id, member)
    [certificate] = saved["documents"]
    assert certificate["kind"] == "certificate"
    assert saved["qualifications"] == [
        {
            "programme_id": programme.id,
            "title": None,
            "awarding_body": None,
            "fheq_level": "5",
            "completed_on": "2025-02-14",
            "certificate_document_id": certificate["document_id"],
            "further_learning": False,
        }
    ]
    link = page.get_by_role("link", name="certificate.pdf")
    assert await link.get_attribute("href") == (
        f"/apply/applications/{app_id}/documents/{certificate['document_id']}"
    )
    opened = await page.request.get(
        f"/apply/applications/{app_id}/documents/{certificate['document_id']}"
    )
    assert opened.status == 200 and await opened.body() == PDF

    answer = await press(page, "Remove qualification 1")
    assert answer.status == 303
    removed = await content(service, app_id, member)
    assert removed["qualifications"] == []
    assert removed["documents"] == saved["documents"]  # R10: the certificate stays


@in_browser
async def test_r06_r08_scope_document_and_an_entered_qualification(
    page: Page, service: Service
) -> None:
    app_id, member = await signed_in_with_new_application(
        page, service, "scope", Pathway.AP_L4, Route.NON_APPROVED
    )
    await accessible(page, "apply-scope")
    upload = page.get_by_label("Your scope of practice document")
    await upload.set_input_files(
        files=[{"name": "scope.txt", "mimeType": "text/plain", "buffer": b"not a document"}]
    )
    answer = await press(page, "Upload document")
    assert answer.status == 415
    await summary_says(page, re.compile("^The file was not uploaded: only PDF, PNG, JPEG"))
    await accessible(page, "apply-scope-refused")
    await upload.set_input_files(
        files=[{"name": "scope.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    answer = await press(page, "Upload document")
    assert answer.status == 303
    await expect(page.get_by_role("link", name="scope.pdf")).to_be_visible()
    [scope] = (await content(service, app_id, member))["documents"]
    assert scope["kind"] == "scope_of_practice"

    await page.goto(f"/apply/applications/{app_id}/qualifications")
    await page.get_by_label("Title of the qualification").fill("Certificate in Imaging Support")
    await page.get_by_label("Awarding body").fill("Westbrook College")
    await page.get_by_label("Level 4").check()
    await page.get_by_label("Day").fill("3")
    await page.get_by_label("Month").fill("9")
    await page.get_by_label("Year").fill("2024")
    assert (await press(page, "Add qualification")).status == 303
    await accessible(page, "apply-qualifications-entered")
    await page.get_by_label("Upload the certificate for qualification 1").set_input_files(
        files=[{"name": "cert.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    assert (await press(page, "Upload certificate")).status == 303
    saved = await content(service, app_id, member)
    [qualification] = saved["qualifications"]
    certificate = next(d for d in saved["documents"] if d["kind"] == "certificate")
    assert qualification["title"] == "Certificate in Imaging Support"
    assert qualification["fheq_level"] == "4"
    assert qualification["completed_on"] == "2024-09-03"
    assert qualification["certificate_document_id"] == certificate["document_id"]


@in_browser
async def test_r08_r10_a_qualification_changed_in_place_keeps_its_certificate(
    page: Page, service: Service
) -> None:
    app_id, member = await signed_in_with_new_application(
        page, service, "qualifications", Pathway.AP_L4, Route.NON_APPROVED
    )
    # As the start page leaves it: a level and a date, no title (and here a certificate).
    cert = ok(await upload(service, app_id, member, "certificate", name="certificate.pdf"), 201)
    started = {
        "fheq_level": "4",
        "completed_on": "2024-09-03",
        "certificate_document_id": cert["document_id"],
    }
    patch = f"/applications/{app_id}"
    ok(
        await service.http.patch(
            patch, json={"qualifications": [started]}, headers=service.member(member)
        )
    )
    documents = (await content(service, app_id, member))["documents"]
    edit = f"/apply/applications/{app_id}/qualifications/0"

    await page.goto(f"/apply/applications/{app_id}")  # readiness asks: the link leads to it
    asked = page.get_by_role("link", name="Enter the qualification's title and awarding body")
    await expect(asked).to_have_attribute("href", edit)

    await page.goto(f"/apply/applications/{app_id}/qualifications")
    await accessible(page, "apply-qualifications-to-change")
    await page.get_by_role("link", name="Change qualification 1").click()
    await expect(page).to_have_url(re.compile(rf"{re.escape(edit)}$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Change qualification 1")
    main = page.locator("main")
    await expect(main).to_contain_text("stays attached")
    await expect(main.get_by_role("link", name="certificate.pdf")).to_be_visible()
    await expect(page.get_by_label("Title of the qualification")).to_have_value("")
    await expect(page.get_by_label("Level 4")).to_be_checked()
    await expect(page.get_by_label("Day")).to_have_value("3")
    await expect(page.get_by_label("Month")).to_have_value("9")
    await expect(page.get_by_label("Year")).to_have_value("2024")

    await page.get_by_label("Awarding body").fill("Westbrook College")
    answer = await press(page, "Save qualification")
    assert answer.status == 422
    await summary_says(page, "Enter the qualification's title")
    await expect(page.get_by_label("Awarding body")).to_have_value("Westbrook College")
    await expect(page.get_by_label("Level 4")).to_be_checked()
    await expect(page.get_by_label("Year")).to_have_value("2024")
    await accessible(page, "apply-qualification-edit-errors")
    assert (await content(service, app_id, member))["qualifications"][0]["title"] is None

    await page.get_by_label("Title of the qualification").fill("Certificate in Imaging Support")
    answer = await press(page, "Save qualification")
    assert answer.status == 303
    await expect(page).to_have_url(re.compile(rf"/apply/applications/{app_id}/qualifications\?"))
    await expect(page.locator(".govuk-notification-banner")).to_contain_text("saved")
    saved = await content(service, app_id, member)
    assert saved["qualifications"] == [
        {
            "programme_id": None,
            "title": "Certificate in Imaging Support",
            "awarding_body": "Westbrook College",
            "fheq_level": "4",
            "completed_on": "2024-09-03",
            "certificate_document_id": cert["document_id"],
            "further_learning": False,
        }
    ]
    assert saved["documents"] == documents  # R10: nothing else changed

    # Removed elsewhere meanwhile: the list page says so, and nothing is saved.
    await page.goto(edit)
    ok(await service.http.patch(patch, json={"qualifications": []}, headers=service.member(member)))
    answer = await press(page, "Save qualification")
    assert answer.status == 422
    await summary_says(page, re.compile("^That qualification is no longer listed"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Qualifications")
    assert (await content(service, app_id, member))["qualifications"] == []
    opened = await page.goto(edit)
    assert opened is not None and opened.status == 404
    await summary_says(page, re.compile("^That qualification is no longer listed"))


@in_browser
async def test_r08_cpd_sent_to_a_verifier_by_email_never_the_applicant(
    page: Page, service: Service, live: RunningService, web_sink: SmtpSink
) -> None:
    app_id, member = await signed_in_with_new_application(
        page, service, "cpd", Pathway.AP_L4, Route.NON_APPROVED
    )
    codes = pathway_catalogue(Pathway.AP_L4).outcome_codes()
    main = page.locator("main")
    await page.get_by_label("What was the activity?").fill("")
    await page.get_by_label("Month").fill("13")
    answer = await press(page, "Add CPD record")
    assert answer.status == 422
    await summary_says(
        page,
        "Enter what the activity was",
        "The date of the activity must include a day and year",
    )
    await expect(page.get_by_label("Month")).to_have_value("13")
    await accessible(page, "apply-cpd-errors")

    await page.get_by_label("What was the activity?").fill("Radiation protection study day")
    await page.get_by_label("Day").fill("12")
    await page.get_by_label("Month").fill("1")
    await page.get_by_label("Year").fill("2026")
    await page.get_by_label(re.compile(rf"{re.escape(codes[0])}: ")).check()
    await page.get_by_label(re.compile(rf"{re.escape(codes[2])}: ")).check()
    assert (await press(page, "Add CPD record")).status == 303
    [record] = (await content(service, app_id, member))["cpd"]
    assert record["title"] == "Radiation protection study day"
    assert record["activity_date"] == "2026-01-12"
    assert record["learning_outcomes"] == [codes[0], codes[2]]
    assert record["verification"] is None
    await expect(main).to_contain_text("Not sent for verification")
    await accessible(page, "apply-cpd")

    await page.get_by_role("link", name="Send for verification").click()
    await page.get_by_label("Your verifier's full name").fill("Sam Verifier")
    await page.get_by_label("Their email address").fill(profile(member)["email"])  # their own
    await page.get_by_label("Their professional registration").fill("RA123456")
    answer = await press(page, "Send for verification")
    assert answer.status == 422
    field_error = page.locator("#verifier_email-error")
    await expect(field_error).to_contain_text("verified by someone else")
    await summary_says(page, re.compile("^Your CPD must be verified by someone else"))
    await expect(page.get_by_label("Your verifier's full name")).to_have_value("Sam Verifier")
    await accessible(page, "apply-cpd-verify-refused")

    verifier = f"sam.verifier.{member.lower()}@northgate.example.org"
    await page.get_by_label("Their email address").fill(verifier)
    assert (await press(page, "Send for verification")).status == 303
    await expect(main).to_contain_text("Sent to Sam Verifier, waiting until")
    link = re.compile(rf"{re.escape(live.base_url)}/verify-cpd/{app_id}/[0-9a-f-]+")

    async def emailed_link() -> str | None:
        for message in list(web_sink.messages):
            found = link.search(str(message.get_content()))
            if verifier in str(message["To"]) and found:
                return found.group(0)
        return None

    assert await eventually(emailed_link)
    [sent] = (await content(service, app_id, member))["cpd"]
    assert sent["verification"]["status"] == "requested"
    assert sent["verification"]["verifier"]["email"] == verifier

    await page.goto(f"/apply/applications/{app_id}/cpd/0")
    await expect(main.locator(".govuk-warning-text")).to_contain_text("verification is withdrawn")
    await expect(page.get_by_label("What was the activity?")).to_have_value(
        "Radiation protection study day"
    )
    await accessible(page, "apply-cpd-edit")
    await page.get_by_label("What was the activity?").fill("Radiation protection study day 2")
    assert (await press(page, "Save CPD record")).status == 303
    [edited] = (await content(service, app_id, member))["cpd"]
    assert edited["title"] == "Radiation protection study day 2"
    assert edited["verification"] is None  # an edit of its substance withdraws it
    await expect(main).to_contain_text("Not sent for verification")

    assert (await press(page, "Remove CPD record 1")).status == 303
    assert (await content(service, app_id, member))["cpd"] == []


@in_browser
async def test_r09_the_declarer_invited_by_email_never_the_applicant(
    page: Page, service: Service, web_sink: SmtpSink
) -> None:
    app_id, member = await signed_in_with_new_application(
        page, service, "declarer", Pathway.MA_L4, Route.NON_APPROVED
    )
    await accessible(page, "apply-declarer")
    await page.get_by_label("Their full name").fill("Jo Manager")
    await page.get_by_label("Their email address").fill(profile(member)["email"].upper())
    await page.get_by_label("Manager", exact=True).check()
    answer = await press(page, "Send invitation")
    assert answer.status == 422
    await expect(page.locator("#declarer_email-error")).to_contain_text("not from you")
    await expect(page.get_by_label("Manager", exact=True)).to_be_checked()

    manager = f"jo.manager.{member.lower()}@northgate.example.org"
    await page.get_by_label("Their email address").fill(manager)
    await page.locator("main input[name='csrf_token']").evaluate("e => e.value = 'forged'")
    assert (await press(page, "Send invitation")).status == 403  # CSRF: nothing is sent
    await summary_says(page, "The form had expired: check it and send it again")
    await expect(page.get_by_label("Their email address")).to_have_value(manager)
    assert (await press(page, "Send invitation")).status == 303
    await expect(page.locator(".govuk-notification-banner")).to_contain_text("invitation")
    await expect(page.locator("main")).to_contain_text("waiting for their answer")
    await accessible(page, "apply-declarer-invited")

    async def invitation() -> bool:
        return any(manager in str(m["To"]) for m in list(web_sink.messages))

    assert await eventually(invitation)
    view = ok(await service.http.get(f"/applications/{app_id}", headers=service.member(member)))
    assert view["application"]["declaration"]["declarer_email"] == manager
    assert view["application"]["declaration"]["status"] == "invited"


@in_browser
async def test_r10_a_withdrawn_application_shows_read_only_and_others_are_not_found(
    page: Page, service: Service
) -> None:
    app_id, member = await signed_in_with_new_application(
        page, service, "role", Pathway.AP_L4, Route.APPROVED
    )
    ok(
        await service.http.post(
            f"/applications/{app_id}/withdraw", json={"reason": ""}, headers=service.member(member)
        )
    )
    await page.reload()
    await expect(page.locator("main")).to_contain_text("can no longer be changed")
    await expect(page.get_by_role("button", name="Save role and scope")).to_have_count(0)

    someone_else = (await create(service, new_member_id()))["application_id"]
    answer = await page.goto(f"/apply/applications/{someone_else}/cpd")
    assert answer is not None and answer.status == 404
    await expect(page.get_by_role("heading", level=1)).to_have_text("Application not found")


async def test_r10_a_section_page_says_when_the_service_is_unavailable(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        environment="test",
        temporal_address="127.0.0.1:9",
        temporal_rpc_timeout_seconds=0.5,
        database_url=f"sqlite:///{tmp_path / 'sections.db'}",
    )
    upgrade(settings.database_url)
    app = create_app(settings)
    now = time.time()
    cookie = session.encode(
        settings,
        session.SessionData(sub="M0001", role=Role.APPLICANT, started=now, seen=now),
    )
    async with (
        app.router.lifespan_context(app),
        AsyncClient(
            transport=ASGITransport(app=app),
            base_url="http://service.example",
            cookies={session.COOKIE: cookie},
        ) as http,
    ):
        answer = await http.get("/apply/applications/app-1/cpd")
    assert answer.status_code == 503
    assert "Nothing you have entered has been lost" in answer.text
    assert answer.headers["Retry-After"]
