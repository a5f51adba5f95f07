"""The Temporal UI's codec server (/codec/encode, /codec/decode): staff only, CORS for the UI.

The app runs in-process without Temporal: the codec needs only the payload keys.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from httpx import ASGITransport, AsyncClient
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter

from api.auth import Role, mint_token
from api.main import create_app
from security.codec import EncryptionCodec
from security.keys import KeyRing, parse_keys
from settings import Settings
from tests.security.helpers import keys_json

UI = "http://127.0.0.1:8233"
APPLICANT_DATA = {"name": "Alex Example", "email": "alex@members.example.org"}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("codec")
    return Settings(
        _env_file=None,
        environment="test",
        payload_keys=keys_json("key-a", "key-b"),
        payload_key_id="key-b",
        database_url=f"sqlite:///{root / 'codec.db'}",
        document_store_path=root / "documents",
    )


@pytest_asyncio.fixture
async def http(settings: Settings) -> AsyncIterator[AsyncClient]:
    app = create_app(settings)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://api.test") as c:
        yield c


def auth(settings: Settings, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(settings, sub=f'{role}-1', role=role)}"}


def as_json(payload: Payload) -> dict[str, object]:
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }


def from_json(found: dict[str, object]) -> Payload:
    metadata = found["metadata"]
    assert isinstance(metadata, dict)
    return Payload(
        metadata={k: base64.b64decode(v) for k, v in metadata.items()},
        data=base64.b64decode(str(found["data"])),
    )


def plain() -> Payload:
    [payload] = pydantic_data_converter.payload_converter.to_payloads([APPLICANT_DATA])
    return payload


def codec_of(settings: Settings) -> EncryptionCodec:
    ring = settings.payload_key_ring()
    assert ring is not None
    return EncryptionCodec(ring)


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ADMIN])
async def test_staff_decode_what_the_service_encrypted_and_round_trip_through_encode(
    http: AsyncClient, settings: Settings, role: Role
) -> None:
    [sealed] = await codec_of(settings).encode([plain()])
    response = await http.post(
        "/codec/decode",
        json={"payloads": [as_json(sealed), as_json(plain())]},
        headers={**auth(settings, role), "X-Namespace": "default"},
    )
    assert response.status_code == 200, response.text
    decoded = response.json()["payloads"]
    assert [from_json(p) for p in decoded] == [plain(), plain()]  # the plain one passes through
    assert json.loads(base64.b64decode(decoded[0]["data"])) == APPLICANT_DATA

    encoded = await http.post(
        "/codec/encode", json={"payloads": [as_json(plain())]}, headers=auth(settings, role)
    )
    assert encoded.status_code == 200, encoded.text
    [sealed_json] = encoded.json()["payloads"]
    assert from_json(sealed_json).metadata["encryption-key-id"] == b"key-b"
    assert b"Alex Example" not in base64.b64decode(sealed_json["data"])
    again = await http.post(
        "/codec/decode", json={"payloads": [sealed_json]}, headers=auth(settings, role)
    )
    assert [from_json(p) for p in again.json()["payloads"]] == [plain()]


async def test_a_payload_under_an_older_configured_key_decodes(
    http: AsyncClient, settings: Settings
) -> None:
    keys = parse_keys(settings.payload_keys.get_secret_value())  # type: ignore[union-attr]
    [old] = await EncryptionCodec(KeyRing("key-a", {"key-a": keys["key-a"]})).encode([plain()])
    response = await http.post(
        "/codec/decode", json={"payloads": [as_json(old)]}, headers=auth(settings, Role.OFFICER)
    )
    assert [from_json(p) for p in response.json()["payloads"]] == [plain()]


async def test_a_payload_under_an_unknown_key_is_a_400_naming_the_key_id(
    http: AsyncClient, settings: Settings
) -> None:
    other = EncryptionCodec(KeyRing("key-z", parse_keys(keys_json("key-z"))))
    [sealed] = await other.encode([plain()])
    response = await http.post(
        "/codec/decode", json={"payloads": [as_json(sealed)]}, headers=auth(settings, Role.ADMIN)
    )
    assert response.status_code == 400
    assert "key id 'key-z'" in response.json()["message"]


async def test_an_empty_list_answers_an_empty_list(http: AsyncClient, settings: Settings) -> None:
    for path in ("/codec/encode", "/codec/decode"):
        response = await http.post(path, json={"payloads": []}, headers=auth(settings, Role.ADMIN))
        assert response.json() == {"payloads": []}


async def test_malformed_base64_is_a_422_naming_the_field(
    http: AsyncClient, settings: Settings
) -> None:
    response = await http.post(
        "/codec/decode",
        json={"payloads": [{"metadata": {"encoding": "***"}, "data": ""}]},
        headers=auth(settings, Role.OFFICER),
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "body.payloads[0].metadata.encoding"


@pytest.mark.parametrize("path", ["/codec/encode", "/codec/decode"])
async def test_without_a_token_it_is_401_with_cors_headers_for_the_ui(
    http: AsyncClient, path: str
) -> None:
    response = await http.post(path, json={"payloads": []}, headers={"Origin": UI})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    # The UI can read the refusal: the CORS headers come with errors too.
    assert response.headers["access-control-allow-origin"] == UI


async def test_a_bad_token_is_401(http: AsyncClient) -> None:
    response = await http.post(
        "/codec/decode", json={"payloads": []}, headers={"Authorization": "Bearer nope"}
    )
    assert response.status_code == 401


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR, Role.PORTAL, Role.MEMBERSHIP])
async def test_other_roles_are_403(http: AsyncClient, settings: Settings, role: Role) -> None:
    response = await http.post("/codec/decode", json={"payloads": []}, headers=auth(settings, role))
    assert response.status_code == 403
    assert "admin, officer" in response.json()["message"]


async def test_preflight_from_the_ui_origin_is_allowed_with_the_headers_the_ui_sends(
    http: AsyncClient,
) -> None:
    response = await http.options(
        "/codec/decode",
        headers={
            "Origin": UI,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == UI
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "content-type", "x-namespace"):
        assert header in allowed
    assert response.headers["access-control-allow-credentials"] == "true"


async def test_preflight_from_another_origin_is_refused(http: AsyncClient) -> None:
    response = await http.options(
        "/codec/decode",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_an_allowed_request_carries_the_cors_header(
    http: AsyncClient, settings: Settings
) -> None:
    response = await http.post(
        "/codec/decode",
        json={"payloads": []},
        headers={**auth(settings, Role.OFFICER), "Origin": UI},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == UI


async def test_the_ui_origin_is_a_setting(settings: Settings) -> None:
    moved = settings.model_copy(update={"codec_cors_origins": ["https://temporal.cor.example"]})
    app = create_app(moved)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://api.test") as c:
        response = await c.options(
            "/codec/encode",
            headers={
                "Origin": "https://temporal.cor.example",
                "Access-Control-Request-Method": "POST",
            },
        )
    assert response.headers["access-control-allow-origin"] == "https://temporal.cor.example"


def test_the_codec_server_is_not_part_of_the_openapi_document(settings: Settings) -> None:
    paths = create_app(settings).openapi()["paths"]
    assert not [p for p in paths if p.startswith("/codec")]
