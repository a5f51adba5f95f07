"""The HTTP API: gathers the routers and holds one Temporal gateway and database per app.

Run locally with ``uvicorn api.main:app`` (``./dev run`` does). Tests build their own app with
``create_app(settings, client=..., session_factory=...)``. The app starts whether or not
Temporal is reachable: it connects on the first request that needs it, and SQL-backed reads
(the register, staff queues) answer meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

import web
from api import errors, health, metrics
from api.codec_server import CODEC_PREFIX, create_codec_app
from api.document_store_db import open_document_store
from api.middleware import RequestLimits
from api.routes import (
    accreditations,
    applications,
    catalogue,
    cpd_verifications,
    declarations,
    members,
    queues,
    register,
    reviews,
)
from api.temporal import Temporal, TemporalUnavailable
from logs import configure_logging
from settings import Settings, get_settings
from storage.database import make_engine, make_session_factory
from worker import connect, load_settings_catalogue

DESCRIPTION = """
The College of Radiographers' accreditation service for assistant practitioners and
mammography associates.

Callers send a bearer JWT carrying `sub` and `role` (applicant, assessor, officer, admin, or
the `portal` and `membership` systems). Declaration and CPD verification links, the public
register and the catalogue need no token. An action on an application answers where it stands
in brief (`ActionResult`: its state, the actions allowed now, what is still missing, and a
version that grows with each change); `GET /applications/{application_id}` answers the whole of
it. Every error answers with the same body (`ErrorBody`): a message, the field problems, the
actions allowed now where relevant, and a correlation id. A 503 carries `Retry-After`. Creates
and other actions that a retry could repeat accept an `Idempotency-Key`. The member portal
(`portal`) may also mark a CPD record it verified itself (R08, R16).
"""

# The errors each group of operations can answer, besides 422 and 500 which any can.
_WORKFLOW_ERRORS = (400, 401, 403, 404, 409, 413, 503)
_ROUTER_ERRORS: list[tuple[Any, tuple[int, ...]]] = [
    (applications.router, (*_WORKFLOW_ERRORS, 415)),
    (reviews.router, _WORKFLOW_ERRORS),
    (members.router, _WORKFLOW_ERRORS),
    (accreditations.router, (401, 403, 503)),
    (queues.router, (401, 403, 503)),
    (cpd_verifications.records, _WORKFLOW_ERRORS),
    (declarations.router, (400, 404, 409, 410, 413, 503)),
    (cpd_verifications.links, (400, 404, 409, 410, 413, 503)),
    (register.router, (404, 503)),
    (catalogue.router, ()),
    (health.router, (503,)),
]


def create_app(
    settings: Settings | None = None,
    *,
    client: Client | None = None,
    session_factory: sessionmaker[Session] | None = None,
    configure_logs: bool = False,
) -> FastAPI:
    """The API on ``settings``; a client or session factory given here is used as it is.

    ``configure_logs``: on start-up, set the process's logging up (``settings.log_format``);
    only for the app uvicorn serves, never an app a test builds."""
    settings = settings or get_settings()
    temporal = Temporal(
        lambda: connect(settings),
        timedelta(seconds=settings.temporal_rpc_timeout_seconds),
        client,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if configure_logs:
            configure_logging(settings.log_format)
        engine = None
        if app.state.sessions is None:
            engine = make_engine(settings.database_url)
            app.state.sessions = make_session_factory(engine)
        # Connect in the background: the API serves what it can while Temporal is away.
        connecting = asyncio.create_task(_connect_quietly(temporal))
        try:
            yield
        finally:
            connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await connecting
            if engine is not None:
                engine.dispose()

    app = FastAPI(
        title="CoR accreditation service",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.temporal = temporal
    app.state.sessions = session_factory
    app.state.catalogue = load_settings_catalogue(settings)
    app.state.documents = open_document_store(settings, lambda: app.state.sessions)
    for router, codes in _ROUTER_ERRORS:
        responses = {code: errors.ERROR_RESPONSES[code] for code in (*codes, 422, 500)}
        app.include_router(router, responses=dict(sorted(responses.items(), key=str)))
    errors.install(app)
    web.install(app, settings)
    app.mount(CODEC_PREFIX, create_codec_app(settings))  # the Temporal UI's codec server
    app.add_middleware(
        RequestLimits,
        max_request_bytes=settings.max_request_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    metrics.install(app)  # GET /metrics; the outermost middleware, so added last
    return app


async def _connect_quietly(temporal: Temporal) -> None:
    """Try to connect now, so the first request does not wait; a request retries later."""
    with contextlib.suppress(TemporalUnavailable):
        await temporal.client()


app = create_app(configure_logs=True)
