"""Staff sign in through the organisation's OpenID Connect provider (``oidc_issuer``).

The authorization code flow with PKCE:

1. ``GET /sign-in/oidc?next=/console…`` makes a state, a nonce and a PKCE verifier, keeps
   them (with ``next``) in a short-lived signed cookie (HttpOnly, SameSite=Lax, only sent to
   ``/sign-in/oidc…``), and sends the browser to the provider's authorization endpoint with
   the S256 code challenge.
2. The provider sends the browser back to ``GET /sign-in/oidc/callback?code&state``: the
   state must match the cookie's, the code is exchanged (with the verifier) at the token
   endpoint, and the ID token is verified against the provider's published keys (signature,
   ``iss``, ``aud``/``azp``, ``exp``, ``iat``, and the cookie's nonce).
3. The person is the ``oidc_subject_claim``, their role the ``oidc_role_claim`` (one of
   assessor, officer, admin or applicant; anything else is refused) and their name the
   ``oidc_name_claim``: the session starts (``web.session``) and the browser goes on to
   ``next`` (a path on this site only).

Every failure is a page saying what happened and what to do (never a stack trace), with a
status of 400 (the sign-in expired or was started elsewhere), 401 (the provider did not sign
the person in, or its answer did not verify), 403 (no role for this service, or the person
declined) or 503 (the provider cannot be reached). The provider's discovery document is
cached for an hour and its keys until a token names a key they do not hold.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import jwt
from authlib.deprecate import AuthlibDeprecationWarning  # type: ignore[import-untyped]
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.responses import RedirectResponse, Response

from api.auth import Principal, Role
from api.deps import SettingsDep
from settings import LOCAL_ENVIRONMENTS, Settings
from web import session
from web.routes.signin import safe_next
from web.templating import render

with warnings.catch_warnings():
    # Authlib warns, on import, that it found httpx rather than its successor httpx2.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]
    from authlib.integrations.httpx_client import (  # type: ignore[import-untyped]
        AsyncOAuth2Client,
    )

router = APIRouter(include_in_schema=False)
logger = logging.getLogger(__name__)

START_PATH = "/sign-in/oidc"
CALLBACK_PATH = "/sign-in/oidc/callback"
FLOW_COOKIE = "cor_oidc_flow"
FLOW_SECONDS = 600
"""How long a person has, at the provider, to finish signing in."""
SCOPE = "openid profile"
HTTP_TIMEOUT_SECONDS = 10.0
DISCOVERY_TTL_SECONDS = 3600.0
JWKS_REFRESH_SECONDS = 60.0
"""At most one refetch of the provider's keys a minute for a token naming an unknown key."""
CLOCK_LEEWAY_SECONDS = 60
SIGNING_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
"""The ID token algorithms accepted (asymmetric only: never ``none`` nor a shared secret)."""
SERVICE_ROLES = (Role.ASSESSOR, Role.OFFICER, Role.ADMIN, Role.APPLICANT)


# --- The provider: discovery and keys -------------------------------------------------------


class ProviderMetadata(BaseModel):
    """What this service uses of the provider's discovery document."""

    model_config = ConfigDict(frozen=True)

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None = None
    id_token_signing_alg_values_supported: tuple[str, ...] = ("RS256",)
    token_endpoint_auth_methods_supported: tuple[str, ...] = ("client_secret_basic",)

    def signing_algorithms(self) -> list[str]:
        return [a for a in self.id_token_signing_alg_values_supported if a in SIGNING_ALGORITHMS]


class ProviderUnavailable(Exception):
    """The provider's discovery document or keys could not be fetched or are unusable."""


class InvalidIdToken(Exception):
    """The ID token does not verify (the message says why; it never quotes the token)."""


@dataclass
class _Cached:
    fetched: float
    value: Any


_discovery: dict[str, _Cached] = {}
_jwks: dict[str, _Cached] = {}


def _issuer(settings: Settings) -> str:
    assert settings.oidc_issuer
    return settings.oidc_issuer.rstrip("/")


