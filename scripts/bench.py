"""Benchmark: the real application lifecycle against a bare Temporal baseline of the same shape.

Starts a private stack on free ports in a fresh temporary directory, as ``scripts/faults.py``
does (one Temporal dev server, the SMTP sink, a migrated SQLite database with the stand-in
assessors, the worker, the API), plus the baseline's own worker (``bench/baseline.py``) on a
task queue of its own, so that each worker's CPU is its own. Then, for each concurrency level,
it runs batches of applications interleaved A B A B, so that drift affects both sides:

    baseline, real through Temporal ("direct"), baseline, real through the HTTP API ("http")

- baseline: ``bench.baseline.BaselineApplication``, a start, 8 no-op updates, 17 no-op
  activities, 7 timers and a signal-with-start of a member workflow from an activity;
- direct: the application workflow driven with a Temporal client (the worker's encrypted
  pydantic converter), every update by its handler: two documents, the sections, the declarer's
  invitation and answer (the token read from the emailed link), submission (allocation to a
  stand-in assessor happens inside it), the assessment and the ratification, until the award
  has reached the member's accreditation workflow;
- http: the same lifecycle through the API with httpx (``scripts.faults.Driver``'s steps:
  uploads, the declarer's link, staff decisions), until the entry is on the public register.

Each batch drives ``--applications`` lifecycles (default: max(32, 2 x concurrency); one
number for every level, or one per level),
``concurrency`` at a time. The report gives, per batch, throughput (lifecycles a second), the
lifecycle's p50/p95, and the CPU seconds each process used per application (utime + stime of
its whole session from /proc, read before the batch and after the service has gone quiet);
per step (each update, HTTP call or wait), p50/p95 in milliseconds; and the ratios to the
baseline: throughput direct/baseline and http/baseline, and the real worker's CPU per
application over the baseline worker's. A lifecycle that fails is counted and named; the exit
status is 1 if any failed.

    .venv/bin/python -m scripts.bench                        # concurrency 1, 16 and 64
    .venv/bin/python -m scripts.bench --quick                # 1 and 2, 2 applications a batch
    .venv/bin/python -m scripts.bench --concurrency 16 --applications 48 --repeat 2
    .venv/bin/python -m scripts.bench --applications 16,32,64  # per level: 1, 16, 64
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import hashlib
import math
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError, RPCStatusCode

from bench import baseline
from models.accreditation import accreditation_workflow_id
from models.application import Applicant, Application, DocumentRef, Finding
from models.catalogue import Catalogue
from models.commands import (
    Actor,
    AddDocument,
    AllocateAssessor,
    ApplicantAction,
    ApplicationInput,
    Decision,
    DeclarationResponse,
    InviteDeclarer,
    RecordAssessment,
    SaveDraft,
)
from models.enums import (
    DeclarerRole,
    DocumentKind,
    FindingLevel,
    MembershipStatus,
    Outcome,
    Pathway,
    Role,
    Route,
)
from scripts import faults
from scripts.faults import (
    PATHWAY,
    FaultStack,
    MailBox,
    Plan,
    Service,
    StepFailed,
    read_mail,
    say,
    state_in,
)
from settings import Settings
from starter import DEMO_EMPLOYER, demo_pdf
from worker import connect, load_settings_catalogue
from workflows import search_attributes
from workflows.accreditation import AccreditationWorkflow
from workflows.application import ApplicationWorkflow

T = TypeVar("T")

DEFAULT_CONCURRENCY = (1, 16, 64)
QUICK_CONCURRENCY = (1, 2)
QUICK_APPLICATIONS = 2
ROUTE = "non_approved"  # the route with an assessor: 8 updates, as the baseline has
API_KEEP_ALIVE_SECONDS = 75
"""uvicorn's idle keep-alive: well above the client's (httpx's ``keepalive_expiry``), so the
client always closes an idle connection first and never reuses one the server is closing."""
CLIENT_KEEP_ALIVE_SECONDS = 5.0
STEP_SECONDS = 120.0
POLL_SECONDS = 0.05
RETRYABLE_RPC = frozenset(
    {
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.DEADLINE_EXCEEDED,
        RPCStatusCode.INTERNAL,
        RPCStatusCode.UNKNOWN,
    }
)
"""Failures a client under load meets and retries (an h2 error reaches it as INTERNAL)."""
SETTLED_POLL_SECONDS = 0.25
"""How often a lifecycle's last step (the award reaching the member's workflow or the register)
is polled: each poll is a query or a request that costs the processes measured, so it is
rarer than the mail scan; at most a quarter second on lifecycles of several seconds."""
SETTLE_SECONDS = 20.0
QUIET_CPU_SECONDS = 0.03
"""The service is quiet when all its processes together use less than this per half second."""
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
LINK = re.compile(r"https?://\S+/(app-[0-9a-f]{32})/([A-Za-z0-9_-]+)")

KINDS = ("baseline", "direct", "http")
PROCESSES = ("worker", "baseline worker", "api", "temporal")
CPU_COLUMNS = ("worker", "baseline worker", "api", "temporal", "driver")
STEPS = (
    "start",
    "add_document",
    "save_draft",
    "invite_declarer",
    "declaration email",
    "respond_to_declaration",
    "submit",
    "record_assessment",
    "ratify",
    "award",
)
SHAPE_COLUMNS = [
    "one application",
    "updates",
    "activities",
    "timers",
    "member signal-with-start",
    "workflow tasks",
    "history events",
]
# The HTTP driver's step names (``scripts.faults.Driver``) as the workflow's steps.
HTTP_STEPS = {
    "create": "start",
    "upload scope_of_practice": "add_document",
    "upload certificate": "add_document",
    "fill in": "save_draft",
    "invite": "invite_declarer",
    "confirm": "respond_to_declaration",
    "submit": "submit",
    "allocate": "allocate_assessor",
    "assess": "record_assessment",
    "ratify": "ratify",
}


# --- options -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """The command line, checked."""

    concurrency: tuple[int, ...]
    applications: tuple[int, ...]
    """Per batch: one number for every level, one per level, or none (the default)."""
    repeat: int
    api_keep_alive: int
    workdir: Path | None
    keep: bool

    def batch_size(self, concurrency: int) -> int:
        """Applications per batch at ``concurrency``."""
        if len(self.applications) > 1:
            return self.applications[self.concurrency.index(concurrency)]
        return self.applications[0] if self.applications else max(32, 2 * concurrency)


def numbers(value: str) -> tuple[int, ...]:
    """``1,16,64``: positive whole numbers."""
    try:
        levels = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected numbers like 1,16,64: {value!r}") from err
    if not levels or min(levels) < 1:
        raise argparse.ArgumentTypeError(f"expected numbers of at least 1: {value!r}")
    return levels


def parse_options(argv: Sequence[str] | None) -> Options:
    """The options from ``argv`` (the process's arguments when None), checked."""
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="What each figure means: python -m pydoc scripts.bench",
    )
    parser.add_argument(
        "--concurrency",
        type=numbers,
        help="lifecycles at a time, one level after another (default 1,16,64)",
    )
    parser.add_argument(
        "--applications",
        type=numbers,
        help="per batch: one number, or one per level (default: max(32, 2 x concurrency))",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="A B A B cycles per level (default 1)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke run: concurrency {','.join(map(str, QUICK_CONCURRENCY))}, "
        f"{QUICK_APPLICATIONS} applications a batch",
    )
    parser.add_argument(
        "--api-keep-alive",
        type=int,
        default=API_KEEP_ALIVE_SECONDS,
        help=f"uvicorn's --timeout-keep-alive for the API (default {API_KEEP_ALIVE_SECONDS}; "
        "uvicorn's own default, 5, races httpx's 5 s keep-alive under load)",
    )
    parser.add_argument(
        "--workdir", type=Path, help="run here (new or empty) instead of a fresh temporary one"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.api_keep_alive < 1:
        parser.error("--repeat and --api-keep-alive must be at least 1")
    levels = args.concurrency or (QUICK_CONCURRENCY if args.quick else DEFAULT_CONCURRENCY)
    applications = args.applications or ((QUICK_APPLICATIONS,) if args.quick else ())
    if len(applications) > 1 and len(applications) != len(levels):
        parser.error("--applications: one number, or one per concurrency level")
    return Options(levels, applications, args.repeat, args.api_keep_alive, args.workdir, args.keep)


# --- measuring -----------------------------------------------------------------------------


class Steps:
    """Durations per step, in seconds."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {}

    def record(self, step: str, seconds: float) -> None:
        self.samples.setdefault(step, []).append(seconds)

    async def timed(self, step: str, awaitable: Awaitable[T]) -> T:
        """``awaitable``'s result, its duration recorded as ``step``."""
        return await baseline.timed(self.record, step, awaitable)

    def merge(self, other: Steps) -> None:
        for step, samples in other.samples.items():
            self.samples.setdefault(step, []).extend(samples)


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile (nearest rank) of non-empty ``samples``."""
    ordered = sorted(samples)
    return ordered[min(len(ordered), max(1, math.ceil(fraction * len(ordered)))) - 1]


class CpuMeter:
    """CPU seconds (user + system) used so far by each of the stack's processes (with any
    children: its whole session, each being started in a session of its own) and by this one."""

    def __init__(self, stack: FaultStack, names: dict[str, str]) -> None:
        self.stack = stack
        self.names = names
        """Column name: process name in the stack."""

    def read(self) -> dict[str, float]:
        sessions = {self.stack.process(name).pid: column for column, name in self.names.items()}
        totals = dict.fromkeys(self.names, 0.0)
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(os.path.join(entry.path, "stat"), "rb") as stream:
                    stat = stream.read()
            except OSError:
                continue  # ended meanwhile
            fields = stat[stat.rindex(b")") + 2 :].split()
            column = sessions.get(int(fields[3]))  # field 6: the session id
            if column is not None:  # fields 14, 15: utime, stime
                totals[column] += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        totals["driver"] = time.process_time()
        return totals

    async def quiet(self, seconds: float = SETTLE_SECONDS) -> None:
        """Wait (at most ``seconds``) until the service's processes stop using CPU: whatever a
        batch left running (side effects, the member's workflow) is counted in that batch."""
        deadline = time.monotonic() + seconds
        last = self.service_total()
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            now = self.service_total()
            if now - last < QUIET_CPU_SECONDS:
                return
            last = now

    def service_total(self) -> float:
        figures = self.read()
        return sum(figures[name] for name in PROCESSES)


@dataclass
class Batch:
    """One batch's figures."""

    kind: str
    label: str
    concurrency: int
    driven: int = 0
    completed: int = 0
    wall: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)
    steps: Steps = field(default_factory=Steps)
    lifecycles: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    retried: Counter[str] = field(default_factory=Counter)
    """HTTP requests retried, by step and what went wrong (5xx, connection errors)."""
    samples: dict[str, str] = field(default_factory=dict)
    """The first answer of each kind of 5xx."""

    @property
    def throughput(self) -> float:
        return self.completed / self.wall if self.wall else 0.0

    def cpu_per_app(self, column: str) -> float:
        return self.cpu.get(column, 0.0) / self.driven if self.driven else 0.0


