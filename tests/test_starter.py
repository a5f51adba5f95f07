"""``./dev demo`` (``starter.py demo``) drives an application from nothing onto the register
through the real API, on a private stack like the fault script's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scripts import faults
from scripts.faults import FaultStack, Service

ROOT = Path(__file__).resolve().parents[1]


def test_the_demo_reaches_the_register_through_the_api(tmp_path: Path) -> None:
    service = Service.on_free_ports(tmp_path)
    stack = FaultStack(env=service.environment())
    try:
        faults.start_stack(stack, service)
        demo = subprocess.run(
            [sys.executable, "starter.py", "demo", "--api", service.api_url,
             "--mail-dir", str(service.mail_dir)],
            cwd=ROOT, env=service.environment(), capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        stack.stop()
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "11. The public register now shows:" in demo.stdout
    assert "Demo complete." in demo.stdout


def test_a_token_is_minted_only_for_the_roles_a_token_may_carry() -> None:
    refused = subprocess.run(
        [sys.executable, "starter.py", "token", "--role", "declarer", "--sub", "x"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "invalid choice" in refused.stderr
