"""Who may open the staff console, over plain HTTP (the browser tests check the same pages):
an applicant's session opens no console page, and an assessor only what is allocated to them."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from api.auth import Role
from tests.api.helpers import Service, submitted
from web import session

pytestmark = pytest.mark.dev_server

CONSOLE = ["/console", "/console/assessments", "/console/accreditations"]


@pytest.fixture(autouse=True)
def no_kept_cookies(service: Service) -> Iterator[None]:
    """Each request here names its own session: the shared client keeps no refreshed one."""
    service.http.cookies.clear()
    yield
    service.http.cookies.clear()


def cookie(service: Service, role: Role, sub: str, *, idle_for: float = 0) -> dict[str, str]:
    now = time.time()
    data = session.SessionData(sub=sub, role=role, started=now - idle_for, seen=now - idle_for)
    return {"Cookie": f"{session.COOKIE}={session.encode(service.settings, data)}"}


async def test_an_applicant_session_opens_no_console_page(service: Service) -> None:
    app_id, member_id, _view = await submitted(service)
    me = cookie(service, Role.APPLICANT, member_id)
    for path in [*CONSOLE, f"/console/applications/{app_id}"]:
        response = await service.http.get(path, headers=me)
        assert response.status_code == 403, path
        assert response.headers["content-type"].startswith("text/html")


async def test_an_assessor_opens_only_what_is_allocated_to_them(service: Service) -> None:
    app_id, _member, view = await submitted(service)
    allocated = view["assessor_id"]
    other = next(a for a in ("SI-ASR-001", "SI-ASR-002") if a != allocated)
    page = f"/console/applications/{app_id}"
    assert (
        await service.http.get(page, headers=cookie(service, Role.ASSESSOR, allocated))
    ).status_code == 200
    refused = await service.http.get(page, headers=cookie(service, Role.ASSESSOR, other))
    assert refused.status_code == 403
    assert app_id not in refused.text.replace(page, "")
    document = view["application"]["content"]["documents"][0]["document_id"]
    download = await service.http.get(
        f"{page}/documents/{document}", headers=cookie(service, Role.ASSESSOR, other)
    )
    assert download.status_code == 403


async def test_no_forged_or_idle_session_gets_in(service: Service) -> None:
    officer = cookie(service, Role.OFFICER, "officer-1")
    assert (await service.http.get("/console", headers=officer)).status_code == 200
    body, signature = officer["Cookie"].split("=", 1)[1].rsplit(".", 1)
    forged = {"Cookie": f"{session.COOKIE}={body}.{'0' * len(signature)}"}
    idle = cookie(
        service, Role.OFFICER, "officer-1", idle_for=service.settings.session_idle_minutes * 60 + 5
    )
    for headers in (forged, idle, {}):
        service.http.cookies.clear()
        response = await service.http.get("/console", headers=headers)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/sign-in?next=")
