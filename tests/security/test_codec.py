"""The payload codec: AES-256-GCM by key id, rotation, and passthrough of plain payloads."""

from __future__ import annotations

import json
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter

from security.codec import ENCODING, KEY_ID_METADATA, EncryptionCodec, PayloadDecryptionError
from security.keys import KeyRing, load_or_create_dev_keys, parse_keys, read_key_file
from tests.security.helpers import keys_json

PII = {"name": "Alex Example", "email": "alex@members.example.org", "text": "My reflection on"}


def ring(text: str, active: str) -> KeyRing:
    return KeyRing(active_id=active, keys=parse_keys(text))


def plain_payload() -> Payload:
    [payload] = pydantic_data_converter.payload_converter.to_payloads([PII])
    return payload


async def test_an_encoded_payload_hides_its_content_and_decodes_to_the_original() -> None:
    codec = EncryptionCodec(ring(keys_json("k1"), "k1"))
    original = plain_payload()
    [encoded] = await codec.encode([original])
    assert encoded.metadata["encoding"] == ENCODING
    assert encoded.metadata[KEY_ID_METADATA] == b"k1"
    assert set(encoded.metadata) == {"encoding", KEY_ID_METADATA}  # json/plain is hidden too
    for value in PII.values():
        assert value.encode() not in encoded.data
    assert b"json/plain" not in encoded.data
    [decoded] = await codec.decode([encoded])
    assert decoded == original


async def test_each_encoding_uses_a_fresh_nonce() -> None:
    codec = EncryptionCodec(ring(keys_json("k1"), "k1"))
    first, second = await codec.encode([plain_payload(), plain_payload()])
    assert first.data != second.data


async def test_rotation_old_payloads_decode_and_new_ones_use_the_newest_key() -> None:
    keys = keys_json("key-a", "key-b")
    before = EncryptionCodec(ring(json.dumps({"key-a": json.loads(keys)["key-a"]}), "key-a"))
    [old] = await before.encode([plain_payload()])
    assert old.metadata[KEY_ID_METADATA] == b"key-a"

    rotated = EncryptionCodec(ring(keys, "key-b"))  # B is newest, A still configured
    assert await rotated.decode([old]) == [plain_payload()]
    [new] = await rotated.encode([plain_payload()])
    assert new.metadata[KEY_ID_METADATA] == b"key-b"
    assert await rotated.decode([new]) == [plain_payload()]
    assert rotated.active_key_id == "key-b"


async def test_a_payload_whose_key_is_no_longer_configured_fails_naming_the_key_id() -> None:
    [old] = await EncryptionCodec(ring(keys_json("key-a"), "key-a")).encode([plain_payload()])
    only_b = EncryptionCodec(ring(keys_json("key-b"), "key-b"))
    with pytest.raises(PayloadDecryptionError, match=r"key id 'key-a'.*not configured.*key-b"):
        await only_b.decode([old])


async def test_a_different_key_under_the_same_id_or_an_altered_payload_fails_clearly() -> None:
    [sealed] = await EncryptionCodec(ring(keys_json("k1"), "k1")).encode([plain_payload()])
    impostor = EncryptionCodec(ring(keys_json("k1"), "k1"))
    with pytest.raises(PayloadDecryptionError, match="not the one it was encrypted with"):
        await impostor.decode([sealed])

    codec = EncryptionCodec(ring(keys_json("k1", "k2"), "k1"))
    [sealed] = await codec.encode([plain_payload()])
    relabelled = Payload()
    relabelled.CopyFrom(sealed)
    relabelled.metadata[KEY_ID_METADATA] = b"k2"
    with pytest.raises(PayloadDecryptionError, match="key id 'k2'"):
        await codec.decode([relabelled])
    flipped = Payload()
    flipped.CopyFrom(sealed)
    flipped.data = sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    with pytest.raises(PayloadDecryptionError, match="altered"):
        await codec.decode([flipped])


async def test_an_encrypted_payload_without_a_key_id_fails_clearly() -> None:
    codec = EncryptionCodec(ring(keys_json("k1"), "k1"))
    with pytest.raises(PayloadDecryptionError, match="encryption-key-id"):
        await codec.decode([Payload(metadata={"encoding": ENCODING}, data=b"x" * 40)])


async def test_payloads_that_are_not_encrypted_pass_through_unchanged() -> None:
    codec = EncryptionCodec(ring(keys_json("k1"), "k1"))
    plain = plain_payload()
    no_metadata = Payload(data=b'"raw"')
    assert await codec.decode([plain, no_metadata]) == [plain, no_metadata]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not valid JSON"),
        ("[]", "expected a JSON object"),
        ("{}", "expected a JSON object"),
        ('{"bad id!": "AAAA"}', "key id 'bad id!'"),
        ('{"k1": 5}', "expected a base64 string"),
        ('{"k1": "***"}', "not valid base64"),
        ('{"k1": "AAAA"}', "3 bytes once decoded; it must be 32"),
    ],
)
def test_malformed_keys_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_keys(text)


def test_the_development_key_is_generated_once_private_and_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "var" / "payload-key.json"
    first = load_or_create_dev_keys(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert first.active_id.startswith("dev-")
    assert load_or_create_dev_keys(path) == first
    assert read_key_file(path) == first
    assert [p.name for p in path.parent.iterdir()] == ["payload-key.json"]  # no temporary left


def test_processes_starting_together_agree_on_one_development_key(tmp_path: Path) -> None:
    path = tmp_path / "payload-key.json"
    with ThreadPoolExecutor(8) as pool:
        rings = list(pool.map(lambda _: load_or_create_dev_keys(path), range(16)))
    assert all(r == rings[0] for r in rings)


def test_a_damaged_development_key_file_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "payload-key.json"
    path.write_text('{"key_id": "dev-1"}')
    with pytest.raises(ValueError, match=r"payload-key.json is not a payload key file"):
        load_or_create_dev_keys(path)


def test_a_key_ring_never_shows_its_keys() -> None:
    keys = keys_json("k1")
    assert json.loads(keys)["k1"] not in repr(ring(keys, "k1"))
