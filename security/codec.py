"""Every payload in Temporal's history encrypted: AES-256-GCM, by key id, with rotation.

``encode`` serialises each payload whole (its metadata and data) and encrypts it with the
active key under a fresh 96-bit nonce; the result carries only ``encoding: binary/encrypted``
and the key id. ``decode`` picks the key by the id in the payload, so payloads written before a
rotation still decrypt while their key stays configured. A payload that is not encrypted (no
``binary/encrypted`` encoding: histories from before encryption, the saved test histories)
passes through unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from security.keys import KeyRing

ENCODING = b"binary/encrypted"
"""The ``encoding`` metadata of an encrypted payload."""

KEY_ID_METADATA = "encryption-key-id"
"""The metadata naming the key a payload was encrypted with."""

NONCE_BYTES = 12


class PayloadDecryptionError(Exception):
    """A payload cannot be decrypted: its key is not configured, or it does not verify."""


class EncryptionCodec(PayloadCodec):
    """AES-256-GCM over whole payloads, with the key ring's active key for new ones."""

    def __init__(self, keys: KeyRing) -> None:
        self._active_id = keys.active_id
        self._ciphers = {key_id: AESGCM(bytes(key)) for key_id, key in keys.keys.items()}

    @property
    def active_key_id(self) -> str:
        return self._active_id

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        key_id = self._active_id.encode()
        nonce = os.urandom(NONCE_BYTES)
        # The key id is authenticated with the data: a payload cannot be relabelled.
        sealed = self._ciphers[self._active_id].encrypt(nonce, payload.SerializeToString(), key_id)
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID_METADATA: key_id}, data=nonce + sealed
        )

    def decrypt(self, payload: Payload) -> Payload:
        """``payload`` decrypted, or as it is when it is not encrypted.

        Raises:
            PayloadDecryptionError: it names no key id, a key id that is not configured, or it
                does not verify with its key (another key under the same id, or altered).
        """
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        raw_id = payload.metadata.get(KEY_ID_METADATA)
        if raw_id is None:
            raise PayloadDecryptionError(
                f"an encrypted payload carries no {KEY_ID_METADATA!r} metadata"
            )
        key_id = raw_id.decode(errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadDecryptionError(
                f"a payload was encrypted with key id {key_id!r}, which is not configured "
                f"(configured: {', '.join(sorted(self._ciphers))}); add that key back to "
                "ACCRED_PAYLOAD_KEYS to read it"
            )
        data = payload.data
        if len(data) < NONCE_BYTES + 16:
            raise PayloadDecryptionError(f"an encrypted payload (key id {key_id!r}) is truncated")
        try:
            plain = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], raw_id)
        except InvalidTag:
            raise PayloadDecryptionError(
                f"a payload does not decrypt with key id {key_id!r}: the key configured under "
                "that id is not the one it was encrypted with, or the payload was altered"
            ) from None
        decrypted = Payload()
        decrypted.ParseFromString(plain)
        return decrypted