Lifecycle = Callable[[int, Steps], Awaitable[object]]


async def run_batch(batch: Batch, count: int, lifecycle: Lifecycle, meter: CpuMeter) -> Batch:
    """Drive ``count`` lifecycles, ``batch.concurrency`` at a time; the batch's figures."""
    gate = asyncio.Semaphore(batch.concurrency)

    async def one(index: int) -> None:
        async with gate:
            began = time.perf_counter()
            try:
                await lifecycle(index, batch.steps)
            except Exception as err:  # a failed lifecycle is counted, and the batch goes on
                batch.failures.append(f"{type(err).__name__}: {err}"[:400])
                return
            batch.lifecycles.append(time.perf_counter() - began)

    before = meter.read()
    began = time.perf_counter()
    await asyncio.gather(*(one(index) for index in range(count)))
    batch.wall = time.perf_counter() - began
    await meter.quiet()
    after = meter.read()
    batch.driven, batch.completed = count, len(batch.lifecycles)
    batch.cpu = {name: after[name] - before[name] for name in after}
    return batch


# --- the declaration links -----------------------------------------------------------------


class Links:
    """The declaration link tokens in the sink's emails, per application: one poller reads
    each new email once for every lifecycle waiting on one, then moves it into ``read/``
    beside the new ones, so that a scan lists only what arrived since the last (a run leaves
    thousands of emails, and listing them all 20 times a second would cost the driver more
    CPU with every batch)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.done = directory / "read"
        self.tokens: dict[str, list[str]] = {}
        self.changed = asyncio.Event()

    def scan(self) -> None:
        if not self.directory.is_dir():
            return
        self.done.mkdir(exist_ok=True)
        found = False
        for entry in os.scandir(self.directory):
            if not entry.name.endswith(".eml"):
                continue
            body = read_mail(Path(entry.path)).body
            os.replace(entry.path, self.done / entry.name)
            for application_id, token in LINK.findall(body):
                known = self.tokens.setdefault(application_id, [])
                if token not in known:
                    known.insert(0, token)  # newest first
                    found = True
        if found:
            self.changed.set()
            self.changed = asyncio.Event()

    async def watch(self) -> None:
        while True:
            self.scan()
            await asyncio.sleep(POLL_SECONDS)

    async def token(self, application_id: str, seconds: float = STEP_SECONDS) -> str:
        """The newest token emailed for ``application_id``, waiting for it if need be."""
        async with asyncio.timeout(seconds):
            while not self.tokens.get(application_id):
                await self.changed.wait()
        return self.tokens[application_id][0]


class LinkMailBox(MailBox):
    """``MailBox`` for ``faults.Driver``, answering declaration tokens from ``Links``."""

    def __init__(self, links: Links) -> None:
        super().__init__(links.directory)
        self.links = links

    def declaration_tokens(self, application_id: str) -> list[str]:
        return list(self.links.tokens.get(application_id, []))


# --- the drivers ---------------------------------------------------------------------------


def plan(kind: str, run_id: str, index: int) -> Plan:
    """A fresh applicant (member) for one lifecycle."""
    member_id = f"B{run_id}{kind[0]}{index:04d}".upper()
    return Plan(
        index=index,
        phase=kind,
        route=ROUTE,
        member_id=member_id,
        name=f"Bench Applicant {member_id}",
        registration_number=f"AP-{member_id}",
        idempotency_key=f"bench-{run_id}-{kind}-{index:04d}",
    )


def profile(plan: Plan) -> dict[str, str]:
    """The applicant as ``POST /applications`` takes it (the same for both drivers)."""
    return {
        "member_id": plan.member_id,
        "name": plan.name,
        "email": plan.email,
        "registration_number": plan.registration_number,
        "membership_status": MembershipStatus.RADIOGRAPHIC_ASSISTANT.value,
        "employer": DEMO_EMPLOYER,
    }


class HttpDriver(faults.Driver):
    """``faults.Driver``'s lifecycle through the API, each request timed by step.

    Differences, all for measuring: the uploads are not downloaded back (the fault script's
    check, not an applicant's step); the declaration link comes from ``Links``; the register is
    polled every ``SETTLED_POLL_SECONDS``; the assessor is read from the application when the
    submission's answer does not name one.
    """

    def __init__(self, api: httpx.AsyncClient, settings: Settings, links: Links) -> None:
        super().__init__([api], settings, LinkMailBox(links), STEP_SECONDS)
        self.links = links
        self.timings = Steps()

    async def attempt(
        self,
        step: str,
        method: str,
        path: str,
        kwargs: dict[str, Any],
        api: httpx.AsyncClient | None = None,
    ) -> httpx.Response | str:
        began = time.perf_counter()
        answer = await super().attempt(step, method, path, kwargs, api)
        if step in HTTP_STEPS:
            self.timings.record(HTTP_STEPS[step], time.perf_counter() - began)
        return answer

    async def download_everywhere(
        self, plan: Plan, app_id: str, document_id: str, content: bytes
    ) -> None:
        """Not a step of the lifecycle measured here."""

    async def declaration_token(self, plan: Plan, app_id: str) -> str:
        began = time.perf_counter()
        await self.links.token(app_id, self.step_seconds)
        token = await super().declaration_token(plan, app_id)  # the link opens (GET)
        self.timings.record("declaration email", time.perf_counter() - began)
        return token

    async def wait_registered(self, plan: Plan) -> None:
        deadline = time.monotonic() + self.step_seconds
        params = {"registration_number": plan.registration_number}
        while time.monotonic() < deadline:
            page = await self.call("register", "GET", "/register", params=params)
            if page["items"]:
                return
            await asyncio.sleep(SETTLED_POLL_SECONDS)
        raise StepFailed(f"register: no entry within {self.step_seconds:.0f}s")

    async def steps_of(self, plan: Plan, outcome: faults.Outcome) -> None:
        app_id = await self.create(plan)
        outcome.application_id = app_id
        scope = await self.upload(plan, app_id, "scope_of_practice")
        certificate = await self.upload(plan, app_id, "certificate")
        await self.fill_in(plan, app_id, scope, certificate)
        await self.invite(plan, app_id)
        token = await self.declaration_token(plan, app_id)
        await self.confirm(plan, app_id, token)
        answer = await self.submit(plan, app_id)
        assessor = answer.get("assessor_id")
        if assessor is None:
            view = await self.require_view(app_id)
            if view["state"] == "awaiting_allocation":
                view = await self.wait_for_allocation(app_id)
            if view["state"] == "awaiting_allocation":
                await self.act(
                    plan, app_id, "allocate", "allocation", {}, self.officer(),
                    state_in("in_assessment"),
                )  # fmt: skip
                view = await self.require_view(app_id)
            assessor = view.get("assessor_id")
        if not assessor:
            raise StepFailed(f"submit: no assessor allocated (state {answer.get('state')})")
        findings = [
            {"outcome_code": c, "level": "met", "comment": "ok"} for c in self.outcome_codes
        ]
        await self.act(
            plan, app_id, "assess", "assessment",
            {"findings": findings, "recommended_outcome": "accredited"},
            self.auth(Role.ASSESSOR, str(assessor)),
            state_in("awaiting_ratification", "accredited"),
        )  # fmt: skip
        ratified = await self.act(
            plan, app_id, "ratify", "ratification", {}, self.officer(), state_in("accredited")
        )
        if ratified["state"] != "accredited":
            raise StepFailed(f"ratify: the application ended {ratified['state']}")
        outcome.accredited = True
        began = time.perf_counter()
        await self.wait_registered(plan)
        self.timings.record("award", time.perf_counter() - began)
        outcome.registered = True

    async def lifecycle(self, plan: Plan) -> None:
        """Drive ``plan`` to the register; raises when it did not get there."""
        outcome = await self.drive(plan)
        if outcome.failure or not outcome.registered:
            raise StepFailed(outcome.failure or "not on the register")


class DirectDriver:
    """The real lifecycle through Temporal: the application workflow started as the API starts
    it, every update sent by its handler. Only ``.state`` of an update's answer is read (the
    full view is a query), so either answer type (``ApplicationView``, ``ActionResult``) does.
    """

    def __init__(
        self,
        client: Client,
        settings: Settings,
        catalogue: Catalogue,
        links: Links,
        sections: Callable[[Plan, str, str], dict[str, Any]],
    ) -> None:
        self.client = client
        self.settings = settings
        self.catalogue = catalogue
        self.links = links
        self.sections = sections
        self.officer = Actor(id="officer-bench", role=Role.OFFICER, name="Bench Officer")
        self.outcome_codes = catalogue.for_pathway(Pathway(PATHWAY)).outcome_codes()
        self.retried: Counter[str] = Counter()

    async def again(self, call: Callable[[], Awaitable[T]]) -> T:
        """``call()`` as a client should make it under load: made again when it times out or
        the connection fails (updates carry an id of their own, so each runs once)."""
        deadline = time.monotonic() + STEP_SECONDS
        while True:
            try:
                return await call()
            except (WorkflowUpdateRPCTimeoutOrCancelledError, RPCError) as err:
                retryable = not isinstance(err, RPCError) or err.status in RETRYABLE_RPC
                if not retryable or time.monotonic() > deadline:
                    raise
                self.retried[type(err).__name__] += 1
                await asyncio.sleep(POLL_SECONDS)

    async def update(self, handle: WorkflowHandle[Any, Any], method: Any, arg: Any) -> Any:
        update_id = f"bench-{uuid.uuid4().hex}"
        return await self.again(lambda: handle.execute_update(method, arg, id=update_id))

    def input(self, plan: Plan) -> ApplicationInput:
        """What ``api.application_workflows.start`` gives a new application's workflow."""
        settings = self.settings
        application = Application(
            application_id=f"app-{uuid.uuid4().hex}",
            applicant=Applicant.model_validate(profile(plan)),
            pathway=Pathway(PATHWAY),
            route=Route(ROUTE),
        )
        return ApplicationInput(
            application=application,
            catalogue=self.catalogue.for_pathway(application.pathway),
            policy=settings.policy(),
            declaration_link_base=f"{settings.portal_base_url}/declare",
            cpd_verification_link_base=f"{settings.portal_base_url}/verify-cpd",
            officers_email=settings.officers_email,
            non_member_fee_pence=settings.non_member_fee_pence,
        )

    @staticmethod
    def document(plan: Plan, kind: DocumentKind) -> DocumentRef:
        """A document as an upload records it (the workflow never reads the bytes)."""
        content = demo_pdf(f"{plan.name}: {kind.value}")
        return DocumentRef(
            document_id=f"doc-{uuid.uuid4().hex}",
            kind=kind,
            sha256=hashlib.sha256(content).hexdigest(),
            filename=f"{kind.value}.pdf",
        )

    async def lifecycle(self, plan: Plan, steps: Steps) -> tuple[str, str]:
        """Drive ``plan`` until the member's workflow holds the award; the application's and
        the member's workflow ids."""
        payload = self.input(plan)
        app_id = payload.application.application_id
        handle = await steps.timed(
            "start",
            self.client.start_workflow(
                ApplicationWorkflow.run,
                payload,
                id=f"application-{app_id}",
                task_queue=self.settings.task_queue,
                search_attributes=search_attributes.for_new_application(payload.application),
            ),
        )
        me = Actor(id=plan.member_id, role=Role.APPLICANT, name=plan.name)
        scope = self.document(plan, DocumentKind.SCOPE_OF_PRACTICE)
        certificate = self.document(plan, DocumentKind.CERTIFICATE)
        for document in (scope, certificate):
            await steps.timed(
                "add_document",
                self.update(
                    handle,
                    ApplicationWorkflow.add_document,
                    AddDocument(actor=me, document=document),
                ),
            )
        sections = self.sections(plan, scope.document_id, certificate.document_id)
        await steps.timed(
            "save_draft",
            self.update(
                handle,
                ApplicationWorkflow.save_draft,
                SaveDraft.model_validate({**sections, "actor": me}),
            ),
        )
        invitation = InviteDeclarer(
            actor=me,
            declarer_name="Sam Manager",
            declarer_email=plan.declarer_email,
            declarer_role=DeclarerRole.MANAGER,
        )
        await steps.timed(
            "invite_declarer",
            self.update(handle, ApplicationWorkflow.invite_declarer, invitation),
        )
        token = await steps.timed("declaration email", self.links.token(app_id))
        await steps.timed(
            "respond_to_declaration",
            self.update(
                handle,
                ApplicationWorkflow.respond_to_declaration,
                DeclarationResponse(token=token, confirm=True),
            ),
        )
        submitted = await steps.timed(
            "submit",
            self.update(handle, ApplicationWorkflow.submit, ApplicantAction(actor=me)),
        )
        assessor_id = submitted.assessor_id or await self.assessor(handle, steps)
        assessment = RecordAssessment(
            actor=Actor(id=assessor_id, role=Role.ASSESSOR),
            findings=[
                Finding(outcome_code=code, level=FindingLevel.MET, comment="ok")
                for code in self.outcome_codes
            ],
            recommended_outcome=Outcome.ACCREDITED,
        )
        await steps.timed(
            "record_assessment",
            self.update(handle, ApplicationWorkflow.record_assessment, assessment),
        )
        ratified = await steps.timed(
            "ratify",
            self.update(handle, ApplicationWorkflow.ratify, Decision(actor=self.officer)),
        )
        if ratified.state != "accredited":
            raise StepFailed(f"ratify: the application is {ratified.state}")
        member = await steps.timed("award", self.awarded(handle, plan.member_id))
        return handle.id, member

    async def assessor(self, handle: WorkflowHandle[Any, Any], steps: Steps) -> str:
        """When the submission's answer names no assessor: the one allocated since (an officer
        allocates when the service found none), from the application's view."""
        view = await steps.timed("view", self.again(lambda: handle.query(ApplicationWorkflow.view)))
        deadline = time.monotonic() + STEP_SECONDS
        while view.state == "awaiting_allocation" and not view.queue_reason:
            if time.monotonic() > deadline:
                raise StepFailed("allocation: still searching for an assessor")
            await asyncio.sleep(POLL_SECONDS)
            view = await steps.timed(
                "view", self.again(lambda: handle.query(ApplicationWorkflow.view))
            )
        if view.state == "awaiting_allocation":
            await steps.timed(
                "allocate_assessor",
                self.update(
                    handle,
                    ApplicationWorkflow.allocate_assessor,
                    AllocateAssessor(actor=self.officer),
                ),
            )
            view = await steps.timed(
                "view", self.again(lambda: handle.query(ApplicationWorkflow.view))
            )
        if view.assessor_id is None:
            raise StepFailed(f"submit: no assessor allocated (state {view.state})")
        return str(view.assessor_id)

    async def awarded(self, handle: WorkflowHandle[Any, Any], member_id: str) -> str:
        """Wait until the application has completed and its award has reached the member's
        accreditation workflow; that workflow's id."""
        await self.again(handle.result)
        member = self.client.get_workflow_handle_for(
            AccreditationWorkflow.run, accreditation_workflow_id(member_id)
        )
        deadline = time.monotonic() + STEP_SECONDS
        while (
            await self.again(lambda: member.query(AccreditationWorkflow.view))
        ).expires_on is None:
            if time.monotonic() > deadline:
                raise StepFailed("award: the member's workflow has no accreditation")
            await asyncio.sleep(SETTLED_POLL_SECONDS)
        return member.id


