"""An operator lists applications by state and pathway in the Temporal Web UI (the search
attributes of ``workflows/search_attributes.py``, registered as ``./dev run`` registers them)."""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest
import pytest_asyncio
from playwright.async_api import Browser, expect
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from models.enums import Pathway, Route
from scripts.temporal_binaries import dev_server_path
from tests.web.conftest import SCREENSHOTS
from tests.workflows.conftest import Running
from tests.workflows.stand_ins import StandInActivities
from tests.workflows.test_search_attributes import (
    assert_lists,
    awaiting_ratification,
    submitted,
)
from workflows import search_attributes
from workflows.accreditation import AccreditationWorkflow
from workflows.application import ApplicationWorkflow

pytestmark = [pytest.mark.dev_server, pytest.mark.browser]

SCREENSHOT = "temporal-ui-by-state-and-pathway.png"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest_asyncio.fixture(loop_scope="session")
async def with_ui() -> AsyncIterator[tuple[Running, str]]:
    """A dev server with its Web UI and the attributes registered, and a worker with stand-in
    activities: (the running worker, the UI's address)."""
    ui_port = free_port()
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(dev_server_path()),
        data_converter=pydantic_data_converter,
        ui=True,
        ui_port=ui_port,
        dev_server_log_level="error",
        search_attributes=search_attributes.KEYS,
    )
    async with env:
        task_queue = f"ui-{uuid.uuid4()}"
        activities = StandInActivities()
        async with Worker(
            env.client,
            task_queue=task_queue,
            workflows=[ApplicationWorkflow, AccreditationWorkflow],
            activities=activities.all(),
        ):
            yield Running(env.client, task_queue, activities), f"http://127.0.0.1:{ui_port}"


async def test_the_temporal_ui_lists_applications_by_state_and_pathway(
    browser: Browser, with_ui: tuple[Running, str]
) -> None:
    running, ui = with_ui
    wanted = [
        await awaiting_ratification(running, Pathway.AP_L4),
        await awaiting_ratification(running, Pathway.AP_L4),
    ]
    others = [
        await awaiting_ratification(running, Pathway.AP_L5),
        await submitted(running, Pathway.AP_L4, Route.NON_APPROVED),  # in assessment
    ]
    query = "ApplicationState = 'awaiting_ratification' AND Pathway = 'AP_L4'"
    # What the UI will list is in the visibility store (it lags the workflows a little).
    await assert_lists(running.client, query, [h.id for h in wanted])

    context = await browser.new_context(locale="en-GB", viewport={"width": 1400, "height": 900})
    try:
        page = await context.new_page()
        await page.goto(f"{ui}/namespaces/default/workflows?{urlencode({'query': query})}")
        for handle in wanted:
            await expect(page.get_by_role("link", name=handle.id)).to_be_visible(timeout=30_000)
        ids = page.get_by_role("link", name=re.compile(r"^application-"))
        await expect(ids).to_have_count(len(wanted))
        for handle in others:
            await expect(page.get_by_text(handle.id)).to_have_count(0)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=SCREENSHOTS / SCREENSHOT, full_page=True)
    finally:
        await context.close()
    for handle in [*wanted, *others]:
        await handle.terminate("test over")
