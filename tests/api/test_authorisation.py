"""The authorisation matrix: every endpoint for every caller, with no unexpected grant.

Each endpoint is called as each caller on applications prepared once: ``draft`` and
``assessing`` (allocated to ``assessor``) and ``withdrawn``, all belonging to ``owner``. Calls are
chosen so that a permitted caller is refused for another reason (wrong state, incomplete
findings) and nothing changes; what is checked is only whether the caller got past the door.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from pydantic import SecretStr

from api.auth import Role, mint_token
from models.enums import Pathway
from tests.api.helpers import (
    PDF,
    Service,
    create,
    new_member_id,
    ok,
    profile,
    submitted,
)
from tests.builders import role_details

pytestmark = pytest.mark.dev_server

PUBLIC = frozenset({"*"})
CALLERS = [
    "none",
    "forged",
    "owner",
    "other_applicant",
    "assessor",
    "other_assessor",
    "officer",
    "admin",
    "portal",
    "membership",
]


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    allowed: frozenset[str]
    json: Any = None
    params: dict[str, str] | None = None
    upload: bool = False


def calls(owner: str) -> dict[str, Call]:
    """Each endpoint's call, and who may make it; ``owner`` owns the applications."""
    # No route on an initial application: the owner or the portal get past the door, then 422.
    application = {"pathway": "AP_L4", "applicant": profile(owner)}
    return {
        "create": Call("POST", "/applications", frozenset({"owner", "portal"}), json=application),
        "list": Call(
            "GET",
            "/applications",
            frozenset({"owner", "portal", "officer", "admin"}),
            params={"member_id": owner},
        ),
        "read": Call(
            "GET",
            "/applications/{assessing}",
            frozenset({"owner", "assessor", "officer", "admin", "portal"}),
        ),
        "edit": Call("PATCH", "/applications/{assessing}", frozenset({"owner"}), json={}),
        "download": Call(
            "GET",
            "/applications/{assessing}/documents/{document}",
            frozenset({"owner", "assessor", "officer", "admin", "portal"}),
        ),
        "upload": Call(
            "POST", "/applications/{assessing}/documents", frozenset({"owner"}), upload=True
        ),
        "invite": Call(
            "POST",
            "/applications/{assessing}/declarer",
            frozenset({"owner"}),
            json={
                "declarer_name": "Jo Manager",
                "declarer_email": "jo@northgate.example.org",
                "declarer_role": "manager",
            },
        ),
        "submit": Call("POST", "/applications/{assessing}/submit", frozenset({"owner"})),
        "resubmit": Call("POST", "/applications/{assessing}/resubmit", frozenset({"owner"})),
        "withdraw": Call(
            "POST",
            "/applications/{withdrawn}/withdraw",
            frozenset({"owner", "officer", "admin"}),
            {},
        ),
        "allocate": Call(
            "POST", "/applications/{draft}/allocation", frozenset({"officer", "admin"}), json={}
        ),
        "assess": Call(
            "POST",
            "/applications/{assessing}/assessment",
            frozenset({"assessor"}),
            json={
                "findings": [{"outcome_code": "AP4.1", "level": "met"}],
                "recommended_outcome": "accredited",
            },
        ),
        "verify": Call(
            "POST",
            "/applications/{assessing}/verification",
            frozenset({"officer"}),
            json={"outcome": "accredited"},
        ),
        "ratify": Call(
            "POST", "/applications/{assessing}/ratification", frozenset({"officer"}), json={}
        ),
        "audit": Call(
            "GET", "/applications/{assessing}/audit", frozenset({"assessor", "officer", "admin"})
        ),
        "queue": Call("GET", "/queues/awaiting_assessment", frozenset({"officer", "admin"})),
        "accreditations": Call("GET", "/accreditations", frozenset({"officer", "admin"})),
        # Every assessor reads their own work list; it holds only what is allocated to them.
        "my_assessments": Call(
            "GET", "/queues/assessor/mine", frozenset({"assessor", "other_assessor"})
        ),
        "declaration": Call("GET", "/declarations/{draft}/not-the-token", PUBLIC),
        "declare": Call(
            "POST", "/declarations/{draft}/not-the-token", PUBLIC, json={"confirm": True}
        ),
        "register": Call("GET", "/register", PUBLIC, params={"name": "Example"}),
        "verify_entry": Call("GET", "/register/AP-UNKNOWN", PUBLIC),
        "catalogue": Call("GET", "/catalogue/AP_L4", PUBLIC),
        "accreditation": Call(
            "GET",
            f"/members/{owner}/accreditation",
            frozenset({"owner", "officer", "admin", "portal", "membership"}),
        ),
        "reaccreditation": Call(
            "POST",
            f"/members/{owner}/reaccreditation",
            frozenset({"owner", "officer", "admin"}),
            json={},
        ),
        "membership_change": Call(
            "POST",
            f"/members/{owner}/membership",
            frozenset({"membership"}),
            json={"event_id": "m1", "status": "cancelled", "effective_at": "2026-01-01T00:00:00Z"},
        ),
        "scope_change": Call(
            "POST",
            f"/members/{owner}/scope",
            frozenset({"membership"}),
            json={
                "event_id": "s1",
                "role_details": role_details(Pathway.AP_L4).model_dump(mode="json"),
                "changed_at": "2026-01-01T00:00:00Z",
            },
        ),
    }