async def discover(settings: Settings, http: httpx.AsyncClient) -> ProviderMetadata:
    """The provider's metadata, from ``{issuer}/.well-known/openid-configuration`` (cached).

    Raises:
        ProviderUnavailable: unreachable, not a discovery document, or for another issuer.
    """
    issuer = _issuer(settings)
    cached = _discovery.get(issuer)
    if cached is not None and time.monotonic() - cached.fetched < DISCOVERY_TTL_SECONDS:
        found: ProviderMetadata = cached.value
        return found
    url = f"{issuer}/.well-known/openid-configuration"
    try:
        response = await http.get(url)
        response.raise_for_status()
        metadata = ProviderMetadata.model_validate(response.json())
    except (httpx.HTTPError, ValueError, ValidationError) as err:
        raise ProviderUnavailable(f"discovery at {url} failed: {_brief(err)}") from err
    if metadata.issuer.rstrip("/") != issuer:
        raise ProviderUnavailable(
            f"discovery at {url} names the issuer {metadata.issuer!r}, not the configured one"
        )
    if not metadata.signing_algorithms():
        raise ProviderUnavailable(
            f"the provider signs ID tokens with none of {sorted(SIGNING_ALGORITHMS)}"
        )
    if settings.environment not in LOCAL_ENVIRONMENTS:
        for name in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not str(getattr(metadata, name)).startswith("https://"):
                raise ProviderUnavailable(f"the provider's {name} is not https")
    _discovery[issuer] = _Cached(time.monotonic(), metadata)
    return metadata


JsonWebKeys = list[dict[str, Any]]
"""The ``keys`` of the provider's JWKS document, as published."""


async def _fetch_keys(metadata: ProviderMetadata, http: httpx.AsyncClient) -> JsonWebKeys:
    try:
        response = await http.get(metadata.jwks_uri)
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as err:
        raise ProviderUnavailable(f"keys at {metadata.jwks_uri}: {_brief(err)}") from err
    found = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(found, list):
        raise ProviderUnavailable(f"keys at {metadata.jwks_uri}: not a JWK set")
    keys = [key for key in found if isinstance(key, dict)]
    _jwks[metadata.jwks_uri] = _Cached(time.monotonic(), keys)
    return keys


async def signing_keys(
    metadata: ProviderMetadata, http: httpx.AsyncClient, kid: str | None
) -> JsonWebKeys:
    """The provider's keys (cached), fetched again when ``kid`` is not among them (the
    provider rotated its keys), at most once a minute.

    Raises:
        ProviderUnavailable: the keys could not be fetched.
    """
    cached = _jwks.get(metadata.jwks_uri)
    if cached is None:
        return await _fetch_keys(metadata, http)
    keys: JsonWebKeys = cached.value
    known = {key.get("kid") for key in keys}
    stale = time.monotonic() - cached.fetched >= JWKS_REFRESH_SECONDS
    if kid is not None and kid not in known and stale:
        return await _fetch_keys(metadata, http)
    return keys


def verify_id_token(
    id_token: str,
    *,
    keys: JsonWebKeys,
    metadata: ProviderMetadata,
    client_id: str,
    nonce: str,
) -> dict[str, Any]:
    """The ID token's claims once its signature, issuer, audience, times and nonce verify.

    Raises:
        InvalidIdToken: anything does not verify.
    """
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError as err:
        raise InvalidIdToken(f"not a JWT: {_brief(err)}") from err
    algorithm = header.get("alg")
    if algorithm not in metadata.signing_algorithms():
        raise InvalidIdToken(f"signed with {algorithm!r}, which is not accepted")
    key = _key_for(keys, header.get("kid"), algorithm)
    try:
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key,
            algorithms=[algorithm],
            audience=client_id,
            issuer=metadata.issuer,
            leeway=CLOCK_LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "exp", "iat", "sub"]},
        )
    except jwt.PyJWTError as err:
        raise InvalidIdToken(_brief(err)) from err
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != client_id:
        raise InvalidIdToken("several audiences, and the authorized party is not this service")
    token_nonce = claims.get("nonce")
    if not isinstance(token_nonce, str) or not hmac.compare_digest(
        token_nonce.encode(), nonce.encode()
    ):
        raise InvalidIdToken("the nonce is not the one this sign-in sent")
    return claims


