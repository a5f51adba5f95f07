"""``python worker.py`` as a process: it connects with the codec, stops gracefully on SIGTERM,
and refuses to start in production without payload keys."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from settings import ROOT, Settings
from tests.fixtures.api_server import service_environment
from tests.security.helpers import keys_json

STARTUP_SECONDS = 60.0


def worker_settings(dev_env: WorkflowEnvironment, root: Path) -> Settings:
    return Settings(
        _env_file=None,
        environment="test",
        temporal_address=dev_env.client.service_client.config.target_host,
        temporal_namespace=dev_env.client.namespace,
        task_queue=f"shutdown-{uuid.uuid4()}",
        database_url=f"sqlite:///{root / 'worker.db'}",
        payload_keys=keys_json("process-key"),
        worker_graceful_shutdown_seconds=5,
    )


def wait_for_line(log: Path, text: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if text in log.read_text(encoding="utf-8", errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"no {text!r} in the worker's log:\n{log.read_text()[-4000:]}")


@pytest.mark.dev_server
def test_the_worker_connects_with_the_codec_and_stops_gracefully_on_sigterm(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    environment = service_environment(worker_settings(dev_env, tmp_path))
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "worker.py")],
            cwd=tmp_path,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for_line(log, "payloads encrypted with key process-key", process)
            os.kill(process.pid, signal.SIGTERM)
            assert process.wait(timeout=20) == 0, log.read_text()
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    text = log.read_text()
    assert "running activities have 5.0s to finish" in text
    assert "worker stopped" in text


def test_the_worker_refuses_to_start_in_production_without_payload_keys(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ACCRED_")}
    environment |= {
        "ACCRED_ENVIRONMENT": "production",
        "ACCRED_JWT_SECRET": "p" * 40,
        "ACCRED_SESSION_SECRET": "s" * 40,
        "PYTHONPATH": str(ROOT),
    }
    finished = subprocess.run(
        [sys.executable, str(ROOT / "worker.py")],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode != 0
    assert "ACCRED_PAYLOAD_KEYS" in finished.stderr + finished.stdout
    assert not (tmp_path / "var").exists()
