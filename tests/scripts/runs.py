"""Running one of the scripts that start a private stack, as a test does."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_script(module: str, workdir: Path, *args: str, seconds: float) -> tuple[int, str]:
    """``python -m module args --workdir workdir``: its exit code and output; a run that takes
    longer than ``seconds`` is stopped (the script stops its stack on SIGTERM) and fails."""
    command = [sys.executable, "-m", module, *args, "--workdir", str(workdir)]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        output, _ = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
        pytest.fail(f"the run took more than {seconds}s:\n{output}")
    return process.returncode, output
