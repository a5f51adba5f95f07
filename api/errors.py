"""Every domain or Temporal refusal the API meets, as one HTTP status and one error body.

| refusal                                                    | status |
|------------------------------------------------------------|--------|
| no or invalid token                                        | 401    |
| ``Forbidden`` (role or ownership)                          | 403    |
| unknown application, member, document or entry             | 404    |
| ``InvalidTransition``, ``NoAssessor``, ``Conflict``, ended | 409    |
| ``NotAccredited``, ``Lapsed``, ``AlreadyOpen``             | 409    |
| ``LinkUsed``, a spent declaration or CPD verification link | 410    |
| ``TooLarge``: body, document or application content        | 413    |
| document of a type not accepted                            | 415    |
| ``NotReady``, ``Invalid``, bad body, query or path         | 422    |
| a bug (logged with the correlation id the body carries)    | 500    |
| Temporal unreachable, no worker, or too slow               | 503    |

A workflow's refusal is a ``models.refusals.Refusal`` (the one detail of the update's
``ApplicationError``): its kind picks the status (``REFUSAL_STATUS``), and its problems and
allowed actions are answered as they are; no message is parsed. The handlers ``install`` adds
answer every error, once for every route, through ``ErrorBody``: a message for a person, the
field problems (each names its field), the actions allowed now where the state refused the
action, and the request's correlation id.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from api.documents import DocumentNotFound, DocumentTooLarge, UnsupportedDocument
from api.temporal import TemporalUnavailable
from models.errors import Problem
from models.refusals import Refusal, RefusalKind, not_allowed

log = logging.getLogger("accreditation.api")

CORRELATION_HEADER = "X-Request-ID"


class FieldProblem(BaseModel):
    """One thing wrong with the request, and the field it concerns."""

    field: str = Field(description="e.g. body.cpd[2].activity_date or query.offset")
    message: str
    code: str = Field("invalid", description="a stable code, e.g. missing or too_large")
    rule: str | None = Field(None, description="the scheme rule (R01-R23) it comes from")


class ErrorBody(BaseModel):
    """The body of every error response."""

    message: str = Field(description="what is wrong, for a person")
    problems: list[FieldProblem] = Field(default_factory=list)
    allowed_actions: list[str] | None = Field(
        None, description="when the application's state refused the action: what it allows now"
    )
    correlation_id: str | None = Field(None, description="quote it when reporting a problem")


class ApiError(HTTPException):
    """An HTTP error with field problems and allowed actions besides its message."""

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        problems: Sequence[FieldProblem] = (),
        allowed_actions: Sequence[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code, message, headers=headers)
        self.problems = list(problems)
        self.allowed_actions = None if allowed_actions is None else list(allowed_actions)


REFUSAL_STATUS: dict[RefusalKind, int] = {
    RefusalKind.FORBIDDEN: status.HTTP_403_FORBIDDEN,
    RefusalKind.INVALID_TRANSITION: status.HTTP_409_CONFLICT,
    RefusalKind.NO_ASSESSOR: status.HTTP_409_CONFLICT,
    RefusalKind.CONFLICT: status.HTTP_409_CONFLICT,
    RefusalKind.NOT_ACCREDITED: status.HTTP_409_CONFLICT,
    RefusalKind.LAPSED: status.HTTP_409_CONFLICT,
    RefusalKind.ALREADY_OPEN: status.HTTP_409_CONFLICT,
    RefusalKind.LINK_USED: status.HTTP_410_GONE,
    RefusalKind.TOO_LARGE: status.HTTP_413_CONTENT_TOO_LARGE,
    RefusalKind.NOT_READY: status.HTTP_422_UNPROCESSABLE_CONTENT,
    RefusalKind.INVALID: status.HTTP_422_UNPROCESSABLE_CONTENT,
}
"""The HTTP status of each kind of workflow refusal: every kind has one."""

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": description}
    for code, description in [
        (400, "the request is malformed"),
        (401, "no bearer token, or an invalid one"),
        (403, "the caller's role or identity may not do this"),
        (404, "no such application, member, document or entry"),
        (409, "the application's state does not allow this now"),
        (410, "the single-use link (declaration or CPD verification) is spent or expired"),
        (413, "the request, the document or the application would be too large"),
        (415, "the document is not of an accepted type"),
        (422, "a field is missing or invalid: every problem is listed"),
        (500, "a fault in the service, logged under the correlation id"),
        (503, "the workflow service or its worker is unavailable; retry after a pause"),
    ]
}
"""The error responses every operation documents, with the one error body."""


def problems_of(problems: Sequence[Problem]) -> list[FieldProblem]:
    return [
        FieldProblem(field=p.field, message=p.message, code=p.code, rule=p.rule) for p in problems
    ]


def refusal_of(err: WorkflowUpdateFailedError) -> Refusal:
    """The ``Refusal`` a workflow validator or handler refused an update with.

    Raises:
        RuntimeError: the update failed otherwise (a fault, answered 500).
    """
    cause = err.cause
    details = cause.details if isinstance(cause, ApplicationError) else ()
    try:
        return Refusal.model_validate(details[0])
    except (IndexError, ValidationError) as invalid:
        raise RuntimeError(f"an update failed unexpectedly: {cause}") from invalid


def refused(refusal: Refusal) -> ApiError:
    """The HTTP answer to ``refusal``: its kind's status, its message, problems and actions."""
    return ApiError(
        REFUSAL_STATUS[refusal.kind],
        refusal.message,
        problems=problems_of(refusal.problems),
        allowed_actions=refusal.allowed_actions,
    )


