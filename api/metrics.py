"""``GET /metrics``: the API's Prometheus metrics, and the service's state from the read model.

- ``accreditation_api_requests_total{method, route, status}`` and
  ``accreditation_api_request_duration_seconds{method, route}``: every HTTP request, by its
  route template (``/applications/{application_id}``, never the raw path, so ids do not become
  series). Requests that match no route, or are refused before routing (a body whose
  ``Content-Length`` is over the limit), count under ``route="<unmatched>"``; static files under
  their mount (``/static/govuk/{path}``).
- ``accreditation_applications{state}``, ``accreditation_staff_queue_applications{queue}``,
  ``accreditation_assessments_overdue`` and ``accreditation_read_model_up``: read from the read
  model at each scrape (a few ``COUNT`` queries on ``application_summaries``).
- The Python process's own (``process_*``, ``python_*``).

The endpoint holds no personal data, only counts. It is open unless ``metrics_token`` is set,
in which case it needs ``Authorization: Bearer <metrics_token>`` (Prometheus:
``authorization: {credentials: ...}``); either way it is meant to be scraped from the internal
network and kept off the public ingress. It is left out of the OpenAPI document.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Histogram,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ApiError
from logs import log_context
from models.application_machine import ApplicationState
from models.queues import StaffQueue
from settings import Settings
from storage.tables import ApplicationSummaryRow

log = logging.getLogger("accreditation.api.metrics")

METRICS_PATH = "/metrics"
UNMATCHED = "<unmatched>"
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Seconds; up to past ``temporal_rpc_timeout_seconds`` (10 by default)."""

_LOG_PATH_IDS = ("application_id", "member_id", "registration_number")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Methods counted by name; any other counts as ``OTHER`` (a client cannot add series)."""

router = APIRouter()


@dataclass(frozen=True)
class ApiMetrics:
    """One app's metrics, in a registry of its own (tests build many apps in one process)."""

    registry: CollectorRegistry
    requests: Counter
    duration: Histogram

    @classmethod
    def create(cls, sessions: Callable[[], sessionmaker[Session] | None]) -> ApiMetrics:
        """The metrics of an app whose read model ``sessions()`` opens (None: not yet)."""
        registry = CollectorRegistry()
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            registry.register(collector)
        registry.register(ReadModelCollector(sessions))
        requests = Counter(
            "accreditation_api_requests",
            "HTTP requests answered, by method, route template and status code",
            ["method", "route", "status"],
            registry=registry,
        )
        duration = Histogram(
            "accreditation_api_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by method and route template",
            ["method", "route"],
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        return cls(registry=registry, requests=requests, duration=duration)


def install(app: FastAPI) -> None:
    """Measure every request and serve ``GET /metrics`` on ``app``.

    Call it after every other middleware is added: it must be the outermost, to see every
    answer (including those the request limits give before routing) and to bind each
    request's ids to its log lines (``logs.log_context``).
    """
    app.state.metrics = ApiMetrics.create(lambda: app.state.sessions)
    app.include_router(router)
    app.add_middleware(ObserveRequests, metrics=app.state.metrics)


@router.get(METRICS_PATH, include_in_schema=False)
def metrics(request: Request) -> Response:
    """The Prometheus text exposition (run in the thread pool: the scrape queries the DB)."""
    settings: Settings = request.app.state.settings
    if settings.metrics_token is not None:
        expected = f"Bearer {settings.metrics_token.get_secret_value()}".encode()
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            raise ApiError(
                401,
                "the metrics need the metrics token (Authorization: Bearer ...)",
                headers={"WWW-Authenticate": "Bearer"},
            )
    api_metrics: ApiMetrics = request.app.state.metrics
    # The format the scraper asks for (Accept): Prometheus text 0.0.4 unless it asks otherwise.
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encode(api_metrics.registry), headers={"Content-Type": content_type})