ENDPOINTS = list(calls("M0"))


@dataclass
class Matrix:
    ids: dict[str, str]
    owner: str
    headers: dict[str, dict[str, str]]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def matrix(service: Service) -> Matrix:
    assessing, owner, view = await submitted(service)
    assert view["state"] == "in_assessment"
    draft = await _create_for(service, owner)
    withdrawn = await _create_for(service, owner)
    ok(
        await service.http.post(
            f"/applications/{withdrawn}/withdraw", json={}, headers=service.member(owner)
        )
    )
    subjects = {
        "owner": (Role.APPLICANT, owner),
        "other_applicant": (Role.APPLICANT, new_member_id()),
        "assessor": (Role.ASSESSOR, view["assessor_id"]),
        "other_assessor": (Role.ASSESSOR, "SI-ASR-003"),
        "officer": (Role.OFFICER, "officer-1"),
        "admin": (Role.ADMIN, "admin-1"),
        "portal": (Role.PORTAL, "portal"),
        "membership": (Role.MEMBERSHIP, "membership"),
    }
    headers = {name: service.auth(role, sub) for name, (role, sub) in subjects.items()}
    headers["none"] = {}
    other_key = service.settings.model_copy(update={"jwt_secret": SecretStr("another-key" * 4)})
    forged = mint_token(other_key, sub="officer-1", role=Role.OFFICER)
    headers["forged"] = {"Authorization": f"Bearer {forged}"}
    document = view["application"]["content"]["documents"][0]["document_id"]
    ids = {"assessing": assessing, "draft": draft, "withdrawn": withdrawn, "document": document}
    return Matrix(ids=ids, owner=owner, headers=headers)


async def _create_for(service: Service, member_id: str) -> str:
    created = await create(service, member_id)
    return str(created["application_id"])


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_only_the_expected_callers_get_past_authorisation(
    service: Service, matrix: Matrix, endpoint: str, caller: str
) -> None:
    call = calls(matrix.owner)[endpoint]
    kwargs: dict[str, Any] = {"headers": matrix.headers[caller], "params": call.params}
    if call.json is not None:
        kwargs["json"] = call.json
    if call.upload:
        kwargs["data"] = {"kind": "other"}
        kwargs["files"] = {"file": ("evidence.pdf", PDF, "application/pdf")}
    response = await service.http.request(call.method, call.path.format(**matrix.ids), **kwargs)
    status = response.status_code
    assert status < 500, response.text
    if call.allowed is PUBLIC or caller in call.allowed:
        assert status not in (401, 403), (status, response.text)
    elif caller in ("none", "forged"):
        assert status == 401, (status, response.text)
        assert response.headers["www-authenticate"].startswith("Bearer")
    else:
        assert status == 403, (status, response.text)
