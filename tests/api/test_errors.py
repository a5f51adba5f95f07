"""Refusals: each has its status and a message; bad input never yields a 500 or changes data."""

from __future__ import annotations

from typing import Any

import pytest

from models.enums import Pathway, Route
from models.refusals import not_allowed
from tests.api.helpers import (
    JPEG,
    MAX_UPLOAD_BYTES,
    PDF,
    PNG,
    Service,
    create,
    fill_in,
    invite,
    latest_token,
    new_member_id,
    ok,
    submitted,
    upload,
)

pytestmark = pytest.mark.dev_server


async def _draft(service: Service) -> tuple[str, str]:
    member_id = new_member_id()
    created = await create(service, member_id)
    return created["application_id"], member_id


async def _view(service: Service, app_id: str, member_id: str) -> dict[str, Any]:
    response = await service.http.get(f"/applications/{app_id}", headers=service.member(member_id))
    return ok(response)  # type: ignore[no-any-return]


async def test_r10_submit_lists_every_missing_item(service: Service) -> None:
    app_id, member_id = await _draft(service)
    missing = (await _view(service, app_id, member_id))["missing"]
    response = await service.http.post(
        f"/applications/{app_id}/submit", headers=service.member(member_id)
    )
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert len(problems) == len(missing) >= 5
    assert [(p["field"], p["message"]) for p in problems] == [
        (m["field"], m["message"]) for m in missing
    ]
    assert all(p["code"] and p["rule"] for p in problems)
    assert {p["field"] for p in problems} >= {"role_details", "documents", "declaration"}


async def test_unknown_application_is_404(service: Service) -> None:
    officer = service.officer()
    for method, path, body in [
        ("GET", "/applications/app-unknown", None),
        ("GET", "/applications/app-unknown/audit", None),
        ("POST", "/applications/app-unknown/verification", {"outcome": "accredited"}),
        ("POST", "/applications/app-unknown/withdraw", {}),
        ("GET", "/declarations/app-unknown/some-token", None),
        ("POST", "/declarations/app-unknown/some-token", {"confirm": True}),
        ("GET", "/register/NO-SUCH-NUMBER", None),
    ]:
        response = await service.http.request(method, path, json=body, headers=officer)
        assert response.status_code == 404, (path, response.text)
        assert "app-unknown" in response.text or "NO-SUCH-NUMBER" in response.text


async def test_action_the_state_does_not_allow_is_409_naming_state_and_actions(
    service: Service,
) -> None:
    app_id, _member = await _draft(service)
    response = await service.http.post(
        f"/applications/{app_id}/verification",
        json={"outcome": "accredited"},
        headers=service.officer(),
    )
    assert response.status_code == 409
    assert "draft" in response.json()["message"]
    assert "allowed now: save_draft" in response.json()["message"]
    assert "save_draft" in response.json()["allowed_actions"]


async def test_finished_application_refuses_changes_with_409(service: Service) -> None:
    app_id, member_id = await _draft(service)
    me = service.member(member_id)
    ok(await service.http.post(f"/applications/{app_id}/withdraw", json={}, headers=me))
    calls: list[tuple[str, dict[str, str] | None]] = [("withdraw", {}), ("submit", None)]
    for path, body in calls:
        response = await service.http.post(f"/applications/{app_id}/{path}", json=body, headers=me)
        assert response.status_code == 409, response.text
        assert response.json()["message"] == not_allowed(path, "withdrawn", []).message
        assert response.json()["allowed_actions"] == []
    assert (await _view(service, app_id, member_id))["state"] == "withdrawn"


async def test_r09_used_or_replaced_declaration_link_is_410(service: Service) -> None:
    app_id, member_id = await _draft(service)
    first = await invite(service, app_id, member_id)
    second = await invite(service, app_id, member_id)
    assert second != first
    for method, body in [("GET", None), ("POST", {"confirm": True})]:
        response = await service.http.request(method, f"/declarations/{app_id}/{first}", json=body)
        assert response.status_code == 410, response.text
    link = f"/declarations/{app_id}/{second}"
    ok(await service.http.post(link, json={"confirm": True}))
    assert (await service.http.post(link, json={"confirm": True})).status_code == 410
    assert (await service.http.get(link)).status_code == 410
    assert latest_token(service, app_id) == second


async def test_r12_conflicted_assessor_is_refused_with_409(service: Service) -> None:
    app_id, _member, view = await submitted(service)
    response = await service.http.post(
        f"/applications/{app_id}/allocation",
        json={"assessor_id": "SI-ASR-003"},  # radiotherapy only: no knowledge of the area
        headers=service.officer(),
    )
    assert response.status_code == 409, response.text
    current = ok(await service.http.get(f"/applications/{app_id}", headers=service.officer()))
    assert current["assessor_id"] == view["assessor_id"]


async def test_uploads_too_large_or_of_the_wrong_type_are_refused(service: Service) -> None:
    app_id, member_id = await _draft(service)
    too_large = PDF + bytes(MAX_UPLOAD_BYTES)
    cases = [
        (too_large, "big.pdf", 413),
        (b"just some text, not a PDF", "notes.pdf", 415),
        (b"MZ\x90\x00 an executable", "setup.exe", 415),
        (PNG, "scan.pdf", 415),  # a renamed PNG
        (PDF, "scope.png", 415),  # a renamed PDF
        (b"", "empty.pdf", 415),
    ]
    for content, name, status in cases:
        response = await upload(service, app_id, member_id, "certificate", content, name)
        assert response.status_code == status, (name, response.text)
    assert (await _view(service, app_id, member_id))["application"]["content"]["documents"] == []
    for content, name in [(PNG, "scan.png"), (JPEG, "photo.jpeg"), (PDF, "certificate")]:
        ok(await upload(service, app_id, member_id, "certificate", content, name), 201)
    documents = (await _view(service, app_id, member_id))["application"]["content"]["documents"]
    assert [d["filename"] for d in documents] == ["scan.png", "photo.jpeg", "certificate"]
    stored = service.settings.document_store_path / documents[0]["sha256"][:2]
    assert (stored / documents[0]["sha256"]).read_bytes() == PNG