class ObserveRequests:
    """Counts and times each HTTP request by route template, and binds its ids to its logs."""

    def __init__(self, app: ASGIApp, *, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception that escapes is answered 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            with log_context(lambda: _request_ids(scope)):
                await self.app(scope, receive, send_observed)
        finally:
            method = scope["method"] if scope["method"] in _METHODS else "OTHER"
            route = route_template(scope)
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.duration.labels(method, route).observe(time.perf_counter() - started)


def route_template(scope: Scope) -> str:
    """The path template of the route that answered (after routing), never the raw path.

    Inside a mount (static files, the codec server) the mount's path comes first, then the
    mounted app's route, or ``{path}`` for an app without routes.
    """
    mount = ""
    if "app_root_path" in scope:  # set by a mount: root_path has grown by the mount's path
        mount = str(scope.get("root_path", ""))[len(str(scope["app_root_path"])) :]
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if isinstance(template, str):
        return mount + template
    return f"{mount}/{{path}}" if mount else UNMATCHED


def _request_ids(scope: Scope) -> Mapping[str, Any]:
    """The request's correlation id and the ids in its path, once known."""
    params: Mapping[str, Any] = scope.get("path_params") or {}
    ids = {name: params[name] for name in _LOG_PATH_IDS if name in params}
    state: Mapping[str, Any] = scope.get("state") or {}
    correlation = state.get("correlation_id")
    if correlation is not None:
        ids["correlation_id"] = correlation
    return ids


class ReadModelCollector(Collector):
    """Gauges of the service's state, counted in the read model at each scrape."""

    def __init__(self, sessions: Callable[[], sessionmaker[Session] | None]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily(
            "accreditation_read_model_up",
            "1 when the read model answered this scrape (the gauges below are then present)",
        )
        factory = self.sessions()
        if factory is None:
            up.add_metric([], 0)
            return [up]
        try:
            counts = read_model_counts(factory)
        except SQLAlchemyError as err:
            log.warning("metrics: the read model cannot be read: %s", err)
            up.add_metric([], 0)
            return [up]
        except Exception:  # a scrape answers whatever happens; the fault is logged
            log.exception("metrics: reading the read model failed")
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        states = GaugeMetricFamily(
            "accreditation_applications",
            "Applications by state, as the read model holds them now",
            labels=["state"],
        )
        for state, n in counts.by_state.items():
            states.add_metric([state], n)
        queues = GaugeMetricFamily(
            "accreditation_staff_queue_applications",
            "Applications waiting in each staff queue (overdue: assessments past the SLA)",
            labels=["queue"],
        )
        for queue, n in counts.by_queue.items():
            queues.add_metric([queue], n)
        overdue = GaugeMetricFamily(
            "accreditation_assessments_overdue",
            "Assessments past the assessor SLA, waiting in the officers' overdue queue",
        )
        overdue.add_metric([], counts.by_queue.get(StaffQueue.OVERDUE, 0))
        return [up, states, queues, overdue]


@dataclass(frozen=True)
class ReadModelCounts:
    by_state: dict[str, int]
    """Every application state (0 when none), and any other state the read model holds."""
    by_queue: dict[str, int]
    """Every staff queue, the overdue queue included (0 when empty)."""


def read_model_counts(sessions: sessionmaker[Session]) -> ReadModelCounts:
    """Applications by state and by staff queue, counted in the read model."""
    summary = ApplicationSummaryRow
    with sessions() as session:
        by_state = session.execute(
            select(summary.state, func.count()).group_by(summary.state)
        ).all()
        by_queue = session.execute(
            select(summary.queue, func.count())
            .where(summary.queue.is_not(None))
            .group_by(summary.queue)
        ).all()
    states = {state.value: 0 for state in ApplicationState}
    states.update({state: n for state, n in by_state})
    queues = {queue.value: 0 for queue in StaffQueue}
    queues.update({queue: n for queue, n in by_queue if queue is not None})
    return ReadModelCounts(by_state=states, by_queue=queues)
