"""The codec server the Temporal UI calls to show encrypted payloads: ``/codec/encode`` and
``/codec/decode``.

The protocol is the UI's: ``POST`` a JSON body ``{"payloads": [{"metadata": {name: base64},
"data": base64}, ...]}`` and receive the same shape back, encoded or decoded with the service's
payload keys (``security.codec``). Only officers and admins may call it (a bearer JWT, which
the UI sends when "Pass the user access token" is on), and browsers only from the configured
origins (``codec_cors_origins``; preflight included).

It is a small app of its own, mounted under ``CODEC_PREFIX``: its CORS headers then reach every
answer it gives, errors included, and leave the rest of the API alone; and it stays out of the
OpenAPI document, being a protocol for the UI rather than part of the API.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, FastAPI, Request, status
from pydantic import BaseModel, Field
from starlette.middleware.cors import CORSMiddleware
from temporalio.api.common.v1 import Payload

from api import errors
from api.auth import Principal, Role
from api.deps import roles
from security.codec import EncryptionCodec, PayloadDecryptionError
from security.connection import payload_codec
from settings import Settings

CODEC_PREFIX = "/codec"

Staff = Annotated[Principal, Depends(roles(Role.OFFICER, Role.ADMIN))]


class CodecPayload(BaseModel):
    """A payload as protobuf JSON has it: metadata values and data in base64."""

    metadata: dict[str, str] = Field(default_factory=dict)
    data: str = ""


class CodecPayloads(BaseModel):
    payloads: list[CodecPayload]


def _codec(request: Request) -> EncryptionCodec:
    """The codec on the app's settings, built on first use (the development key may be
    generated then)."""
    state = request.app.state
    if state.codec is None:
        state.codec = payload_codec(state.settings)
    codec: EncryptionCodec = state.codec
    return codec


Codec = Annotated[EncryptionCodec, Depends(_codec)]


def _bytes(text: str, where: str) -> bytes:
    """Standard or URL-safe base64, padded or not (protobuf JSON accepts either)."""
    try:
        cleaned = text.replace("-", "+").replace("_", "/")
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise errors.ApiError(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"{where}: not valid base64",
            problems=[errors.FieldProblem(field=where, message="not valid base64")],
        ) from None


def _from_json(body: CodecPayloads) -> list[Payload]:
    return [
        Payload(
            metadata={
                name: _bytes(value, f"body.payloads[{i}].metadata.{name}")
                for name, value in p.metadata.items()
            },
            data=_bytes(p.data, f"body.payloads[{i}].data"),
        )
        for i, p in enumerate(body.payloads)
    ]


def _to_json(payloads: list[Payload]) -> CodecPayloads:
    return CodecPayloads(
        payloads=[
            CodecPayload(
                metadata={k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
                data=base64.b64encode(p.data).decode(),
            )
            for p in payloads
        ]
    )


def create_codec_app(settings: Settings) -> FastAPI:
    """The codec endpoints on ``settings``, to mount under ``CODEC_PREFIX``."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.codec = None

    @app.post("/encode")
    async def encode(body: CodecPayloads, _staff: Staff, codec: Codec) -> CodecPayloads:
        """The payloads encrypted with the active key."""
        return _to_json(await codec.encode(_from_json(body)))

    @app.post("/decode")
    async def decode(body: CodecPayloads, _staff: Staff, codec: Codec) -> CodecPayloads:
        """The payloads decrypted (those not encrypted come back as they are)."""
        try:
            return _to_json(await codec.decode(_from_json(body)))
        except PayloadDecryptionError as err:
            raise errors.ApiError(status.HTTP_400_BAD_REQUEST, str(err)) from None

    errors.install(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.codec_cors_origins,
        allow_methods=["POST"],
        allow_headers=["Authorization", "Content-Type", "X-Namespace"],
        allow_credentials=True,
        max_age=600,
    )
    return app
