"""Fault injection: drive applications through a private stack while parts of it are killed.

Starts a complete local stack of its own in a fresh temporary directory on free ports (the
Temporal dev server with its state in a file, the SMTP sink, a migrated SQLite database with the
stand-in assessors, the worker and the API), so it can run beside ``./dev run``. ``--workers``
and ``--apis`` start several of each (each API with a document directory of its own, as on
separate hosts; requests go to each API in turn, as through a load balancer), and
``--database-url`` uses an empty database of the run's own (PostgreSQL) instead. It then drives
``--applications`` applications through the HTTP API only, ``--concurrency`` at a time, each from
draft to ACCREDITED and onto the public register (approved and non-approved routes in turn),
retrying every step on 5xx answers, connection errors and timeouts; each uploaded document is
downloaded back through every API and compared.

The run is split into one phase per fault kind in ``--faults``, each driving its share of the
applications while ``--kills`` faults of that kind are injected, spread over the phase's
progress: ``worker`` (kill -9 a worker, restart it), ``temporal`` (kill -9 the dev server,
restart it on the same port and database file), ``smtp`` (stop the mail sink, restart it) and
``api`` (kill -9 an API, restart it); of several workers or APIs, each fault hits the next.
Then it waits for the service to settle and prints one row per phase and a total:

- driven, completed: applications started, and those ACCREDITED with their register entry;
- lost: created (the create was answered) but never on the register, or without a workflow;
- dup register: register rows beyond one per registration number (read from the database);
- dup emails: emails with a Message-ID of their own where one email was expected (same
  recipient, subject and application); resent emails: the same Message-ID delivered again (a
  worker killed between the SMTP reply and recording the send; receivers can drop it);
- dup apps: applications beyond one per member (a retried create that started a second one);
- stuck: workflows still running but busy with activities or, for an application, in a state
  no person acts on; and workflows that failed, were terminated or timed out.

It exits 0 only when every application completed and nothing was lost, duplicated or stuck
(resent emails are reported, not failed); otherwise 1 with a one-line reason. Every process it
starts is stopped at the end, and none is left behind.

    .venv/bin/python -m scripts.faults --applications 20 --faults worker,temporal,smtp --kills 2
    .venv/bin/python -m scripts.faults --applications 16 --faults worker,api --kills 1 \\
        --workers 2 --apis 2 --database-url postgresql+psycopg://postgres@127.0.0.1/faults_1
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass, field, fields
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Generic, TypeVar

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Role, mint_token
from models.accreditation import accreditation_workflow_id
from scripts.stack import API_KEEP_ALIVE, Stack, wait_for_port
from scripts.temporal_binaries import MissingBinaryError, dev_server_path
from settings import ROOT, Settings
from starter import DEMO_EMPLOYER, demo_pdf
from workflows import search_attributes
from workflows.application import workflow_id

R = TypeVar("R")

FAULT_KINDS = ("worker", "temporal", "smtp", "api")
DEFAULT_FAULTS = ("worker", "temporal", "smtp")
DOCUMENT_STORES = ("directory", "database")
NO_FAULTS = "none"
DEFAULT_PORTS = frozenset({7233, 8233, 8000, 8025})
HOST = "127.0.0.1"
PATHWAY = "AP_L4"
# Roughly how many API steps one application takes: kills are spread over a phase by progress.
STEPS_PER_APPLICATION = 10
FIRST_BACKOFF_SECONDS = 0.25
MAX_BACKOFF_SECONDS = 2.0
POLL_SECONDS = 0.25
PROGRESS_EVERY_SECONDS = 10.0
HTTP_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
# Application states in which a running workflow waits on a person, not on the service.
PERSON_STATES = frozenset(
    {
        "draft",
        "awaiting_declaration",
        "in_verification",
        "awaiting_allocation",
        "in_assessment",
        "awaiting_ratification",
        "deferred",
    }
)
APPLICATION_ID = re.compile(r"app-[0-9a-f]{32}")
COLUMNS = (
    "phase",
    "kills",
    "driven",
    "completed",
    "lost",
    "dup register",
    "dup emails",
    "resent emails",
    "dup apps",
    "stuck",
)

# Set in the environment of every process of a run: how leftovers are found after it.
RUN_MARKER = "ACCRED_FAULTS_RUN_DIR"
STARTED = time.monotonic()
View = dict[str, Any]
Predicate = Callable[[View], bool]
CPD_RECORDS = 6
"""CPD records entered on the non-approved route, each then marked verified by the portal."""


def say(message: str) -> None:
    """Print a progress line with the seconds since the run started."""
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


# --- options -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """The command line, checked."""

    applications: int
    concurrency: int
    faults: tuple[str, ...]
    kills: int
    pause_seconds: float
    settle_seconds: float
    step_seconds: float
    workdir: Path | None
    keep: bool
    workers: int = 1
    apis: int = 1
    database_url: str | None = None
    document_store: str = "directory"


def parse_faults(value: str) -> tuple[str, ...]:
    """``worker,temporal,smtp,api`` (any of them, in the order given) or ``none``."""
    kinds = tuple(k.strip() for k in value.split(",") if k.strip())
    if kinds == (NO_FAULTS,):
        return ()
    unknown = [k for k in kinds if k not in FAULT_KINDS]
    if unknown or not kinds or len(set(kinds)) != len(kinds):
        raise argparse.ArgumentTypeError(
            f"expected distinct kinds among {', '.join(FAULT_KINDS)} or {NO_FAULTS}: {value!r}"
        )
    return kinds


def build_parser() -> argparse.ArgumentParser:
    """The command line's options."""
    parser = argparse.ArgumentParser(
        prog="python -m scripts.faults",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="Columns: see the module docstring (python -m pydoc scripts.faults).",
    )
    parser.add_argument("--applications", type=int, default=20, help="how many (default 20)")
    parser.add_argument("--concurrency", type=int, default=4, help="at a time (default 4)")
    parser.add_argument(
        "--faults",
        type=parse_faults,
        default=DEFAULT_FAULTS,
        help="comma-separated kinds, one phase each, among worker,temporal,smtp,api "
        "(default worker,temporal,smtp) or none; worker and api kill one of several in turn",
    )
    parser.add_argument("--kills", type=int, default=2, help="faults per kind (default 2)")
    parser.add_argument(
        "--pause-seconds", type=float, default=2.0, help="down time per fault (default 2)"
    )
    parser.add_argument(
        "--settle-seconds",
        type=float,
        default=90.0,
        help="at most this long to wait for the service to settle after driving (default 90)",
    )
    parser.add_argument(
        "--step-seconds",
        type=float,
        default=90.0,
        help="at most this long for one step, retries included (default 90)",
    )
    parser.add_argument(
        "--workdir", type=Path, help="run here (new or empty) instead of a fresh temporary one"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory even when all is well"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes on the task queue (default 1)"
    )
    parser.add_argument(
        "--apis",
        type=int,
        default=1,
        help="API processes, each on a port and document directory of its own; requests go to "
        "each in turn, as through a load balancer (default 1)",
    )
    parser.add_argument(
        "--database-url",
        help="an empty database of the run's own (e.g. postgresql+psycopg://user@host/db), "
        "migrated and seeded here and left in place (default: a SQLite file in the workdir)",
    )
    parser.add_argument(
        "--document-store",
        choices=DOCUMENT_STORES,
        help="where the APIs keep documents (default: directory with one API, database with "
        "several, which otherwise could not serve each other's uploads)",
    )
    return parser


