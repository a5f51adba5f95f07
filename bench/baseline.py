"""A bare Temporal baseline of the same shape as one application, for ``scripts/bench.py``.

One ``BaselineApplication`` does what one application does to Temporal, and nothing else: a
start, 8 updates (by handler, each answering a small pydantic model), 17 activities that do
nothing (started alongside as the real side effects are, one awaited inside ``submit`` as the
real allocation is, all awaited before the workflow completes), 7 deadline-like timers (a
``wait_condition`` with a timeout, cancelled by the next update) and, from the last activity
and through a Temporal client, a signal-with-start of a ``BaselineMember`` workflow, which
completes once it has the signal. No database, no email, no encryption, no search attributes:
the pydantic data converter alone, on a worker and task queue of its own.

    .venv/bin/python -m bench.baseline --address 127.0.0.1:7233 --task-queue bench-baseline
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import argparse
    import asyncio
    import contextlib
    import os
    import signal
    import sys
    import time
    import uuid
    from collections.abc import Awaitable, Callable, Sequence
    from datetime import timedelta
    from typing import Any, TypeVar

    from pydantic import BaseModel
    from temporalio import activity
    from temporalio.client import Client
    from temporalio.common import RetryPolicy
    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.worker import PollerBehaviorSimpleMaximum, Worker

T = TypeVar("T")

START_TO_CLOSE = timedelta(seconds=30)
RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
)
DEADLINE = timedelta(days=28)
"""How far off each deadline timer is: never reached within a run, always cancelled."""
TIMERS = 7
UPDATES = 8
ACTIVITIES = 17
AWARD_SIGNAL = "award"

# Activities each step starts alongside, as the real workflow's side effects (read-model rows,
# emails, the award); ``submit`` also awaits one inside the update (the real allocation).
SIDE_EFFECTS = {
    "created": 1,
    "add_document": 1,
    "save_draft": 1,
    "invite_declarer": 2,
    "respond_to_declaration": 1,
    "submit": 5,
    "record_assessment": 1,
    "ratify": 2,  # and the award, the 17th
}


class BaselineInput(BaseModel):
    application_id: str
    member_id: str


class BaselineCommand(BaseModel):
    """What an update carries: who acts, and a little content."""

    actor_id: str
    text: str = ""


class BaselineResult(BaseModel):
    """What an update answers: small, like the real ``ActionResult``."""

    application_id: str
    state: str
    version: int


class BaselineEvent(BaseModel):
    """The argument of a no-op activity."""

    application_id: str
    action: str
    sequence: int


class BaselineAward(BaseModel):
    application_id: str
    member_id: str


class BaselineMemberInput(BaseModel):
    member_id: str


def member_workflow_id(member_id: str) -> str:
    return f"baseline-member-{member_id}"


@activity.defn(name="baseline_noop")
async def baseline_noop(event: BaselineEvent) -> None:
    """Does nothing: what is left is Temporal's own cost of an activity."""


class AwardActivity:
    """Signal-with-starts the member's workflow through a Temporal client, as the real
    ``record_award`` does."""

    def __init__(self, client: Client) -> None:
        self.client = client

    @activity.defn(name="baseline_award")
    async def award(self, award: BaselineAward) -> str:
        workflow_id = member_workflow_id(award.member_id)
        await self.client.start_workflow(
            BaselineMember.run,
            BaselineMemberInput(member_id=award.member_id),
            id=workflow_id,
            task_queue=activity.info().task_queue,
            start_signal=AWARD_SIGNAL,
            start_signal_args=[award],
        )
        return workflow_id


@workflow.defn(name="BaselineMember")
class BaselineMember:
    def __init__(self) -> None:
        self._award: BaselineAward | None = None

    @workflow.run
    async def run(self, input: BaselineMemberInput) -> BaselineAward:
        await workflow.wait_condition(lambda: self._award is not None)
        assert self._award is not None
        return self._award

    @workflow.signal(name=AWARD_SIGNAL)
    def award(self, award: BaselineAward) -> None:
        self._award = award


@workflow.defn(name="BaselineApplication")
class BaselineApplication:
    @workflow.init
    def __init__(self, input: BaselineInput) -> None:
        self._input = input
        self._state = "draft"
        self._version = 0
        self._timers = 0
        self._started: list[asyncio.Future[Any]] = []

    @workflow.run
    async def run(self, input: BaselineInput) -> BaselineResult:
        self._effects("created")
        while self._state != "accredited":
            seen = self._version
            timeout = DEADLINE if self._timers < TIMERS else None
            self._timers += 1 if timeout else 0
            # A deadline would fire on the timeout (never within a run).
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._version != seen, timeout=timeout)  # noqa: B023
        while True:  # settle: every handler finished, every side effect done
            await workflow.wait_condition(workflow.all_handlers_finished)
            if not self._started:
                break
            started, self._started = self._started, []
            await asyncio.gather(*started)
        return self._result()

    def _effects(self, action: str, count: int | None = None) -> None:
        for _ in range(SIDE_EFFECTS[action] if count is None else count):
            self._version += 1
            event = BaselineEvent(
                application_id=self._input.application_id, action=action, sequence=self._version
            )
            self._started.append(
                workflow.start_activity(
                    baseline_noop, event, start_to_close_timeout=START_TO_CLOSE, retry_policy=RETRY
                )
            )

    def _result(self) -> BaselineResult:
        return BaselineResult(
            application_id=self._input.application_id, state=self._state, version=self._version
        )

    def _step(self, action: str, state: str) -> BaselineResult:
        self._effects(action)
        self._state = state
        return self._result()

    @workflow.update
    async def add_document(self, cmd: BaselineCommand) -> BaselineResult:
        return self._step("add_document", "draft")

    @workflow.update
    async def save_draft(self, cmd: BaselineCommand) -> BaselineResult:
        return self._step("save_draft", "draft")

    @workflow.update
    async def invite_declarer(self, cmd: BaselineCommand) -> BaselineResult:
        return self._step("invite_declarer", "awaiting_declaration")

    @workflow.update
    async def respond_to_declaration(self, cmd: BaselineCommand) -> BaselineResult:
        return self._step("respond_to_declaration", "draft")

    @workflow.update
    async def submit(self, cmd: BaselineCommand) -> BaselineResult:
        self._effects("submit", 2)  # the receipt and the submission's row
        await workflow.execute_activity(
            baseline_noop,
            BaselineEvent(application_id=self._input.application_id, action="allocate", sequence=0),
            start_to_close_timeout=START_TO_CLOSE,
            retry_policy=RETRY,
        )
        self._effects("submit", SIDE_EFFECTS["submit"] - 2)
        self._state = "in_assessment"
        return self._result()

    @workflow.update
    async def record_assessment(self, cmd: BaselineCommand) -> BaselineResult:
        return self._step("record_assessment", "awaiting_ratification")

    @workflow.update
    async def ratify(self, cmd: BaselineCommand) -> BaselineResult:
        award = BaselineAward(
            application_id=self._input.application_id, member_id=self._input.member_id
        )
        self._started.append(
            workflow.start_activity_method(
                AwardActivity.award,
                award,
                start_to_close_timeout=START_TO_CLOSE,
                retry_policy=RETRY,
            )
        )
        return self._step("ratify", "accredited")


