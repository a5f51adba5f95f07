"""A schemathesis run over the whole OpenAPI document, against the real service.

The API (``uvicorn api.main:app``) and a worker (``python worker.py``) run as processes on the
Temporal dev server, a migrated SQLite file with the stand-in assessors and an SMTP sink (see
``tests.fixtures.api_server``). Before fuzzing, one member's applications are taken through the
API to each state an operation acts on (draft, awaiting declaration, in assessment, awaiting
ratification, in verification, deferred, accredited), with an accredited member on the public
register, so that path parameters can be real ids and the checks reach past 404s.

``tests.api.schema_fuzz`` then runs schemathesis over every operation, as every role that may
call it, in a process of its own (see its docstring for what it runs and why it is separate).
The test fails once, with every distinct failure grouped by kind: server errors, undocumented
status codes, responses unlike the schema. With ``-s`` (or on failure) it also shows the status
codes each operation answered, which tells how far the run reached.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any, TypedDict

import pytest
import pytest_asyncio
from httpx import AsyncClient
from temporalio.testing import WorkflowEnvironment

from api.auth import Role
from models.enums import FindingLevel, Pathway, Route
from storage.database import make_engine, make_session_factory
from tests.api.helpers import (
    Service,
    create,
    eventually,
    fill_in,
    findings,
    invite,
    new_member_id,
    ok,
)
from tests.fixtures.api_server import RunningService, running_service
from tests.fixtures.smtp import SmtpSink, running_sink

pytestmark = pytest.mark.dev_server

RUN_SECONDS = 600.0
"""The schemathesis run is stopped (and the test fails) after this long; it takes about one
minute."""

REQUEST_TIMEOUT = 30.0


class RealIds(TypedDict):
    """What exists in the service, as ``tests.api.schema_fuzz.RealData`` reads it."""

    member_id: str
    registration_number: str
    applications: dict[str, str]
    """Application id by state."""
    documents: list[tuple[str, str]]
    """(application id, document id) pairs."""
    declaration: tuple[str, str]
    """(application id, token) of a live declaration link."""


@dataclass(frozen=True)
class FuzzTarget:
    """The running service and what exists in it."""

    service: RunningService
    real: RealIds


@pytest.fixture(scope="module")
def fuzz_sink() -> Iterator[SmtpSink]:
    """The mail sink of the fuzzed service (declaration links arrive here)."""
    with running_sink() as sink:
        yield sink


@pytest.fixture(scope="module")
def fuzz_service(
    dev_env: WorkflowEnvironment, fuzz_sink: SmtpSink, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningService]:
    """The API and a worker as processes of their own, on the session's dev server."""
    address = dev_env.client.service_client.config.target_host
    root = tmp_path_factory.mktemp("schema-fuzz")
    with running_service(temporal_address=address, sink=fuzz_sink, root=root) as service:
        yield service


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def fuzz_target(
    fuzz_service: RunningService, fuzz_sink: SmtpSink
) -> AsyncIterator[FuzzTarget]:
    """The running service with one member's applications in every state, made through it."""
    engine = make_engine(fuzz_service.settings.database_url)
    try:
        async with AsyncClient(base_url=fuzz_service.base_url, timeout=REQUEST_TIMEOUT) as http:
            service = Service(
                http=http,
                settings=fuzz_service.settings,
                mail=fuzz_sink,
                sessions=make_session_factory(engine),
            )
            real = await _make_real_data(service)
    except Exception as err:
        message = f"the real data could not be made through the API: {err!r}"
        pytest.fail(f"{message}\n{fuzz_service.logs_tail()}", pytrace=False)
    finally:
        engine.dispose()
    yield FuzzTarget(service=fuzz_service, real=real)


