"""Saved histories of real runs replay against today's workflow code (determinism).

A failure here means a change would break workflows already running: guard the change with
``workflow.patched()`` and keep these files. Record new ones with
``RECORD_HISTORIES=1 ./dev test tests/workflows``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from tests.workflows.helpers import HISTORIES
from workflows.accreditation import AccreditationWorkflow
from workflows.application import ApplicationWorkflow

SAVED = sorted(HISTORIES.glob("*.json"))


def test_there_are_saved_histories_to_replay() -> None:
    assert len(SAVED) >= 4, f"expected saved histories in {HISTORIES}"


@pytest.mark.parametrize("path", SAVED, ids=[p.stem for p in SAVED])
async def test_saved_history_replays_deterministically(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(
        workflows=[ApplicationWorkflow, AccreditationWorkflow],
        data_converter=pydantic_data_converter,
    )
    # A replay that never ends would hang CI: a minute is ample for any saved history.
    await asyncio.wait_for(replayer.replay_workflow(history), timeout=60)
