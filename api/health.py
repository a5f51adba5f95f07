"""Health for an orchestrator: is the process alive, and can it serve (which part cannot)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from fastapi import APIRouter, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.documents import DocumentStore
from api.temporal import Temporal

router = APIRouter(tags=["health"])

_CHECK_SECONDS = 3.0


class Liveness(BaseModel):
    status: str = "ok"


class Readiness(BaseModel):
    """Each dependency the API serves from, and whether it answers now."""

    ready: bool
    temporal: bool = Field(description="the Temporal server answers its health check")
    database: bool = Field(description="the database answers a query")
    documents: bool = Field(description="the document store takes writes")


@router.get("/healthz")
def liveness() -> Liveness:
    """The process is alive (it checks nothing else)."""
    return Liveness()


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "a dependency is not reachable"}},
)
async def readiness(request: Request) -> Readiness | JSONResponse:
    """Whether Temporal, the database and the document store are reachable; 503 names which
    is not."""
    temporal: Temporal = request.app.state.temporal
    store: DocumentStore = request.app.state.documents
    reached = await asyncio.gather(
        temporal.reachable(),
        _database_answers(request.app.state.sessions),
        _within(run_in_threadpool(store.reachable)),
    )
    report = Readiness(
        ready=all(reached), temporal=reached[0], database=reached[1], documents=reached[2]
    )
    if report.ready:
        return report
    return JSONResponse(report.model_dump(), status_code=status.HTTP_503_SERVICE_UNAVAILABLE)


async def _within(check: Awaitable[bool]) -> bool:
    """``check``'s answer, or False when it takes longer than a readiness probe may wait."""
    try:
        return await asyncio.wait_for(check, _CHECK_SECONDS)
    except TimeoutError:
        return False


async def _database_answers(sessions: sessionmaker[Session] | None) -> bool:
    if sessions is None:
        return False

    def ping() -> bool:
        with sessions() as session:
            session.execute(text("SELECT 1"))
        return True

    try:
        return await asyncio.wait_for(run_in_threadpool(ping), _CHECK_SECONDS)
    except (SQLAlchemyError, TimeoutError):
        return False
