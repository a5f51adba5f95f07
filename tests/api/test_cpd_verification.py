"""R08/R16: verified CPD through the JSON API: the applicant's request, the verifier's
single-use link (410 once spent), and the member portal's mark."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from api.auth import Role
from models.enums import Pathway, Route
from tests.api.helpers import (
    Service,
    create,
    eventually,
    fill_in,
    new_member_id,
    ok,
    portal_verifies,
    today,
    view_of,
)
from tests.builders import pathway_catalogue

pytestmark = pytest.mark.dev_server

CODES = pathway_catalogue(Pathway.AP_L4).outcome_codes()
VERIFIER = {
    "name": "Sam Educator",
    "email": "sam.educator@northgate.example.org",
    "professional_registration": "HCPC RA123456",
}


def cpd(count: int, verified_by: str | None = "Sam Educator") -> list[dict[str, Any]]:
    day = (today() - timedelta(days=30)).date().isoformat()
    return [
        {
            "title": f"Radiation protection update {i + 1}",
            "activity_date": day,
            "verified_by": verified_by,
            "learning_outcomes": CODES[:2],
        }
        for i in range(count)
    ]


def cpd_problems(result: dict[str, Any]) -> list[dict[str, str]]:
    return [p for p in result["missing"] if p["field"] == "cpd"]


async def draft_with_cpd(service: Service, count: int = 6) -> tuple[str, str]:
    member_id = new_member_id()
    app_id = (await create(service, member_id))["application_id"]
    ok(
        await service.http.patch(
            f"/applications/{app_id}", json={"cpd": cpd(count)}, headers=service.member(member_id)
        )
    )
    return app_id, member_id


async def requested(service: Service, app_id: str, member_id: str, index: int) -> str:
    """Send record ``index`` to the verifier: the token of the link in their real email."""
    pattern = re.compile(rf"/verify-cpd/{re.escape(app_id)}/([0-9a-f-]+)")

    def tokens() -> list[str]:
        found = [pattern.search(str(m.get_content())) for m in list(service.mail.messages)]
        return [f.group(1) for f in found if f]

    before = set(tokens())
    ok(
        await service.http.post(
            f"/applications/{app_id}/cpd/{index}/verification-request",
            json={"verifier": VERIFIER},
            headers=service.member(member_id),
        )
    )

    async def new_token() -> str | None:
        return next((t for t in tokens() if t not in before), None)

    return await eventually(new_token)


async def test_r08_r16_the_applicants_typed_verified_by_no_longer_counts(
    service: Service,
) -> None:
    app_id, member_id = await draft_with_cpd(service)
    view = await view_of(service, app_id, service.member(member_id))
    assert all(r["verified_by"] == "Sam Educator" for r in view["application"]["content"]["cpd"])
    (problem,) = cpd_problems(view)
    assert problem["rule"] in ("R08", "R16") and "0 qualify" in problem["message"]


async def test_r08_a_verifier_link_confirms_once_then_answers_410(service: Service) -> None:
    app_id, member_id = await draft_with_cpd(service)
    token = await requested(service, app_id, member_id, 0)

    asked = ok(await service.http.get(f"/cpd-verifications/{app_id}/{token}"))
    assert asked["title"] == "Radiation protection update 1"
    assert asked["verifier_name"] == "Sam Educator"
    assert "email" not in str(asked).lower()  # the applicant's contact details stay private
    answer = ok(
        await service.http.post(f"/cpd-verifications/{app_id}/{token}", json={"confirm": True})
    )
    assert answer == {"application_id": app_id, "status": "confirmed"}

    again = await service.http.post(f"/cpd-verifications/{app_id}/{token}", json={"confirm": True})
    assert again.status_code == 410, again.text
    assert "verification link" in again.json()["message"]
    assert (await service.http.get(f"/cpd-verifications/{app_id}/{token}")).status_code == 410
    record = (await view_of(service, app_id, service.member(member_id)))["application"]["content"][
        "cpd"
    ][0]
    assert record["verification"]["status"] == "confirmed"
    assert record["verification"]["verifier"]["name"] == "Sam Educator"


async def test_r08_declining_needs_a_reason_and_does_not_count(service: Service) -> None:
    app_id, member_id = await draft_with_cpd(service)
    token = await requested(service, app_id, member_id, 1)
    link = f"/cpd-verifications/{app_id}/{token}"
    no_reason = await service.http.post(link, json={"confirm": False})
    assert no_reason.status_code == 422, no_reason.text
    assert "reason" in no_reason.text
    ok(await service.http.post(link, json={"confirm": False, "reason": "Not my department"}))
    view = await view_of(service, app_id, service.member(member_id))
    declined = view["application"]["content"]["cpd"][1]["verification"]
    assert (declined["status"], declined["reason"]) == ("declined", "Not my department")
    assert "0 qualify" in cpd_problems(view)[0]["message"]


async def test_r08_an_edited_record_loses_its_verification(service: Service) -> None:
    member_id = new_member_id()
    app_id = (await create(service, member_id))["application_id"]
    filled = await fill_in(service, app_id, member_id, Pathway.AP_L4, Route.NON_APPROVED)
    assert cpd_problems(filled) == []  # six records, each verified by the portal
    me = service.member(member_id)
    records = (await view_of(service, app_id, me))["application"]["content"]["cpd"]
    records[3]["learning_outcomes"] = [CODES[-1]]
    edited = ok(
        await service.http.patch(f"/applications/{app_id}", json={"cpd": records}, headers=me)
    )
    assert "5 qualify" in cpd_problems(edited)[0]["message"]
    after = (await view_of(service, app_id, me))["application"]["content"]["cpd"]
    assert after[3]["verification"] is None
    assert all(r["verification"]["status"] == "confirmed" for i, r in enumerate(after) if i != 3)


async def test_r08_only_the_portal_marks_records_verified_and_never_as_the_applicant(
    service: Service,
) -> None:
    app_id, member_id = await draft_with_cpd(service, count=1)
    as_member = await service.http.post(
        f"/applications/{app_id}/cpd/0/verified", json={}, headers=service.member(member_id)
    )
    assert as_member.status_code == 403, as_member.text
    mine = {**VERIFIER, "email": f"{member_id.lower()}@members.example.org"}
    self_verified = await service.http.post(
        f"/applications/{app_id}/cpd/0/verification-request",
        json={"verifier": mine},
        headers=service.member(member_id),
    )
    assert self_verified.status_code == 422, self_verified.text
    assert "verifier.email" in {p["field"] for p in self_verified.json()["problems"]}
    marked = await portal_verifies(service, app_id, 0)
    assert marked["application_id"] == app_id
    again = await service.http.post(
        f"/applications/{app_id}/cpd/0/verified",
        json={},
        headers=service.auth(Role.PORTAL, "member-portal"),
    )
    assert again.status_code == 409, again.text
    unknown = await service.http.post(
        f"/applications/{app_id}/cpd/7/verification-request",
        json={"verifier": VERIFIER},
        headers=service.member(member_id),
    )
    assert unknown.status_code == 422 and "cpd[7]" in unknown.text
