"""R08/R16: the CPD verifier's page behind the single-use link in their real email, in a
browser."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import pytest_asyncio
from httpx import AsyncClient
from playwright.async_api import Page, expect

from api.auth import Role, mint_token
from models.enums import Pathway
from tests.api.helpers import eventually, profile
from tests.builders import pathway_catalogue
from tests.fixtures.api_server import RunningService
from tests.fixtures.smtp import SmtpSink
from tests.web.checks import accessible

pytestmark = [pytest.mark.dev_server, pytest.mark.browser]

OUTCOMES = pathway_catalogue(Pathway.AP_L4).outcomes[:2]
VERIFIER = {
    "name": "Sam Educator",
    "email": "sam.educator@northgate.example.org",
    "professional_registration": "HCPC RA123456",
}
REASON = "I did not attend this update with them and cannot vouch for it."


@pytest_asyncio.fixture(loop_scope="session")
async def api(live: RunningService) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(base_url=live.base_url, timeout=30) as client:
        yield client


@dataclass
class Requested:
    """A draft whose applicant sent their one CPD record to a verifier."""

    app_id: str
    me: dict[str, str]
    record: dict[str, Any]
    link: str


def cpd_record(title: str = "Radiation protection update") -> dict[str, Any]:
    return {
        "title": title,
        "activity_date": (date.today() - timedelta(days=30)).isoformat(),
        "learning_outcomes": [o.code for o in OUTCOMES],
    }


async def requested(api: AsyncClient, live: RunningService, sink: SmtpSink) -> Requested:
    """A new draft with one CPD record, sent for verification; the link from the email."""
    member = f"M{uuid.uuid4().hex[:10]}"
    me = {"Authorization": f"Bearer {mint_token(live.settings, sub=member, role=Role.APPLICANT)}"}
    created = await api.post(
        "/applications",
        json={"pathway": "AP_L4", "route": "non_approved", "applicant": profile(member)},
        headers=me,
    )
    assert created.status_code == 201, created.text
    app_id = created.json()["application_id"]
    record = cpd_record()
    saved = await api.patch(f"/applications/{app_id}", json={"cpd": [record]}, headers=me)
    assert saved.status_code == 200, saved.text
    sent = await api.post(
        f"/applications/{app_id}/cpd/0/verification-request",
        json={"verifier": VERIFIER},
        headers=me,
    )
    assert sent.status_code == 200, sent.text
    pattern = re.compile(rf"{re.escape(live.base_url)}/verify-cpd/{app_id}/[0-9a-f-]+")

    async def link_in_email() -> str | None:
        for message in list(sink.messages):
            found = pattern.search(str(message.get_content()))
            if found:
                return found.group(0)
        return None

    return Requested(app_id, me, record, await eventually(link_in_email))


async def verification_status(api: AsyncClient, sent: Requested) -> str | None:
    """The record's verification status, as the applicant sees it."""
    view = (await api.get(f"/applications/{sent.app_id}", headers=sent.me)).json()
    verification = view["application"]["content"]["cpd"][0]["verification"]
    return None if verification is None else str(verification["status"])


async def test_r08_a_verifier_confirms_from_the_link_in_their_email(
    page: Page, api: AsyncClient, live: RunningService, web_sink: SmtpSink
) -> None:
    sent = await requested(api, live, web_sink)
    early = await api.get(f"{sent.link.removeprefix(live.base_url)}/answered")
    assert early.status_code == 303  # no thank-you page before an answer
    await page.goto(sent.link)
    main = page.locator("main")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(
        "has asked you to verify a CPD record"
    )
    assert (await page.title()).startswith("Verify a CPD record for Alex Example")
    await expect(main).to_contain_text("Radiation protection update")
    await expect(main).to_contain_text("Assistant practitioner (FHEQ level 4)")
    for outcome in OUTCOMES:
        await expect(main).to_contain_text(f"{outcome.code}: {outcome.title}")
    await expect(main).to_contain_text("never verify their own CPD")
    await expect(main).to_contain_text("This link works once and expires on")
    await accessible(page, "cpd-verification-form")
    await page.get_by_label("Yes, I confirm it").check()
    await page.get_by_role("button", name="Send my answer").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your answer has been recorded")
    await accessible(page, "cpd-verification-answered")
    assert await verification_status(api, sent) == "confirmed"

    again = await page.goto(sent.link)
    assert again is not None and again.status == 410
    await expect(page.locator("main")).to_contain_text("already been used")
    await accessible(page, "cpd-verification-link-used")
    gone = await api.get(sent.link.replace("/verify-cpd/", "/cpd-verifications/"))
    assert gone.status_code == 410
    assert "verification link has been used" in gone.json()["message"]
    answer = {"confirm": True}
    refused = await api.post(sent.link.replace("/verify-cpd/", "/cpd-verifications/"), json=answer)
    assert refused.status_code == 410