# --- the driver --------------------------------------------------------------------------

Record = Callable[[str, float], None]
"""Where a driver reports how long each step took: ``record(step, seconds)``."""


async def timed(record: Record, step: str, awaitable: Awaitable[T]) -> T:
    """``awaitable``'s result, its duration recorded as ``step``."""
    began = time.perf_counter()
    result = await awaitable
    record(step, time.perf_counter() - began)
    return result


async def drive(client: Client, task_queue: str, record: Record) -> tuple[str, str]:
    """One baseline application from start to its member workflow completed, as the real
    lifecycle goes (documents, sections, declaration, submission, assessment, ratification);
    the application's and the member's workflow ids."""
    application_id = f"baseline-{uuid.uuid4().hex}"
    member_id = uuid.uuid4().hex[:16]
    handle = await timed(
        record,
        "start",
        client.start_workflow(
            BaselineApplication.run,
            BaselineInput(application_id=application_id, member_id=member_id),
            id=application_id,
            task_queue=task_queue,
        ),
    )
    me = BaselineCommand(actor_id=member_id, text="section")
    steps = [
        ("add_document", BaselineApplication.add_document),
        ("add_document", BaselineApplication.add_document),
        ("save_draft", BaselineApplication.save_draft),
        ("invite_declarer", BaselineApplication.invite_declarer),
        ("respond_to_declaration", BaselineApplication.respond_to_declaration),
        ("submit", BaselineApplication.submit),
        ("record_assessment", BaselineApplication.record_assessment),
        ("ratify", BaselineApplication.ratify),
    ]
    result: BaselineResult | None = None
    for step, update in steps:
        result = await timed(record, step, handle.execute_update(update, me))
    if result is None or result.state != "accredited":
        raise RuntimeError(f"the baseline ended {result.state if result else 'nowhere'}")
    member = client.get_workflow_handle_for(BaselineMember.run, member_workflow_id(member_id))

    async def awarded() -> None:
        await handle.result()
        await member.result()

    await timed(record, "award", awarded())
    return application_id, member.id


# --- the worker --------------------------------------------------------------------------


async def serve(
    address: str,
    namespace: str,
    task_queue: str,
    *,
    workflow_pollers: int,
    activity_pollers: int,
    max_workflow_tasks: int | None,
    max_activities: int | None,
) -> None:
    """Run the baseline's worker until SIGINT or SIGTERM."""
    client = await Client.connect(
        address, namespace=namespace, data_converter=pydantic_data_converter
    )
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[BaselineApplication, BaselineMember],
        activities=[baseline_noop, AwardActivity(client).award],
        max_concurrent_workflow_tasks=max_workflow_tasks,
        max_concurrent_activities=max_activities,
        workflow_task_poller_behavior=PollerBehaviorSimpleMaximum(workflow_pollers),
        activity_task_poller_behavior=PollerBehaviorSimpleMaximum(activity_pollers),
        graceful_shutdown_timeout=timedelta(seconds=5),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with worker:
        print(f"baseline worker polling task queue {task_queue!r} on {address}", flush=True)
        await stop.wait()
    print("baseline worker stopped", flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline", description=__doc__)
    parser.add_argument("--address", default="127.0.0.1:7233")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--task-queue", default="bench-baseline")
    parser.add_argument("--workflow-pollers", type=int, default=5)
    parser.add_argument("--activity-pollers", type=int, default=5)
    parser.add_argument("--max-workflow-tasks", type=int)
    parser.add_argument("--max-activities", type=int)
    args = parser.parse_args(argv)
    asyncio.run(
        serve(
            args.address,
            args.namespace,
            args.task_queue,
            workflow_pollers=args.workflow_pollers,
            activity_pollers=args.activity_pollers,
            max_workflow_tasks=args.max_workflow_tasks,
            max_activities=args.max_activities,
        )
    )
    sys.stdout.flush()
    sys.stderr.flush()
    # Exit at once: the SDK's runtime threads can abort a normal interpreter exit (sdk-python #300).
    os._exit(0)


if __name__ == "__main__":
    main()
