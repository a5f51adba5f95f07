"""worker.metrics_runtime: the worker's Prometheus endpoint, off when empty, and a busy port.

Serving metrics is shown by ``tests/api/test_metrics_scrape.py`` (the worker as a process).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest

from settings import Settings
from worker import metrics_runtime


@pytest.fixture
def busy_address() -> Iterator[str]:
    """An address something already listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield f"127.0.0.1:{holder.getsockname()[1]}"


def settings(**values: object) -> Settings:
    base = Settings(_env_file=None, environment="test")
    return base.model_copy(update=values)


def test_an_empty_address_serves_no_metrics() -> None:
    assert metrics_runtime(settings(worker_metrics_address="")) is None
    assert metrics_runtime(settings(worker_metrics_address="  ")) is None


def test_a_busy_port_in_local_and_test_runs_without_metrics(
    busy_address: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="accreditation.worker"):
        runtime = metrics_runtime(settings(worker_metrics_address=busy_address))

    assert runtime is None
    assert f"worker metrics on {busy_address!r}" in caplog.text
    assert "running without metrics" in caplog.text


def test_a_busy_port_elsewhere_stops_the_worker(busy_address: str) -> None:
    production = settings(environment="production", worker_metrics_address=busy_address)

    with pytest.raises(RuntimeError, match="ACCRED_WORKER_METRICS_ADDRESS"):
        metrics_runtime(production)


def test_a_malformed_address_elsewhere_stops_the_worker() -> None:
    production = settings(environment="production", worker_metrics_address="not-an-address")

    with pytest.raises(RuntimeError, match="not-an-address"):
        metrics_runtime(production)
