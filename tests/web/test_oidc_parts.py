"""web.oidc without a provider process: the flow cookie, ID token verification, the role
claim, and the routes when the provider is missing or misbehaves.

The whole flow against a real provider process is in ``test_oidc_sign_in.py``; here each
check that must refuse a token is shown refusing it (signature, algorithm, issuer, audience,
expiry, nonce), with keys made in the test.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from pydantic import SecretStr

from api.auth import Role
from api.main import create_app
from settings import Settings
from tests.fixtures.api_server import free_port
from web import oidc, session

ISSUER = "https://login.example.org/realms/cor"
CLIENT_ID = "cor-accreditation"
NONCE = "the-nonce-this-sign-in-sent"
METADATA = oidc.ProviderMetadata(
    issuer=ISSUER,
    authorization_endpoint=f"{ISSUER}/authorize",
    token_endpoint=f"{ISSUER}/token",
    jwks_uri=f"{ISSUER}/jwks",
    id_token_signing_alg_values_supported=("RS256", "PS256", "HS256", "none"),
)


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "environment": "test",
        "oidc_issuer": ISSUER,
        "oidc_client_id": CLIENT_ID,
        **overrides,
    }
    return Settings(**values)


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def published(key: rsa.RSAPrivateKey, kid: str, **extra: str) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "use": "sig", **extra}


PROVIDER_KEY = rsa_key()
KEYS = [published(PROVIDER_KEY, "k1")]


def id_token(
    key: rsa.RSAPrivateKey = PROVIDER_KEY,
    *,
    kid: str | None = "k1",
    algorithm: str = "RS256",
    drop: tuple[str, ...] = (),
    **claims: Any,
) -> str:
    now = int(time.time())
    body: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "officer-7",
        "iat": now,
        "exp": now + 300,
        "nonce": NONCE,
        "cor_role": "officer",
        "name": "Olive Officer",
        **claims,
    }
    for name in drop:
        body.pop(name)
    headers = {"kid": kid} if kid else None
    return jwt.encode(body, key, algorithm=algorithm, headers=headers)


def verify(token: str, keys: list[dict[str, Any]] = KEYS) -> dict[str, Any]:
    return oidc.verify_id_token(
        token, keys=keys, metadata=METADATA, client_id=CLIENT_ID, nonce=NONCE
    )


def test_a_token_from_the_provider_verifies_and_names_the_person_in_their_role() -> None:
    claims = verify(id_token())
    principal = oidc.principal_from(claims, settings())
    assert (principal.sub, principal.role, principal.name) == (
        "officer-7",
        Role.OFFICER,
        "Olive Officer",
    )


def test_a_token_without_a_kid_verifies_when_the_provider_publishes_one_signing_key() -> None:
    assert verify(id_token(kid=None))["sub"] == "officer-7"


def test_a_key_published_without_alg_verifies_other_rsa_algorithms_the_provider_uses() -> None:
    assert verify(id_token(algorithm="PS256"))["sub"] == "officer-7"


@pytest.mark.parametrize(
    ("token", "why"),
    [
        (lambda: id_token(rsa_key()), "Signature verification failed"),
        (lambda: id_token(kid="rotated-away"), "does not publish"),
        (lambda: id_token(iss="https://other.example.org"), "Invalid issuer"),
        (lambda: id_token(aud="another-client"), "Audience doesn't match"),
        (lambda: id_token(aud=[CLIENT_ID, "another-client"]), "authorized party"),
        (lambda: id_token(exp=int(time.time()) - 120), "expired"),
        (lambda: id_token(nonce="a-replayed-nonce"), "nonce"),
        (lambda: id_token(drop=("nonce",)), "nonce"),
        (lambda: id_token(drop=("exp",)), '"exp"'),
        (lambda: id_token(drop=("iat",)), '"iat"'),
        (
            lambda: jwt.encode({"sub": "x"}, "the-client-secret-" * 3, algorithm="HS256"),
            "not accepted",
        ),
        (lambda: jwt.encode({"sub": "x"}, "", algorithm="none"), "not accepted"),
        (lambda: "not a token", "not a JWT"),
    ],
    ids=[
        "other-key",
        "unknown-kid",
        "issuer",
        "audience",
        "azp",
        "expired",
        "nonce",
        "no-nonce",
        "no-exp",
        "no-iat",
        "hs256",
        "alg-none",
        "garbage",
    ],
)
def test_a_token_that_does_not_verify_is_refused_saying_why(
    token: Callable[[], str], why: str
) -> None:
    # Made when the test runs, not when it is collected: a token lives five minutes.
    with pytest.raises(oidc.InvalidIdToken, match=why):
        verify(token())


def test_several_audiences_are_accepted_when_this_service_is_the_authorized_party() -> None:
    assert verify(id_token(aud=[CLIENT_ID, "other"], azp=CLIENT_ID))["sub"] == "officer-7"


def test_a_key_declared_for_another_algorithm_is_not_used() -> None:
    keys = [published(PROVIDER_KEY, "k1", alg="RS512")]
    with pytest.raises(oidc.InvalidIdToken, match="RS512"):
        verify(id_token(), keys)


@pytest.mark.parametrize(
    ("claim", "role"),
    [
        ("assessor", Role.ASSESSOR),
        ("officer", Role.OFFICER),
        ("admin", Role.ADMIN),
        ("applicant", Role.APPLICANT),
        (["staff", "assessor"], Role.ASSESSOR),
    ],
)
def test_each_role_of_the_service_is_taken_from_the_role_claim(claim: object, role: Role) -> None:
    assert oidc.principal_from({"sub": "p-1", "cor_role": claim}, settings()).role == role


@pytest.mark.parametrize(
    "claim",
    [None, "", "visitor", "portal", "membership", "Officer", ["officer", "admin"], 7],
    ids=repr,
)
def test_no_role_or_a_role_this_service_does_not_know_is_refused(claim: object) -> None:
    claims: dict[str, Any] = {"sub": "p-1"}
    if claim is not None:
        claims["cor_role"] = claim
    with pytest.raises(oidc.NoRoleForService):
        oidc.principal_from(claims, settings())


def test_the_configured_claims_name_the_subject_role_and_name() -> None:
    configured = settings(
        oidc_subject_claim="employee_id", oidc_role_claim="roles", oidc_name_claim="display"
    )
    claims = {"sub": "opaque", "employee_id": "E123", "roles": ["admin"], "display": "Ada"}
    principal = oidc.principal_from(claims, configured)
    assert (principal.sub, principal.role, principal.name) == ("E123", Role.ADMIN, "Ada")
    with pytest.raises(oidc.InvalidIdToken, match="employee_id"):
        oidc.principal_from({"sub": "opaque", "roles": "admin"}, configured)


def flow(issued: float) -> oidc.FlowState:
    return oidc.FlowState(state="s", nonce="n", verifier="v", next="/console", issued=issued)


def test_the_flow_cookie_round_trips_and_refuses_tampering_another_secret_and_age() -> None:
    mine = settings()
    now = time.time()
    cookie = oidc.encode_flow(mine, flow(now))
    assert oidc.decode_flow(mine, cookie, now) == flow(now)
    body, signature = cookie.rsplit(".", 1)
    forged = oidc.encode_flow(mine, flow(now).model_copy(update={"next": "/elsewhere"}))
    assert oidc.decode_flow(mine, f"{forged.rsplit('.', 1)[0]}.{signature}", now) is None
    assert oidc.decode_flow(mine, f"{body}.{'0' * len(signature)}", now) is None
    other = settings(session_secret=SecretStr("another-secret-" * 3))
    assert oidc.decode_flow(other, cookie, now) is None
    assert oidc.decode_flow(mine, cookie, now + oidc.FLOW_SECONDS + 1) is None
    assert oidc.decode_flow(mine, None, now) is None
    assert oidc.decode_flow(mine, "garbage", now) is None


# --- The routes, in process, with the provider missing or misbehaving ---------------------


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    oidc._discovery.clear()
    oidc._jwks.clear()
    yield
    oidc._discovery.clear()
    oidc._jwks.clear()


def client_for(configured: Settings) -> httpx.AsyncClient:
    """The service's app in process (no Temporal needed for these pages)."""
    app = create_app(configured)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal.test")