async def test_r08_a_verifier_declines_with_a_reason_using_the_keyboard_alone(
    page: Page, api: AsyncClient, live: RunningService, web_sink: SmtpSink
) -> None:
    sent = await requested(api, live, web_sink)
    await page.goto(sent.link)
    await page.get_by_label("No, I decline it").focus()
    await page.keyboard.press("Space")
    await page.get_by_role("button", name="Send my answer").focus()
    async with page.expect_response(lambda r: r.request.method == "POST") as posted:
        await page.keyboard.press("Enter")
    assert (await posted.value).status == 422
    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_contain_text("Enter the reason you are declining")
    await expect(page.locator("#reason-error")).to_contain_text(
        "Enter the reason you are declining"
    )
    assert (await page.title()).startswith("Error: Verify a CPD record for")
    await accessible(page, "cpd-verification-decline-error")
    await summary.get_by_role("link", name="Enter the reason you are declining").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_label("Why are you declining?")).to_be_focused()
    await page.keyboard.type(REASON)
    await page.get_by_role("button", name="Send my answer").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your answer has been recorded")
    assert await verification_status(api, sent) == "declined"
    view = (await api.get(f"/applications/{sent.app_id}", headers=sent.me)).json()
    assert view["application"]["content"]["cpd"][0]["verification"]["reason"] == REASON


async def test_r08_an_edited_record_withdraws_its_link_and_the_page_says_so(
    page: Page, api: AsyncClient, live: RunningService, web_sink: SmtpSink
) -> None:
    sent = await requested(api, live, web_sink)
    edited = {**sent.record, "title": "Radiation protection update (IR(ME)R)"}
    saved = await api.patch(f"/applications/{sent.app_id}", json={"cpd": [edited]}, headers=sent.me)
    assert saved.status_code == 200, saved.text
    assert await verification_status(api, sent) is None
    gone = await page.goto(sent.link)
    assert gone is not None and gone.status == 410
    await expect(page.locator("main")).to_contain_text("changed or removed this CPD record")
    await accessible(page, "cpd-verification-link-withdrawn")

    unknown = await page.goto("/verify-cpd/no-such-application/some-token")
    assert unknown is not None and unknown.status == 404
    await expect(page.get_by_role("heading", level=1)).to_have_text("We do not recognise this link")
    await accessible(page, "cpd-verification-link-unknown")
    malformed = await api.get("/verify-cpd/-not%20an%20id/some-token")
    assert malformed.status_code == 404
    not_a_token = await api.get(f"/verify-cpd/{sent.app_id}/not-a-token")
    assert not_a_token.status_code == 410


async def test_r08_a_replaced_link_says_so_and_a_form_without_its_token_is_refused(
    api: AsyncClient, live: RunningService, web_sink: SmtpSink
) -> None:
    sent = await requested(api, live, web_sink)
    path = sent.link.removeprefix(live.base_url)
    forged = await api.post(path, data={"answer": "confirm", "csrf_token": "forged"})
    assert forged.status_code == 403
    assert "Your answer was not sent" in forged.text
    assert await verification_status(api, sent) == "requested"
    again = await api.post(
        f"/applications/{sent.app_id}/cpd/0/verification-request",
        json={"verifier": VERIFIER},
        headers=sent.me,
    )
    assert again.status_code == 200, again.text
    replaced = await api.get(path)
    assert replaced.status_code == 410
    assert "newer request" in replaced.text
