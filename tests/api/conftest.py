"""One API service for the whole API suite: the real app, a real worker and real activities.

The app runs in-process (httpx over ASGI) against the Temporal dev server, a worker with every
real activity on its own uuid task queue, a migrated SQLite file with the stand-in assessors,
and a real SMTP sink. Tests share it, so each works on applications of its own members.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from httpx import ASGITransport, AsyncClient
from temporalio.testing import WorkflowEnvironment

from activities import SmtpMailer
from api.main import create_app
from settings import Settings
from storage.database import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.seed import load_assessors
from tests.api.helpers import MAX_UPLOAD_BYTES, Service
from tests.fixtures.smtp import SmtpSink, running_sink
from worker import build_worker, load_settings_catalogue


@pytest.fixture(scope="session")
def api_sink() -> Iterator[SmtpSink]:
    with running_sink() as sink:
        yield sink


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def service(
    dev_env: WorkflowEnvironment,
    api_sink: SmtpSink,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Service]:
    root = tmp_path_factory.mktemp("api")
    settings = Settings(
        _env_file=None,
        environment="test",
        database_url=f"sqlite:///{root / 'api.db'}",
        task_queue=f"api-{uuid.uuid4()}",
        smtp_host=api_sink.host,
        smtp_port=api_sink.port,
        document_store_path=root / "documents",
        max_upload_bytes=MAX_UPLOAD_BYTES,
    )
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    load_assessors(session_factory=sessions)
    mailer = SmtpMailer(settings.smtp_host, settings.smtp_port, settings.mail_from)
    app = create_app(settings, client=dev_env.client, session_factory=sessions)
    worker = build_worker(
        dev_env.client,
        settings,
        catalogue=load_settings_catalogue(settings),
        session_factory=sessions,
        mailer=mailer,
    )
    async with (
        worker,
        AsyncClient(transport=ASGITransport(app=app), base_url="http://api.test") as http,
    ):
        yield Service(http=http, settings=settings, mail=api_sink, sessions=sessions)
    engine.dispose()