# --- the shape check -----------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """What one application did to Temporal, from its history."""

    updates: int
    activities: int
    timers: int
    signal_with_start: bool
    workflow_tasks: int = field(default=0, compare=False)
    events: int = field(default=0, compare=False)

    def cells(self) -> list[str]:
        return [
            str(self.updates),
            str(self.activities),
            str(self.timers),
            "yes" if self.signal_with_start else "no",
            str(self.workflow_tasks),
            str(self.events),
        ]


async def shape(client: Client, application: str, member: str) -> Shape:
    """Count the application's updates, activities and timers; whether its member workflow
    was started by a signal-with-start."""
    events: Counter[int] = Counter()
    async for event in client.get_workflow_handle(application).fetch_history_events():
        events[event.event_type] += 1
    first = [
        event.event_type
        async for event in client.get_workflow_handle(member).fetch_history_events()
    ][:2]
    return Shape(
        updates=events[EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED],
        activities=events[EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED],
        timers=events[EventType.EVENT_TYPE_TIMER_STARTED],
        signal_with_start=first
        == [
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
        ],
        workflow_tasks=events[EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED],
        events=sum(events.values()),
    )


# --- the run -------------------------------------------------------------------------------


@dataclass
class Bench:
    """Everything a run drives with."""

    options: Options
    service: Service
    meter: CpuMeter
    links: Links
    real: Client
    bare: Client
    baseline_queue: str
    direct: DirectDriver
    outcome_codes: list[str]
    programme_id: str
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    counter: Counter[str] = field(default_factory=Counter)

    def next_plan(self, kind: str) -> Plan:
        self.counter[kind] += 1
        return plan(kind, self.run_id, self.counter[kind])

    def http_client(self, concurrency: int) -> httpx.AsyncClient:
        """A client whose pool keeps a connection for every lifecycle in flight (httpx keeps
        20 by default, and httpcore 1.0 drops idle connections whenever the pool holds more
        than that in all, so a busy pool would open a connection for nearly every request),
        each idle connection closed by the client, before the API would (``API_KEEP_ALIVE``)."""
        size = max(20, 2 * concurrency)
        limits = httpx.Limits(
            max_connections=size,
            max_keepalive_connections=size,
            keepalive_expiry=CLIENT_KEEP_ALIVE_SECONDS,
        )
        return httpx.AsyncClient(
            base_url=self.service.api_url, timeout=faults.HTTP_TIMEOUT, limits=limits
        )

    def http_driver(self, api: httpx.AsyncClient) -> HttpDriver:
        driver = HttpDriver(api, self.service.settings(), self.links)
        driver.outcome_codes, driver.programme_id = self.outcome_codes, self.programme_id
        return driver

    async def batch(self, kind: str, label: str, concurrency: int, count: int) -> Batch:
        """One batch of ``kind``."""
        batch = Batch(kind, label, concurrency)
        if kind == "baseline":

            async def bare(_index: int, steps: Steps) -> object:
                return await baseline.drive(self.bare, self.baseline_queue, steps.record)

            return await run_batch(batch, count, bare, self.meter)
        if kind == "direct":

            async def direct(_index: int, steps: Steps) -> object:
                return await self.direct.lifecycle(self.next_plan(kind), steps)

            self.direct.retried = Counter()
            done = await run_batch(batch, count, direct, self.meter)
            done.retried = self.direct.retried
            return done
        async with self.http_client(concurrency) as api:
            driver = self.http_driver(api)

            async def http(_index: int, _steps: Steps) -> object:
                await driver.lifecycle(self.next_plan(kind))
                return None

            await run_batch(batch, count, http, self.meter)
        batch.steps.merge(driver.timings)
        batch.retried = driver.stats.server_errors + driver.stats.transport_errors
        batch.samples = dict(driver.stats.samples)
        return batch


