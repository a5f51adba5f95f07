"""The API's role check on each action is the permissions table's (``ACTION_ROLES``).

No worker is needed: a role the table leaves out is refused (403) before the workflow is
asked; a role it lists gets past the check, to a workflow service this app cannot reach (503)
or to a body it did not send (422).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from temporalio.client import Client

from api.auth import mint_token
from api.main import create_app
from api.temporal import Temporal
from models.actions import Action
from models.enums import TOKEN_ROLES, Role
from models.permissions import ACTION_ROLES
from settings import Settings

APP = "/applications/app-roles"
ACTION_ROUTES: dict[Action, tuple[str, str, dict[str, Any] | None]] = {
    Action.SAVE_DRAFT: ("PATCH", APP, {}),
    Action.ADD_DOCUMENT: ("POST", f"{APP}/documents", None),
    Action.INVITE_DECLARER: ("POST", f"{APP}/declarer", {}),
    Action.SUBMIT: ("POST", f"{APP}/submit", None),
    Action.RESUBMIT: ("POST", f"{APP}/resubmit", None),
    Action.WITHDRAW: ("POST", f"{APP}/withdraw", {}),
    Action.ALLOCATE_ASSESSOR: ("POST", f"{APP}/allocation", {}),
    Action.RECORD_ASSESSMENT: ("POST", f"{APP}/assessment", {}),
    Action.SAVE_ASSESSMENT_DRAFT: ("PUT", f"{APP}/assessment/draft", {}),
    Action.VERIFY: ("POST", f"{APP}/verification", {}),
    Action.RATIFY: ("POST", f"{APP}/ratification", {}),
    Action.REQUEST_CPD_VERIFICATION: ("POST", f"{APP}/cpd/0/verification-request", {}),
    Action.MARK_CPD_VERIFIED: ("POST", f"{APP}/cpd/0/verified", {}),
}
"""Each action's route; the declarer and CPD verifiers answer through their links (no token,
no role)."""


async def _unreachable() -> Client:
    raise RuntimeError("no workflow service in this test")


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings(_env_file=None)


@pytest.fixture(scope="module")
async def http(settings: Settings) -> AsyncIterator[AsyncClient]:
    app = create_app(settings)
    app.state.temporal = Temporal(_unreachable, timedelta(seconds=1))
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://api.test") as http:
        yield http


def test_every_action_a_token_may_take_has_its_route() -> None:
    links = {Action.RESPOND_TO_DECLARATION, Action.RESPOND_TO_CPD_VERIFICATION}
    assert set(ACTION_ROUTES) == set(Action) - links


@pytest.mark.parametrize("role", sorted(TOKEN_ROLES))
@pytest.mark.parametrize("action", list(ACTION_ROUTES))
async def test_the_route_admits_the_roles_the_table_lists(
    http: AsyncClient, settings: Settings, action: Action, role: Role
) -> None:
    method, path, body = ACTION_ROUTES[action]
    token = mint_token(settings, sub="someone", role=role)
    response = await http.request(
        method, path, json=body, headers={"Authorization": f"Bearer {token}"}
    )
    if role in ACTION_ROLES[action]:
        assert response.status_code in (422, 503), response.text
    else:
        assert response.status_code == 403, response.text
        assert f"'{action}' is for the " in response.json()["message"]