def _key_for(keys: JsonWebKeys, kid: object, algorithm: str) -> jwt.PyJWK:
    """The published key the token names (or the only signing key), for ``algorithm``."""
    signing = [k for k in keys if k.get("use") in (None, "sig")]
    if isinstance(kid, str):
        named = [k for k in signing if k.get("kid") == kid]
        if not named:
            raise InvalidIdToken(f"signed with a key the provider does not publish ({kid!r})")
        data = named[0]
    elif len(signing) == 1:
        data = signing[0]
    else:
        raise InvalidIdToken("the token names no key, and the provider publishes several")
    declared = data.get("alg")
    if declared is not None and declared != algorithm:
        raise InvalidIdToken(f"the key is for {declared!r}, the token says {algorithm!r}")
    try:
        return jwt.PyJWK(data, algorithm)
    except (jwt.PyJWTError, ValueError, KeyError, TypeError) as err:
        raise InvalidIdToken(f"the key does not suit {algorithm}: {_brief(err)}") from err


# --- Who signed in -----------------------------------------------------------------------------


class NoRoleForService(Exception):
    """The person's role claim is missing or names no role of this service."""


def principal_from(claims: dict[str, Any], settings: Settings) -> Principal:
    """The person the verified ``claims`` name, in their role for this service.

    The role claim is a string, or a list holding exactly one of this service's roles.

    Raises:
        NoRoleForService: no role, an unknown one, or several of this service's roles.
        InvalidIdToken: no usable subject.
    """
    subject = claims.get(settings.oidc_subject_claim)
    if not isinstance(subject, str) or not subject.strip() or len(subject.strip()) > 128:
        raise InvalidIdToken(f"no usable subject claim ({settings.oidc_subject_claim!r})")
    role = _role(claims.get(settings.oidc_role_claim))
    name = claims.get(settings.oidc_name_claim)
    return Principal(
        sub=subject.strip(),
        role=role,
        name=name.strip()[:200] if isinstance(name, str) else "",
    )


def _role(value: object) -> Role:
    allowed = {role.value: role for role in SERVICE_ROLES}
    if isinstance(value, str) and value in allowed:
        return allowed[value]
    if isinstance(value, list):
        found = {allowed[v] for v in value if isinstance(v, str) and v in allowed}
        if len(found) == 1:
            return found.pop()
    raise NoRoleForService(repr(value)[:80])


# --- The flow cookie ---------------------------------------------------------------------------


class FlowState(BaseModel):
    """What the browser carries between leaving for the provider and coming back."""

    state: str
    nonce: str
    verifier: str
    next: str
    issued: float


def _sign_flow(settings: Settings, body: bytes) -> str:
    key = settings.session_secret.get_secret_value().encode()
    return hmac.new(key, b"oidc-flow\n" + body, hashlib.sha256).hexdigest()


def encode_flow(settings: Settings, flow: FlowState) -> str:
    # Unpadded, so the cookie's value needs no quoting.
    body = base64.urlsafe_b64encode(flow.model_dump_json().encode()).decode().rstrip("=")
    return f"{body}.{_sign_flow(settings, body.encode())}"


def decode_flow(settings: Settings, cookie: str | None, now: float) -> FlowState | None:
    """The flow in ``cookie`` if its signature verifies and it is recent, else None."""
    if not cookie or "." not in cookie:
        return None
    body, signature = cookie.rsplit(".", 1)
    if not hmac.compare_digest(_sign_flow(settings, body.encode()), signature):
        return None
    try:
        padded = body + "=" * (-len(body) % 4)
        flow = FlowState.model_validate(json.loads(base64.urlsafe_b64decode(padded)))
    except (ValueError, ValidationError):
        return None
    if not 0 <= now - flow.issued <= FLOW_SECONDS:
        return None
    return flow


def _secure(settings: Settings) -> bool:
    return settings.environment not in LOCAL_ENVIRONMENTS


def _forget_flow(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        FLOW_COOKIE, path=START_PATH, httponly=True, samesite="lax", secure=_secure(settings)
    )


# --- The routes --------------------------------------------------------------------------------


def _http() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS, follow_redirects=False)


