"""Metrics and logs of the whole service, scraped after one application reaches the register.

The worker (``python worker.py``, serving Prometheus metrics on a port of its own) and the API
(``uvicorn api.main:app``) run as processes on the session's Temporal dev server, both logging
JSON (``tests.fixtures.api_server``). One application is driven over HTTP from draft to the
public register; then both ``/metrics`` endpoints are scraped and both logs read.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from httpx import AsyncClient
from prometheus_client.parser import text_string_to_metric_families
from temporalio.testing import WorkflowEnvironment

from api.auth import Role
from models.enums import Pathway
from storage.database import make_engine, make_session_factory
from tests.api.helpers import Service, eventually, findings, ok, submitted
from tests.fixtures.api_server import RunningService, free_port, running_service
from tests.fixtures.smtp import SmtpSink, running_sink

pytestmark = pytest.mark.dev_server

Sample = tuple[str, dict[str, str], float]


@dataclass(frozen=True)
class Lifecycle:
    """The running service, its worker's metrics address, and the application driven."""

    service: RunningService
    worker_metrics_url: str
    app_id: str
    member_id: str
    registration_number: str


@pytest.fixture(scope="module")
def scrape_sink() -> Iterator[SmtpSink]:
    with running_sink() as sink:
        yield sink


@pytest.fixture(scope="module")
def metered_service(
    dev_env: WorkflowEnvironment, scrape_sink: SmtpSink, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningService, str]]:
    """The service as processes, the worker serving metrics, both logging JSON."""
    address = f"127.0.0.1:{free_port()}"
    with running_service(
        temporal_address=dev_env.client.service_client.config.target_host,
        sink=scrape_sink,
        root=tmp_path_factory.mktemp("metrics"),
        settings_overrides={"worker_metrics_address": address, "log_format": "json"},
    ) as service:
        yield service, f"http://{address}/metrics"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def lifecycle(
    metered_service: tuple[RunningService, str], scrape_sink: SmtpSink
) -> AsyncIterator[Lifecycle]:
    """One application from draft to the register, through the HTTP API only."""
    running, worker_metrics_url = metered_service
    engine = make_engine(running.settings.database_url)
    try:
        async with AsyncClient(base_url=running.base_url, timeout=30) as http:
            service = Service(
                http=http,
                settings=running.settings,
                mail=scrape_sink,
                sessions=make_session_factory(engine),
            )
            scrape_sink.fail_next(1)  # the first email fails once, and is retried
            app_id, member_id, view = await submitted(service)
            assessor = service.auth(Role.ASSESSOR, view["assessor_id"])
            body = {"findings": findings(Pathway.AP_L4), "recommended_outcome": "accredited"}
            path = f"/applications/{app_id}"
            ok(await http.post(f"{path}/assessment", json=body, headers=assessor))
            ok(await http.post(f"{path}/ratification", json={}, headers=service.officer()))
            registration_number = view["application"]["applicant"]["registration_number"]

            async def registered() -> bool:
                return (await http.get(f"/register/{registration_number}")).status_code == 200

            await eventually(registered, seconds=30)
    except Exception as err:
        pytest.fail(f"the lifecycle failed: {err!r}\n{running.logs_tail()}", pytrace=False)
    finally:
        engine.dispose()
    yield Lifecycle(running, worker_metrics_url, app_id, member_id, registration_number)


def scrape(url: str) -> list[Sample]:
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200, response.text
    return [
        (sample.name, dict(sample.labels), sample.value)
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    ]


def total(samples: list[Sample], name: str, **labels: str) -> float:
    return sum(v for n, ls, v in samples if n == name and labels.items() <= ls.items())


def names(samples: list[Sample]) -> set[str]:
    return {n for n, _, _ in samples}


async def scraped_until(url: str, done: Any) -> list[Sample]:
    """The first scrape of ``url`` for which ``done(samples)`` holds (counters land shortly
    after what they count)."""

    async def attempt() -> list[Sample] | None:
        samples = scrape(url)
        return samples if done(samples) else None

    return await eventually(attempt, seconds=15)


