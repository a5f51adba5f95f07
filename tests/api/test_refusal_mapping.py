"""Refusals to HTTP, without a worker: a workflow's ``Refusal`` is read back from the update's
failure as the service's data converter carries it, and answered by its kind's status, with
its problems and allowed actions as they are. No message is parsed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI, status
from httpx import ASGITransport, AsyncClient, Response
from temporalio.api.failure.v1 import Failure
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from api import errors
from api.documents import DocumentNotFound, DocumentTooLarge, UnsupportedDocument
from models.errors import Problem
from models.refusals import Refusal, RefusalKind, field_refusal, not_allowed, refused
from security.connection import data_converter
from settings import Settings


async def as_the_client_reads_it(refusal: Refusal) -> WorkflowUpdateFailedError:
    """``refusal`` raised as the workflows raise it, then encoded and decoded as Temporal
    carries an update's failure from the worker to the API."""
    raised = ApplicationError(refusal.message, refusal, type=refusal.kind.value, non_retryable=True)
    converter = data_converter(Settings(_env_file=None))
    failure = Failure()
    await converter.encode_failure(raised, failure)
    return WorkflowUpdateFailedError(await converter.decode_failure(failure))


class Answer:
    """An app with the API's error handlers and one route, which raises what it is given."""

    def __init__(self, http: AsyncClient, raising: list[BaseException]) -> None:
        self.http = http
        self.raising = raising

    async def __call__(self, error: BaseException) -> Response:
        self.raising.append(error)
        return await self.http.get("/raise")


@pytest.fixture
async def answer() -> AsyncIterator[Answer]:
    app = FastAPI()
    errors.install(app)
    raising: list[BaseException] = []

    @app.get("/raise")
    async def raise_it() -> None:
        raise raising.pop()

    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://errors.test") as http:
        yield Answer(http, raising)


def test_every_refusal_kind_has_a_client_error_status() -> None:
    assert set(errors.REFUSAL_STATUS) == set(RefusalKind)
    assert all(400 <= code < 500 for code in errors.REFUSAL_STATUS.values())


async def test_a_refusal_about_a_field_is_422_naming_that_field(answer: Answer) -> None:
    problem = Problem(
        rule="R09", code="declarer_is_applicant", field="declarer_email", message="not yourself"
    )
    # The message says nothing of the field: the field comes from the problem alone.
    refusal = Refusal(
        kind=RefusalKind.INVALID, message="the declarer cannot be you", problems=[problem]
    )
    response = await answer(await as_the_client_reads_it(refusal))
    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT
    body = response.json()
    assert body["message"] == "the declarer cannot be you"
    assert body["problems"] == [
        {"field": "declarer_email", "message": "not yourself", "code": "declarer_is_applicant",
         "rule": "R09"}
    ]  # fmt: skip
    assert body["allowed_actions"] is None


async def test_field_refusals_and_listings_keep_every_problem(answer: Answer) -> None:
    one = field_refusal(RefusalKind.INVALID, "cpd[2].hours", "must be positive", rule="R08")
    response = await answer(await as_the_client_reads_it(one))
    assert response.status_code == 422
    assert [p["field"] for p in response.json()["problems"]] == ["cpd[2].hours"]

    problems = [
        Problem(rule="R06", code="missing", field="role_details", message="enter your role"),
        Problem(rule="R09", code="missing", field="declaration", message="ask your manager"),
    ]
    not_ready = refused(RefusalKind.NOT_READY, "the application is not ready", problems)
    response = await answer(await as_the_client_reads_it(not_ready))
    assert response.status_code == 422
    assert [(p["field"], p["rule"]) for p in response.json()["problems"]] == [
        ("role_details", "R06"),
        ("declaration", "R09"),
    ]


async def test_a_state_refusal_is_409_with_the_actions_allowed_now(answer: Answer) -> None:
    refusal = not_allowed("verify", "draft", ["save_draft", "withdraw"])
    response = await answer(await as_the_client_reads_it(refusal))
    assert response.status_code == status.HTTP_409_CONFLICT
    body = response.json()
    assert body["message"] == refusal.message
    assert body["allowed_actions"] == ["save_draft", "withdraw"]
    assert body["problems"] == []


@pytest.mark.parametrize("kind", list(RefusalKind))
async def test_each_kind_is_answered_with_its_status(answer: Answer, kind: RefusalKind) -> None:
    refusal = Refusal(kind=kind, message=f"refused as {kind}")
    response = await answer(await as_the_client_reads_it(refusal))
    assert response.status_code == errors.REFUSAL_STATUS[kind]
    assert response.json()["message"] == f"refused as {kind}"


async def test_an_update_failing_without_a_refusal_is_a_fault(answer: Answer) -> None:
    for cause in [
        ApplicationError("no details", type="Invalid", non_retryable=True),
        ApplicationError("not a refusal", {"unexpected": True}, type="Invalid"),
        RuntimeError("not even an application error"),
    ]:
        response = await answer(WorkflowUpdateFailedError(cause))
        assert response.status_code == status.HTTP_500_INTERNAL_SERVER_ERROR, cause


def test_an_ended_application_refuses_with_the_one_wording() -> None:
    error = errors.finished("submit", "withdrawn")
    assert error.status_code == status.HTTP_409_CONFLICT
    assert error.detail == not_allowed("submit", "withdrawn", []).message
    assert str(error.detail).endswith("allowed now: none")
    assert error.allowed_actions == []


async def test_document_store_refusals_have_their_statuses(answer: Answer) -> None:
    for error, code in [
        (DocumentTooLarge("documents may be at most 10 bytes"), 413),
        (UnsupportedDocument("only PDF, PNG, JPEG documents are accepted"), 415),
        (DocumentNotFound("doc-1"), 404),
    ]:
        response = await answer(error)
        assert response.status_code == code
        assert response.json()["message"] == str(error)
