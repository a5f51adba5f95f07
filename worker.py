"""The worker: runs the accreditation workflows and their activities on the task queue.

Start-up checks everything a running service depends on and stops with a clear message when
something is wrong: the catalogues (a malformed file names the file and entry), the database
(migrated to the latest schema), the Temporal server.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import PollerBehaviorSimpleMaximum, Worker

from activities import Mailer, SmtpMailer, all_activities
from logs import configure_logging
from models.catalogue import Catalogue, load_catalogue
from models.errors import CatalogueError
from security.codec import EncryptionCodec
from security.connection import connect_options
from settings import LOCAL_ENVIRONMENTS, Settings, get_settings
from storage.database import make_engine, make_session_factory
from storage.migrate import upgrade
from workflows.accreditation import AccreditationWorkflow
from workflows.application import ApplicationWorkflow
from workflows.runner import workflow_runner

log = logging.getLogger("accreditation.worker")

WORKFLOWS: list[type] = [ApplicationWorkflow, AccreditationWorkflow]


async def connect(settings: Settings, *, runtime: Runtime | None = None) -> Client:
    """A Temporal client for every process of the service: pydantic payloads encrypted with
    the payload keys (``security.codec``), over TLS and with the API key when configured.

    ``runtime``: the SDK runtime the client (and a worker on it) runs on; the worker passes
    ``metrics_runtime(settings)``, the API none (the SDK's default runtime)."""
    options = connect_options(settings)
    return await Client.connect(
        settings.temporal_address,
        namespace=options.namespace,
        data_converter=options.data_converter,
        tls=options.tls,
        api_key=options.api_key,
        runtime=runtime,
    )


def metrics_runtime(settings: Settings) -> Runtime | None:
    """An SDK runtime serving Prometheus metrics on ``settings.worker_metrics_address``.

    The SDK's own (``temporal_*``: workflow task and activity latencies, schedule-to-start,
    failures, pollers, slots) and the activities' counters (``activities.metrics``), counters
    with ``_total`` and durations in seconds (``_seconds``). None when the address is empty,
    and in local and test environments when it cannot be used (another worker, or ``./dev
    run``, holds the port): the worker then runs without metrics, saying so.

    Raises:
        RuntimeError: outside local and test, the address is malformed or cannot be bound.
    """
    address = settings.worker_metrics_address.strip()
    if not address:
        return None
    prometheus = PrometheusConfig(
        bind_address=address,
        counters_total_suffix=True,
        unit_suffix=True,
        durations_as_seconds=True,
    )
    try:
        return Runtime(telemetry=TelemetryConfig(metrics=prometheus))
    except ValueError as err:
        problem = f"worker metrics on {address!r} (ACCRED_WORKER_METRICS_ADDRESS): {err}"
        if settings.environment in LOCAL_ENVIRONMENTS:
            log.warning("%s; running without metrics", problem)
            return None
        raise RuntimeError(problem) from err


def load_settings_catalogue(settings: Settings) -> Catalogue:
    """The configured catalogues; a malformed one stops the process with its file and entry."""
    return load_catalogue(settings.learning_outcomes_path, settings.approved_programmes_path)


def build_worker(
    client: Client,
    settings: Settings,
    *,
    catalogue: Catalogue,
    session_factory: sessionmaker[Session],
    mailer: Mailer,
) -> Worker:
    """A worker with every workflow and activity on ``settings.task_queue``."""
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=WORKFLOWS,
        workflow_runner=workflow_runner(),
        activities=all_activities(
            session_factory, mailer, settings, client=client, catalogue=catalogue
        ),
        max_concurrent_workflow_tasks=settings.worker_max_concurrent_workflow_tasks,
        max_concurrent_activities=settings.worker_max_concurrent_activities,
        workflow_task_poller_behavior=PollerBehaviorSimpleMaximum(
            settings.worker_workflow_task_pollers
        ),
        activity_task_poller_behavior=PollerBehaviorSimpleMaximum(
            settings.worker_activity_task_pollers
        ),
        graceful_shutdown_timeout=timedelta(seconds=settings.worker_graceful_shutdown_seconds),
    )


async def run(settings: Settings) -> None:
    catalogue = load_settings_catalogue(settings)
    log.info(
        "catalogues loaded: %s learning outcomes, %s approved programmes",
        sum(len(v) for v in catalogue.outcomes.values()),
        len(catalogue.programmes),
    )
    upgrade(settings.database_url)
    log.info("database ready at %s", settings.database_url)
    runtime = metrics_runtime(settings)
    if runtime is not None:
        log.info("metrics on http://%s/metrics", settings.worker_metrics_address.strip())
    client = await connect(settings, runtime=runtime)
    mailer = SmtpMailer(settings.smtp_host, settings.smtp_port, settings.mail_from)
    worker = build_worker(
        client,
        settings,
        catalogue=catalogue,
        session_factory=make_session_factory(make_engine(settings.database_url)),
        mailer=mailer,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    codec = client.data_converter.payload_codec
    log.info(
        "worker polling task queue %r on %s (namespace %s; payloads encrypted with key %s)",
        settings.task_queue,
        settings.temporal_address,
        settings.temporal_namespace,
        codec.active_key_id if isinstance(codec, EncryptionCodec) else "none",
    )
    running = asyncio.create_task(worker.run())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not running.done():
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, _stop_at_once)
        log.info(
            "stopping: no new tasks; running activities have %ss to finish (signal again to "
            "stop at once)",
            settings.worker_graceful_shutdown_seconds,
        )
        await worker.shutdown()
    try:
        await running  # a worker that failed on its own raises here
    finally:
        mailer.close()
    log.info("worker stopped")


def _stop_at_once() -> None:
    """A second signal while shutting down: leave now (Temporal retries what was running)."""
    log.warning("stopping at once: activities still running will be retried")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1)


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_format)
    try:
        asyncio.run(run(settings))
    except CatalogueError as err:
        log.error("cannot start: %s", err)
        sys.stdout.flush()
        os._exit(2)
    except RuntimeError as err:
        log.error("cannot start: %s", err)
        sys.stdout.flush()
        os._exit(1)
    sys.stdout.flush()
    sys.stderr.flush()
    # Exit at once: the SDK's runtime threads can abort a normal interpreter exit (sdk-python #300).
    os._exit(0)


if __name__ == "__main__":
    main()