async def prepare(options: Options, stack: FaultStack, service: Service) -> Bench:
    """Clients, drivers and the catalogue, once the stack is up."""
    settings = service.settings()
    links = Links(service.mail_dir)
    real = await connect(settings)
    bare = await Client.connect(
        service.temporal_address, namespace="default", data_converter=pydantic_data_converter
    )
    async with httpx.AsyncClient(base_url=service.api_url, timeout=faults.HTTP_TIMEOUT) as api:
        loader = HttpDriver(api, settings, links)
        await loader.load_catalogue()
    direct = DirectDriver(real, settings, load_settings_catalogue(settings), links, loader.sections)
    meter = CpuMeter(
        stack,
        {"worker": "worker", "baseline worker": "baseline", "api": "api", "temporal": "temporal"},
    )
    return Bench(
        options, service, meter, links, real, bare, f"{service.task_queue}-baseline",
        direct, loader.outcome_codes, loader.programme_id,
    )  # fmt: skip


async def warm_up(bench: Bench) -> list[str]:
    """One lifecycle of each kind, not measured (first runs load code and connect); the shape
    of a baseline and a real application from their histories. Problems, if any."""
    steps = Steps()
    try:
        bare_ids = await baseline.drive(bench.bare, bench.baseline_queue, steps.record)
        real_ids = await bench.direct.lifecycle(bench.next_plan("direct"), steps)
        async with bench.http_client(1) as api:
            await bench.http_driver(api).lifecycle(bench.next_plan("http"))
    except Exception as err:
        return [f"warm-up: {type(err).__name__}: {err}"[:400]]
    shapes = {
        "baseline": await shape(bench.bare, *bare_ids),
        "real": await shape(bench.real, *real_ids),
    }
    print()
    print_table(
        SHAPE_COLUMNS,
        [[name, *s.cells()] for name, s in shapes.items()],
    )
    if shapes["baseline"] != shapes["real"]:
        print("note: the real application's shape now differs from the baseline's", flush=True)
    await bench.meter.quiet()
    return []