async def test_the_worker_serves_sdk_and_service_metrics(lifecycle: Lifecycle) -> None:
    emails = "accreditation_emails_sent_total"
    samples = await scraped_until(
        lifecycle.worker_metrics_url,
        lambda s: (
            total(s, "accreditation_register_writes_total") >= 1
            and total(s, emails, template="outcome_accredited") >= 1
        ),
    )

    found = names(samples)
    for histogram in (
        "temporal_workflow_task_execution_latency_seconds",
        "temporal_workflow_task_schedule_to_start_latency_seconds",
        "temporal_activity_execution_latency_seconds",
        "temporal_activity_schedule_to_start_latency_seconds",
    ):
        assert f"{histogram}_count" in found, histogram
    tasks = "temporal_workflow_task_execution_latency_seconds_count"
    assert total(samples, tasks, workflow_type="Application") > 0
    assert total(samples, tasks, workflow_type="Accreditation") > 0
    activities = "temporal_activity_execution_latency_seconds_count"
    assert total(samples, activities, activity_type="send_notification") > 0
    # The database writes run as local activities, with metrics of their own.
    local = "temporal_local_activity_execution_latency_seconds_count"
    assert total(samples, local, activity_type="upsert_register_entry") >= 1
    assert total(samples, local, activity_type="record_application_event") >= 1
    # The first email failed once (the sink refused it) and was retried.
    failed = "temporal_activity_execution_failed_total"
    assert total(samples, failed, activity_type="send_notification") >= 1
    assert total(samples, emails) > 0
    for template in ("declaration_invitation", "submission_receipt", "outcome_accredited"):
        assert total(samples, emails, template=template) == 1, template
    refused = "accreditation_emails_failed_total"
    assert total(samples, refused) == 1
    assert total(samples, refused, template="declaration_invitation", reason="unavailable") == 1
    assert total(samples, "accreditation_register_writes_total", status="current") >= 1


async def test_the_api_counts_requests_by_route_and_shows_the_read_model(
    lifecycle: Lifecycle,
) -> None:
    url = f"{lifecycle.service.base_url}/metrics"
    samples = await scraped_until(
        url, lambda s: total(s, "accreditation_applications", state="accredited") >= 1
    )

    def requests(method: str, route: str, status: int) -> float:
        return total(
            samples,
            "accreditation_api_requests_total",
            method=method,
            route=route,
            status=str(status),
        )

    app = "/applications/{application_id}"
    assert requests("POST", "/applications", 201) == 1
    assert requests("POST", f"{app}/documents", 201) == 2
    assert requests("PATCH", app, 200) == 1
    assert requests("POST", f"{app}/declarer", 200) == 1
    assert requests("POST", "/declarations/{application_id}/{token}", 200) == 1
    assert requests("POST", f"{app}/submit", 200) == 1
    assert requests("POST", f"{app}/assessment", 200) == 1
    assert requests("POST", f"{app}/ratification", 200) == 1
    assert requests("GET", "/register/{registration_number}", 200) >= 1
    duration = "accreditation_api_request_duration_seconds_count"
    assert total(samples, duration, method="POST", route=f"{app}/submit") == 1
    routes = {ls["route"] for n, ls, _ in samples if n == "accreditation_api_requests_total"}
    assert not any(lifecycle.app_id in route for route in routes), routes
    assert total(samples, "accreditation_applications", state="accredited") == 1
    assert total(samples, "accreditation_applications", state="draft") == 0
    assert total(samples, "accreditation_assessments_overdue") == 0
    assert total(samples, "accreditation_read_model_up") == 1


def json_lines(log: Path) -> list[dict[str, Any]]:
    """The JSON events of a process's log (the SDK's Rust core may write plain lines too)."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


async def test_the_logs_are_json_lines_carrying_the_application_and_member(
    lifecycle: Lifecycle,
) -> None:
    worker = json_lines(lifecycle.service.worker_log)
    api = json_lines(lifecycle.service.api_log)

    assert {"time", "level", "logger", "message"} <= worker[0].keys()
    about_application = [e for e in worker if e.get("application_id") == lifecycle.app_id]
    loggers = {e["logger"] for e in about_application}
    assert {"temporalio.workflow", "temporalio.activity"} <= loggers, loggers
    ratified = [e for e in about_application if "ratif" in e["message"]]
    assert ratified and ratified[0]["workflow_type"] == "Application"
    about_member = [e for e in worker if e.get("member_id") == lifecycle.member_id]
    register = [e for e in about_member if e.get("activity_type") == "upsert_register_entry"]
    assert register[0]["registration_number"] == lifecycle.registration_number
    assert api and all(e["logger"] for e in api)
