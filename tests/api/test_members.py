"""A member's accreditation after award: reading it, membership events and re-accreditation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from api.auth import Role
from models.enums import Pathway
from tests.api.helpers import (
    Service,
    eventually,
    findings,
    new_member_id,
    ok,
    submitted,
    view_of,
)

pytestmark = pytest.mark.dev_server


async def _accredited(service: Service) -> tuple[str, str]:
    app_id, member_id, view = await submitted(service)
    assessor = service.auth(Role.ASSESSOR, view["assessor_id"])
    body = {"findings": findings(Pathway.AP_L4), "recommended_outcome": "accredited"}
    ok(await service.http.post(f"/applications/{app_id}/assessment", json=body, headers=assessor))
    ok(
        await service.http.post(
            f"/applications/{app_id}/ratification", json={}, headers=service.officer()
        )
    )
    return app_id, member_id


async def _status(service: Service, member_id: str, wanted: str) -> dict[str, Any] | None:
    response = await service.http.get(
        f"/members/{member_id}/accreditation", headers=service.member(member_id)
    )
    if response.status_code == 404:
        return None
    view: dict[str, Any] = ok(response)
    return view if view["status"] == wanted else None


async def test_r23_membership_cancelled_then_rejoined(service: Service) -> None:
    _app, member_id = await _accredited(service)
    current = await eventually(lambda: _status(service, member_id, "current"))
    assert current["pathway"] == "AP_L4"
    membership = service.auth(Role.MEMBERSHIP, "membership-system")
    for event, status, shown in [
        ("e1", "cancelled", "suspended"),
        ("e2", "accredited_ap", "current"),
    ]:
        body = {"event_id": event, "status": status, "effective_at": datetime.now(UTC).isoformat()}
        response = await service.http.post(
            f"/members/{member_id}/membership", json=body, headers=membership
        )
        assert response.status_code == 202, response.text
        await eventually(lambda: _status(service, member_id, shown))  # noqa: B023


async def test_r15_reaccreditation_starts_once(service: Service) -> None:
    _app, member_id = await _accredited(service)
    await eventually(lambda: _status(service, member_id, "current"))
    me = service.member(member_id)
    started = ok(
        await service.http.post(f"/members/{member_id}/reaccreditation", json={}, headers=me), 201
    )
    assert started["state"] == "draft"
    view = await view_of(service, started["application_id"], me)
    assert view["application"]["kind"] == "reaccreditation"
    assert (started["allowed_actions"], started["missing"]) == (
        view["allowed_actions"],
        view["missing"],
    )
    again = await service.http.post(f"/members/{member_id}/reaccreditation", json={}, headers=me)
    assert again.status_code == 409, again.text
    assert started["application_id"] in again.json()["message"]


async def test_r18_scope_change_is_accepted_and_unknown_members_are_404(service: Service) -> None:
    _app, member_id = await _accredited(service)
    await eventually(lambda: _status(service, member_id, "current"))
    membership = service.auth(Role.MEMBERSHIP, "membership-system")
    role = {
        "role": "assistant_practitioner",
        "job_title": "Assistant practitioner",
        "employer": "Northgate Hospitals NHS Trust",
        "areas_of_practice": ["clinical_imaging", "other"],
        "scope_summary": "Plain-film imaging and theatre support",
    }
    body = {"event_id": "s1", "role_details": role, "changed_at": datetime.now(UTC).isoformat()}
    response = await service.http.post(f"/members/{member_id}/scope", json=body, headers=membership)
    assert response.status_code == 202, response.text
    nobody = new_member_id()
    for method, path, json in [
        ("GET", f"/members/{nobody}/accreditation", None),
        ("POST", f"/members/{nobody}/scope", body),
    ]:
        response = await service.http.request(method, path, json=json, headers=membership)
        assert response.status_code == 404, response.text
