"""A worker with stand-in activities on a fresh task queue, on either Temporal server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest_asyncio
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.workflows.stand_ins import StandInActivities
from workflows.accreditation import AccreditationWorkflow
from workflows.application import ApplicationWorkflow
from workflows.runner import workflow_runner


@dataclass
class Running:
    client: Client
    task_queue: str
    activities: StandInActivities


async def _running(env: WorkflowEnvironment, task_queue: str) -> AsyncIterator[Running]:
    activities = StandInActivities()
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[ApplicationWorkflow, AccreditationWorkflow],
        activities=activities.all(),
        workflow_runner=workflow_runner(),
    ):
        yield Running(env.client, task_queue, activities)


@pytest_asyncio.fixture(loop_scope="session")
async def on_dev_server(dev_env: WorkflowEnvironment, task_queue: str) -> AsyncIterator[Running]:
    """Updates need the dev server."""
    async for running in _running(dev_env, task_queue):
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def on_time_skipping(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> AsyncIterator[Running]:
    """Timers are tested where time can be skipped."""
    async for running in _running(time_skipping_env, task_queue):
        yield running
