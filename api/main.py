"""The HTTP API: gathers the routers and holds one Temporal client and database per app.

Run locally with ``uvicorn api.main:app`` (``./dev run`` does). Tests build their own app with
``create_app(settings, client=..., session_factory=...)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from api.documents import DocumentStore
from api.routes import (
    accreditations,
    applications,
    catalogue,
    declarations,
    members,
    queues,
    register,
    reviews,
)
from settings import Settings, get_settings
from storage.database import make_engine, make_session_factory
from worker import connect, load_settings_catalogue

DESCRIPTION = """
The College of Radiographers' accreditation service for assistant practitioners and
mammography associates.

Callers send a bearer JWT carrying `sub` and `role` (applicant, assessor, officer, admin, or
the `portal` and `membership` systems). Declaration links, the public register and the
catalogue need no token.
"""


def create_app(
    settings: Settings | None = None,
    *,
    client: Client | None = None,
    session_factory: sessionmaker[Session] | None = None,
) -> FastAPI:
    """The API on ``settings``; a client or session factory given here is used as it is."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = None
        if app.state.sessions is None:
            engine = make_engine(settings.database_url)
            app.state.sessions = make_session_factory(engine)
        if app.state.client is None:
            app.state.client = await connect(settings)
        try:
            yield
        finally:
            if engine is not None:
                engine.dispose()

    app = FastAPI(
        title="CoR accreditation service",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.client = client
    app.state.sessions = session_factory
    app.state.catalogue = load_settings_catalogue(settings)
    app.state.documents = DocumentStore(settings.document_store_path, settings.max_upload_bytes)
    for router in (
        applications.router,
        reviews.router,
        members.router,
        accreditations.router,
        queues.router,
        declarations.router,
        register.router,
        catalogue.router,
    ):
        app.include_router(router)
    return app


app = create_app()
