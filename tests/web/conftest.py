"""Browser tests: the system's Chromium driven by Playwright, axe-core on every page.

The service runs as real processes (worker and API) against the session's Temporal dev
server; the browser reaches it over HTTP. Chromium is Debian's (``/usr/bin/chromium``), never
a downloaded build: without it these tests are skipped locally with a one-line reason and fail
under ``CI=true``. Each test saves screenshots under ``var/screenshots/``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright
from temporalio.testing import WorkflowEnvironment

from settings import ROOT
from tests.fixtures.api_server import RunningService, running_service
from tests.fixtures.smtp import SmtpSink, running_sink

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "var" / "screenshots"


def need_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def web_sink() -> Iterator[SmtpSink]:
    with running_sink() as sink:
        yield sink


@pytest.fixture(scope="session")
def live(
    dev_env: WorkflowEnvironment, web_sink: SmtpSink, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningService]:
    """The whole service as processes, with its links pointing at itself."""
    need_chromium()
    address = dev_env.client.service_client.config.target_host
    with running_service(
        temporal_address=address, sink=web_sink, root=tmp_path_factory.mktemp("web")
    ) as service:
        yield service


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    need_chromium()
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser, live: RunningService) -> AsyncIterator[Page]:
    context = await browser.new_context(base_url=live.base_url, locale="en-GB")
    opened = await context.new_page()
    yield opened
    await context.close()
