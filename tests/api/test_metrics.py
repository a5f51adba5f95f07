"""GET /metrics in-process: requests by route template and status, gauges from the read model.

No Temporal here: the routes called answer from SQL or refuse before reaching it. The whole
service scraped after a real lifecycle is ``tests/api/test_metrics_scrape.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from api.main import create_app
from api.metrics import UNMATCHED
from models.application_machine import ApplicationState
from settings import Settings
from storage.database import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.tables import ApplicationSummaryRow
from tests.storage.factories import summary

Labels = dict[str, str]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'metrics.db'}",
        document_store_path=tmp_path / "documents",
        max_request_bytes=1024,
    )


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest_asyncio.fixture
async def http(settings: Settings, sessions: sessionmaker[Session]) -> AsyncIterator[AsyncClient]:
    async with client_of(create_app(settings, session_factory=sessions)) as http:
        yield http


def client_of(app: FastAPI) -> AsyncClient:
    # Starlette re-raises a fault after answering, for the server to log: keep the answer.
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    return AsyncClient(transport=transport, base_url="http://api.test")


async def scrape(http: AsyncClient, **headers: str) -> list[tuple[str, Labels, float]]:
    """Every sample ``GET /metrics`` answers: (name, labels, value)."""
    response = await http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return [
        (sample.name, dict(sample.labels), sample.value)
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    ]


def value(samples: list[tuple[str, Labels, float]], name: str, **labels: str) -> float | None:
    found = [v for n, ls, v in samples if n == name and labels.items() <= ls.items()]
    return sum(found) if found else None


def requests(samples: list[tuple[str, Labels, float]], method: str, route: str, status: int) -> Any:
    return value(
        samples, "accreditation_api_requests_total", method=method, route=route, status=str(status)
    )


async def test_requests_count_by_route_template_and_status(http: AsyncClient) -> None:
    assert (await http.get("/healthz")).status_code == 200
    assert (await http.get("/healthz")).status_code == 200
    assert (await http.get("/register/AP-SECRET-1")).status_code == 404
    assert (await http.get("/applications/APP-SECRET-2")).status_code == 401
    assert (await http.delete("/healthz")).status_code == 405
    assert (await http.request("BREW", "/healthz")).status_code == 405
    assert (await http.get("/static/govuk/SECRET-4.css")).status_code == 404
    assert (await http.post("/codec/decode", json={})).status_code == 401
    assert (await http.get("/no/such/path-SECRET-3")).status_code == 404
    too_large = b"{" + b" " * 2048 + b"}"
    refused = await http.post("/applications", content=too_large)
    assert refused.status_code == 413

    samples = await scrape(http)

    assert requests(samples, "GET", "/healthz", 200) == 2
    assert requests(samples, "GET", "/register/{registration_number}", 404) == 1
    assert requests(samples, "GET", "/applications/{application_id}", 401) == 1
    assert requests(samples, "DELETE", "/healthz", 405) == 1
    assert requests(samples, "OTHER", "/healthz", 405) == 1  # no series per invented method
    assert requests(samples, "GET", "/static/govuk/{path}", 404) == 1  # a mount
    assert requests(samples, "POST", "/codec/decode", 401) == 1  # a mounted app's route
    assert requests(samples, "GET", UNMATCHED, 404) == 1
    assert requests(samples, "POST", UNMATCHED, 413) == 1  # refused before routing
    durations = "accreditation_api_request_duration_seconds_count"
    assert value(samples, durations, method="GET", route="/healthz") == 2
    assert not any("SECRET" in v for _, labels, _ in samples for v in labels.values())


async def test_a_fault_counts_as_a_500_on_its_route(settings: Settings) -> None:
    def broken_sessions() -> Any:
        raise ZeroDivisionError("a bug")

    app = create_app(settings, session_factory=broken_sessions)  # type: ignore[arg-type]
    async with client_of(app) as http:
        assert (await http.get("/register")).status_code == 500
        samples = await scrape(http)

    assert requests(samples, "GET", "/register", 500) == 1
    assert value(samples, "accreditation_read_model_up") == 0  # the same broken sessions


async def test_gauges_count_the_read_model_at_each_scrape(
    http: AsyncClient, sessions: sessionmaker[Session]
) -> None:
    before = await scrape(http)
    rows = [
        summary(application_id="A1", state="accredited"),
        summary(application_id="A2", state="accredited"),
        summary(application_id="A3", state="in_assessment", queue="awaiting_assessment"),
        summary(application_id="A4", state="in_assessment", queue="overdue"),
    ]
    with sessions.begin() as session:
        session.add_all(ApplicationSummaryRow(**row.model_dump()) for row in rows)

    after = await scrape(http)

    assert value(before, "accreditation_read_model_up") == 1
    assert value(before, "accreditation_applications", state="accredited") == 0
    for state in ApplicationState:  # every state, so a query never finds a missing series
        assert value(before, "accreditation_applications", state=state.value) == 0
    assert value(after, "accreditation_applications", state="accredited") == 2
    assert value(after, "accreditation_applications", state="in_assessment") == 2
    assert value(after, "accreditation_assessments_overdue") == 1
    queue = "accreditation_staff_queue_applications"
    assert value(after, queue, queue="awaiting_assessment") == 1
    assert value(after, queue, queue="overdue") == 1
    assert value(after, queue, queue="awaiting_ratification") == 0


async def test_an_unreachable_read_model_still_answers(settings: Settings) -> None:
    def unreachable() -> Any:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    app = create_app(settings, session_factory=unreachable)  # type: ignore[arg-type]
    async with client_of(app) as http:
        samples = await scrape(http)

    assert value(samples, "accreditation_read_model_up") == 0
    assert value(samples, "accreditation_applications", state="accredited") is None


async def test_a_metrics_token_is_required_when_set(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    guarded = settings.model_copy(update={"metrics_token": SecretStr("scrape-token-1234")})
    async with client_of(create_app(guarded, session_factory=sessions)) as http:
        missing = await http.get("/metrics")
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
        samples = await scrape(http, Authorization="Bearer scrape-token-1234")

    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "correlation_id" in missing.json()
    assert value(samples, "accreditation_read_model_up") == 1


async def test_metrics_are_left_out_of_the_openapi_document(http: AsyncClient) -> None:
    paths = (await http.get("/openapi.json")).json()["paths"]

    assert "/metrics" not in paths