def _oauth_client(settings: Settings, metadata: ProviderMetadata) -> Any:
    secret = settings.oidc_client_secret
    method = "none"
    if secret is not None:
        supported = metadata.token_endpoint_auth_methods_supported
        method = (
            "client_secret_post"
            if "client_secret_basic" not in supported and "client_secret_post" in supported
            else "client_secret_basic"
        )
    return AsyncOAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=secret.get_secret_value() if secret is not None else None,
        token_endpoint_auth_method=method,
        scope=SCOPE,
        redirect_uri=f"{settings.portal_base_url.rstrip('/')}{CALLBACK_PATH}",
        code_challenge_method="S256",
        timeout=HTTP_TIMEOUT_SECONDS,
    )


@router.get(START_PATH)
async def start(request: Request, settings: SettingsDep, next: str = "") -> Response:
    """Leave for the identity provider, remembering where to come back to."""
    target = safe_next(next)
    if not settings.oidc_issuer:
        return RedirectResponse(f"/sign-in?next={quote(target)}", status_code=303)
    try:
        async with _http() as http:
            metadata = await discover(settings, http)
    except ProviderUnavailable as err:
        logger.error("OIDC sign-in cannot start: %s", err)
        return _unreachable(request, settings, target)
    flow = FlowState(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(48),
        next=target,
        issued=time.time(),
    )
    async with _oauth_client(settings, metadata) as oauth:
        url, _state = oauth.create_authorization_url(
            metadata.authorization_endpoint,
            state=flow.state,
            code_verifier=flow.verifier,
            nonce=flow.nonce,
        )
    response = RedirectResponse(str(url), status_code=303)
    response.set_cookie(
        FLOW_COOKIE,
        encode_flow(settings, flow),
        max_age=FLOW_SECONDS,
        path=START_PATH,
        httponly=True,
        samesite="lax",
        secure=_secure(settings),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(CALLBACK_PATH)
async def callback(
    request: Request,
    settings: SettingsDep,
    code: str = "",
    state: str = "",
    error: str = "",
) -> Response:
    """Back from the identity provider: check, exchange, verify, and start the session."""
    if not settings.oidc_issuer:
        return RedirectResponse("/sign-in", status_code=303)
    flow = decode_flow(settings, request.cookies.get(FLOW_COOKIE), time.time())
    matches = flow is not None and bool(state) and hmac.compare_digest(flow.state, state)
    if error:
        # Said whatever the state (some providers leave it off an error): no one signs in.
        logger.warning("OIDC callback: the provider answered %r", error[:64])
        kind = "declined" if error == "access_denied" else "provider_error"
        next_path = flow.next if flow is not None and matches else "/console"
        return _problem(request, settings, 403 if kind == "declined" else 401, kind, next_path)
    if flow is None or not matches:
        logger.warning("OIDC callback refused: no sign-in in progress with this state")
        return _problem(request, settings, 400, "expired", "/console")
    if not code:
        logger.warning("OIDC callback refused: no code")
        return _problem(request, settings, 400, "expired", flow.next)
    try:
        async with _http() as http:
            metadata = await discover(settings, http)
            id_token = await _exchange(settings, metadata, code, flow.verifier)
            header_kid = _unverified_kid(id_token)
            keys = await signing_keys(metadata, http, header_kid)
        claims = verify_id_token(
            id_token,
            keys=keys,
            metadata=metadata,
            client_id=settings.oidc_client_id,
            nonce=flow.nonce,
        )
        principal = principal_from(claims, settings)
    except ProviderUnavailable as err:
        logger.error("OIDC sign-in cannot finish: %s", err)
        return _unreachable(request, settings, flow.next)
    except _ExchangeRefused as err:
        logger.warning("OIDC code exchange refused: %s", err)
        return _problem(request, settings, 401, "exchange", flow.next)
    except InvalidIdToken as err:
        logger.warning("OIDC ID token refused: %s", err)
        return _problem(request, settings, 401, "invalid_token", flow.next)
    except NoRoleForService as err:
        logger.warning("OIDC sign-in refused: no role for this service (claim was %s)", err)
        return _problem(request, settings, 403, "no_role", flow.next)
    logger.info("signed in through OIDC: %s as %s", principal.sub, principal.role.value)
    response = RedirectResponse(flow.next, status_code=303)
    _forget_flow(response, settings)
    session.start(response, settings, principal)
    response.headers["Cache-Control"] = "no-store"
    return response


class _ExchangeRefused(Exception):
    """The token endpoint did not give an ID token for the code."""


async def _exchange(
    settings: Settings, metadata: ProviderMetadata, code: str, verifier: str
) -> str:
    """The ID token the token endpoint gives for ``code`` (with the PKCE verifier)."""
    try:
        async with _oauth_client(settings, metadata) as oauth:
            token = await oauth.fetch_token(
                metadata.token_endpoint,
                grant_type="authorization_code",
                code=code,
                code_verifier=verifier,
            )
    except OAuthError as err:
        raise _ExchangeRefused(f"{err.error}: {(err.description or '')[:200]}") from err
    except httpx.HTTPStatusError as err:
        if err.response.status_code >= 500:
            raise ProviderUnavailable(f"token endpoint: {_brief(err)}") from err
        raise _ExchangeRefused(_brief(err)) from err
    except httpx.HTTPError as err:
        raise ProviderUnavailable(f"token endpoint: {_brief(err)}") from err
    except ValueError as err:
        raise _ExchangeRefused(_brief(err)) from err
    id_token = token.get("id_token") if isinstance(token, dict) else None
    if not isinstance(id_token, str) or not id_token:
        raise _ExchangeRefused("the token response holds no ID token")
    return id_token


def _unverified_kid(id_token: str) -> str | None:
    try:
        kid = jwt.get_unverified_header(id_token).get("kid")
    except jwt.PyJWTError as err:
        raise InvalidIdToken(f"not a JWT: {_brief(err)}") from err
    return kid if isinstance(kid, str) else None


def _brief(err: BaseException) -> str:
    text = str(err).splitlines()[0] if str(err) else ""
    return f"{type(err).__name__}: {text[:200]}"


# --- Pages for what went wrong -----------------------------------------------------------------

PROBLEMS: dict[str, tuple[str, Sequence[str]]] = {
    "expired": (
        "Your sign-in has expired",
        [
            "Signing in must be finished within 10 minutes, in the browser it was started "
            "in, and each sign-in link works only once.",
            "Sign in again.",
        ],
    ),
    "declined": (
        "You have not been signed in",
        [
            "The identity provider did not sign you in: you may have cancelled, or your "
            "account may not be allowed to use this service.",
            "Sign in again. If it happens again, contact your IT service desk.",
        ],
    ),
    "provider_error": (
        "You have not been signed in",
        [
            "The identity provider could not sign you in.",
            "Sign in again. If it happens again, contact your IT service desk.",
        ],
    ),
    "exchange": (
        "We could not finish signing you in",
        [
            "The identity provider did not accept this sign-in. This happens when a sign-in "
            "link is used twice or has expired.",
            "Sign in again. If it happens again, contact your IT service desk.",
        ],
    ),
    "invalid_token": (
        "We could not check who you are",
        [
            "The identity provider's answer could not be verified, so you have not been signed in.",
            "Sign in again. If it happens again, contact the accreditation team.",
        ],
    ),
    "no_role": (
        "Your account has no role for this service",
        [
            "You signed in to the identity provider, but your account is not set up as an "
            "assessor, professional officer or administrator for this service, so you "
            "cannot use it.",
            "Ask the accreditation team to give your account a role for this service, then "
            "sign in again.",
        ],
    ),
    "unreachable": (
        "Sign-in is not working at the moment",
        [
            "The organisation's identity provider cannot be reached.",
            "Try again in a few minutes. If it keeps happening, contact your IT service desk.",
        ],
    ),
}


def _problem(
    request: Request, settings: Settings, status: int, kind: str, next_path: str
) -> Response:
    title, paragraphs = PROBLEMS[kind]
    response = render(
        request,
        "signin/oidc_error.html",
        {
            "title": title,
            "paragraphs": paragraphs,
            "sign_in_again": f"{START_PATH}?next={quote(safe_next(next_path))}",
        },
        status_code=status,
    )
    _forget_flow(response, settings)
    response.headers["Cache-Control"] = "no-store"
    return response


def _unreachable(request: Request, settings: Settings, next_path: str) -> Response:
    return _problem(request, settings, 503, "unreachable", next_path)