def discovery(issuer: str, token_endpoint: str | None = None) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": token_endpoint or f"{issuer}/token",
        "jwks_uri": f"{issuer}/jwks",
        "id_token_signing_alg_values_supported": ["RS256"],
    }


def provider_answering(monkeypatch: pytest.MonkeyPatch, document: dict[str, Any]) -> list[str]:
    """web.oidc's discovery and key requests get ``document``; the URLs asked, in order."""
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(200, json=document)

    monkeypatch.setattr(
        oidc, "_http", lambda: httpx.AsyncClient(transport=httpx.MockTransport(handler))
    )
    return asked


def a_page_saying(answer: httpx.Response, status: int, heading: str) -> None:
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert f">{heading}</h1>" in answer.text
    assert "Traceback" not in answer.text
    assert answer.headers["cache-control"] == "no-store"


@pytest.mark.usefixtures("fresh_caches")
async def test_an_unreachable_provider_is_a_page_saying_to_try_again_later() -> None:
    configured = settings(oidc_issuer=f"http://127.0.0.1:{free_port()}")
    async with client_for(configured) as client:
        answer = await client.get("/sign-in/oidc", params={"next": "/console"})
    a_page_saying(answer, 503, "Sign-in is not working at the moment")


@pytest.mark.usefixtures("fresh_caches")
async def test_a_discovery_document_for_another_issuer_is_not_trusted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    provider_answering(monkeypatch, discovery("https://evil.example"))
    async with client_for(settings()) as client:
        answer = await client.get("/sign-in/oidc")
    a_page_saying(answer, 503, "Sign-in is not working at the moment")