def parse_options(argv: Sequence[str] | None) -> Options:
    """The options from ``argv`` (the process's arguments when None), checked."""
    parser = build_parser()
    args = parser.parse_args(argv)
    phases = max(1, len(args.faults))
    if args.applications < phases or args.concurrency < 1 or args.kills < 0:
        parser.error(f"need --applications >= {phases}, --concurrency >= 1 and --kills >= 0")
    if args.workers < 1 or args.apis < 1:
        parser.error("need --workers >= 1 and --apis >= 1")
    return Options(
        applications=args.applications,
        concurrency=args.concurrency,
        faults=args.faults,
        kills=args.kills if args.faults else 0,
        pause_seconds=args.pause_seconds,
        settle_seconds=args.settle_seconds,
        step_seconds=args.step_seconds,
        workdir=args.workdir,
        keep=args.keep,
        workers=args.workers,
        apis=args.apis,
        database_url=args.database_url,
        document_store=args.document_store or ("database" if args.apis > 1 else "directory"),
    )


# --- the stack -----------------------------------------------------------------------------


def free_ports(count: int) -> list[int]:
    """``count`` distinct free local ports, none of the stack's default ones."""
    sockets: list[socket.socket] = []
    try:
        while len(sockets) < count:
            sock = socket.socket()
            sock.bind((HOST, 0))
            if sock.getsockname()[1] in DEFAULT_PORTS:
                sock.close()
                continue
            sockets.append(sock)
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass(frozen=True)
class Service:
    """Where this run's stack lives: its directory, ports, task queue and settings."""

    workdir: Path
    temporal_port: int
    temporal_http_port: int
    temporal_metrics_port: int
    smtp_port: int
    api_port: int
    task_queue: str
    more_api_ports: tuple[int, ...] = ()
    workers: int = 1
    database_url: str | None = None
    document_store: str = "directory"
    cpd_verification_required: bool = True
    """R08/R16: the service's setting; the benchmark turns it off to keep one application the
    baseline's shape (no CPD marks)."""

    @classmethod
    def on_free_ports(cls, workdir: Path, options: Options | None = None) -> Service:
        """A service in ``workdir`` on free ports, with a task queue of its own, and as many
        workers and APIs, on the database and document store, that ``options`` say."""
        apis = options.apis if options else 1
        temporal, http, metrics, smtp, api, *more = free_ports(4 + apis)
        queue = f"faults-{uuid.uuid4().hex[:8]}"
        if options is None:
            return cls(workdir, temporal, http, metrics, smtp, api, queue)
        return cls(
            workdir, temporal, http, metrics, smtp, api, queue, tuple(more),
            options.workers, options.database_url, options.document_store,
        )  # fmt: skip

    @property
    def logs(self) -> Path:
        """Each process's log."""
        return self.workdir / "logs"

    @property
    def mail_dir(self) -> Path:
        """Where the sink keeps each email."""
        return self.workdir / "mail"

    @property
    def database_path(self) -> Path:
        """The service's SQLite file."""
        return self.workdir / "accreditation.db"

    @property
    def temporal_address(self) -> str:
        """The dev server's frontend."""
        return f"{HOST}:{self.temporal_port}"

    @property
    def api_url(self) -> str:
        """The (first) API's base address."""
        return f"http://{HOST}:{self.api_port}"

    @property
    def api_ports(self) -> tuple[int, ...]:
        """Every API's port, the first one's first."""
        return (self.api_port, *self.more_api_ports)

    @property
    def api_urls(self) -> list[str]:
        """Every API's base address."""
        return [f"http://{HOST}:{port}" for port in self.api_ports]

    def documents(self, api: int) -> Path:
        """The document directory of API number ``api`` (from 1): one each, as on separate
        hosts, so with several APIs only the database store lets them share documents."""
        return self.workdir / ("documents" if api == 1 else f"documents-{api}")

    def settings(self) -> Settings:
        """The settings every process of the stack reads (and this one mints tokens with)."""
        return Settings(
            environment="test",
            temporal_address=self.temporal_address,
            temporal_namespace="default",
            task_queue=self.task_queue,
            database_url=self.database_url or f"sqlite:///{self.database_path}",
            smtp_host=HOST,
            smtp_port=self.smtp_port,
            document_store=self.document_store,
            document_store_path=self.documents(1),
            portal_base_url=self.api_url,
            cpd_verification_required=self.cpd_verification_required,
        )

    def environment(self, api: int = 1) -> dict[str, str]:
        """This process's environment with the stack's ``ACCRED_*`` settings (API number
        ``api``'s document directory). Workers serve no metrics: several run side by side."""
        settings = self.settings()
        return {
            **os.environ,
            "ACCRED_ENVIRONMENT": settings.environment,
            "ACCRED_TEMPORAL_ADDRESS": settings.temporal_address,
            "ACCRED_TEMPORAL_NAMESPACE": settings.temporal_namespace,
            "ACCRED_TASK_QUEUE": settings.task_queue,
            "ACCRED_DATABASE_URL": settings.database_url,
            "ACCRED_SMTP_HOST": settings.smtp_host,
            "ACCRED_SMTP_PORT": str(settings.smtp_port),
            "ACCRED_DOCUMENT_STORE": settings.document_store,
            "ACCRED_DOCUMENT_STORE_PATH": str(self.documents(api)),
            "ACCRED_WORKER_METRICS_ADDRESS": "",
            "ACCRED_PORTAL_BASE_URL": settings.portal_base_url,
            "ACCRED_CPD_VERIFICATION_REQUIRED": str(settings.cpd_verification_required).lower(),
            "PYTHONUNBUFFERED": "1",
            RUN_MARKER: str(self.workdir),
        }

    def temporal_argv(self) -> list[str]:
        """The dev server on fixed ports with its state in the run's directory."""
        return [
            str(dev_server_path()),
            "server",
            "start-dev",
            "--ip", HOST,
            "--port", str(self.temporal_port),
            "--http-port", str(self.temporal_http_port),
            "--metrics-port", str(self.temporal_metrics_port),
            "--headless",
            "--db-filename", str(self.workdir / "temporal.db"),
            "--log-level", "warn",
            *search_attributes.dev_server_flags(),
        ]  # fmt: skip


