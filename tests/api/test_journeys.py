"""Every endpoint's happy path, through whole journeys from draft to the public register."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable
from typing import Any

import pytest
from httpx import Response

from api.auth import Role
from models.actions import Action
from models.enums import FindingLevel, Pathway, Route
from tests.api.helpers import (
    Service,
    create,
    eventually,
    fill_in,
    findings,
    invite,
    latest_token,
    new_member_id,
    ok,
    profile,
    submitted,
    view_of,
)

pytestmark = pytest.mark.dev_server


async def test_r12_r13_r19_non_approved_application_reaches_the_register(
    service: Service,
) -> None:
    http = service.http
    member_id = new_member_id()
    created = await create(service, member_id)
    app_id = created["application_id"]
    assert created["state"] == "draft"
    assert {p["field"] for p in created["missing"]} >= {"role_details", "documents"}
    assert Action.SUBMIT not in created["allowed_actions"]
    # Answered without asking the workflow, as the workflow itself answers.
    first = await view_of(service, app_id, service.member(member_id))
    assert (created["allowed_actions"], created["missing"]) == (
        first["allowed_actions"],
        first["missing"],
    )

    filled = await fill_in(service, app_id, member_id, Pathway.AP_L4, Route.NON_APPROVED)
    assert (filled["application_id"], filled["state"]) == (app_id, "draft")
    assert [p["field"] for p in filled["missing"]] == ["declaration"]
    assert filled["version"] > 1

    token = await invite(service, app_id, member_id)
    asked = ok(await http.get(f"/declarations/{app_id}/{token}"))
    assert asked["applicant_name"] == f"Alex Example {member_id}"
    assert asked["declarer_name"] == "Jo Manager"
    answer = ok(await http.post(f"/declarations/{app_id}/{token}", json={"confirm": True}))
    assert answer == {"application_id": app_id, "status": "confirmed"}

    me = service.member(member_id)
    result = ok(await http.post(f"/applications/{app_id}/submit", headers=me))
    assert result["missing"] == []
    assert result["version"] > filled["version"]
    view = await view_of(service, app_id, me)
    assert view["state"] == "in_assessment", view["queue_reason"]
    assessor = service.auth(Role.ASSESSOR, view["assessor_id"])
    as_assessor = ok(await http.get(f"/applications/{app_id}", headers=assessor))
    assert as_assessor["state"] == "in_assessment"
    # The assessor reads the evidence: each document as uploaded, with its type.
    for document in as_assessor["application"]["content"]["documents"]:
        path = f"/applications/{app_id}/documents/{document['document_id']}"
        response = await http.get(path, headers=assessor)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        assert hashlib.sha256(response.content).hexdigest() == document["sha256"]
    missing = await http.get(f"/applications/{app_id}/documents/doc-none", headers=assessor)
    assert missing.status_code == 404
    # The assessor's own work list, and the officers' queue filtered to that assessor.
    await eventually(lambda: _in_page(http.get("/queues/assessor/mine", headers=assessor), app_id))
    filtered = {"assessor_id": view["assessor_id"], "pathway": "AP_L4", "kind": "initial"}
    await eventually(
        lambda: _in_page(
            http.get("/queues/awaiting_assessment", params=filtered, headers=service.officer()),
            app_id,
        )
    )
    other = {"pathway": "MA_L4"}
    page = ok(
        await http.get("/queues/awaiting_assessment", params=other, headers=service.officer())
    )
    assert app_id not in [i["summary"]["application_id"] for i in page["items"]]

    body = {"findings": findings(Pathway.AP_L4), "recommended_outcome": "accredited"}
    result = ok(await http.post(f"/applications/{app_id}/assessment", json=body, headers=assessor))
    assert result["state"] == "awaiting_ratification"
    assert Action.RATIFY in result["allowed_actions"]
    queue = await eventually(lambda: _queued(service, "awaiting_ratification", app_id))
    assert queue["summary"]["state"] == "awaiting_ratification"

    result = ok(
        await http.post(f"/applications/{app_id}/ratification", json={}, headers=service.officer())
    )
    assert (result["state"], result["allowed_actions"]) == ("accredited", [])
    view = await view_of(service, app_id, service.officer())
    assert (view["state"], view["award"] is not None) == ("accredited", True)

    registration_number = view["application"]["applicant"]["registration_number"]
    # The member's accreditation workflow writes the register entry just after the award.
    found = await eventually(lambda: _registered(service, member_id))
    assert [e["registration_number"] for e in found] == [registration_number]
    entry = ok(await http.get(f"/register/{registration_number}"))
    assert entry["status"] == "current"
    assert "email" not in entry and "employer" not in entry
    # Staff see the member's accreditation, with what the public must not: indemnity cover.
    expiring = {"status": "current", "expiring_before": "2100-01-01"}

    async def staff_listing() -> dict[str, Any] | None:
        page = ok(await http.get("/accreditations", params=expiring, headers=service.officer()))
        return next((a for a in page["items"] if a["member_id"] == member_id), None)

    listed = await eventually(staff_listing)
    assert (listed["expires_on"], listed["indemnity_covered"]) == (entry["expires_on"], True)

    trail = ok(await http.get(f"/applications/{app_id}/audit", headers=service.officer()))
    assert trail[0]["action"] == "created"
    assert "ratify" not in [e["action"] for e in trail]  # the award is the ratification
    assert trail[-1]["to_state"] == "accredited"
    assert ok(await http.get(f"/applications/{app_id}/audit", headers=assessor))

    mine = await eventually(lambda: _listed(service, member_id, "accredited"))
    assert [s["application_id"] for s in mine] == [app_id]


async def test_r11_approved_application_is_verified_from_the_queue(service: Service) -> None:
    app_id, _member, view = await submitted(service, Pathway.MA_L4, Route.APPROVED)
    assert view["state"] == "in_verification"
    item = await eventually(lambda: _queued(service, "awaiting_verification", app_id))
    assert item["overdue"] is False
    result = ok(
        await service.http.post(
            f"/applications/{app_id}/verification",
            json={"outcome": "accredited"},
            headers=service.officer(),
        )
    )
    assert result["state"] == "accredited"
    assert (await view_of(service, app_id, service.officer()))["award"] is not None


async def test_r13_deferred_application_is_resubmitted(service: Service) -> None:
    app_id, member_id, view = await submitted(service)
    assessor = service.auth(Role.ASSESSOR, view["assessor_id"])
    partly = findings(Pathway.AP_L4)
    partly[0]["level"] = FindingLevel.PARTLY_MET.value
    body = {"findings": partly, "recommended_outcome": "deferred"}
    ok(await service.http.post(f"/applications/{app_id}/assessment", json=body, headers=assessor))
    result = ok(
        await service.http.post(
            f"/applications/{app_id}/ratification", json={}, headers=service.officer()
        )
    )
    assert result["state"] == "deferred"
    assert Action.RESUBMIT in result["allowed_actions"]
    view = await view_of(service, app_id, service.member(member_id))
    assert view["feedback"][0]["level"] == "partly_met"
    result = ok(
        await service.http.post(
            f"/applications/{app_id}/resubmit", headers=service.member(member_id)
        )
    )
    assert result["state"] == "in_assessment"


async def test_r12_officer_reallocates_to_another_assessor(service: Service) -> None:
    app_id, _member, view = await submitted(service)
    first = view["assessor_id"]
    admin = service.auth(Role.ADMIN, "admin-1")
    result = ok(
        await service.http.post(
            f"/applications/{app_id}/allocation",
            json={"reason": "first assessor on leave", "replaces_assessor_id": first},
            headers=admin,
        )
    )
    assert result["state"] == "in_assessment"
    assert (await view_of(service, app_id, admin))["assessor_id"] not in (None, first)


async def test_r09_declined_declaration_goes_back_with_the_reason(service: Service) -> None:
    member_id = new_member_id()
    app_id = (await create(service, member_id))["application_id"]
    token = await invite(service, app_id, member_id)
    link = f"/declarations/{app_id}/{token}"
    refused = await service.http.post(link, json={"confirm": False})
    assert refused.status_code == 422, refused.text
    assert "reason" in refused.text
    answer = ok(await service.http.post(link, json={"confirm": False, "reason": "not my team"}))
    assert answer["status"] == "declined"
    view = ok(await service.http.get(f"/applications/{app_id}", headers=service.member(member_id)))
    assert view["application"]["declaration"]["reason"] == "not my team"
    assert latest_token(service, app_id) == token


async def test_withdraw_by_the_applicant(service: Service) -> None:
    member_id = new_member_id()
    app_id = (await create(service, member_id))["application_id"]
    result = ok(
        await service.http.post(
            f"/applications/{app_id}/withdraw",
            json={"reason": "changed my mind"},
            headers=service.member(member_id),
        )
    )
    assert (result["state"], result["allowed_actions"]) == ("withdrawn", [])
    view = await view_of(service, app_id, service.member(member_id))
    assert view["history"][-1]["reason"] == "changed my mind"


async def test_portal_creates_for_a_member_and_lists_their_applications(
    service: Service,
) -> None:
    member_id = new_member_id()
    portal = service.auth(Role.PORTAL, "portal")
    body = {"pathway": "AP_L5", "kind": "reaccreditation", "applicant": profile(member_id)}
    created = ok(await service.http.post("/applications", json=body, headers=portal), 201)
    app_id = created["application_id"]
    assert created["state"] == "draft"
    assert (await view_of(service, app_id, portal))["application"]["kind"] == "reaccreditation"

    async def listed() -> list[dict[str, Any]]:
        response = await service.http.get(
            "/applications", params={"member_id": member_id}, headers=portal
        )
        return ok(response)  # type: ignore[no-any-return]

    assert [s["application_id"] for s in await eventually(listed)] == [app_id]


async def test_catalogue_lists_outcomes_and_programmes(service: Service) -> None:
    catalogue = ok(await service.http.get("/catalogue/AP_L4"))
    assert catalogue["pathway"] == "AP_L4"
    assert [o["code"] for o in catalogue["outcomes"]][:1] == ["AP4.1"]
    assert all(p["pathway"] == "AP_L4" for p in catalogue["programmes"])


async def _in_page(request: Awaitable[Response], app_id: str) -> dict[str, Any] | None:
    page = ok(await request)
    return next((i for i in page["items"] if i["summary"]["application_id"] == app_id), None)


async def _queued(service: Service, queue: str, app_id: str) -> dict[str, Any] | None:
    page = ok(await service.http.get(f"/queues/{queue}", headers=service.officer()))
    return next((i for i in page["items"] if i["summary"]["application_id"] == app_id), None)


async def _listed(service: Service, member_id: str, state: str) -> list[dict[str, Any]] | None:
    mine = ok(await service.http.get("/applications", headers=service.member(member_id)))
    return mine if mine and mine[0]["state"] == state else None


async def _registered(service: Service, member_id: str) -> list[dict[str, Any]]:
    params = {"name": member_id, "pathway": "AP_L4", "area_of_practice": "clinical_imaging"}
    page = ok(await service.http.get("/register", params=params))
    return page["items"]  # type: ignore[no-any-return]