@pytest.mark.usefixtures("fresh_caches")
async def test_discovery_is_fetched_once_and_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = provider_answering(monkeypatch, discovery(ISSUER))
    async with client_for(settings()) as client:
        for _ in range(3):
            answer = await client.get("/sign-in/oidc", params={"next": "/console/assessments"})
            assert answer.status_code == 303
            assert answer.headers["location"].startswith(f"{ISSUER}/authorize?")
    assert asked == [f"{ISSUER}/.well-known/openid-configuration"]


@pytest.mark.usefixtures("fresh_caches")
async def test_a_token_endpoint_that_cannot_be_reached_is_a_page_not_a_stack_trace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unreachable = f"http://127.0.0.1:{free_port()}/token"
    provider_answering(monkeypatch, discovery(ISSUER, token_endpoint=unreachable))
    async with client_for(settings()) as client:
        started = await client.get("/sign-in/oidc")
        state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
        client.cookies.set(oidc.FLOW_COOKIE, started.cookies[oidc.FLOW_COOKIE])
        answer = await client.get("/sign-in/oidc/callback", params={"code": "c", "state": state})
    a_page_saying(answer, 503, "Sign-in is not working at the moment")
    assert session.COOKIE not in answer.cookies


async def test_without_an_issuer_the_oidc_routes_send_the_browser_to_the_sign_in_page() -> None:
    async with client_for(settings(oidc_issuer=None)) as client:
        started = await client.get("/sign-in/oidc", params={"next": "/console/accreditations"})
        back = await client.get("/sign-in/oidc/callback", params={"code": "c", "state": "s"})
    assert (started.status_code, started.headers["location"]) == (
        303,
        "/sign-in?next=/console/accreditations",
    )
    assert (back.status_code, back.headers["location"]) == (303, "/sign-in")
