"""Tokens and the key settings: no development secret outside local development."""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from api.auth import InvalidToken, Role, decode_token, mint_token
from settings import DEV_JWT_SECRET, Settings

KEYS = json.dumps({"k1": base64.b64encode(bytes(32)).decode()})
"""A payload key, which production settings need besides the token secret."""


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ACCRED_"):
            monkeypatch.delenv(name)


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize("environment", ["local", "test"])
def test_the_development_secret_is_accepted_in_local_development(environment: str) -> None:
    assert settings(environment=environment).jwt_secret.get_secret_value() == DEV_JWT_SECRET


@pytest.mark.parametrize("secret", [DEV_JWT_SECRET, "too-short"])
def test_production_refuses_the_development_or_a_short_secret(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("ACCRED_ENVIRONMENT", "production")
    monkeypatch.setenv("ACCRED_JWT_SECRET", secret)
    with pytest.raises(ValidationError, match="jwt_secret"):
        settings()


def test_production_accepts_its_own_secret_or_a_public_key(tmp_path: Path) -> None:
    own = "a-production-secret-of-enough-length-0123456789"
    production = {"environment": "production", "session_secret": own, "payload_keys": KEYS}
    assert settings(**production, jwt_secret=own).jwt_secret.get_secret_value() == own
    key = tmp_path / "public.pem"
    key.write_text("not read until a token arrives")
    assert settings(**production, jwt_public_key_path=key).jwt_public_key_path == key


def test_production_refuses_the_development_session_secret(tmp_path: Path) -> None:
    key = tmp_path / "public.pem"
    key.write_text("not read until a token arrives")
    with pytest.raises(ValidationError, match="session_secret"):
        settings(environment="production", jwt_public_key_path=key)


def test_a_minted_token_names_its_subject_and_role() -> None:
    config = settings()
    principal = decode_token(mint_token(config, sub="M0001", role=Role.APPLICANT), config)
    assert (principal.sub, principal.role) == ("M0001", Role.APPLICANT)


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "M1", "role": "applicant", "aud": "someone-else"},
        {"sub": "M1", "role": "superuser"},
        {"role": "applicant"},
        {"sub": "M1", "role": "applicant", "expired": True},
    ],
    ids=["audience", "role", "no-subject", "expired"],
)
def test_tokens_that_do_not_verify_are_refused(claims: dict[str, object]) -> None:
    config = settings()
    expired = claims.pop("expired", False)
    payload = {"aud": config.jwt_audience, **claims}
    payload["exp"] = datetime.now(UTC) + timedelta(hours=-1 if expired else 1)
    token = jwt.encode(payload, config.jwt_secret.get_secret_value(), algorithm="HS256")
    with pytest.raises(InvalidToken):
        decode_token(token, config)


def test_another_key_or_algorithm_is_refused() -> None:
    config = settings()
    forged = mint_token(settings(jwt_secret="x" * 40), sub="officer-1", role=Role.OFFICER)
    with pytest.raises(InvalidToken):
        decode_token(forged, config)
    claims = {"sub": "o", "role": "officer", "aud": config.jwt_audience}
    unsigned = jwt.encode(claims, None, "none")  # type: ignore[arg-type]
    with pytest.raises(InvalidToken):
        decode_token(unsigned, config)


def test_rs256_tokens_verify_with_the_configured_public_key(tmp_path: Path) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = tmp_path / "public.pem"
    public.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    config = settings(
        environment="production",
        jwt_public_key_path=public,
        session_secret="s" * 32,
        payload_keys=KEYS,
    )
    claims = {
        "sub": "assessor-7",
        "role": "assessor",
        "aud": config.jwt_audience,
        "exp": datetime.now(UTC) + timedelta(hours=1),
    }
    token = jwt.encode(claims, private, algorithm="RS256")
    assert decode_token(token, config).role == Role.ASSESSOR
    # An HS256 token signed with the secret no longer verifies once a public key is set.
    with pytest.raises(InvalidToken):
        decode_token(mint_token(config, sub="assessor-7", role=Role.ASSESSOR), config)