def update_refused(err: WorkflowUpdateFailedError | ApiError) -> ApiError:
    """The HTTP answer to an update a workflow refused (an ``ApiError`` is its own answer:
    e.g. the application has ended, or there is none)."""
    return err if isinstance(err, ApiError) else refused(refusal_of(err))


def not_found(application_id: str) -> ApiError:
    return ApiError(status.HTTP_404_NOT_FOUND, f"no application {application_id}")


def finished(action: str, state: str) -> ApiError:
    """``action`` sent to an application whose workflow has ended (its state is final)."""
    return refused(not_allowed(action, state, []))


DECLARATION_LINK_GONE = (
    "this declaration link has been used or has expired; ask the applicant to send a new invitation"
)
CPD_LINK_GONE = (
    "this verification link has been used, withdrawn or has expired; ask the applicant to send "
    "a new request"
)


def link_gone(message: str = DECLARATION_LINK_GONE) -> ApiError:
    """A 410 for a spent single-use link: a declarer's by default, or ``CPD_LINK_GONE``."""
    return ApiError(status.HTTP_410_GONE, message)


def forbidden(message: str) -> ApiError:
    return ApiError(status.HTTP_403_FORBIDDEN, message)


def missing(location: str, field: str, message: str) -> ApiError:
    """A 422 for one field the route itself requires."""
    return ApiError(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        f"{field}: {message}",
        problems=[FieldProblem(field=f"{location}.{field}", message=message, code="missing")],
    )


def invalid_body(err: ValidationError) -> RequestValidationError:
    """A model the API builds from a valid body refused it: a 422 like any bad body."""
    errors = err.errors(include_url=False, include_context=False, include_input=False)
    return RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors])


def correlation_id(request: Request) -> str | None:
    found: str | None = request.scope.get("state", {}).get("correlation_id")
    return found


def _respond(
    request: Request, status_code: int, body: ErrorBody, headers: Any = None
) -> JSONResponse:
    body.correlation_id = correlation_id(request)
    out = dict(headers or {})
    if body.correlation_id:
        out[CORRELATION_HEADER] = body.correlation_id
    return JSONResponse(body.model_dump(mode="json"), status_code=status_code, headers=out)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, ApiError):
        body = ErrorBody(
            message=str(exc.detail), problems=exc.problems, allowed_actions=exc.allowed_actions
        )
    else:
        body = ErrorBody(message=exc.detail if isinstance(exc.detail, str) else "request refused")
    return _respond(request, exc.status_code, body, exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        FieldProblem(
            field=".".join(str(part) for part in e.get("loc", ())) or "request",
            message=str(e.get("msg", "invalid")).removeprefix("Value error, "),
            code=str(e.get("type", "invalid")),
        )
        for e in exc.errors()
    ]
    listing = "; ".join(f"{p.field}: {p.message}" for p in problems)
    body = ErrorBody(message=f"the request is not valid: {listing}", problems=problems)
    return _respond(request, status.HTTP_422_UNPROCESSABLE_CONTENT, body)


async def _update_failed(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WorkflowUpdateFailedError)
    return await _http_error(request, update_refused(exc))


_DOCUMENT_STATUS: dict[type[Exception], int] = {
    DocumentTooLarge: status.HTTP_413_CONTENT_TOO_LARGE,
    UnsupportedDocument: status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    DocumentNotFound: status.HTTP_404_NOT_FOUND,
}
"""The document store's refusals, each with its status; their messages are for a person."""


async def _document_refused(request: Request, exc: Exception) -> JSONResponse:
    code = next(code for kind, code in _DOCUMENT_STATUS.items() if isinstance(exc, kind))
    return await _http_error(request, ApiError(code, str(exc)))


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    retry_after = str(request.app.state.settings.retry_after_seconds)
    if isinstance(exc, OperationalError):
        log.warning("database unavailable: %s", exc)
        exc = TemporalUnavailable("the database cannot be reached at the moment")
    body = ErrorBody(message=f"{exc}; please try again in a little while")
    return _respond(
        request, status.HTTP_503_SERVICE_UNAVAILABLE, body, {"Retry-After": retry_after}
    )


async def _fault(request: Request, exc: Exception) -> JSONResponse:
    log.error(
        "request %s %s failed (correlation id %s)",
        request.method,
        request.url.path,
        correlation_id(request),
        exc_info=exc,
    )
    body = ErrorBody(
        message="something went wrong on our side; it has been logged. Quote the correlation "
        "id if you contact the accreditation team"
    )
    return _respond(request, status.HTTP_500_INTERNAL_SERVER_ERROR, body)


def install(app: FastAPI) -> None:
    """Answer every error through ``ErrorBody``."""
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(WorkflowUpdateFailedError, _update_failed)
    for document_error in _DOCUMENT_STATUS:
        app.add_exception_handler(document_error, _document_refused)
    app.add_exception_handler(TemporalUnavailable, _unavailable)
    app.add_exception_handler(OperationalError, _unavailable)
    app.add_exception_handler(Exception, _fault)
