"""Side effects a workflow starts without waiting for them, settled before it ends.

Emails, audit rows, register writes and signals to other workflows go out as they happen,
so an update answers at once; the workflow settles them all (and any a handler starts in the
meantime) before it completes or continues as new. Activities are named by their method.

Short database writes (``write``) run as local activities: in the worker that runs the
workflow task, recorded in history as one marker, with no task queue round trip through the
server. Emails, the award's hand-over and anything that may wait on another system run as
ordinary activities (``activity``), retried by the server for as long as it takes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ActivityError

from workflows import activity_options as opts

A = TypeVar("A")
Activity = Callable[[Any, A], Awaitable[Any]]
"""An activity method: ``(self, argument) -> result``."""


class SideEffects:
    def __init__(self) -> None:
        self._started: list[asyncio.Future[Any]] = []

    def activity(self, method: Activity[A], arg: A) -> None:
        """Start the activity ``method`` with the service's timeouts and retries."""
        self._started.append(
            workflow.start_activity_method(
                method, arg, start_to_close_timeout=opts.START_TO_CLOSE, retry_policy=opts.RETRY
            )
        )

    def write(self, method: Activity[A], arg: A) -> None:
        """Run the short database write ``method`` as a local activity, retried until done."""
        self._started.append(
            workflow.start_local_activity_method(
                method, arg, start_to_close_timeout=opts.START_TO_CLOSE, retry_policy=opts.RETRY
            )
        )

    def task(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Future[None]:
        """Run ``coroutine`` (e.g. a signal to another workflow) alongside."""
        future = asyncio.ensure_future(coroutine)
        self._started.append(future)
        return future

    def after(
        self, previous: asyncio.Future[None] | None, method: Activity[A], arg: A
    ) -> asyncio.Future[None]:
        """Run the database write ``method`` (locally) once ``previous`` has finished (whatever
        its outcome): writes of one record then land in the order they were made."""

        async def in_turn() -> None:
            if previous is not None:
                await asyncio.gather(previous, return_exceptions=True)
            await workflow.execute_local_activity_method(
                method, arg, start_to_close_timeout=opts.START_TO_CLOSE, retry_policy=opts.RETRY
            )

        return self.task(in_turn())

    async def settle(self) -> None:
        """Wait until everything started has finished and no handler is running; a side effect
        that failed for good is logged, not fatal to the workflow."""
        while True:
            await workflow.wait_condition(workflow.all_handlers_finished)
            if not self._started:
                return
            started, self._started = self._started, []
            for result in await asyncio.gather(*started, return_exceptions=True):
                if isinstance(result, ActivityError):
                    workflow.logger.error("side effect failed for good: %s", result.cause or result)
