"""docs/openapi.json is generated from the app and kept current."""

from __future__ import annotations

import json

from scripts import openapi


def test_committed_openapi_document_is_not_stale() -> None:
    committed = openapi.OPENAPI_JSON.read_text(encoding="utf-8")
    assert committed == openapi.render(), openapi.STALE


def test_every_operation_is_documented_and_protected_ones_need_a_bearer_token() -> None:
    schema = json.loads(openapi.render())
    public = {
        "/declarations",
        "/cpd-verifications",
        "/register",
        "/catalogue",
        "/healthz",
        "/readyz",
    }
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("description") or operation.get("summary"), (method, path)
            needs_token = not any(path.startswith(p) for p in public)
            assert bool(operation.get("security")) == needs_token, (method, path)