def test_every_operation_conforms_to_the_openapi_document(fuzz_target: FuzzTarget) -> None:
    """No 5xx, and every response as documented, for every operation and every role."""
    service = fuzz_target.service
    given, result = service.root / "fuzz-input.json", service.root / "fuzz-result.json"
    description = {
        "base_url": service.base_url,
        "api_log": str(service.api_log),
        "real": fuzz_target.real,
    }
    given.write_text(json.dumps(description), encoding="utf-8")
    try:
        run = service.run_module(
            "tests.api.schema_fuzz", str(given), str(result), timeout=RUN_SECONDS
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the schemathesis run took more than {RUN_SECONDS:.0f}s", pytrace=False)
    if run.returncode != 0 or not result.exists():
        pytest.fail(
            f"the schemathesis run stopped (exit code {run.returncode}):\n{run.stderr[-6000:]}",
            pytrace=False,
        )
    found: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    print(
        f"{found['requests']} requests; status codes per operation:",
        *found["status_table"],
        sep="\n",
    )
    if found["report"]:
        pytest.fail(found["report"], pytrace=False)


async def _make_real_data(service: Service) -> RealIds:
    """One member's applications in each state an operation acts on, made through the API."""
    member_id = new_member_id()
    accredited = await _submitted(service, member_id)
    await _assess(service, accredited, "accredited")
    await _ratify(service, accredited)
    in_assessment = await _submitted(service, member_id)
    awaiting_ratification = await _submitted(service, member_id)
    await _assess(service, awaiting_ratification, "deferred")
    deferred = await _submitted(service, member_id)
    await _assess(service, deferred, "deferred")
    await _ratify(service, deferred)
    in_verification = await _submitted(service, member_id, Pathway.MA_L4, Route.APPROVED)
    draft = await _filled_in(service, member_id)
    awaiting_declaration = await _filled_in(service, member_id)
    token = await invite(service, awaiting_declaration, member_id)
    applicant = (await _view(service, accredited))["application"]["applicant"]
    registration_number: str = applicant["registration_number"]

    async def registered() -> bool:
        return (await service.http.get(f"/register/{registration_number}")).status_code == 200

    await eventually(registered)
    applications = {
        "accredited": accredited,
        "in_assessment": in_assessment,
        "awaiting_ratification": awaiting_ratification,
        "deferred": deferred,
        "in_verification": in_verification,
        "draft": draft,
        "awaiting_declaration": awaiting_declaration,
    }
    documents = [
        (app_id, document["document_id"])
        for app_id in applications.values()
        for document in (await _view(service, app_id))["application"]["content"]["documents"]
    ]
    return RealIds(
        member_id=member_id,
        registration_number=registration_number,
        applications=applications,
        documents=documents,
        declaration=(awaiting_declaration, token),
    )


async def _filled_in(
    service: Service,
    member_id: str,
    pathway: Pathway = Pathway.AP_L4,
    route: Route = Route.NON_APPROVED,
) -> str:
    """A new draft of ``member_id``'s with every section filled in (not yet declared)."""
    created = await create(service, member_id, pathway, route)
    app_id: str = created["application_id"]
    await fill_in(service, app_id, member_id, pathway, route)
    return app_id


async def _submitted(
    service: Service,
    member_id: str,
    pathway: Pathway = Pathway.AP_L4,
    route: Route = Route.NON_APPROVED,
) -> str:
    """A new application of ``member_id``'s, filled in, declared and submitted."""
    app_id = await _filled_in(service, member_id, pathway, route)
    token = await invite(service, app_id, member_id)
    ok(await service.http.post(f"/declarations/{app_id}/{token}", json={"confirm": True}))
    submit = f"/applications/{app_id}/submit"
    ok(await service.http.post(submit, headers=service.member(member_id)))
    return app_id


async def _assess(service: Service, app_id: str, outcome: str) -> None:
    """The allocated assessor's findings, recommending ``outcome``."""
    assessor = service.auth(Role.ASSESSOR, (await _view(service, app_id))["assessor_id"])
    level = FindingLevel.MET if outcome == "accredited" else FindingLevel.PARTLY_MET
    body = {"findings": findings(Pathway.AP_L4, level), "recommended_outcome": outcome}
    ok(await service.http.post(f"/applications/{app_id}/assessment", json=body, headers=assessor))


async def _ratify(service: Service, app_id: str) -> None:
    """An officer ratifies the assessor's recommendation."""
    path = f"/applications/{app_id}/ratification"
    ok(await service.http.post(path, json={}, headers=service.officer()))


async def _view(service: Service, app_id: str) -> dict[str, Any]:
    """The application as an officer sees it."""
    path = f"/applications/{app_id}"
    view: dict[str, Any] = ok(await service.http.get(path, headers=service.officer()))
    return view