async def run_level(bench: Bench, concurrency: int) -> list[Batch]:
    """A B A B at ``concurrency``: baseline, direct, baseline, http (``--repeat`` times)."""
    count = bench.options.batch_size(concurrency)
    batches: list[Batch] = []
    for cycle in range(1, bench.options.repeat + 1):
        suffix = f" {cycle}" if bench.options.repeat > 1 else ""
        for number, kind in enumerate(("baseline", "direct", "baseline", "http"), start=1):
            label = f"{kind}{suffix}" + (f" {'ab'[number // 3]}" if kind == "baseline" else "")
            say(f"concurrency {concurrency}: {label}, {count} application(s)")
            batch = await bench.batch(kind, label, concurrency, count)
            batches.append(batch)
            say(
                f"concurrency {concurrency}: {label}: {batch.completed}/{batch.driven} in "
                f"{batch.wall:.1f}s ({batch.throughput:.2f}/s)"
                + (f", {len(batch.failures)} FAILED" if batch.failures else "")
            )
    return batches


async def drive_all(options: Options, stack: FaultStack, service: Service) -> Report:
    bench = await prepare(options, stack, service)
    watcher = asyncio.create_task(bench.links.watch())
    try:
        report = Report(problems=await warm_up(bench))
        if report.problems:
            return report
        for concurrency in options.concurrency:
            report.levels[concurrency] = await run_level(bench, concurrency)
        return report
    finally:
        watcher.cancel()


