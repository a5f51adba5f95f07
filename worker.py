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

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from activities import Mailer, SmtpMailer, all_activities
from models.catalogue import Catalogue, load_catalogue
from models.errors import CatalogueError
from settings import Settings, get_settings
from storage.database import make_engine, make_session_factory
from storage.migrate import upgrade
from workflows.accreditation import AccreditationWorkflow
from workflows.application import ApplicationWorkflow

log = logging.getLogger("accreditation.worker")

WORKFLOWS: list[type] = [ApplicationWorkflow, AccreditationWorkflow]


async def connect(settings: Settings) -> Client:
    """A Temporal client that speaks pydantic, for every process of the service."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
    )


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
        activities=all_activities(
            session_factory, mailer, settings, client=client, catalogue=catalogue
        ),
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
    client = await connect(settings)
    worker = build_worker(
        client,
        settings,
        catalogue=catalogue,
        session_factory=make_session_factory(make_engine(settings.database_url)),
        mailer=SmtpMailer(settings.smtp_host, settings.smtp_port, settings.mail_from),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info(
        "worker polling task queue %r on %s (namespace %s)",
        settings.task_queue,
        settings.temporal_address,
        settings.temporal_namespace,
    )
    async with worker:
        await stop.wait()
        log.info("stopping: finishing tasks in hand")
    log.info("worker stopped")


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        asyncio.run(run(get_settings()))
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
