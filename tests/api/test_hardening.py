"""The edges, one test per defect found by trying the service as a new user and an attacker:
documents stay with their application, inputs are bounded, infrastructure trouble is a bounded
503, retries are safe, the API starts without Temporal, allocations are explicit, and the
OpenAPI document tells the truth."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import pytest
from httpx import ASGITransport, AsyncClient
from temporalio.testing import WorkflowEnvironment

from activities import SmtpMailer
from api.auth import Role
from api.main import create_app
from models.enums import Pathway, Route
from tests.api.helpers import (
    PDF,
    Service,
    create,
    eventually,
    fill_in,
    new_member_id,
    ok,
    profile,
    submitted,
    upload,
    view_of,
)
from tests.builders import pathway_catalogue
from worker import build_worker, load_settings_catalogue

pytestmark = pytest.mark.dev_server

HUGE_OFFSET = "9223372036854775808"


async def _documents(service: Service, app_id: str, member_id: str) -> list[dict[str, Any]]:
    view = ok(await service.http.get(f"/applications/{app_id}", headers=service.member(member_id)))
    documents: list[dict[str, Any]] = view["application"]["content"]["documents"]
    return documents


async def test_defect1_documents_enter_only_by_upload_and_stay_with_their_application(
    service: Service,
) -> None:
    victim = new_member_id()
    victim_app = (await create(service, victim))["application_id"]
    certificate = ok(await upload(service, victim_app, victim, "certificate"), 201)
    attacker = new_member_id()
    attacker_app = (await create(service, attacker))["application_id"]

    copied = await service.http.patch(
        f"/applications/{attacker_app}",
        json={"documents": [certificate]},
        headers=service.member(attacker),
    )
    assert copied.status_code == 422, copied.text
    assert copied.json()["problems"][0]["field"] == "body.documents"
    assert await _documents(service, attacker_app, attacker) == []
    stolen = await service.http.get(
        f"/applications/{attacker_app}/documents/{certificate['document_id']}",
        headers=service.member(attacker),
    )
    assert stolen.status_code == 404, stolen.text

    # Even a reference the workflow holds is served only if it was uploaded to that application.
    store = service.settings.document_store_path
    assert (store / "uploads" / victim_app / certificate["document_id"]).read_text() == (
        certificate["sha256"]
    )
    assert not (store / "uploads" / attacker_app).exists()

    # An upload to another member's application is refused by it, and forgotten by the store.
    planted = await upload(service, victim_app, attacker, "certificate", PDF, "planted.pdf")
    assert planted.status_code == 403, planted.text
    assert [p.name for p in (store / "uploads" / victim_app).iterdir()] == [
        certificate["document_id"]
    ]
    assert [d["document_id"] for d in await _documents(service, victim_app, victim)] == [
        certificate["document_id"]
    ]

    # Control characters never reach a stored name or a header (sent raw, not percent-encoded).
    boundary = "b0undary"
    raw = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\ncertificate\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="a\x1bb\x7f.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )
    crafted = ok(
        await service.http.post(
            f"/applications/{attacker_app}/documents",
            content=raw,
            headers={
                **service.member(attacker),
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        ),
        201,
    )
    assert crafted["filename"] == "ab.pdf"
    download = await service.http.get(
        f"/applications/{attacker_app}/documents/{crafted['document_id']}",
        headers=service.member(attacker),
    )
    assert download.status_code == 200
    assert download.content == PDF
    # A PDF named as a page is refused at upload, so no reference can claim it is HTML.
    page = await upload(service, attacker_app, attacker, "certificate", PDF, "page.html")
    assert page.status_code == 415, page.text


async def test_defect2_any_unicode_file_name_downloads(service: Service) -> None:
    member_id = new_member_id()
    app_id = (await create(service, member_id))["application_id"]
    name = "證明書 Zoë.pdf"
    ref = ok(await upload(service, app_id, member_id, "certificate", PDF, name), 201)
    assert ref["filename"] == name
    response = await service.http.get(
        f"/applications/{app_id}/documents/{ref['document_id']}", headers=service.member(member_id)
    )
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert 'filename="___ Zo_.pdf"' in disposition
    assert response.headers["content-type"] == "application/pdf"


@pytest.mark.parametrize(
    "path",
    ["/register", "/queues/overdue", "/queues/assessor/mine", "/accreditations"],
)
async def test_defect3_huge_offsets_are_refused_with_422(service: Service, path: str) -> None:
    headers = (
        service.auth(Role.ASSESSOR, "SI-ASR-001") if path.endswith("mine") else service.officer()
    )
    for offset in (HUGE_OFFSET, "1000001"):
        response = await service.http.get(path, params={"offset": offset}, headers=headers)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["problems"][0]["field"] == "query.offset"
    ok(await service.http.get(path, params={"offset": "1000000"}, headers=headers))


async def test_defect4_a_large_draft_is_refused_at_once_and_the_application_stays_readable(
    service: Service,
) -> None:
    member_id = new_member_id()
    app_id = (await create(service, member_id))["application_id"]
    me = service.member(member_id)
    await fill_in(service, app_id, member_id, Pathway.AP_L4, Route.NON_APPROVED)
    before = ok(await service.http.get(f"/applications/{app_id}", headers=me))
    codes = pathway_catalogue(Pathway.AP_L4).outcome_codes()

    three_mb = {"narrative": [{"outcome_code": codes[0], "text": "x" * 3_000_000}]}
    started = time.monotonic()
    refused = await service.http.patch(f"/applications/{app_id}", json=three_mb, headers=me)
    assert refused.status_code == 413, refused.text
    assert time.monotonic() - started < 5

    # Under the request cap, but past what one application may hold: refused by the validator.
    wide = {"narrative": [{"outcome_code": code, "text": "證" * 20_000} for code in codes]}
    too_many = {"cpd": [before["application"]["content"]["cpd"][0]] * 61}
    unknown = {"narrative": [{"outcome_code": "XX9", "text": "about something else"}]}
    repeated = {"narrative": [{"outcome_code": codes[0], "text": "once"}] * 2}
    for body, status, field in [
        (wide, 413, "content"),
        (too_many, 413, "cpd"),
        (unknown, 422, "narrative[0].outcome_code"),
        (repeated, 422, f"narrative.{codes[0]}"),
    ]:
        response = await service.http.patch(f"/applications/{app_id}", json=body, headers=me)
        assert response.status_code == status, response.text
        assert [p["field"] for p in response.json()["problems"]] == [field]
    after = ok(await service.http.get(f"/applications/{app_id}", headers=me))
    assert after["application"] == before["application"]


async def _app_client(app: Any) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://api.test") as http:
        yield http


async def test_defect5_and_defect6_no_worker_is_a_bounded_503_and_a_create_is_never_retried_twice(
    service: Service, dev_env: WorkflowEnvironment
) -> None:
    settings = service.settings.model_copy(
        update={"task_queue": f"idle-{uuid.uuid4()}", "temporal_rpc_timeout_seconds": 1.0}
    )
    app = create_app(settings, client=dev_env.client, session_factory=service.sessions)
    member_id = new_member_id()
    me = service.member(member_id)
    body = {"pathway": "AP_L4", "route": "approved", "applicant": profile(member_id)}
    key = {"Idempotency-Key": f"create-{uuid.uuid4()}"}
    async for http in _app_client(app):
        # Starting a workflow needs no worker: the create answers where the new one stands.
        created = ok(await http.post("/applications", json=body, headers={**me, **key}), 201)
        app_id = created["application_id"]
        assert created["state"] == "draft"
        assert "save_draft" in created["allowed_actions"]
        assert {p["field"] for p in created["missing"]} >= {"role_details", "documents"}
        # Defect 6: a retried create finds it started, nobody can read it yet: 202, never
        # "try again".
        accepted = await http.post("/applications", json=body, headers={**me, **key})
        assert accepted.status_code == 202, accepted.text
        assert accepted.json()["application_id"] == app_id
        assert accepted.headers["location"] == f"/applications/{app_id}"
        # Defect 5: reads and updates answer 503 within the configured time, with Retry-After.
        for method, kwargs in [("GET", {}), ("PATCH", {"json": {"cpd": []}})]:
            started = time.monotonic()
            response = await http.request(method, f"/applications/{app_id}", headers=me, **kwargs)
            assert response.status_code == 503, response.text
            assert time.monotonic() - started < 5
            assert response.headers["retry-after"] == str(settings.retry_after_seconds)
            assert "try again" in response.json()["message"]

        worker = build_worker(
            dev_env.client,
            settings,
            catalogue=load_settings_catalogue(settings),
            session_factory=service.sessions,
            mailer=SmtpMailer(settings.smtp_host, settings.smtp_port, settings.mail_from),
        )
        async with worker:
            view = ok(await http.get(f"/applications/{app_id}", headers=me))
            assert view["state"] == "draft"
            again = ok(await http.post("/applications", json=body, headers={**me, **key}), 201)
            assert (again["application_id"], again["state"]) == (app_id, "draft")
            other = ok(await http.post("/applications", json=body, headers=me), 201)
            assert other["application_id"] != app_id
            # The listing is the read model, written by the worker after the create answered.
            wanted = sorted([app_id, other["application_id"]])
            for _ in range(100):
                listed = ok(await http.get("/applications", headers=me))
                if sorted(a["application_id"] for a in listed) == wanted:
                    break
                await asyncio.sleep(0.1)
        assert sorted(a["application_id"] for a in listed) == wanted


async def test_defect6_retried_uploads_and_invitations_act_once(service: Service) -> None:
    member_id = new_member_id()
    app_id = (await create(service, member_id))["application_id"]
    me = service.member(member_id)
    key = {**me, "Idempotency-Key": f"upload-{uuid.uuid4()}"}
    uploads = [
        await service.http.post(
            f"/applications/{app_id}/documents",
            data={"kind": "certificate"},
            files={"file": ("c.pdf", PDF, "application/pdf")},
            headers=key,
        )
        for _ in range(2)
    ]
    assert [u.status_code for u in uploads] == [201, 201]
    assert uploads[0].json() == uploads[1].json()
    assert len(await _documents(service, app_id, member_id)) == 1

    invitation = {
        "declarer_name": "Jo Manager",
        "declarer_email": "jo.manager@northgate.example.org",
        "declarer_role": "manager",
    }
    invite_key = {**me, "Idempotency-Key": f"invite-{uuid.uuid4()}"}
    for _ in range(2):
        ok(
            await service.http.post(
                f"/applications/{app_id}/declarer", json=invitation, headers=invite_key
            )
        )
    await asyncio.sleep(0.5)
    sent = [m for m in list(service.mail.messages) if app_id in str(m.get_content())]
    assert len(sent) == 1


async def test_defect7_the_api_starts_and_serves_sql_reads_while_temporal_is_down(
    service: Service,
) -> None:
    settings = service.settings.model_copy(
        update={"temporal_address": "127.0.0.1:9", "temporal_rpc_timeout_seconds": 1.0}
    )
    app = create_app(settings, session_factory=service.sessions)
    async with app.router.lifespan_context(app):
        async for http in _app_client(app):
            ok(await http.get("/register"))
            ok(await http.get("/queues/awaiting_allocation", headers=service.officer()))
            assert ok(await http.get("/healthz")) == {"status": "ok"}
            ready = await http.get("/readyz")
            assert ready.status_code == 503
            assert ready.json() == {
                "ready": False,
                "temporal": False,
                "database": True,
                "documents": True,
            }
            down = await http.get("/applications/app-1", headers=service.officer())
            assert down.status_code == 503, down.text
            assert "cannot be reached" in down.json()["message"]
    assert ok(await service.http.get("/readyz"))["ready"] is True


async def test_defect8_an_allocation_names_the_assessor_it_replaces(service: Service) -> None:
    app_id, _member, view = await submitted(service)
    first = view["assessor_id"]
    assert first is not None
    admin = service.auth(Role.ADMIN, "admin-1")
    # Checked while awaiting allocation, run after the automatic one: refused, naming it.
    stale = await service.http.post(
        f"/applications/{app_id}/allocation", json={"reason": "mine"}, headers=admin
    )
    assert stale.status_code == 409, stale.text
    assert first in stale.json()["message"]
    assert stale.json()["problems"][0]["field"] == "replaces_assessor_id"

    moved = ok(
        await service.http.post(
            f"/applications/{app_id}/allocation",
            json={"reason": "first assessor on leave", "replaces_assessor_id": first},
            headers=admin,
        )
    )
    assert moved["state"] == "in_assessment"
    assert (await view_of(service, app_id, admin))["assessor_id"] not in (None, first)
    released = await service.mail.wait_for_subject(f"{app_id} no longer allocated to you")
    assert "allocated to another" in str(released.get_content())


def test_defect9_every_operation_documents_its_errors_with_one_schema(service: Service) -> None:
    document = create_app(service.settings).openapi()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"422", "500"} <= set(responses), (method, path)
            for code, response in responses.items():
                if code.startswith(("4", "5")) and path != "/readyz":
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, code)
    applications = document["paths"]["/applications/{application_id}"]["patch"]["responses"]
    assert {"401", "403", "404", "409", "413", "503"} <= set(applications)


async def test_defect9_dates_are_dates(service: Service) -> None:
    for value in ("0", "1700000000", "2027-13-01", "tomorrow"):
        response = await service.http.get(
            "/accreditations", params={"expiring_before": value}, headers=service.officer()
        )
        assert response.status_code == 422, (value, response.text)
        assert response.json()["problems"][0]["field"] == "query.expiring_before"
    ok(
        await service.http.get(
            "/accreditations", params={"expiring_before": "2027-01-31"}, headers=service.officer()
        )
    )


async def test_defect10_request_bodies_are_capped_before_they_are_read(service: Service) -> None:
    member_id = new_member_id()
    app_id = (await create(service, member_id))["application_id"]
    me = service.member(member_id)
    cap = service.settings.max_request_bytes
    received = 0

    async def fifty_megabytes() -> AsyncIterator[bytes]:
        nonlocal received
        for _ in range(50):
            received += 1
            yield b" " * (1024 * 1024)

    streamed = await service.http.patch(
        f"/applications/{app_id}",
        content=fifty_megabytes(),
        headers={**me, "Content-Type": "application/json"},
    )
    assert streamed.status_code == 413, streamed.text
    assert received <= 3  # refused once past the cap, not after reading it all
    declared = await service.http.patch(
        f"/applications/{app_id}",
        content=b"{" + b" " * cap + b"}",
        headers={**me, "Content-Type": "application/json"},
    )
    assert declared.status_code == 413
    assert declared.json()["problems"][0]["code"] == "too_large"


async def test_a_fault_is_a_500_with_a_correlation_id_in_body_header_and_log(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_sessions() -> Any:
        raise ZeroDivisionError("a bug")

    app = create_app(service.settings, session_factory=broken_sessions)  # type: ignore[arg-type]
    # Starlette re-raises a fault after answering, for the server to log: keep the answer.
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://api.test") as http:
        response = await http.get("/register", headers={"X-Request-ID": "req-12345678"})
    assert response.status_code == 500
    assert response.json()["correlation_id"] == "req-12345678"
    assert response.headers["x-request-id"] == "req-12345678"
    assert "ZeroDivisionError" not in response.text
    assert any("req-12345678" in r.getMessage() for r in caplog.records)


async def test_the_read_model_shows_documents_added_by_upload(service: Service) -> None:
    member_id = new_member_id()
    app_id = (await create(service, member_id))["application_id"]
    ok(await upload(service, app_id, member_id, "certificate"), 201)

    async def audited() -> list[Any] | None:
        trail = ok(
            await service.http.get(f"/applications/{app_id}/audit", headers=service.officer())
        )
        return [e for e in trail if e["action"] == "add_document"] or None

    assert len(await eventually(audited)) == 1
