"""R09: the declarer's page behind the single-use link in their real email, in a browser."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from httpx import AsyncClient
from playwright.async_api import Page, expect

from api.auth import Role, mint_token
from tests.api.helpers import eventually, profile
from tests.fixtures.api_server import RunningService
from tests.fixtures.smtp import SmtpSink
from tests.web.checks import accessible

pytestmark = [pytest.mark.dev_server, pytest.mark.browser]


@pytest_asyncio.fixture(loop_scope="session")
async def api(live: RunningService) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(base_url=live.base_url, timeout=30) as client:
        yield client


async def invited(api: AsyncClient, live: RunningService, sink: SmtpSink) -> tuple[str, str, str]:
    """A new draft whose applicant invited their manager: (application id, member, link)."""
    member = f"M{uuid.uuid4().hex[:10]}"
    me = {"Authorization": f"Bearer {mint_token(live.settings, sub=member, role=Role.APPLICANT)}"}
    created = await api.post(
        "/applications",
        json={"pathway": "AP_L4", "route": "non_approved", "applicant": profile(member)},
        headers=me,
    )
    assert created.status_code == 201, created.text
    app_id = created.json()["application_id"]
    role = {
        "role": "assistant_practitioner",
        "job_title": "Assistant practitioner",
        "employer": "Northgate Hospitals NHS Trust",
        "areas_of_practice": ["clinical_imaging"],
        "scope_summary": "Plain film imaging of the appendicular skeleton",
    }
    saved = await api.patch(f"/applications/{app_id}", json={"role_details": role}, headers=me)
    assert saved.status_code == 200, saved.text
    invitation = {
        "declarer_name": "Jo Manager",
        "declarer_email": "jo.manager@northgate.example.org",
        "declarer_role": "manager",
    }
    sent = await api.post(f"/applications/{app_id}/declarer", json=invitation, headers=me)
    assert sent.status_code == 200, sent.text
    pattern = re.compile(rf"{re.escape(live.base_url)}/declare/{app_id}/[0-9a-f-]+")

    async def link_in_email() -> str | None:
        for message in list(sink.messages):
            found = pattern.search(str(message.get_content()))
            if found:
                return found.group(0)
        return None

    return app_id, member, await eventually(link_in_email)


async def declaration_status(
    api: AsyncClient, live: RunningService, app_id: str, member: str
) -> str:
    me = {"Authorization": f"Bearer {mint_token(live.settings, sub=member, role=Role.APPLICANT)}"}
    view = (await api.get(f"/applications/{app_id}", headers=me)).json()
    status: str = view["application"]["declaration"]["status"]
    return status


async def test_r09_a_manager_confirms_from_the_link_in_their_email(
    page: Page, api: AsyncClient, live: RunningService, web_sink: SmtpSink
) -> None:
    app_id, member, link = await invited(api, live, web_sink)
    await page.goto(link)
    main = page.locator("main")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("has asked you to make")
    for shown in [
        "Assistant practitioner",
        "Northgate Hospitals NHS Trust",
        "Clinical (diagnostic) imaging",
        "Plain film imaging",
    ]:
        await expect(main).to_contain_text(shown)
    await accessible(page, "declaration-form")
    await page.get_by_label("Yes, I confirm it").check()
    await page.get_by_role("button", name="Send my answer").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your answer has been recorded")
    await accessible(page, "declaration-answered")
    assert await declaration_status(api, live, app_id, member) == "confirmed"

    again = await page.goto(link)
    assert again is not None and again.status == 410
    await expect(page.locator("main")).to_contain_text("already been used")
    await accessible(page, "declaration-link-used")


async def test_r09_a_manager_declines_with_a_reason_using_the_keyboard_alone(
    page: Page, api: AsyncClient, live: RunningService, web_sink: SmtpSink
) -> None:
    app_id, member, link = await invited(api, live, web_sink)
    await page.goto(link)
    await page.get_by_label("No, I decline it").focus()
    await page.keyboard.press("Space")
    await page.get_by_role("button", name="Send my answer").focus()
    await page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_contain_text("Enter the reason you are declining")
    await expect(page.locator("#reason-error")).to_contain_text(
        "Enter the reason you are declining"
    )
    await accessible(page, "declaration-decline-error")
    await summary.get_by_role("link", name="Enter the reason you are declining").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_label("Why are you declining?")).to_be_focused()
    await page.keyboard.type("Their scope includes CT, which they do not do in my team.")
    await page.get_by_role("button", name="Send my answer").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your answer has been recorded")
    assert await declaration_status(api, live, app_id, member) == "declined"


async def test_r09_a_replaced_link_says_so(
    page: Page, api: AsyncClient, live: RunningService, web_sink: SmtpSink
) -> None:
    app_id, member, first = await invited(api, live, web_sink)
    me = {"Authorization": f"Bearer {mint_token(live.settings, sub=member, role=Role.APPLICANT)}"}
    invitation = {
        "declarer_name": "Jo Manager",
        "declarer_email": "jo.manager@northgate.example.org",
        "declarer_role": "manager",
    }
    assert (
        await api.post(f"/applications/{app_id}/declarer", json=invitation, headers=me)
    ).status_code == 200
    gone = await page.goto(first)
    assert gone is not None and gone.status == 410
    await expect(page.locator("main")).to_contain_text("newer invitation")
    await accessible(page, "declaration-link-replaced")
    unknown = await page.goto(f"/declare/{app_id}/not-a-token")
    assert unknown is not None and unknown.status == 410


async def test_r09_a_link_in_the_older_form_opens_the_same_page(
    page: Page, api: AsyncClient, live: RunningService, web_sink: SmtpSink
) -> None:
    *_, link = await invited(api, live, web_sink)
    older = link.replace("/declare/", "/declarations/")
    await page.goto(older)
    assert page.url == link
    await expect(page.get_by_role("heading", level=1)).to_contain_text("has asked you to make")
