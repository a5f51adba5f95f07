"""Every link the service emails leads to a page that exists for its reader (not JSON, not 404)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient

from activities.email_templates import TEMPLATE_KEYS, EmailTemplates
from api.main import create_app
from settings import Settings
from storage.migrate import upgrade

BASE = "http://service.example"
LINK = re.compile(rf"{re.escape(BASE)}[^\s,]*[^\s,.):]")


def links_in_every_email() -> dict[str, set[str]]:
    """The links in each template, rendered with a single-use link like the workflow's (a CPD
    verifier's for the CPD verification emails, a declarer's for the others)."""
    templates = EmailTemplates(BASE)
    found: dict[str, set[str]] = {}
    for template, keys in TEMPLATE_KEYS.items():
        context = {key: "2027-03-01" for key in keys}
        context["application_id"] = "app-1"
        kind = "verify-cpd" if template.startswith("cpd_verification") else "declare"
        context["link"] = f"{BASE}/{kind}/app-1/0f6c3a52-7b5e-4c1a-9d2e-1234567890ab"
        email = templates.render(template, "Sam", context)
        found[template] = set(LINK.findall(email.body))
    return found


@pytest.mark.parametrize(
    "link", sorted({link for links in links_in_every_email().values() for link in links})
)
async def test_each_emailed_link_opens_a_page(link: str, tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        environment="test",
        temporal_address="127.0.0.1:9",
        temporal_rpc_timeout_seconds=0.5,
        database_url=f"sqlite:///{tmp_path / 'links.db'}",
    )
    upgrade(settings.database_url)
    app = create_app(settings)
    path = link.removeprefix(BASE)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url=BASE) as http,
    ):
        response = await http.get(path, headers={"Accept": "text/html"}, follow_redirects=True)
    assert response.headers["content-type"].startswith("text/html"), (link, response.text[:200])
    # A declaration or CPD verification link needs the workflow service, which is down here:
    # its page says so. A console or applicant's page asks its reader to sign in first, then
    # takes them there.
    expected = {503} if path.startswith(("/declare/", "/verify-cpd/")) else {200}
    assert response.status_code in expected, link
    if path.startswith(("/console/", "/apply")):
        assert response.url.path == "/sign-in"
        assert response.url.params["next"] == path
