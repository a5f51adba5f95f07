"""Payload keys for tests: fresh random ones, as ``ACCRED_PAYLOAD_KEYS`` holds them."""

from __future__ import annotations

import json

from security.keys import new_key


def keys_json(*key_ids: str) -> str:
    """``ACCRED_PAYLOAD_KEYS`` with a new random key for each id."""
    return json.dumps({key_id: new_key() for key_id in key_ids})
