"""Staff sign in through a real OpenID Connect provider, in Chromium.

The provider is ``oidc-provider-mock`` running as a process (``tests/web/oidc_provider.py``);
the service runs as its processes with ``ACCRED_OIDC_ISSUER`` pointing at it. The tester types
the subject on the provider's login form; the person's claims (their role among them) are set
on the provider just before, as an identity provider's directory would hold them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, Response, expect
from pydantic import SecretStr
from temporalio.testing import WorkflowEnvironment

from api.auth import Role
from settings import Settings
from tests.fixtures.api_server import RunningService, running_service
from tests.fixtures.smtp import SmtpSink
from tests.web.checks import accessible
from tests.web.conftest import SCREENSHOTS, need_chromium
from tests.web.oidc_provider import MockProvider, running_provider
from web import oidc, session

pytestmark = [pytest.mark.dev_server, pytest.mark.browser]

CLIENT_ID = "cor-accreditation-test"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProvider]:
    need_chromium()
    with running_provider(tmp_path_factory.mktemp("oidc-provider")) as running:
        yield running


@pytest.fixture(scope="module")
def oidc_live(
    dev_env: WorkflowEnvironment,
    web_sink: SmtpSink,
    provider: MockProvider,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningService]:
    """The service, signing staff in through ``provider``."""
    with running_service(
        temporal_address=dev_env.client.service_client.config.target_host,
        sink=web_sink,
        root=tmp_path_factory.mktemp("web-oidc"),
        settings_overrides={
            "oidc_issuer": provider.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": SecretStr("test-client-secret"),
        },
    ) as service:
        yield service


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser, oidc_live: RunningService) -> AsyncIterator[Page]:
    context = await browser.new_context(base_url=oidc_live.base_url, locale="en-GB")
    opened = await context.new_page()
    yield opened
    await context.close()


async def at_provider(page: Page, provider: MockProvider) -> dict[str, list[str]]:
    """The browser is on the provider's login form; the authorization request's parameters."""
    await expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    assert page.url.startswith(f"{provider.issuer}/oauth2/authorize?")
    return parse_qs(urlsplit(page.url).query)


async def sign_in_at_provider(page: Page, subject: str) -> Response:
    """Type ``subject`` on the provider's form; the response of the service's callback."""
    await page.get_by_placeholder("sub").fill(subject)
    async with page.expect_response(lambda r: oidc.CALLBACK_PATH in r.url) as callback:
        await page.get_by_role("button", name="Authorize", exact=True).click()
    return await callback.value


async def signed_in_as(page: Page, text: str) -> None:
    await expect(page.locator(".cor-signed-in")).to_contain_text(f"Signed in as {text}")


async def session_cookie(page: Page) -> str | None:
    for cookie in await page.context.cookies():
        if cookie.get("name") == session.COOKIE:
            return cookie.get("value")
    return None


async def test_an_officer_signs_in_through_the_identity_provider_and_out_again(
    page: Page, oidc_live: RunningService, provider: MockProvider
) -> None:
    provider.set_claims("officer-oidc-1", {"cor_role": "officer", "name": "Olive Officer"})
    await page.goto("/console")
    request = await at_provider(page, provider)
    assert request["client_id"] == [CLIENT_ID]
    assert request["redirect_uri"] == [f"{oidc_live.base_url}{oidc.CALLBACK_PATH}"]
    assert request["response_type"] == ["code"]
    assert "openid" in request["scope"][0].split()
    assert request["code_challenge_method"] == ["S256"]
    assert all(len(request[name][0]) >= 43 for name in ("state", "nonce", "code_challenge"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / "oidc-provider-login-form.png")

    callback = await sign_in_at_provider(page, "officer-oidc-1")
    assert callback.status == 303
    await expect(page.get_by_role("heading", level=1)).to_have_text("Queues")
    assert page.url == f"{oidc_live.base_url}/console"
    await signed_in_as(page, "Olive Officer (officer)")
    cookies = {c.get("name"): c for c in await page.context.cookies()}
    assert oidc.FLOW_COOKIE not in cookies
    assert cookies[session.COOKIE].get("httpOnly") is True
    assert cookies[session.COOKIE].get("sameSite") == "Lax"
    value = cookies[session.COOKIE].get("value", "").strip('"')  # quoted: its base64 has "="
    data = session.decode(oidc_live.settings, value, time.time())
    assert data is not None
    assert (data.sub, data.role, data.name) == ("officer-oidc-1", Role.OFFICER, "Olive Officer")
    await accessible(page, "oidc-officer-signed-in")

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    assert await session_cookie(page) is None
    await page.goto("/console")
    await at_provider(page, provider)


async def test_an_assessor_signs_in_and_comes_back_to_the_page_they_asked_for(
    page: Page, oidc_live: RunningService, provider: MockProvider
) -> None:
    provider.set_claims("SI-ASR-OIDC", {"cor_role": "assessor", "name": "Asha Assessor"})
    await page.goto("/console/assessments")
    await at_provider(page, provider)
    await sign_in_at_provider(page, "SI-ASR-OIDC")
    await expect(page.get_by_role("heading", level=1)).to_have_text("My assessments")
    assert page.url == f"{oidc_live.base_url}/console/assessments"
    await signed_in_as(page, "Asha Assessor (assessor)")
    await accessible(page, "oidc-assessor-signed-in")


@pytest.mark.parametrize(
    ("subject", "claims"),
    [("visitor-oidc", {"cor_role": "visitor", "name": "Vic Visitor"}), ("no-claims-oidc", None)],
    ids=["unknown-role", "no-role-claim"],
)
async def test_an_account_without_a_role_for_this_service_is_refused(
    page: Page, provider: MockProvider, subject: str, claims: dict[str, object] | None
) -> None:
    if claims is not None:
        provider.set_claims(subject, claims)
    await page.goto("/console")
    await at_provider(page, provider)
    callback = await sign_in_at_provider(page, subject)
    assert callback.status == 403
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your account has no role for this service"
    )
    await expect(page.locator("main")).to_contain_text("Ask the accreditation team")
    assert await session_cookie(page) is None
    await accessible(page, f"oidc-refused-{subject}")
    await page.goto("/console")
    await at_provider(page, provider)


async def test_declining_at_the_provider_is_a_page_saying_so(
    page: Page, provider: MockProvider
) -> None:
    await page.goto("/console")
    await at_provider(page, provider)
    async with page.expect_response(lambda r: oidc.CALLBACK_PATH in r.url) as callback:
        await page.get_by_role("button", name="Deny").click()
    assert (await callback.value).status == 403
    await expect(page.get_by_role("heading", level=1)).to_have_text("You have not been signed in")
    await accessible(page, "oidc-declined")
    await page.get_by_role("button", name="Sign in again").click()
    await at_provider(page, provider)


async def test_a_callback_without_the_sign_in_it_answers_is_refused(
    page: Page, oidc_live: RunningService, provider: MockProvider
) -> None:
    response = await page.goto(f"{oidc.CALLBACK_PATH}?code=anything&state=forged")
    assert response is not None and response.status == 400
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your sign-in has expired")
    await accessible(page, "oidc-expired")

    await page.goto(f"{oidc.START_PATH}?next=/console")
    await at_provider(page, provider)
    response = await page.goto(f"{oidc.CALLBACK_PATH}?code=anything&state=forged")
    assert response is not None and response.status == 400
    assert await session_cookie(page) is None


async def test_a_code_the_provider_does_not_accept_is_refused(
    page: Page, oidc_live: RunningService, provider: MockProvider
) -> None:
    await page.goto(f"{oidc.START_PATH}?next=/console")
    state = (await at_provider(page, provider))["state"][0]
    response = await page.goto(f"{oidc.CALLBACK_PATH}?code=not-a-code&state={state}")
    assert response is not None and response.status == 401
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "We could not finish signing you in"
    )
    assert await session_cookie(page) is None
    await accessible(page, "oidc-exchange-refused")
    assert "code exchange refused" in oidc_live.api_log_text()


async def test_an_id_token_for_another_sign_in_is_refused(
    page: Page, oidc_live: RunningService, provider: MockProvider
) -> None:
    """The browser's sign-in gets back its own state, but a code the provider issued for
    another nonce (as a code injected by an attacker would be): the ID token is refused."""
    provider.set_claims("officer-oidc-1", {"cor_role": "officer", "name": "Olive Officer"})
    await page.goto(f"{oidc.START_PATH}?next=/console")
    request = await at_provider(page, provider)
    request["nonce"] = ["someone-elses-nonce-" + "x" * 30]
    authorize = urlunsplit(urlsplit(page.url)._replace(query=urlencode(request, doseq=True)))
    async with httpx.AsyncClient() as http:
        issued = await http.post(authorize, data={"sub": "officer-oidc-1"})
    assert issued.status_code == 302, issued.text
    callback = issued.headers["location"]
    assert callback.startswith(f"{oidc_live.base_url}{oidc.CALLBACK_PATH}?")
    response = await page.goto(callback)
    assert response is not None and response.status == 401
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "We could not check who you are"
    )
    assert await session_cookie(page) is None
    await accessible(page, "oidc-invalid-token")
    assert "the nonce is not the one this sign-in sent" in oidc_live.api_log_text()


async def test_starting_keeps_state_nonce_and_verifier_in_a_short_lived_signed_cookie(
    oidc_live: RunningService, provider: MockProvider
) -> None:
    async with httpx.AsyncClient(base_url=oidc_live.base_url) as http:
        started = await http.get(oidc.START_PATH, params={"next": "//evil.example/x"})
    assert started.status_code == 303
    query = parse_qs(urlsplit(started.headers["location"]).query)
    set_cookie = started.headers["set-cookie"]
    for attribute in ("HttpOnly", "SameSite=lax", f"Path={oidc.START_PATH}", "Max-Age=600"):
        assert attribute in set_cookie
    flow = oidc.decode_flow(oidc_live.settings, started.cookies[oidc.FLOW_COOKIE], time.time())
    assert flow is not None
    assert flow.next == "/console"
    assert (query["state"], query["nonce"]) == ([flow.state], [flow.nonce])
    challenge = base64.urlsafe_b64encode(hashlib.sha256(flow.verifier.encode()).digest())
    assert query["code_challenge"] == [challenge.decode().rstrip("=")]
    assert flow.verifier not in started.headers["location"]


def crafted(settings: Settings, *, started_ago: float, seen_ago: float) -> str:
    now = time.time()
    data = session.SessionData(
        sub="officer-oidc-1",
        role=Role.OFFICER,
        name="Olive Officer",
        started=now - started_ago,
        seen=now - seen_ago,
    )
    return session.encode(settings, data)


def tampered(cookie: str) -> str:
    """The cookie's body made an admin's, its signature left as it was."""
    body, signature = cookie.rsplit(".", 1)
    data = json.loads(base64.urlsafe_b64decode(body))
    data["role"] = Role.ADMIN.value
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
    return f"{forged}.{signature}"


async def test_forged_and_timed_out_sessions_send_the_browser_to_sign_in(
    browser: Browser, oidc_live: RunningService, provider: MockProvider
) -> None:
    settings = oidc_live.settings
    idle = settings.session_idle_minutes * 60
    absolute = settings.session_absolute_hours * 3600
    other_secret = settings.model_copy(update={"session_secret": SecretStr("x" * 40)})
    fresh = crafted(settings, started_ago=60, seen_ago=30)
    cases = {
        "fresh": (fresh, True),
        "tampered": (tampered(fresh), False),
        "other-secret": (crafted(other_secret, started_ago=60, seen_ago=30), False),
        "bad-signature": (fresh[:-4] + "0000", False),
        "idle": (crafted(settings, started_ago=idle + 60, seen_ago=idle + 5), False),
        "absolute": (crafted(settings, started_ago=absolute + 5, seen_ago=1), False),
    }
    for name, (value, accepted) in cases.items():
        context = await browser.new_context(base_url=oidc_live.base_url)
        try:
            await context.add_cookies(
                [{"name": session.COOKIE, "value": value, "url": oidc_live.base_url}]
            )
            page = await context.new_page()
            await page.goto("/console")
            if accepted:
                await expect(page.get_by_role("heading", level=1)).to_have_text("Queues")
                await signed_in_as(page, "Olive Officer (officer)")
            else:
                await at_provider(page, provider)
        except AssertionError as err:
            raise AssertionError(f"{name}: {err}") from err
        finally:
            await context.close()


async def test_the_development_sign_in_is_refused_when_an_issuer_is_configured(
    page: Page, oidc_live: RunningService, provider: MockProvider
) -> None:
    async with httpx.AsyncClient(base_url=oidc_live.base_url) as http:
        posted = await http.post(
            "/sign-in/dev", data={"role": "admin", "subject": "admin-1", "next": "/console"}
        )
        assert posted.status_code == 403
        assert session.COOKIE not in posted.cookies
        page_request = await http.get("/sign-in", params={"next": "/console"})
        assert page_request.status_code == 303
        assert page_request.headers["location"] == f"{oidc.START_PATH}?next=/console"
    await page.goto("/sign-in")
    await at_provider(page, provider)