async def test_an_upload_the_application_refuses_is_not_kept(service: Service) -> None:
    app_id, member_id = await _draft(service)
    me = service.member(member_id)
    uploads = service.settings.document_store_path / "uploads"
    # Another member's application, one that does not exist, one that has ended: each refuses.
    other = new_member_id()
    other_app = (await create(service, other))["application_id"]
    refused = await upload(service, other_app, member_id, "certificate")
    assert refused.status_code == 403, refused.text
    unknown = await upload(service, "app-unknown", member_id, "certificate")
    assert unknown.status_code == 404, unknown.text
    ok(await service.http.post(f"/applications/{app_id}/withdraw", json={}, headers=me))
    ended = await upload(service, app_id, member_id, "certificate")
    assert ended.status_code == 409, ended.text
    assert ended.json()["allowed_actions"] == []
    assert ended.json()["message"].endswith("while the application is withdrawn; allowed now: none")
    for application in (other_app, "app-unknown", app_id):
        assert list((uploads / application).glob("*")) == [], application
    assert (await _view(service, other_app, other))["application"]["content"]["documents"] == []


async def test_bad_input_never_500s_and_never_changes_saved_data(service: Service) -> None:
    app_id, member_id = await _draft(service)
    await fill_in(service, app_id, member_id, Pathway.AP_L4, Route.NON_APPROVED)
    before = await _view(service, app_id, member_id)
    me = service.member(member_id)
    officer = service.officer()
    path = f"/applications/{app_id}"
    wrong_role = {"role_details": {**before["application"]["content"]["role_details"]}}
    wrong_role["role_details"]["role"] = "mammography_associate"  # R02: not on AP_L4
    cases: list[tuple[str, str, dict[str, str], Any]] = [
        ("PATCH", path, me, {"role_details": {"role": "wizard"}}),
        ("PATCH", path, me, {"cpd": [{"title": "x", "activity_date": "not-a-date"}]}),
        ("PATCH", path, me, {"narrative": "not a list"}),
        ("PATCH", path, me, {"documents": [{"document_id": "d", "kind": "x", "sha256": "0"}]}),
        ("PATCH", path, me, wrong_role),
        ("PATCH", path, me, "[1, 2"),
        ("POST", f"{path}/declarer", me, {"declarer_email": "not-an-email"}),
        (
            "POST",
            f"{path}/declarer",
            me,
            {
                "declarer_name": "Me",
                "declarer_role": "manager",
                "declarer_email": before["application"]["applicant"]["email"],
            },
        ),
        ("POST", f"{path}/withdraw", me, {"reason": "x" * 5000}),
        ("POST", f"{path}/documents", me, None),
        ("POST", f"{path}/verification", officer, {"outcome": "maybe"}),
        ("POST", f"{path}/allocation", officer, {"assessor_id": ""}),
        ("POST", "/applications", me, {"pathway": "XX_L9", "applicant": {}}),
        (
            "POST",
            "/applications",
            me,
            {
                "pathway": "AP_L4",
                "route": "approved",
                "kind": "reaccreditation",
                "applicant": before["application"]["applicant"],
            },
        ),
        ("GET", "/applications/bad id!", officer, None),
        ("GET", "/applications/" + "a" * 300, officer, None),
        ("GET", "/queues/nowhere", officer, None),
        ("GET", "/queues/overdue?limit=0", officer, None),
        ("GET", "/register?limit=1000", officer, None),
        ("GET", "/register?offset=-1", officer, None),
        ("GET", "/register?pathway=nope", officer, None),
        ("GET", "/catalogue/AP_L9", officer, None),
        ("POST", f"/declarations/{app_id}/" + "t" * 200, {}, {"confirm": True}),
        ("POST", f"/declarations/{app_id}/token", {}, {"confirm": "perhaps"}),
    ]
    for method, url, headers, body in cases:
        kwargs: dict[str, Any] = {"headers": headers}
        if isinstance(body, str):
            kwargs["content"] = body
            kwargs["headers"] = {**headers, "Content-Type": "application/json"}
        elif body is not None:
            kwargs["json"] = body
        response = await service.http.request(method, url, **kwargs)
        assert 400 <= response.status_code < 500, (method, url, response.status_code, response.text)
        assert response.json()["message"], response.text
    after = await _view(service, app_id, member_id)
    assert after["application"] == before["application"]
    assert after["state"] == before["state"] == "draft"


async def test_422_names_the_field_of_a_refused_update(service: Service) -> None:
    app_id, member_id = await _draft(service)
    applicant_email = (await _view(service, app_id, member_id))["application"]["applicant"]["email"]
    response = await service.http.post(
        f"/applications/{app_id}/declarer",
        json={"declarer_name": "Me", "declarer_role": "manager", "declarer_email": applicant_email},
        headers=service.member(member_id),
    )
    assert response.status_code == 422
    [problem] = response.json()["problems"]
    assert problem["field"] == "declarer_email"
    assert "manager or practice educator" in problem["message"]