def start(stack: FaultStack, service: Service, options: Options) -> str:
    """The stack, and the baseline's worker on a task queue of its own; that queue."""
    faults.start_stack(stack, service, ["--timeout-keep-alive", str(options.api_keep_alive)])
    settings = service.settings()
    queue = f"{service.task_queue}-baseline"
    argv = [
        sys.executable, "-m", "bench.baseline",
        "--address", service.temporal_address, "--task-queue", queue,
        "--workflow-pollers", str(settings.worker_workflow_task_pollers),
        "--activity-pollers", str(settings.worker_activity_task_pollers),
    ]  # fmt: skip
    if settings.worker_max_concurrent_workflow_tasks is not None:
        argv += ["--max-workflow-tasks", str(settings.worker_max_concurrent_workflow_tasks)]
    if settings.worker_max_concurrent_activities is not None:
        argv += ["--max-activities", str(settings.worker_max_concurrent_activities)]
    stack.start("baseline", argv, service.logs / "baseline-worker.log")
    faults.wait_for_worker(stack, offset=0, name="baseline")
    return queue


# --- the report ----------------------------------------------------------------------------


@dataclass
class Report:
    levels: dict[int, list[Batch]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def failures(self) -> int:
        return sum(len(b.failures) for batches in self.levels.values() for b in batches)


def print_table(header: list[str], rows: list[list[str]]) -> None:
    """Columns two spaces apart, the first left-aligned, the others right-aligned."""
    lines = [header, *rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        cells = [line[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True)]
        print("  ".join(cells).rstrip())
    sys.stdout.flush()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def spread(samples: Sequence[float], scale: float = 1000, digits: int = 0) -> str:
    """``p50/p95`` of ``samples`` (ms by default), or ``-``."""
    if not samples:
        return "-"
    low, high = percentile(samples, 0.5) * scale, percentile(samples, 0.95) * scale
    return f"{low:.{digits}f}/{high:.{digits}f}"


def pooled(batches: list[Batch], kind: str) -> Batch:
    """Every batch of ``kind`` at one level as one (the two baselines of A B A B)."""
    mine = [b for b in batches if b.kind == kind]
    total = Batch(kind, kind, mine[0].concurrency if mine else 0)
    for batch in mine:
        total.driven += batch.driven
        total.completed += batch.completed
        total.wall += batch.wall
        total.lifecycles += batch.lifecycles
        total.failures += batch.failures
        total.retried += batch.retried
        total.steps.merge(batch.steps)
        for name, value in batch.cpu.items():
            total.cpu[name] = total.cpu.get(name, 0.0) + value
    return total


def ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}" if denominator else "-"


def print_level(concurrency: int, batches: list[Batch]) -> dict[str, Batch]:
    """The level's batches, its steps and its ratios; each kind's batches pooled."""
    count = batches[0].driven if batches else 0
    print(f"\n== concurrency {concurrency}: {count} application(s) per batch ==")
    header = ["batch", "done", "failed", "wall s", "apps/s", "lifecycle p50/p95 s", "retried"]
    header += [f"{name} ms/app" for name in CPU_COLUMNS]
    rows = [
        [
            b.label, str(b.completed), str(len(b.failures)), f"{b.wall:.2f}",
            f"{b.throughput:.2f}", spread(b.lifecycles, 1, 2), str(sum(b.retried.values())),
            *(ms(b.cpu_per_app(name)) for name in CPU_COLUMNS),
        ]
        for b in batches
    ]  # fmt: skip
    print_table(header, rows)
    kinds = {kind: pooled(batches, kind) for kind in KINDS}
    print()
    steps = [s for s in STEPS if any(s in k.steps.samples for k in kinds.values())]
    extra = sorted({s for k in kinds.values() for s in k.steps.samples} - set(STEPS))
    print_table(
        ["step p50/p95 ms", *KINDS],
        [[step, *(spread(kinds[k].steps.samples.get(step, [])) for k in KINDS)]
         for step in [*steps, *extra]],
    )  # fmt: skip
    base = kinds["baseline"]
    print()
    for kind in ("direct", "http"):
        real = kinds[kind]
        print(
            f"ratio c={concurrency} throughput {kind}/baseline "
            f"{ratio(real.throughput, base.throughput)} "
            f"({real.throughput:.2f} / {base.throughput:.2f} apps/s)"
        )
    for kind in ("direct", "http"):
        real = kinds[kind]
        worker, bare = real.cpu_per_app("worker"), base.cpu_per_app("baseline worker")
        print(
            f"ratio c={concurrency} worker CPU per application {kind}/baseline "
            f"{ratio(worker, bare)} ({ms(worker)} / {ms(bare)} ms)"
        )
    for batch in batches:
        for what, times in sorted(batch.retried.items()):
            sample = batch.samples.get(what, "").replace("\n", " ")[:160]
            print(f"retried [{batch.label}]: {what} x{times}" + (f": {sample}" if sample else ""))
        for failure, times in Counter(batch.failures).most_common(5):
            print(f"failed [{batch.label}]: {failure}" + (f" (x{times})" if times > 1 else ""))
    sys.stdout.flush()
    return kinds


def print_report(report: Report) -> None:
    pooled_levels = {c: print_level(c, batches) for c, batches in report.levels.items()}
    if not pooled_levels:
        return
    levels = list(pooled_levels)
    print("\n== summary ==")
    rows: list[list[str]] = []
    for kind in KINDS:
        rows.append(
            [f"{kind} apps/s", *(f"{pooled_levels[c][kind].throughput:.2f}" for c in levels)]
        )
    for kind in ("direct", "http"):
        rows.append(
            [f"throughput {kind}/baseline"]
            + [
                ratio(pooled_levels[c][kind].throughput, pooled_levels[c]["baseline"].throughput)
                for c in levels
            ]
        )
    for kind in ("direct", "http"):
        rows.append(
            [f"worker CPU/app {kind}/baseline"]
            + [
                ratio(
                    pooled_levels[c][kind].cpu_per_app("worker"),
                    pooled_levels[c]["baseline"].cpu_per_app("baseline worker"),
                )
                for c in levels
            ]
        )
    for column in ("temporal", "api"):
        for kind in KINDS:
            if column == "api" and kind != "http":
                continue
            rows.append(
                [f"{column} CPU ms/app {kind}"]
                + [ms(pooled_levels[c][kind].cpu_per_app(column)) for c in levels]
            )
    print_table(["", *(f"c={c}" for c in levels)], rows)


def prepare_workdir(given: Path | None) -> Path:
    """The run's directory: the one given (new or empty), or a fresh temporary one."""
    if given is None:
        return Path(tempfile.mkdtemp(prefix="accred-bench-"))
    workdir = given.resolve()
    if workdir.exists() and any(workdir.iterdir()):
        raise SystemExit(f"{workdir} is not empty: give a new or empty directory")
    workdir.mkdir(parents=True, exist_ok=True)
    return workdir


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 when every lifecycle completed."""
    options = parse_options(argv)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    workdir = prepare_workdir(options.workdir)
    # The baseline has the shape of an application before verified CPD (R08, R16): the
    # benchmark's service counts CPD as it did then, so no CPD marks are sent.
    service = dataclasses.replace(Service.on_free_ports(workdir), cpd_verification_required=False)
    say(f"working in {workdir}")
    stack = FaultStack(env=service.environment())

    def run() -> Report:
        start(stack, service, options)
        say(
            f"levels {', '.join(map(str, options.concurrency))}; batches A B A B "
            f"(baseline, direct, baseline, http) x{options.repeat}; API keep-alive "
            f"{options.api_keep_alive}s, client {CLIENT_KEEP_ALIVE_SECONDS:g}s"
        )
        return asyncio.run(drive_all(options, stack, service))

    ended = faults.run_on_stack(stack, service, run)
    report, problem, exited = ended.result, ended.problem, ended.exited
    leftovers = faults.leftover_processes(workdir)
    if report is not None:
        print_report(report)
    reasons = [problem] if problem else []
    if report is not None:
        reasons += report.problems
        if report.failures():
            reasons.append(f"{report.failures()} lifecycle(s) failed")
    if exited:
        reasons.append(f"ended on their own: {', '.join(exited)}")
    if leftovers:
        reasons.append(f"processes left running: {', '.join(map(str, leftovers))}")
    print()
    if reasons:
        print(f"FAILED: {'; '.join(reasons)} (logs in {workdir})", flush=True)
        return 1
    assert report is not None
    done = sum(b.completed for batches in report.levels.values() for b in batches)
    print(f"OK: {done} lifecycles completed, none failed", flush=True)
    if options.workdir is None and not options.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"logs, database and mail kept in {workdir}", flush=True)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Exit at once, even if a library left a thread running (see sdk-python #300).
    os._exit(code)
