"""The pages for people without a login, in a real browser: the start page, the public
register (R19) and the API docs, each checked by axe-core and saved as a screenshot."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.async_api import Page, expect

from activities.register import RegisterActivities
from models.enums import AreaOfPractice, Pathway, RegisterStatus
from storage.database import make_engine, make_session_factory
from tests.fixtures.api_server import RunningService
from tests.storage.factories import register_entry
from tests.web.checks import accessible
from tests.web.conftest import SCREENSHOTS

pytestmark = [pytest.mark.dev_server, pytest.mark.browser]

UNICODE_NAME = "Zoë Ó Briain-Łukasiewicz"


@pytest.fixture(scope="module")
def entries(live: RunningService) -> dict[RegisterStatus, str]:
    """Register entries in each status; their registration numbers."""
    engine = make_engine(live.settings.database_url)
    register = RegisterActivities(make_session_factory(engine))
    numbers = {
        RegisterStatus.CURRENT: "AP-WEB-001",
        RegisterStatus.SUSPENDED: "AP-WEB-002",
        RegisterStatus.LAPSED: "MA-WEB-003",
    }
    names = {
        RegisterStatus.CURRENT: UNICODE_NAME,
        RegisterStatus.SUSPENDED: "Sam Suspended",
        RegisterStatus.LAPSED: "Lee Lapsed",
    }
    for status, number in numbers.items():
        register._upsert(
            register_entry(
                registration_number=number,
                name=names[status],
                status=status,
                pathway=Pathway.MA_L4 if number.startswith("MA") else Pathway.AP_L5,
                areas_of_practice=[AreaOfPractice.RADIOTHERAPY, AreaOfPractice.OTHER],
                accredited_from=date(2026, 3, 1),
                expires_on=date(2028, 3, 1),
            )
        )
    engine.dispose()
    return numbers


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", "Accreditation for assistant practitioners and mammography associates"),
        ("/applicants", "Start, continue or follow your application"),
        ("/staff", "Assess, allocate and decide applications"),
    ],
)
async def test_start_and_where_to_go_pages(page: Page, path: str, heading: str) -> None:
    await page.goto(path)
    await expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    await accessible(page, "page-" + (path.strip("/") or "start"))


@pytest.mark.parametrize("query", [UNICODE_NAME, "Ó Briain", "łukasiewicz", "zoe o briain"])
async def test_r19_a_search_finds_a_unicode_name_by_any_part(
    page: Page, entries: dict[RegisterStatus, str], query: str
) -> None:
    await page.goto("/check-the-register")
    await page.get_by_label("Name").fill(query)
    await page.get_by_role("button", name="Search the register").click()
    await expect(page.locator("#results")).to_have_text("1 entry found")
    await expect(page.get_by_role("link", name=UNICODE_NAME)).to_be_visible()
    await accessible(page, "register-search-results")


async def test_r19_a_search_by_keyboard_alone(
    page: Page, entries: dict[RegisterStatus, str]
) -> None:
    await page.goto("/check-the-register")
    await page.keyboard.press("Tab")  # the skip link comes first
    await expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    await page.get_by_label("Registration number").focus()
    await page.keyboard.type(entries[RegisterStatus.SUSPENDED])
    await page.keyboard.press("Enter")
    await expect(page.locator("#results")).to_have_text("0 entries found")  # current only
    await page.get_by_label("Name").focus()
    await page.keyboard.type("Zoë")
    await page.get_by_label("Registration number").fill("")
    await page.keyboard.press("Enter")
    link = page.get_by_role("link", name=UNICODE_NAME)
    await link.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text(UNICODE_NAME)


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (
            RegisterStatus.CURRENT,
            "is accredited by the College of Radiographers until 1 March 2028",
        ),
        (RegisterStatus.SUSPENDED, "This accreditation is suspended"),
        (RegisterStatus.LAPSED, "This accreditation has lapsed"),
    ],
)
async def test_r19_the_entry_page_verifies_one_registration(
    page: Page, entries: dict[RegisterStatus, str], status: RegisterStatus, words: str
) -> None:
    await page.goto(f"/check-the-register/{entries[status]}")
    main = page.locator("main")
    await expect(main).to_contain_text(words)
    await expect(main).to_contain_text("Radiotherapy, Other")
    await expect(main).to_contain_text("Accredited from")
    await expect(main).to_contain_text("Checked on")
    await expect(main).not_to_contain_text("@")  # no email: R19's public fields only
    await accessible(page, f"register-entry-{status.value}")


async def test_r19_an_unknown_registration_and_bad_search_input_are_explained(page: Page) -> None:
    response = await page.goto("/check-the-register/NO-SUCH-NUMBER")
    assert response is not None and response.status == 404
    await expect(page.get_by_role("heading", level=1)).to_contain_text("No register entry")
    await accessible(page, "register-entry-unknown")
    await page.goto("/check-the-register?pathway=XX_L9&name=a")
    await expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a pathway")
    await accessible(page, "register-search-error")


async def test_the_api_docs_work_offline(page: Page, live: RunningService) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    await page.goto("/docs")
    await expect(page.get_by_text("CoR accreditation service").first).to_be_visible()
    await expect(page.locator(".opblock").first).to_be_visible()
    outside = [u for u in requested if not u.startswith((live.base_url, "data:"))]
    assert outside == []
    await page.screenshot(path=SCREENSHOTS / "api-docs.png")
