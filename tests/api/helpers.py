"""Acting on the API as the portal, declarers and staff would: tokens, bodies, common journeys."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from httpx import AsyncClient, Response
from sqlalchemy.orm import Session, sessionmaker

from api.auth import Role, mint_token
from models.enums import FindingLevel, Pathway, Route
from settings import Settings
from tests.builders import cpd_records, narrative, pathway_catalogue, qualification, role_details
from tests.fixtures.smtp import SmtpSink

MAX_UPLOAD_BYTES = 64 * 1024

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)
JPEG = b"\xff\xd8\xff\xe0" + bytes(32)

T = TypeVar("T")


@dataclass
class Service:
    http: AsyncClient
    settings: Settings
    mail: SmtpSink
    sessions: sessionmaker[Session]

    def auth(self, role: Role, sub: str) -> dict[str, str]:
        """The Authorization header of a token for ``sub`` in ``role``."""
        return {"Authorization": f"Bearer {mint_token(self.settings, sub=sub, role=role)}"}

    def member(self, member_id: str) -> dict[str, str]:
        return self.auth(Role.APPLICANT, member_id)

    def officer(self) -> dict[str, str]:
        return self.auth(Role.OFFICER, "officer-1")


def new_member_id() -> str:
    return f"M{uuid.uuid4().hex[:10]}"


def today() -> datetime:
    return datetime.now(UTC)


def profile(member_id: str) -> dict[str, str]:
    """The applicant's profile as the portal sends it."""
    return {
        "member_id": member_id,
        "name": f"Alex Example {member_id}",
        "email": f"{member_id.lower()}@members.example.org",
        "registration_number": f"AP{member_id[1:]}",
        "membership_status": "radiographic_assistant",
        "employer": "Northgate Hospitals NHS Trust",
    }


def ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json()


async def create(
    service: Service,
    member_id: str,
    pathway: Pathway = Pathway.AP_L4,
    route: Route = Route.NON_APPROVED,
) -> dict[str, Any]:
    """A new application of the member's: the create's answer (id, state, allowed actions,
    missing items)."""
    body = {"pathway": pathway, "route": route, "applicant": profile(member_id)}
    response = await service.http.post(
        "/applications", json=body, headers=service.member(member_id)
    )
    return ok(response, 201)  # type: ignore[no-any-return]


async def view_of(service: Service, app_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """The whole application, as ``headers``' caller reads it."""
    return ok(await service.http.get(f"/applications/{app_id}", headers=headers))  # type: ignore[no-any-return]


async def upload(
    service: Service,
    app_id: str,
    member_id: str,
    kind: str,
    content: bytes = PDF,
    name: str = "doc.pdf",
) -> Response:
    return await service.http.post(
        f"/applications/{app_id}/documents",
        data={"kind": kind},
        files={"file": (name, content, "application/pdf")},
        headers=service.member(member_id),
    )


async def fill_in(
    service: Service, app_id: str, member_id: str, pathway: Pathway, route: Route
) -> dict[str, Any]:
    """Upload the scope and certificate and enter every section; the update's result."""
    ok(await upload(service, app_id, member_id, "scope_of_practice", name="scope.pdf"), 201)
    cert = ok(await upload(service, app_id, member_id, "certificate", name="certificate.pdf"), 201)
    day = today().date()
    body: dict[str, Any] = {
        "role_details": role_details(pathway).model_dump(mode="json"),
        "qualifications": [
            qualification(
                pathway,
                route,
                day - timedelta(days=200),
                certificate_document_id=cert["document_id"],
            ).model_dump(mode="json")
        ],
    }
    if route == Route.NON_APPROVED:
        body["narrative"] = [s.model_dump(mode="json") for s in narrative(pathway)]
        body["cpd"] = [c.model_dump(mode="json") for c in cpd_records(day)]
    response = await service.http.patch(
        f"/applications/{app_id}", json=body, headers=service.member(member_id)
    )
    result: dict[str, Any] = ok(response)
    for index in range(len(body.get("cpd", []))):
        result = await portal_verifies(service, app_id, index)
    return result


async def portal_verifies(service: Service, app_id: str, index: int) -> dict[str, Any]:
    """The member portal, which verifies CPD itself, marks CPD record ``index`` verified
    (R08, R16): the update's result."""
    response = await service.http.post(
        f"/applications/{app_id}/cpd/{index}/verified",
        json={},
        headers=service.auth(Role.PORTAL, "member-portal"),
    )
    return ok(response)  # type: ignore[no-any-return]


async def invite(service: Service, app_id: str, member_id: str) -> str:
    """Invite the manager; the token of the link in the email they receive."""
    earlier = set(_tokens(service, app_id))
    body = {
        "declarer_name": "Jo Manager",
        "declarer_email": "jo.manager@northgate.example.org",
        "declarer_role": "manager",
    }
    ok(
        await service.http.post(
            f"/applications/{app_id}/declarer", json=body, headers=service.member(member_id)
        )
    )

    async def new_token() -> str | None:
        return next((t for t in _tokens(service, app_id) if t not in earlier), None)

    return await eventually(new_token)


def latest_token(service: Service, app_id: str) -> str | None:
    """The token of the newest declaration link sent for ``app_id``."""
    tokens = _tokens(service, app_id)
    return tokens[-1] if tokens else None


def _tokens(service: Service, app_id: str) -> list[str]:
    pattern = re.compile(rf"/declare/{re.escape(app_id)}/([0-9a-f-]+)")
    found = [pattern.search(str(m.get_content())) for m in list(service.mail.messages)]
    return [f.group(1) for f in found if f]


async def declare(service: Service, app_id: str, member_id: str) -> None:
    token = await invite(service, app_id, member_id)
    ok(await service.http.post(f"/declarations/{app_id}/{token}", json={"confirm": True}))


async def submitted(
    service: Service, pathway: Pathway = Pathway.AP_L4, route: Route = Route.NON_APPROVED
) -> tuple[str, str, dict[str, Any]]:
    """A new member's application, filled in, declared and submitted: (id, member, view),
    the view read after the submission."""
    member_id = new_member_id()
    app_id = (await create(service, member_id, pathway, route))["application_id"]
    await fill_in(service, app_id, member_id, pathway, route)
    await declare(service, app_id, member_id)
    me = service.member(member_id)
    result = ok(await service.http.post(f"/applications/{app_id}/submit", headers=me))
    assert result["application_id"] == app_id
    return app_id, member_id, await view_of(service, app_id, me)


def findings(pathway: Pathway, level: FindingLevel = FindingLevel.MET) -> list[dict[str, str]]:
    return [
        {"outcome_code": code, "level": level.value, "comment": "more evidence needed"}
        for code in pathway_catalogue(pathway).outcome_codes()
    ]


async def eventually(probe: Callable[[], Awaitable[T | None]], seconds: float = 15) -> T:
    """The first non-empty answer of ``probe`` (the read model and mail arrive shortly after)."""
    for _ in range(int(seconds / 0.05)):
        answer = await probe()
        if answer:
            return answer
        await asyncio.sleep(0.05)
    raise AssertionError(f"nothing within {seconds}s")