@dataclass
class FaultStack(Stack):
    """``Stack`` with the run's environment and logs, and named processes to kill and restart."""

    env: dict[str, str] = field(default_factory=dict)
    commands: dict[str, tuple[list[str], Path]] = field(default_factory=dict)
    envs: dict[str, dict[str, str]] = field(default_factory=dict)
    """A process's own environment, where it differs from ``env`` (each API's directory)."""

    def start(
        self, name: str, argv: list[str], log: Path, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start ``name`` in a session of its own, in place of an earlier process of that name
        (in ``env``, or the stack's environment)."""
        log.parent.mkdir(parents=True, exist_ok=True)
        if env is not None:
            self.envs[name] = env
        with log.open("ab") as out:
            process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=self.envs.get(name, self.env),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.commands[name] = (argv, log)
        names = [n for n, _ in self.processes]
        if name in names:
            self.processes[names.index(name)] = (name, process)
        else:
            self.processes.append((name, process))
        say(f"started {name} (pid {process.pid}, log {log})")
        return process

    def process(self, name: str) -> subprocess.Popen[bytes]:
        """The current process called ``name``."""
        return next(p for n, p in self.processes if n == name)

    def kill(self, name: str, signum: signal.Signals) -> int:
        """Send ``signum`` to ``name``'s process group and wait for it to end; its pid."""
        process = self.process(name)
        os.killpg(process.pid, signum)
        process.wait(timeout=30)
        return process.pid

    def restart(self, name: str) -> subprocess.Popen[bytes]:
        """Start ``name`` again with the same command and log."""
        argv, log = self.commands[name]
        return self.start(name, argv, log)

    def exited(self) -> list[str]:
        """The names of processes that have ended."""
        return [name for name, process in self.processes if process.poll() is not None]

    def log_size(self, name: str) -> int:
        """How long ``name``'s log is now (where a restart's lines will start)."""
        log = self.commands[name][1]
        return log.stat().st_size if log.exists() else 0


def run_once(stack: FaultStack, module: str, log: Path) -> None:
    """Run ``python -m module`` to completion in the stack's environment."""
    with log.open("ab") as out:
        subprocess.run(
            [sys.executable, "-m", module],
            cwd=ROOT,
            env=stack.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
        )
    say(f"ran {module}")


def numbered(kind: str, number: int) -> str:
    """The name of the ``number``th (from 1) process of ``kind``: ``worker``, ``worker-2``..."""
    return kind if number == 1 else f"{kind}-{number}"


def wait_for_worker(
    stack: FaultStack, offset: int, seconds: float = 60, name: str = "worker"
) -> None:
    """Wait until the worker ``name`` logs that it polls its task queue (after ``offset`` in
    its log)."""
    log = stack.commands[name][1]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with log.open("rb") as stream:
            stream.seek(offset)
            if b"worker polling task queue" in stream.read():
                return
        if name in stack.exited():
            raise SystemExit(f"the {name} exited while starting (see {log})")
        time.sleep(POLL_SECONDS)
    raise SystemExit(f"the {name} did not start polling within {seconds:.0f}s (see {log})")


def start_stack(stack: FaultStack, service: Service, api_options: Sequence[str] = ()) -> None:
    """Start every process of the stack and wait until each answers (``api_options``: more
    uvicorn options for each API, after the service's own keep-alive, which they may override)."""
    python = sys.executable
    service.logs.mkdir(parents=True, exist_ok=True)
    stack.start("temporal", service.temporal_argv(), service.logs / "temporal.log")
    stack.start(
        "smtp",
        [python, "-m", "scripts.mail_sink", "--host", HOST, "--port", str(service.smtp_port),
         "--dir", str(service.mail_dir)],
        service.logs / "mail.log",
    )  # fmt: skip
    run_once(stack, "storage.migrate", service.logs / "setup.log")
    run_once(stack, "storage.seed", service.logs / "setup.log")
    wait_for_port(HOST, service.temporal_port, "Temporal", stack)
    workers = [numbered("worker", n) for n in range(1, service.workers + 1)]
    for name in workers:
        stack.start(name, [python, "worker.py"], service.logs / f"{name}.log")
    for number, port in enumerate(service.api_ports, start=1):
        name = numbered("api", number)
        stack.start(
            name,
            [python, "-m", "uvicorn", "api.main:app", "--host", HOST, "--port", str(port),
             "--timeout-keep-alive", API_KEEP_ALIVE, *api_options],
            service.logs / f"{name}.log",
            service.environment(number),
        )  # fmt: skip
    wait_for_port(HOST, service.smtp_port, "SMTP sink", stack)
    for number, port in enumerate(service.api_ports, start=1):
        wait_for_port(HOST, port, numbered("API", number), stack)
    for name in workers:
        wait_for_worker(stack, offset=0, name=name)
    say(f"stack up: API {', '.join(service.api_urls)}, Temporal {service.temporal_address}, "
        f"SMTP {HOST}:{service.smtp_port}, task queue {service.task_queue}, "
        f"{service.workers} worker(s), documents in the {service.document_store}, "
        f"database {make_url(service.settings().database_url)}")  # fmt: skip


def leftover_processes(workdir: Path) -> list[int]:
    """Pids of the processes started for the run in ``workdir`` that are still there (found by
    the marker in their environment): after a clean stop, none."""
    needle = f"{RUN_MARKER}={workdir}\0".encode()
    found: list[int] = []
    proc = Path("/proc")
    for entry in proc.iterdir() if proc.is_dir() else []:
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ:
            found.append(int(entry.name))
    return found


# --- email ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mail:
    """One email the sink kept."""

    name: str
    message_id: str
    recipient: str
    subject: str
    body: str

    def application_ids(self) -> set[str]:
        """The application ids the email names."""
        return set(APPLICATION_ID.findall(f"{self.subject}\n{self.body}"))


def read_mail(path: Path) -> Mail:
    """The email in the ``.eml`` file at ``path``."""
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    body = message.get_body(preferencelist=("plain",))
    content = body.get_content() if body is not None else ""
    return Mail(
        name=path.name,
        message_id=str(message.get("Message-ID", "")),
        recipient=parseaddr(str(message.get("To", "")))[1].lower(),
        subject=str(message.get("Subject", "")),
        body=str(content),
    )


class MailBox:
    """The sink's directory, each file read once (the sink writes a file whole, by rename)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.read: dict[str, Mail] = {}

    def mails(self) -> list[Mail]:
        """Every email so far, oldest first."""
        if self.directory.is_dir():
            for path in self.directory.glob("*.eml"):
                if path.name not in self.read:
                    self.read[path.name] = read_mail(path)
        return [self.read[name] for name in sorted(self.read)]

    def declaration_tokens(self, application_id: str) -> list[str]:
        """The tokens of every declaration link sent for ``application_id``, newest first.

        A link ends ``/<application id>/<token>`` whatever page it opens (the portal's page
        calls the API's ``/declarations/<application id>/<token>``).
        """
        pattern = re.compile(rf"https?://\S+/{re.escape(application_id)}/([A-Za-z0-9_-]+)")
        tokens: list[str] = []
        for mail in reversed(self.mails()):
            tokens += [t for t in pattern.findall(mail.body) if t not in tokens]
        return tokens


# --- driving applications ------------------------------------------------------------------


class StepFailed(Exception):
    """A step could not be done in time or was refused; the message says which and why."""


@dataclass(frozen=True)
class Plan:
    """One application to drive, with everything that makes it unique in the run."""

    index: int
    phase: str
    route: str
    member_id: str
    name: str
    registration_number: str
    idempotency_key: str

    @property
    def email(self) -> str:
        """The applicant's address."""
        return f"{self.member_id.lower()}@members.example.org"

    @property
    def declarer_email(self) -> str:
        """The declarer's address (one per application, so each email names its application)."""
        return f"manager.{self.member_id.lower()}@riverside.example.org"


@dataclass
class Outcome:
    """How driving one application ended."""

    plan: Plan
    application_id: str | None = None
    accredited: bool = False
    registered: bool = False
    failure: str | None = None


@dataclass
class HttpStats:
    """Retried requests and the 5xx answers and connection errors behind them."""

    server_errors: Counter[str] = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)
    transport_errors: Counter[str] = field(default_factory=Counter)

    def server_error(self, step: str, response: httpx.Response) -> None:
        """Count a 5xx answer to ``step`` and keep the first body of each kind."""
        key = f"{step}: HTTP {response.status_code}"
        self.server_errors[key] += 1
        self.samples.setdefault(key, response.text[:200])

    def failures(self) -> int:
        """How many requests were answered 5xx or not at all."""
        return sum(self.server_errors.values()) + sum(self.transport_errors.values())

    def lines(self) -> list[str]:
        """A summary, one line per kind of failure."""
        out = [f"{key} x{n} ({self.samples[key]})" for key, n in sorted(self.server_errors.items())]
        out += [f"{key} x{n}" for key, n in sorted(self.transport_errors.items())]
        return out


def document_of(view: View, kind: str) -> str | None:
    """The id of the application's document of ``kind``, if it has one."""
    for document in view["application"]["content"]["documents"]:
        if document["kind"] == kind:
            return str(document["document_id"])
    return None


def cpd_verified(view: View, index: int) -> bool:
    """Whether CPD record ``index`` of the application is verified (R08, R16)."""
    records = view["application"]["content"]["cpd"]
    verification = records[index].get("verification") if index < len(records) else None
    return bool(verification and verification["status"] == "confirmed")


def declaration_status(view: View) -> str | None:
    """The status of the application's declaration, if there is one."""
    declaration = view["application"].get("declaration")
    return str(declaration["status"]) if declaration else None


def state_in(*states: str) -> Predicate:
    """Whether an application view is in one of ``states``."""
    return lambda view: view["state"] in states


class Driver:
    """Drives applications through the HTTP API, step by step, retrying what may be retried."""

    def __init__(
        self,
        apis: Sequence[httpx.AsyncClient],
        settings: Settings,
        mail: MailBox,
        step_seconds: float,
    ) -> None:
        self.apis = list(apis)
        self.turn = 0
        self.settings = settings
        self.mail = mail
        self.step_seconds = step_seconds
        self.stats = HttpStats()
        self.steps: Counter[str] = Counter()
        self.created: Counter[str] = Counter()
        self.registered: Counter[str] = Counter()
        self.outcome_codes: list[str] = []
        self.programme_id = ""

    def next_api(self) -> httpx.AsyncClient:
        """The API the next request goes to: each in turn, as through a load balancer (a
        retry goes to the next one)."""
        self.turn += 1
        return self.apis[self.turn % len(self.apis)]

    def auth(self, role: Role, sub: str, idempotency_key: str | None = None) -> dict[str, str]:
        """The Authorization header of a token for ``sub`` in ``role`` (and the request's
        ``Idempotency-Key``, for a step a retry could repeat)."""
        headers = {"Authorization": f"Bearer {mint_token(self.settings, sub=sub, role=role)}"}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    def officer(self) -> dict[str, str]:
        """An officer's Authorization header."""
        return self.auth(Role.OFFICER, "officer-faults")

    async def load_catalogue(self) -> None:
        """The pathway's learning outcomes and an approved programme, from the API."""
        catalogue = await self.call("catalogue", "GET", f"/catalogue/{PATHWAY}")
        self.outcome_codes = [o["code"] for o in catalogue["outcomes"]]
        self.programme_id = str(catalogue["programmes"][0]["id"])

    async def view(self, application_id: str) -> View | None:
        """The application as an officer sees it, or None when the API cannot say now."""
        try:
            response = await self.next_api().get(
                f"/applications/{application_id}", headers=self.officer()
            )
        except httpx.TransportError as err:
            self.stats.transport_errors[f"read: {type(err).__name__}"] += 1
            return None
        if response.status_code >= 500:
            self.stats.server_error("read", response)
        if response.status_code != 200:
            return None
        result: View = response.json()
        return result

    async def require_view(self, application_id: str) -> View:
        """The application's view, retried until the step's time is up."""
        deadline = time.monotonic() + self.step_seconds
        while time.monotonic() < deadline:
            view = await self.view(application_id)
            if view is not None:
                return view
            await asyncio.sleep(MAX_BACKOFF_SECONDS)
        raise StepFailed(f"read {application_id}: no answer within {self.step_seconds:.0f}s")

    async def applied(self, application_id: str | None, check: Predicate | None) -> bool:
        """Whether the application's state shows the step was applied (asking each API in
        turn until one answers: the one that just failed may be down)."""
        if application_id is None or check is None:
            return False
        for _ in self.apis:
            view = await self.view(application_id)
            if view is not None:
                return check(view)
        return False

    async def call(
        self,
        step: str,
        method: str,
        path: str,
        *,
        application_id: str | None = None,
        applied: Predicate | None = None,
        **kwargs: Any,
    ) -> Any:
        """Send the request until it succeeds; its JSON, or None when an earlier attempt whose
        answer was lost turns out (by ``applied`` on the application's state) to have done it.

        5xx answers, connection errors and timeouts are retried with a growing pause until
        ``step_seconds`` have passed; a 409 or 410 after such an attempt counts as done when
        ``applied`` says so; any other 4xx fails the step.
        """
        deadline = time.monotonic() + self.step_seconds
        delay = FIRST_BACKOFF_SECONDS
        uncertain = False
        while True:
            answer = await self.attempt(step, method, path, kwargs)
            if isinstance(answer, httpx.Response):
                if answer.status_code < 400:
                    return answer.json()
                settled = answer.status_code in (409, 410) and uncertain
                if settled and await self.applied(application_id, applied):
                    return None
                raise StepFailed(f"{step}: HTTP {answer.status_code}: {answer.text[:300]}")
            uncertain = True
            if await self.applied(application_id, applied):
                return None
            if time.monotonic() + delay > deadline:
                raise StepFailed(f"{step}: still failing after {self.step_seconds:.0f}s: {answer}")
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_SECONDS)

    async def attempt(
        self,
        step: str,
        method: str,
        path: str,
        kwargs: dict[str, Any],
        api: httpx.AsyncClient | None = None,
    ) -> httpx.Response | str:
        """One try (through ``api``, or the next API): the answer below 500, or what went wrong
        (a 5xx or a connection error)."""
        try:
            response = await (api or self.next_api()).request(method, path, **kwargs)
        except httpx.TransportError as err:
            self.stats.transport_errors[f"{step}: {type(err).__name__}"] += 1
            return type(err).__name__
        if response.status_code >= 500:
            self.stats.server_error(step, response)
            return f"HTTP {response.status_code}: {response.text[:300]}"
        return response

    async def drive(self, plan: Plan) -> Outcome:
        """Drive ``plan`` from creation to the register; a step that fails for good ends it."""
        outcome = Outcome(plan)
        try:
            await self.steps_of(plan, outcome)
        except StepFailed as err:
            outcome.failure = str(err)
            say(f"app {plan.index:03d} ({outcome.application_id}) FAILED: {err}")
        return outcome

    def done(self, plan: Plan) -> None:
        """Count a step of ``plan``'s phase done."""
        self.steps[plan.phase] += 1

    async def steps_of(self, plan: Plan, outcome: Outcome) -> None:
        """Every step of one application, in order."""
        app_id = await self.create(plan)
        outcome.application_id = app_id
        self.created[plan.phase] += 1
        say(f"app {plan.index:03d} created {app_id} ({plan.route.replace('_', '-')} route)")
        scope = await self.upload(plan, app_id, "scope_of_practice")
        certificate = await self.upload(plan, app_id, "certificate")
        await self.fill_in(plan, app_id, scope, certificate)
        await self.invite(plan, app_id)
        token = await self.declaration_token(plan, app_id)
        await self.confirm(plan, app_id, token)
        view = await self.submit(plan, app_id)
        view = await self.decide(plan, app_id, view)
        if view["state"] != "accredited":
            raise StepFailed(f"decision: the application ended {view['state']}")
        outcome.accredited = True
        await self.wait_registered(plan)
        outcome.registered = True
        self.registered[plan.phase] += 1
        say(f"app {plan.index:03d} accredited and on the register as {plan.registration_number}")

    async def create(self, plan: Plan) -> str:
        """POST /applications with the plan's Idempotency-Key (the same on every retry)."""
        profile = {
            "member_id": plan.member_id,
            "name": plan.name,
            "email": plan.email,
            "registration_number": plan.registration_number,
            "membership_status": "radiographic_assistant",
            "employer": DEMO_EMPLOYER,
        }
        body = {"pathway": PATHWAY, "route": plan.route, "applicant": profile}
        headers = self.auth(Role.APPLICANT, plan.member_id, plan.idempotency_key)
        answer = await self.call("create", "POST", "/applications", json=body, headers=headers)
        self.done(plan)
        # 201 answers the application's view; 202 (created, not readable yet) just its id.
        created = answer.get("application", answer)
        return str(created["application_id"])

    async def upload(self, plan: Plan, app_id: str, kind: str) -> str:
        """Upload a PDF of ``kind``, then download it through every API; its document id."""
        content = demo_pdf(f"{plan.name}: {kind}")
        files = {"file": (f"{kind}.pdf", content, "application/pdf")}
        ref = await self.call(
            f"upload {kind}", "POST", f"/applications/{app_id}/documents",
            application_id=app_id, applied=lambda v: document_of(v, kind) is not None,
            data={"kind": kind}, files=files,
            headers=self.auth(Role.APPLICANT, plan.member_id, f"{plan.idempotency_key}-{kind}"),
        )  # fmt: skip
        self.done(plan)
        if ref is not None:
            document_id = str(ref["document_id"])
        else:
            found = document_of(await self.require_view(app_id), kind)
            assert found is not None  # the check that found it applied saw it
            document_id = found
        await self.download_everywhere(plan, app_id, document_id, content)
        return document_id

    async def download_everywhere(
        self, plan: Plan, app_id: str, document_id: str, content: bytes
    ) -> None:
        """Each API serves the document, byte for byte, whichever one took the upload (with
        several APIs, only a shared document store does)."""
        path = f"/applications/{app_id}/documents/{document_id}"
        kwargs: dict[str, Any] = {"headers": self.auth(Role.APPLICANT, plan.member_id)}
        for number, api in enumerate(self.apis, start=1):
            step = f"download through API {number}"
            deadline = time.monotonic() + self.step_seconds
            delay = FIRST_BACKOFF_SECONDS
            while True:
                answer = await self.attempt(step, "GET", path, kwargs, api)
                if isinstance(answer, httpx.Response):
                    if answer.status_code != 200:
                        raise StepFailed(f"{step}: HTTP {answer.status_code}: {answer.text[:300]}")
                    if answer.content != content:
                        raise StepFailed(f"{step}: the content differs from the upload")
                    break
                if time.monotonic() + delay > deadline:
                    raise StepFailed(f"{step}: still failing after {self.step_seconds:.0f}s")
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF_SECONDS)

    def sections(self, plan: Plan, scope: str, certificate: str) -> dict[str, Any]:
        """The draft's sections: a listed programme on the approved route, entered details,
        narrative and CPD otherwise."""
        today = date.today()
        qualification: dict[str, Any] = {
            "fheq_level": "4",
            "completed_on": (today - timedelta(days=200)).isoformat(),
            "certificate_document_id": certificate,
        }
        sections: dict[str, Any] = {
            "role_details": {
                "role": "assistant_practitioner",
                "job_title": "Assistant practitioner",
                "employer": DEMO_EMPLOYER,
                "areas_of_practice": ["clinical_imaging"],
                "scope_summary": f"Plain-film imaging, supervised (see {scope})",
            },
        }
        if plan.route == "approved":
            sections["qualifications"] = [{**qualification, "programme_id": self.programme_id}]
            return sections
        qualification |= {
            "title": "Certificate in Assistant Practice (FHEQ Level 4)",
            "awarding_body": "Westbrook College (fictional)",
        }
        sections["qualifications"] = [qualification]
        sections["narrative"] = [
            {"outcome_code": code, "text": f"My reflection on {code}."}
            for code in self.outcome_codes
        ]
        sections["cpd"] = [
            {
                "title": f"CPD activity {i + 1}",
                "activity_date": (today - timedelta(days=30 + i)).isoformat(),
                # A note only where verified CPD is required (R08, R16): the portal's
                # marks verify; with the setting off (the benchmark) the note still counts.
                "verified_by": "Sam Educator",
            }
            for i in range(CPD_RECORDS)
        ]
        return sections

    async def fill_in(self, plan: Plan, app_id: str, scope: str, certificate: str) -> None:
        """PATCH the draft's sections (replacing sections is safe to repeat); on the
        non-approved route the member portal then marks each CPD record verified (R08, R16),
        each mark retried under its own ``Idempotency-Key``."""
        await self.call(
            "fill in", "PATCH", f"/applications/{app_id}",
            json=self.sections(plan, scope, certificate),
            headers=self.auth(Role.APPLICANT, plan.member_id),
        )  # fmt: skip
        if plan.route != "approved" and self.settings.cpd_verification_required:
            for index in range(CPD_RECORDS):
                await self.call(
                    "verify CPD", "POST", f"/applications/{app_id}/cpd/{index}/verified",
                    application_id=app_id,
                    applied=functools.partial(cpd_verified, index=index),
                    json={},
                    headers=self.auth(Role.PORTAL, "member-portal", f"{app_id}-cpd-{index}"),
                )  # fmt: skip
        self.done(plan)

    async def invite(self, plan: Plan, app_id: str) -> None:
        """Invite the declarer (a repeat would replace the link, so it is checked first)."""
        declarer = {
            "declarer_name": "Sam Manager",
            "declarer_email": plan.declarer_email,
            "declarer_role": "manager",
        }
        await self.call(
            "invite", "POST", f"/applications/{app_id}/declarer",
            application_id=app_id, applied=lambda v: declaration_status(v) is not None,
            json=declarer,
            headers=self.auth(Role.APPLICANT, plan.member_id, f"{plan.idempotency_key}-invite"),
        )  # fmt: skip
        self.done(plan)

    async def live_token(self, app_id: str) -> str | None:
        """The token of a declaration link for ``app_id`` that still works, if an email has one."""
        for token in self.mail.declaration_tokens(app_id):
            try:
                response = await self.next_api().get(f"/declarations/{app_id}/{token}")
            except httpx.TransportError as err:
                self.stats.transport_errors[f"declaration link: {type(err).__name__}"] += 1
                return None
            if response.status_code == 200:
                return token
            if response.status_code >= 500:
                self.stats.server_error("declaration link", response)
                return None
        return None

    async def declaration_token(self, plan: Plan, app_id: str) -> str:
        """Wait for the declaration email and take the live link's token from it."""
        deadline = time.monotonic() + self.step_seconds
        while time.monotonic() < deadline:
            token = await self.live_token(app_id)
            if token is not None:
                self.done(plan)
                return token
            await asyncio.sleep(POLL_SECONDS)
        raise StepFailed(f"declaration email: no live link within {self.step_seconds:.0f}s")

    async def confirm(self, plan: Plan, app_id: str, token: str) -> None:
        """The declarer confirms through the link."""
        await self.call(
            "confirm", "POST", f"/declarations/{app_id}/{token}",
            application_id=app_id, applied=lambda v: declaration_status(v) == "confirmed",
            json={"confirm": True},
        )  # fmt: skip
        self.done(plan)

    async def submit(self, plan: Plan, app_id: str) -> View:
        """Submit; the application's view after it."""
        view: View | None = await self.call(
            "submit", "POST", f"/applications/{app_id}/submit",
            application_id=app_id,
            applied=lambda v: v["state"] not in ("draft", "awaiting_declaration"),
            headers=self.auth(Role.APPLICANT, plan.member_id),
        )  # fmt: skip
        self.done(plan)
        return view if view is not None else await self.require_view(app_id)

    async def act(
        self, plan: Plan, app_id: str, step: str, action: str, body: dict[str, Any],
        headers: dict[str, str], applied: Predicate,
    ) -> View:  # fmt: skip
        """A staff decision (POST /applications/{id}/``action``); the view after it."""
        view: View | None = await self.call(
            step, "POST", f"/applications/{app_id}/{action}",
            application_id=app_id, applied=applied, json=body, headers=headers,
        )  # fmt: skip
        self.done(plan)
        return view if view is not None else await self.require_view(app_id)

    async def decide(self, plan: Plan, app_id: str, view: View) -> View:
        """Approved route: an officer verifies. Otherwise: allocation (by an officer when the
        service found no assessor), the assessor's assessment, an officer's ratification."""
        if plan.route == "approved":
            return await self.act(
                plan, app_id, "verify", "verification", {"outcome": "accredited"},
                self.officer(), state_in("accredited"),
            )  # fmt: skip
        if view["state"] == "awaiting_allocation":
            view = await self.wait_for_allocation(app_id)
        if view["state"] == "awaiting_allocation":
            view = await self.act(
                plan, app_id, "allocate", "allocation", {}, self.officer(),
                state_in("in_assessment", "awaiting_ratification", "accredited"),
            )  # fmt: skip
        if "assessor_id" not in view:  # an action answers in brief: read who was allocated
            view = await self.require_view(app_id)
        findings = [
            {"outcome_code": c, "level": "met", "comment": "ok"} for c in self.outcome_codes
        ]
        await self.act(
            plan, app_id, "assess", "assessment",
            {"findings": findings, "recommended_outcome": "accredited"},
            self.auth(Role.ASSESSOR, str(view["assessor_id"])),
            state_in("awaiting_ratification", "accredited"),
        )  # fmt: skip
        return await self.act(
            plan, app_id, "ratify", "ratification", {}, self.officer(), state_in("accredited")
        )

    async def wait_for_allocation(self, app_id: str) -> View:
        """Wait while the service looks for an assessor; the view once it found one, or once
        it says why it could not (an officer then allocates)."""
        deadline = time.monotonic() + self.step_seconds
        while True:
            view = await self.require_view(app_id)
            searching = view["state"] == "awaiting_allocation" and not view.get("queue_reason")
            if not searching or time.monotonic() >= deadline:
                return view
            await asyncio.sleep(POLL_SECONDS)

    async def wait_registered(self, plan: Plan) -> None:
        """Wait for the plan's entry on the public register."""
        deadline = time.monotonic() + self.step_seconds
        params = {"registration_number": plan.registration_number}
        while time.monotonic() < deadline:
            page = await self.call("register", "GET", "/register", params=params)
            if page["items"]:
                self.done(plan)
                return
            await asyncio.sleep(POLL_SECONDS)
        raise StepFailed(f"register: no entry within {self.step_seconds:.0f}s")


