"""Every domain or Temporal refusal the API meets, as one HTTP status, in one place.

| refusal                                         | status |
|-------------------------------------------------|--------|
| no or invalid token                             | 401    |
| ``Forbidden`` (role or ownership)               | 403    |
| unknown application (RPC ``NOT_FOUND``)         | 404    |
| ``InvalidTransition``, ``NoAssessor``, finished | 409    |
| ``NotAccredited``, ``Lapsed``, ``AlreadyOpen``  | 409    |
| ``LinkUsed``, expired declaration link          | 410    |
| document over the size limit                    | 413    |
| document of a type not accepted                 | 415    |
| ``NotReady``, ``Invalid``, bad body             | 422    |
| Temporal unreachable                            | 503    |
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastapi import HTTPException, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from models.errors import Problem

UPDATE_REFUSALS: dict[str, int] = {
    "Forbidden": status.HTTP_403_FORBIDDEN,
    "InvalidTransition": status.HTTP_409_CONFLICT,
    "NoAssessor": status.HTTP_409_CONFLICT,
    "NotAccredited": status.HTTP_409_CONFLICT,
    "Lapsed": status.HTTP_409_CONFLICT,
    "AlreadyOpen": status.HTTP_409_CONFLICT,
    "LinkUsed": status.HTTP_410_GONE,
    "NotReady": status.HTTP_422_UNPROCESSABLE_CONTENT,
    "Invalid": status.HTTP_422_UNPROCESSABLE_CONTENT,
}

# Refusal messages start "field: message" when they concern one field.
_FIELD_PREFIX = re.compile(r"^(?P<field>[a-z_][a-z0-9_.\[\]]*): (?P<msg>.+)$", re.DOTALL)


def problem_details(problems: Sequence[Problem]) -> list[dict[str, Any]]:
    """Problems in the shape of FastAPI's validation errors, with the rule each comes from."""
    return [
        {
            "loc": ["application", p.field],
            "field": p.field,
            "msg": p.message,
            "type": p.code,
            "rule": p.rule,
        }
        for p in problems
    ]


def _message_details(message: str) -> list[dict[str, Any]]:
    match = _FIELD_PREFIX.match(message)
    field, msg = (match["field"], match["msg"]) if match else ("body", message)
    return [{"loc": ["body", field], "field": field, "msg": msg, "type": "invalid"}]


def update_refused(err: WorkflowUpdateFailedError) -> HTTPException:
    """The HTTP answer to an update a workflow validator or handler refused."""
    cause = err.cause
    if not isinstance(cause, ApplicationError) or cause.type not in UPDATE_REFUSALS:
        return HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, "the update failed")
    code = UPDATE_REFUSALS[cause.type]
    if code != status.HTTP_422_UNPROCESSABLE_CONTENT:
        return HTTPException(code, cause.message)
    problems = [Problem.model_validate(d) for d in cause.details if isinstance(d, dict)]
    detail = problem_details(problems) if problems else _message_details(cause.message)
    return HTTPException(code, detail)


def rpc_failed(err: RPCError, application_id: str) -> HTTPException:
    """The HTTP answer to a Temporal service error on an application's workflow."""
    if err.status == RPCStatusCode.NOT_FOUND:
        return not_found(application_id)
    if err.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
        return HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "the workflow service is unavailable; try again"
        )
    return HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, "the workflow service failed")


def not_found(application_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no application {application_id}")


def finished(state: str) -> HTTPException:
    """An update on an application whose workflow has ended (its state is final)."""
    return HTTPException(
        status.HTTP_409_CONFLICT,
        f"the application is {state} and can no longer change; allowed now: none",
    )


def link_gone() -> HTTPException:
    return HTTPException(
        status.HTTP_410_GONE,
        "this declaration link has been used or has expired; ask the applicant to send a new "
        "invitation",
    )


def forbidden(message: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, message)


def invalid_body(err: ValidationError) -> RequestValidationError:
    """A model the API builds from a valid body refused it: a 422 like any bad body."""
    errors = err.errors(include_url=False, include_context=False, include_input=False)
    return RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors])
