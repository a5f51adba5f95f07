"""Bearer tokens: who is calling and in which role.

Tokens are JWTs signed with the configured key: HS256 with ``jwt_secret`` by default, RS256
when ``jwt_public_key_path`` is set. Each carries ``sub`` (member, assessor or staff id, or the
calling system), ``role`` and ``exp``; ``aud`` must match ``jwt_audience``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from models.commands import Actor
from models.enums import ACTING_ROLES, TOKEN_ROLES, Role
from settings import Settings

__all__ = ["Role"]


class Principal(BaseModel):
    """The authenticated caller."""

    model_config = ConfigDict(frozen=True)

    sub: str = Field(min_length=1, max_length=128)
    role: Role
    name: str = Field("", max_length=200)

    @field_validator("role")
    @classmethod
    def _token_role(cls, role: Role) -> Role:
        if role not in TOKEN_ROLES:
            raise ValueError(f"a token may not carry the {role.value} role")
        return role

    def actor(self) -> Actor | None:
        """The actor a workflow update names; None for the membership system, which never
        acts on an application."""
        if self.role not in ACTING_ROLES:
            return None
        return Actor(id=self.sub, role=self.role, name=self.name)


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not signed with the configured key."""


def _verification_key(settings: Settings) -> tuple[str, str]:
    if settings.jwt_public_key_path is not None:
        return settings.jwt_public_key_path.read_text(encoding="utf-8"), "RS256"
    return settings.jwt_secret.get_secret_value(), "HS256"


def decode_token(token: str, settings: Settings) -> Principal:
    """The principal a valid token names.

    Raises:
        InvalidToken: the token does not verify or lacks ``sub``/``role``/``exp``.
    """
    key, algorithm = _verification_key(settings)
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["sub", "role", "exp"]},
        )
        return Principal(sub=claims["sub"], role=claims["role"], name=claims.get("name", ""))
    except (jwt.PyJWTError, ValidationError) as err:
        raise InvalidToken(str(err).splitlines()[0]) from err


def mint_token(
    settings: Settings, *, sub: str, role: Role, hours: float = 12, name: str = ""
) -> str:
    """An HS256 token signed with ``jwt_secret`` (development and tests)."""
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": sub,
        "role": role.value,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + timedelta(hours=hours),
    }
    if name:
        claims["name"] = name
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")