# --- phases and faults ---------------------------------------------------------------------


@dataclass
class Phase:
    """A share of the applications, driven while one kind of fault is injected."""

    kind: str
    plans: list[Plan]
    kills: int = 0


def make_phases(options: Options, run_id: str) -> list[Phase]:
    """One phase per fault kind (one without faults for ``none``), applications shared out in
    order, approved and non-approved routes in turn."""
    kinds = list(options.faults) or [NO_FAULTS]
    phases = [Phase(kind, []) for kind in kinds]
    for index in range(1, options.applications + 1):
        phase = phases[(index - 1) * len(kinds) // options.applications]
        member_id = f"F{run_id}{index:03d}".upper()
        phase.plans.append(
            Plan(
                index=index,
                phase=phase.kind,
                route="approved" if index % 2 == 0 else "non_approved",
                member_id=member_id,
                name=f"Fault Applicant {run_id.upper()} {index:03d}",
                registration_number=f"AP-{member_id}",
                idempotency_key=f"faults-{run_id}-{index:03d}",
            )
        )
    return phases


class FaultInjector:
    """Kills and restarts the stack's processes, and notices any that end on their own."""

    def __init__(self, stack: FaultStack, service: Service, options: Options) -> None:
        self.stack = stack
        self.service = service
        self.options = options
        self.unexpected: list[str] = []

    async def inject(self, kind: str, number: int) -> None:
        """One fault of ``kind``: the process goes down, stays down a moment, comes back."""
        label = f"fault {kind} {number}/{self.options.kills}"
        # Each kind hits a process of that name; of several workers or APIs, each in turn.
        several = {"worker": self.service.workers, "api": len(self.service.api_ports)}
        name = numbered(kind, (number - 1) % several.get(kind, 1) + 1)
        how = signal.SIGTERM if kind == "smtp" else signal.SIGKILL
        pid = self.stack.kill(name, how)
        verb = "stopped" if how == signal.SIGTERM else "kill -9"
        say(f"{label}: {verb} {name} (pid {pid}); down for {self.options.pause_seconds:g}s")
        began = time.monotonic()
        await asyncio.sleep(self.options.pause_seconds)
        offset = self.stack.log_size(name)
        process = self.stack.restart(name)
        await asyncio.to_thread(self.wait_ready, name, offset)
        say(f"{label}: {name} back (pid {process.pid}) after {time.monotonic() - began:.1f}s")

    def wait_ready(self, name: str, offset: int) -> None:
        """Wait until the restarted process ``name`` serves again."""
        kind, _, number = name.partition("-")
        if kind == "worker":
            wait_for_worker(self.stack, offset, name=name)
        elif kind == "api":
            port = self.service.api_ports[int(number or 1) - 1]
            wait_for_port(HOST, port, name, self.stack)
        elif name == "temporal":
            wait_for_port(HOST, self.service.temporal_port, "Temporal", self.stack)
        else:
            wait_for_port(HOST, self.service.smtp_port, "SMTP sink", self.stack)

    async def watch(self) -> None:
        """Restart, and note, any process that ended without being killed here."""
        for name in self.stack.exited():
            code = self.stack.process(name).returncode
            problem = f"{name} exited on its own with code {code}"
            self.unexpected.append(problem)
            say(f"{problem}: restarting it (see {self.stack.commands[name][1]})")
            offset = self.stack.log_size(name)
            self.stack.restart(name)
            await asyncio.to_thread(self.wait_ready, name, offset)

    def planned(self, phase: Phase) -> int:
        """How many faults go into ``phase``."""
        return self.options.kills if phase.kind != NO_FAULTS else 0

    async def run_phase(self, phase: Phase, driver: Driver, finished: asyncio.Event) -> None:
        """Inject the phase's faults at even steps of its progress (any left once it ends),
        watching the stack and printing the counts as it goes."""
        total = len(phase.plans) * STEPS_PER_APPLICATION
        kills = self.planned(phase)
        for number in range(1, kills + 1):
            threshold = total * number / (kills + 1)
            await self.idle_until(finished, phase, driver, threshold)
            await self.inject(phase.kind, number)
            phase.kills += 1
        await self.idle_until(finished, phase, driver)

    async def idle_until(
        self, finished: asyncio.Event, phase: Phase, driver: Driver, steps: float | None = None
    ) -> None:
        """Watch the stack, printing the phase's counts now and then, until the phase has done
        ``steps`` steps or its driving has finished."""
        last_report = time.monotonic()
        while not finished.is_set() and (steps is None or driver.steps[phase.kind] < steps):
            await self.watch()
            await asyncio.sleep(POLL_SECONDS)
            if time.monotonic() - last_report >= PROGRESS_EVERY_SECONDS:
                report_progress(phase, driver)
                last_report = time.monotonic()


def report_progress(phase: Phase, driver: Driver) -> None:
    """One line of counts for the phase."""
    say(
        f"phase {phase.kind}: {driver.created[phase.kind]}/{len(phase.plans)} created, "
        f"{driver.registered[phase.kind]} on the register, {driver.steps[phase.kind]} steps, "
        f"{driver.stats.failures()} requests answered 5xx or not at all so far"
    )


async def drive_phase(
    phase: Phase, driver: Driver, injector: FaultInjector, concurrency: int
) -> list[Outcome]:
    """Drive the phase's applications ``concurrency`` at a time while its faults go in."""
    first, last = phase.plans[0].index, phase.plans[-1].index
    say(
        f"phase {phase.kind}: driving applications {first}-{last}, {concurrency} at a time, "
        f"with {injector.planned(phase)} fault(s)"
    )
    gate = asyncio.Semaphore(concurrency)
    finished = asyncio.Event()

    async def one(plan: Plan) -> Outcome:
        """Drive ``plan`` once there is room."""
        async with gate:
            return await driver.drive(plan)

    faults = asyncio.create_task(injector.run_phase(phase, driver, finished))
    try:
        outcomes = await asyncio.gather(*(one(plan) for plan in phase.plans))
    finally:
        finished.set()
    await faults
    report_progress(phase, driver)
    return list(outcomes)


# --- checks --------------------------------------------------------------------------------


@dataclass
class Findings:
    """What the database, the mail sink and Temporal show."""

    register_rows: Counter[str] = field(default_factory=Counter)
    applications: dict[str, str] = field(default_factory=dict)
    outbox_pending: int = 0
    running: int = 0
    missing_workflows: set[str] = field(default_factory=set)
    stuck: dict[str, str] = field(default_factory=dict)
    mails: list[Mail] = field(default_factory=list)

    def quiet(self) -> bool:
        """Nothing left for the service to do on its own."""
        return not self.stuck and self.outbox_pending == 0


class Checker:
    """Reads the run's database, mail directory and Temporal server."""

    def __init__(self, service: Service, client: Client, driver: Driver, mail: MailBox) -> None:
        self.engine = create_engine(service.settings().database_url)
        self.service = service
        self.client = client
        self.driver = driver
        self.mail = mail

    def read_database(self, findings: Findings) -> None:
        """Register rows per registration number, applications per member, unsent emails."""
        with self.engine.connect() as db:
            for number, count in db.execute(
                text("SELECT registration_number, COUNT(*) FROM register_entries GROUP BY 1")
            ):
                findings.register_rows[str(number)] = int(count)
            for app_id, member_id in db.execute(
                text("SELECT application_id, member_id FROM application_summaries")
            ):
                findings.applications[str(app_id)] = str(member_id)
            findings.outbox_pending = int(
                db.execute(text("SELECT COUNT(*) FROM outbox WHERE status != 'sent'")).scalar_one()
            )

    async def why_stuck(self, wf_id: str, wf_type: str, findings: Findings) -> str | None:
        """Why a listed workflow is stuck, if it is: busy with activities, or an application
        running in a state no person acts on. Counts it when it is still running."""
        try:
            description = await self.client.get_workflow_handle(wf_id).describe()
        except RPCError as err:
            return f"cannot describe it: {err.message}"
        if description.status != WorkflowExecutionStatus.RUNNING:
            return None  # it ended since it was listed
        findings.running += 1
        pending = description.raw_description.pending_activities
        if pending:
            return "pending activities: " + ", ".join(
                f"{p.activity_type.name} (attempt {p.attempt}) {p.last_failure.message[:80]}"
                for p in pending
            )
        if wf_type != "Application":
            return None
        view = await self.driver.view(wf_id.removeprefix("application-"))
        if view is None:
            return "its state cannot be read"
        if view["state"] not in PERSON_STATES:
            return f"still running in state {view['state']}"
        return None

    async def read_temporal(self, findings: Findings, app_ids: list[str]) -> None:
        """Stuck and failed workflows on the run's task queue; acknowledged applications that
        have no workflow."""
        queue = f"TaskQueue = '{self.service.task_queue}'"
        async for execution in self.client.list_workflows(
            f"{queue} AND ExecutionStatus = 'Running'"
        ):
            why = await self.why_stuck(execution.id, execution.workflow_type, findings)
            if why is not None:
                findings.stuck[execution.id] = why
        failed = f"{queue} AND ExecutionStatus IN ('Failed', 'Terminated', 'TimedOut')"
        async for execution in self.client.list_workflows(failed):
            status = execution.status.name if execution.status else "unknown"
            findings.stuck[execution.id] = f"ended {status}"
        for app_id in app_ids:
            try:
                await self.client.get_workflow_handle(workflow_id(app_id)).describe()
            except RPCError as err:
                if err.status == RPCStatusCode.NOT_FOUND:
                    findings.missing_workflows.add(app_id)

    async def collect(self, app_ids: list[str]) -> Findings:
        """Everything, read now."""
        findings = Findings()
        await asyncio.to_thread(self.read_database, findings)
        await self.read_temporal(findings, app_ids)
        findings.mails = self.mail.mails()
        return findings

    async def settle(self, app_ids: list[str], seconds: float) -> Findings:
        """Wait (at most ``seconds``) until the service has nothing left to do; the findings."""
        say(f"driving done; waiting up to {seconds:g}s for the service to settle")
        deadline = time.monotonic() + seconds
        last_report = time.monotonic()
        while True:
            findings = await self.collect(app_ids)
            if findings.quiet():
                say(
                    f"settled: {findings.running} workflow(s) still running, each waiting on "
                    "a person or a timer; every email sent"
                )
                return findings
            if time.monotonic() >= deadline:
                say(f"not settled after {seconds:g}s")
                return findings
            if time.monotonic() - last_report >= PROGRESS_EVERY_SECONDS / 2:
                busy = "; ".join(f"{k}: {v}" for k, v in sorted(findings.stuck.items())[:2])
                say(
                    f"settling: {len(findings.stuck)} workflow(s) busy, "
                    f"{findings.outbox_pending} email(s) unsent" + (f" ({busy})" if busy else "")
                )
                last_report = time.monotonic()
            await asyncio.sleep(1.0)


# --- the report ----------------------------------------------------------------------------


@dataclass
class RunResult:
    """What a run drove and what the checks found."""

    phases: list[Phase]
    outcomes: list[Outcome]
    findings: Findings
    stats: HttpStats
    unexpected: list[str]


class Attribution:
    """Which phase an application, member, workflow or email belongs to."""

    def __init__(self, result: RunResult) -> None:
        plans = [o.plan for o in result.outcomes]
        self.by_member = {p.member_id: p for p in plans}
        self.by_address = {p.email: p for p in plans} | {p.declarer_email: p for p in plans}
        self.by_application = {
            app_id: self.by_member[member]
            for app_id, member in result.findings.applications.items()
            if member in self.by_member
        }
        for outcome in result.outcomes:
            if outcome.application_id is not None:
                self.by_application[outcome.application_id] = outcome.plan

    def workflow(self, wf_id: str) -> str | None:
        """The phase of an application's or a member's workflow."""
        members = {accreditation_workflow_id(m): plan for m, plan in self.by_member.items()}
        plan = members.get(wf_id) or self.by_application.get(wf_id.removeprefix("application-"))
        return plan.phase if plan else None

    def mail(self, mail: Mail) -> tuple[str, str | None]:
        """The application an email is about (its id, or the recipient's) and its phase."""
        ids = sorted(mail.application_ids())
        plan = self.by_application.get(ids[0]) if ids else self.by_address.get(mail.recipient)
        about = ids[0] if ids else (plan.member_id if plan else mail.message_id)
        return about, plan.phase if plan else None


@dataclass(frozen=True)
class ExtraEmail:
    """A copy of an email beyond the one expected, and the phase it belongs to."""

    phase: str | None
    resent: bool
    description: str


def extra_emails(result: RunResult, where: Attribution) -> list[ExtraEmail]:
    """Every copy beyond the first of an email (same recipient, subject and application).

    A copy with a Message-ID of its own is a duplicate: the service made the email twice. A
    copy with the same Message-ID is the same email delivered again (a worker killed between
    the SMTP reply and recording the send, as ``activities/notifications.py`` documents): it
    is ``resent``, which a receiving system can recognise and drop.
    """
    groups: dict[tuple[str, str, str], list[Mail]] = {}
    phases: dict[tuple[str, str, str], str | None] = {}
    for mail in result.findings.mails:
        about, phase = where.mail(mail)
        key = (mail.recipient, mail.subject, about)
        groups.setdefault(key, []).append(mail)
        phases[key] = phase
    extra: list[ExtraEmail] = []
    for key, mails in groups.items():
        seen: set[str] = set()
        for mail in mails:
            if seen:
                resent = mail.message_id in seen
                what = "same Message-ID, delivered again" if resent else "a new Message-ID"
                described = f"{key[0]} '{key[1]}' ({key[2]}): {mail.name}, {what}"
                extra.append(ExtraEmail(phases[key], resent, described))
            seen.add(mail.message_id)
    return extra


@dataclass
class Row:
    """One line of the table."""

    phase: str
    kills: int = 0
    driven: int = 0
    completed: int = 0
    lost: int = 0
    dup_register: int = 0
    dup_emails: int = 0
    resent_emails: int = 0
    dup_apps: int = 0
    stuck: int = 0

    def cells(self) -> list[str]:
        """The row as printed."""
        return [self.phase, *(str(value) for value in astuple(self)[1:])]

    def add(self, other: Row) -> None:
        """Add ``other``'s counts to this row's."""
        for column in fields(self)[1:]:
            setattr(self, column.name, getattr(self, column.name) + getattr(other, column.name))


def phase_row(phase: Phase, result: RunResult) -> Row:
    """The driven, completed, lost, duplicate-row and duplicate-application counts of a phase."""
    findings = result.findings
    row = Row(phase.kind, kills=phase.kills, driven=len(phase.plans))
    members = Counter(findings.applications.values())
    for outcome in result.outcomes:
        plan = outcome.plan
        if plan.phase != phase.kind:
            continue
        on_register = findings.register_rows[plan.registration_number] > 0
        exists = outcome.application_id not in findings.missing_workflows
        if outcome.application_id is not None and not (on_register and exists):
            row.lost += 1
        if outcome.accredited and on_register and exists:
            row.completed += 1
        row.dup_register += max(0, findings.register_rows[plan.registration_number] - 1)
        row.dup_apps += max(0, members[plan.member_id] - 1)
    return row


def build_rows(result: RunResult) -> tuple[list[Row], Row, list[str]]:
    """A row per phase (and one for what belongs to none), the total, and detail lines."""
    where = Attribution(result)
    rows = {phase.kind: phase_row(phase, result) for phase in result.phases}
    other = Row("(other)")
    details: list[str] = []
    for wf_id, why in sorted(result.findings.stuck.items()):
        phase = where.workflow(wf_id)
        rows.get(phase or "", other).stuck += 1
        details.append(f"stuck [{phase or 'other'}]: {wf_id}: {why}")
    for email in extra_emails(result, where):
        row = rows.get(email.phase or "", other)
        if email.resent:
            row.resent_emails += 1
        else:
            row.dup_emails += 1
        label = "resent" if email.resent else "duplicate"
        details.append(f"{label} email [{email.phase or 'other'}]: {email.description}")
    mine = {o.plan.registration_number for o in result.outcomes}
    for number, count in result.findings.register_rows.items():
        if count > 1 and number not in mine:
            other.dup_register += count - 1
    for app_id in sorted(result.findings.applications):
        member = result.findings.applications[app_id]
        if list(result.findings.applications.values()).count(member) > 1:
            details.append(f"duplicate application for {member}: {app_id}")
    listed = [*rows.values(), *([other] if other != Row("(other)") else [])]
    total = Row("total")
    for row in listed:
        total.add(row)
    return listed, total, details


def print_table(rows: list[Row], total: Row) -> None:
    """The table: a row per phase and the total."""
    lines = [list(COLUMNS), *(row.cells() for row in rows), total.cells()]
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    for number, line in enumerate(lines):
        if number == len(lines) - 1:
            print("  ".join("-" * w for w in widths))
        cells = [line[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(line[1:], widths[1:], strict=True)
        ]
        print("  ".join(cells).rstrip(), flush=True)


def verdict(total: Row, unexpected: list[str], leftovers: list[int]) -> str | None:
    """Why the run failed, in one line, or None when it passed."""
    reasons: list[str] = []
    if total.completed != total.driven:
        reasons.append(f"{total.completed} of {total.driven} applications completed")
    for count, what in (
        (total.lost, "lost application(s)"),
        (total.dup_register, "duplicate register row(s)"),
        (total.dup_emails, "duplicate email(s)"),
        (total.dup_apps, "duplicate application(s) from retried creates"),
        (total.stuck, "stuck workflow(s)"),
    ):
        if count:
            reasons.append(f"{count} {what}")
    reasons += [f"{what} (x{n})" if n > 1 else what for what, n in Counter(unexpected).items()]
    if leftovers:
        reasons.append(f"processes left running: {', '.join(map(str, leftovers))}")
    return "; ".join(reasons) or None


# --- the run -------------------------------------------------------------------------------


async def drive_and_check(options: Options, stack: FaultStack, service: Service) -> RunResult:
    """Drive every phase, then settle and read what the service did."""
    run_id = uuid.uuid4().hex[:6]
    phases = make_phases(options, run_id)
    mail = MailBox(service.mail_dir)
    injector = FaultInjector(stack, service, options)
    async with contextlib.AsyncExitStack() as clients:
        apis = [
            await clients.enter_async_context(httpx.AsyncClient(base_url=url, timeout=HTTP_TIMEOUT))
            for url in service.api_urls
        ]
        driver = Driver(apis, service.settings(), mail, options.step_seconds)
        await driver.load_catalogue()
        outcomes: list[Outcome] = []
        for phase in phases:
            outcomes += await drive_phase(phase, driver, injector, options.concurrency)
        client = await Client.connect(service.temporal_address, namespace="default")
        checker = Checker(service, client, driver, mail)
        app_ids = [o.application_id for o in outcomes if o.application_id is not None]
        findings = await checker.settle(app_ids, options.settle_seconds)
        await injector.watch()
        checker.engine.dispose()
    return RunResult(phases, outcomes, findings, driver.stats, injector.unexpected)


def prepare_workdir(options: Options) -> Path:
    """The run's directory: the one given (new or empty), or a fresh temporary one."""
    if options.workdir is None:
        return Path(tempfile.mkdtemp(prefix="accred-faults-"))
    workdir = options.workdir.resolve()
    if workdir.exists() and any(workdir.iterdir()):
        raise SystemExit(f"{workdir} is not empty: give a new or empty directory")
    workdir.mkdir(parents=True, exist_ok=True)
    return workdir


def print_details(result: RunResult, details: list[str]) -> None:
    """Failed applications, HTTP failures seen, stuck workflows and duplicates."""
    for outcome in result.outcomes:
        if outcome.failure:
            print(f"failed app {outcome.plan.index:03d}: {outcome.failure}")
    for line in result.stats.lines():
        print(f"answered 5xx or not at all: {line}")
    for line in details:
        print(line)


def finish(result: RunResult | None, problem: str | None, leftovers: list[int]) -> int:
    """Print the table and the verdict; the exit status."""
    if result is None:
        reasons = [problem or "the run did not finish"]
        if leftovers:
            reasons.append(f"processes left running: {', '.join(map(str, leftovers))}")
        print(f"FAILED: {'; '.join(reasons)}", flush=True)
        return 1
    rows, total, details = build_rows(result)
    print_details(result, details)
    print()
    print_table(rows, total)
    reason = verdict(total, result.unexpected, leftovers)
    if reason is not None:
        print(f"FAILED: {reason}", flush=True)
        return 1
    resent = total.resent_emails
    print(
        f"OK: {total.completed} of {total.driven} applications completed through "
        f"{total.kills} fault(s); nothing lost, duplicated or stuck"
        + (f" ({resent} email(s) delivered again under the same Message-ID)" if resent else ""),
        flush=True,
    )
    return 0


@dataclass
class StackRun(Generic[R]):
    """How a run on a private stack ended: its result, or the problem that stopped it, and
    which processes had exited on their own by then."""

    result: R | None
    problem: str | None
    exited: list[str]


def run_on_stack(stack: FaultStack, service: Service, run: Callable[[], R]) -> StackRun[R]:
    """``run()`` (which starts what it needs on ``stack``), the ways it can stop turned into
    a one-line problem; every process of the stack is stopped after, whatever happened."""
    result: R | None = None
    problem: str | None = None
    try:
        result = run()
    except KeyboardInterrupt:
        problem = "interrupted"
    except (SystemExit, MissingBinaryError) as err:
        problem = f"{err.code if isinstance(err, SystemExit) else err} (logs in {service.logs})"
    except subprocess.CalledProcessError as err:
        problem = f"{' '.join(map(str, err.cmd))} failed (see {service.logs})"
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
        say("stopping the stack")
        exited = stack.exited()
        stack.stop()
    return StackRun(result, problem, exited)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the check; 0 when it passed."""
    options = parse_options(argv)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    workdir = prepare_workdir(options)
    service = Service.on_free_ports(workdir, options)
    say(f"working in {workdir}")
    stack = FaultStack(env=service.environment())

    def run() -> RunResult:
        start_stack(stack, service)
        return asyncio.run(drive_and_check(options, stack, service))

    ended = run_on_stack(stack, service, run)
    leftovers = leftover_processes(workdir)
    say("no process left behind" if not leftovers else f"left behind: {leftovers}")
    code = finish(ended.result, ended.problem, leftovers)
    if code == 0 and options.workdir is None and not options.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"logs, database and mail kept in {workdir}", flush=True)
    return code


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Exit at once, even if a library left a thread running (see sdk-python #300).
    os._exit(code)
