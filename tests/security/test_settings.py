"""Start-up refuses payload keys, TLS and worker settings that cannot work, naming the setting."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from settings import Settings
from tests.security.helpers import keys_json

PRODUCTION_SECRETS = {"jwt_secret": "p" * 40, "session_secret": "s" * 40}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ACCRED_"):
            monkeypatch.delenv(name)


def make(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


def production(**values: Any) -> Settings:
    return make(environment="production", **PRODUCTION_SECRETS, **values)


def pem_files(tmp_path: Path) -> dict[str, Path]:
    files = {}
    for name in ("ca", "cert", "key"):
        files[name] = tmp_path / f"{name}.pem"
        files[name].write_text(f"-----BEGIN {name.upper()}-----\n")
    return files


# --- payload keys -------------------------------------------------------------------------


def test_production_without_payload_keys_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValidationError, match="ACCRED_PAYLOAD_KEYS") as refused:
        production()
    assert "production environment needs its own payload encryption keys" in str(refused.value)


def test_production_without_payload_keys_from_the_environment_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACCRED_ENVIRONMENT", "production")
    monkeypatch.setenv("ACCRED_JWT_SECRET", "p" * 40)
    monkeypatch.setenv("ACCRED_SESSION_SECRET", "s" * 40)
    with pytest.raises(ValidationError, match="ACCRED_PAYLOAD_KEYS"):
        make()
    monkeypatch.setenv("ACCRED_PAYLOAD_KEYS", keys_json("2025-06"))
    ring = make().payload_key_ring()
    assert ring is not None and ring.active_id == "2025-06"


@pytest.mark.parametrize("environment", ["local", "test"])
def test_local_and_test_need_no_key_they_use_the_generated_one(environment: str) -> None:
    assert make(environment=environment).payload_key_ring() is None


def test_with_several_keys_the_newest_must_be_named() -> None:
    with pytest.raises(ValidationError, match="ACCRED_PAYLOAD_KEY_ID"):
        production(payload_keys=keys_json("a", "b"))
    ring = production(payload_keys=keys_json("a", "b"), payload_key_id="b").payload_key_ring()
    assert ring is not None and ring.active_id == "b" and set(ring.keys) == {"a", "b"}


def test_a_key_id_that_names_no_configured_key_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"payload_key_id: 'c' is not one of .*a, b"):
        production(payload_keys=keys_json("a", "b"), payload_key_id="c")
    with pytest.raises(ValidationError, match="no keys are configured"):
        make(payload_key_id="a")


def test_a_malformed_key_is_refused_naming_the_setting_without_quoting_it() -> None:
    short = "c2hvcnQta2V5"  # base64 of "short-key"
    with pytest.raises(ValidationError, match="ACCRED_PAYLOAD_KEYS") as refused:
        production(payload_keys=json.dumps({"a": short}))
    assert short not in str(refused.value)
    assert "must be 32" in str(refused.value)


# --- TLS and the API key ------------------------------------------------------------------


def test_a_client_certificate_without_its_key_is_refused(tmp_path: Path) -> None:
    files = pem_files(tmp_path)
    with pytest.raises(ValidationError, match="ACCRED_TEMPORAL_TLS_KEY_PATH"):
        make(temporal_tls_cert_path=files["cert"])


def test_a_client_key_without_its_certificate_is_refused(tmp_path: Path) -> None:
    files = pem_files(tmp_path)
    with pytest.raises(ValidationError, match="ACCRED_TEMPORAL_TLS_CERT_PATH"):
        make(temporal_tls_key_path=files["key"])


@pytest.mark.parametrize("name", ["ca", "cert", "key"])
def test_tls_files_that_do_not_exist_are_refused(tmp_path: Path, name: str) -> None:
    files = pem_files(tmp_path)
    files[name] = tmp_path / "missing.pem"
    setting = f"temporal_tls_{name}_path"
    with pytest.raises(ValidationError, match=f"{setting}: no file at .*missing.pem"):
        make(
            temporal_tls_ca_path=files["ca"],
            temporal_tls_cert_path=files["cert"],
            temporal_tls_key_path=files["key"],
        )


def test_tls_switched_off_with_tls_files_is_refused(tmp_path: Path) -> None:
    files = pem_files(tmp_path)
    with pytest.raises(ValidationError, match="ACCRED_TEMPORAL_TLS_CA_PATH"):
        make(temporal_tls=False, temporal_tls_ca_path=files["ca"])


def test_an_api_key_without_tls_is_refused_outside_local_and_test() -> None:
    keys = keys_json("k")
    with pytest.raises(ValidationError, match="without TLS") as refused:
        production(payload_keys=keys, temporal_api_key="secret-key", temporal_tls=False)
    assert "ACCRED_TEMPORAL_TLS" in str(refused.value)
    # TLS left to its default goes on with an API key; explicit TLS is fine too.
    production(payload_keys=keys, temporal_api_key="secret-key")
    production(payload_keys=keys, temporal_api_key="secret-key", temporal_tls=True)
    # Locally (a dev server behind a proxy, say) a plain connection with a key is allowed.
    make(environment="local", temporal_api_key="secret-key", temporal_tls=False)


def test_an_empty_api_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="ACCRED_TEMPORAL_API_KEY"):
        make(temporal_api_key=" ")


# --- worker tuning ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "worker_max_concurrent_workflow_tasks",
        "worker_max_concurrent_activities",
        "worker_workflow_task_pollers",
        "worker_activity_task_pollers",
    ],
)
@pytest.mark.parametrize("value", [0, -3])
def test_worker_tuning_below_one_is_refused_naming_the_setting(name: str, value: int) -> None:
    with pytest.raises(ValidationError, match=f"must be at least 1 \\(ACCRED_{name.upper()}\\)"):
        make(**{name: value})


def test_one_workflow_task_poller_is_refused_the_sdk_needs_two() -> None:
    with pytest.raises(ValidationError, match=r"at least 2.*ACCRED_WORKER_WORKFLOW_TASK_POLLERS"):
        make(worker_workflow_task_pollers=1)
    assert make(worker_activity_task_pollers=1).worker_activity_task_pollers == 1


def test_a_negative_graceful_shutdown_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCRED_WORKER_GRACEFUL_SHUTDOWN_SECONDS", "-1")
    with pytest.raises(ValidationError, match="worker_graceful_shutdown_seconds"):
        make()
