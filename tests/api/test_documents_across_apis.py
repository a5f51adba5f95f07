"""Two API processes, one worker: a document uploaded through one API is downloaded through the
other when the documents are in the database, whatever each API's own directory holds.

Both APIs (``uvicorn api.main:app``) run against the session's Temporal dev server and one
database, each with a document directory of its own (``tests.fixtures.api_server``), so the
directory cannot be what they share. With the directory store, the same journey fails: that
is what the database store is for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.auth import Role, mint_token
from tests.api.helpers import PDF, PNG, new_member_id, profile
from tests.fixtures.api_server import RunningService, running_service
from tests.fixtures.smtp import SmtpSink, running_sink

pytestmark = pytest.mark.dev_server


@pytest.fixture(scope="module")
def shared_sink() -> Iterator[SmtpSink]:
    with running_sink() as sink:
        yield sink


def two_apis(
    dev_env: WorkflowEnvironment, sink: SmtpSink, root: Path, **overrides: Any
) -> AbstractContextManager[RunningService]:
    """Two API processes and a worker on ``overrides`` (each API a directory of its own)."""
    return running_service(
        temporal_address=dev_env.client.service_client.config.target_host,
        sink=sink,
        root=root,
        settings_overrides=overrides,
        api_processes=2,
    )


def applicant(service: RunningService, member_id: str) -> dict[str, str]:
    token = mint_token(service.settings, sub=member_id, role=Role.APPLICANT)
    return {"Authorization": f"Bearer {token}"}


def new_application(http: httpx.Client, service: RunningService, member_id: str) -> str:
    body = {"pathway": "AP_L4", "route": "non_approved", "applicant": profile(member_id)}
    response = http.post(
        f"{service.api_urls[0]}/applications", json=body, headers=applicant(service, member_id)
    )
    assert response.status_code == 201, response.text
    return str(response.json()["application_id"])


def upload(
    http: httpx.Client,
    api: str,
    service: RunningService,
    app_id: str,
    member_id: str,
    content: bytes,
    name: str,
) -> dict[str, Any]:
    response = http.post(
        f"{api}/applications/{app_id}/documents",
        data={"kind": "certificate"},
        files={"file": (name, content, "application/octet-stream")},
        headers=applicant(service, member_id),
    )
    assert response.status_code == 201, response.text
    ref: dict[str, Any] = response.json()
    return ref


def stored_files(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file()] if directory.exists() else []


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_an_upload_through_one_api_downloads_through_the_other(
    dev_env: WorkflowEnvironment, shared_sink: SmtpSink, db_url: str, tmp_path: Path
) -> None:
    with (
        two_apis(
            dev_env, shared_sink, tmp_path, database_url=db_url, document_store="database"
        ) as service,
        httpx.Client(timeout=30) as http,
    ):
        first, second = service.api_urls
        assert first != second
        try:
            member_id = new_member_id()
            app_id = new_application(http, service, member_id)
            headers = applicant(service, member_id)

            pdf = upload(http, first, service, app_id, member_id, PDF, "certificate.pdf")
            png = upload(http, second, service, app_id, member_id, PNG, "scan.png")

            for api, ref, content, media_type in (
                (second, pdf, PDF, "application/pdf"),
                (first, png, PNG, "image/png"),
            ):
                path = f"/applications/{app_id}/documents/{ref['document_id']}"
                response = http.get(f"{api}{path}", headers=headers)
                assert response.status_code == 200, response.text
                assert response.content == content
                assert response.headers["content-type"] == media_type

            other_member = new_member_id()
            other_app = new_application(http, service, other_member)
            stolen = http.get(
                f"{second}/applications/{other_app}/documents/{pdf['document_id']}",
                headers=applicant(service, other_member),
            )
            assert stolen.status_code == 404, stolen.text

            for api in (first, second):
                ready = http.get(f"{api}/readyz").json()
                assert ready["documents"] is True, ready
        except AssertionError as err:
            pytest.fail(f"{err}\n{service.logs_tail()}", pytrace=False)

        # Neither API kept anything in its own directory.
        assert stored_files(tmp_path / "documents") == []
        assert stored_files(tmp_path / "documents-2") == []


def test_with_the_directory_store_the_other_api_cannot_serve_it(
    dev_env: WorkflowEnvironment, shared_sink: SmtpSink, tmp_path: Path
) -> None:
    """The control: separate directories do not share documents."""
    with two_apis(dev_env, shared_sink, tmp_path) as service, httpx.Client(timeout=30) as http:
        first, second = service.api_urls
        member_id = new_member_id()
        app_id = new_application(http, service, member_id)
        ref = upload(http, first, service, app_id, member_id, PDF, "certificate.pdf")
        path = f"/applications/{app_id}/documents/{ref['document_id']}"
        headers = applicant(service, member_id)

        assert http.get(f"{first}{path}", headers=headers).status_code == 200
        assert http.get(f"{second}{path}", headers=headers).status_code == 404
        assert stored_files(tmp_path / "documents") != []
        assert stored_files(tmp_path / "documents-2") == []
