"""AES-256 keys by id: parsed from ``ACCRED_PAYLOAD_KEYS``, or generated for development.

The configured form is a JSON object of key id to the base64 of 32 random bytes, for example
``{"2025-06": "q3H…="}``; one id (``ACCRED_PAYLOAD_KEY_ID``) names the key new payloads are
encrypted with. Every other key stays only to decrypt what is already in history.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

KEY_BYTES = 32
"""AES-256."""

KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
"""What a key id may be: it travels in every payload's metadata."""


@dataclass(frozen=True)
class KeyRing:
    """The keys by id, and the id of the one new payloads are encrypted with."""

    active_id: str
    keys: Mapping[str, bytes] = field(repr=False)

    def __post_init__(self) -> None:
        if self.active_id not in self.keys:
            raise ValueError(
                f"the key id {self.active_id!r} names no configured key "
                f"(configured: {', '.join(sorted(self.keys)) or 'none'})"
            )
        for key_id, key in self.keys.items():
            if not KEY_ID.match(key_id):
                raise ValueError(f"key id {key_id!r}: use letters, digits, '.', '_' or '-'")
            if len(key) != KEY_BYTES:
                raise ValueError(f"key {key_id!r} is {len(key)} bytes; it must be {KEY_BYTES}")


def parse_keys(text: str) -> dict[str, bytes]:
    """The keys in ``text``, a JSON object of key id to the base64 of 32 bytes.

    Raises:
        ValueError: not such an object, an empty one, a bad id, or a key that is not the base64
            of exactly 32 bytes (the message never quotes a key).
    """
    try:
        found = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"not valid JSON ({err.msg} at character {err.pos})") from None
    if not isinstance(found, dict) or not found:
        raise ValueError('expected a JSON object {"key-id": "<base64 of 32 bytes>", ...}')
    keys: dict[str, bytes] = {}
    for key_id, encoded in found.items():
        if not KEY_ID.match(key_id):
            raise ValueError(f"key id {key_id!r}: use letters, digits, '.', '_' or '-'")
        if not isinstance(encoded, str):
            raise ValueError(f"key {key_id!r}: expected a base64 string")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"key {key_id!r} is not valid base64") from None
        if len(key) != KEY_BYTES:
            raise ValueError(
                f"key {key_id!r} is {len(key)} bytes once decoded; it must be {KEY_BYTES} "
                "(generate one with: python -m security.keys)"
            )
        keys[key_id] = key
    return keys


def new_key() -> str:
    """A new key: the base64 of 32 random bytes."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def read_key_file(path: Path) -> KeyRing:
    """The key ring in ``path`` (``{"key_id": ..., "keys": {...}}``).

    Raises:
        FileNotFoundError: there is no such file.
        ValueError: the file is not such a key ring.
    """
    text = path.read_text(encoding="utf-8")
    try:
        document = json.loads(text)
        keys = parse_keys(json.dumps(document["keys"]))
        return KeyRing(active_id=str(document["key_id"]), keys=keys)
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise ValueError(f"{path} is not a payload key file: {err}") from None


def load_or_create_dev_keys(path: Path) -> KeyRing:
    """The development key ring in ``path``, generated there (mode 0600) the first time.

    Safe when several processes start at once (the worker and the API): the file appears
    whole or not at all, and whoever comes second uses the first one's key.
    """
    try:
        return read_key_file(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key_id = f"dev-{secrets.token_hex(4)}"
    document = {
        "comment": "development payload key, generated for local and test runs only",
        "key_id": key_id,
        "keys": {key_id: new_key()},
    }
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".payload-key-")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=2)
            out.write("\n")
        # If another process created it first, its key is the one to use.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return read_key_file(path)


def main() -> None:
    """``python -m security.keys [KEY_ID]``: print a new key as ACCRED_PAYLOAD_KEYS JSON."""
    import sys

    key_id = sys.argv[1] if len(sys.argv) > 1 else "key-1"
    if not KEY_ID.match(key_id):
        raise SystemExit(f"key id {key_id!r}: use letters, digits, '.', '_' or '-'")
    print(json.dumps({key_id: new_key()}))


if __name__ == "__main__":
    main()
