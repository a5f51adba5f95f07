"""How ``worker.connect()`` and ``build_worker`` turn the settings into SDK arguments (no real
TLS server needed: ``Client.connect`` and ``Worker`` are replaced by recorders)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import DefaultFailureConverterWithEncodedAttributes
from temporalio.service import TLSConfig
from temporalio.worker import PollerBehaviorSimpleMaximum

import worker
from security.codec import EncryptionCodec
from security.connection import connect_options, tls_config
from settings import Settings
from tests.security.helpers import keys_json


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ACCRED_"):
            monkeypatch.delenv(name)


def make(tmp_path: Path, **values: Any) -> Settings:
    values.setdefault("payload_dev_key_path", tmp_path / "var" / "payload-key.json")
    return Settings(_env_file=None, **values)


def pem(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.pem"
    path.write_bytes(f"-----BEGIN {name}-----\n".encode())
    return path


class Recorded:
    def __init__(self) -> None:
        self.args: tuple[Any, ...] = ()
        self.kwargs: dict[str, Any] = {}


@pytest.fixture
def client_connect(monkeypatch: pytest.MonkeyPatch) -> Recorded:
    recorded = Recorded()

    async def fake_connect(*args: Any, **kwargs: Any) -> str:
        recorded.args, recorded.kwargs = args, kwargs
        return "client"

    monkeypatch.setattr(Client, "connect", fake_connect)
    return recorded


async def test_connect_passes_the_encrypting_converter_tls_and_api_key(
    tmp_path: Path, client_connect: Recorded
) -> None:
    settings = make(
        tmp_path,
        temporal_address="cluster.example:7233",
        temporal_namespace="accreditation.prod",
        temporal_tls_ca_path=pem(tmp_path, "ca"),
        temporal_tls_cert_path=pem(tmp_path, "cert"),
        temporal_tls_key_path=pem(tmp_path, "key"),
        temporal_tls_server_name="temporal.internal",
        temporal_api_key="api-key-123",
    )
    connected: object = await worker.connect(settings)
    assert connected == "client"
    assert client_connect.args == ("cluster.example:7233",)
    kwargs = client_connect.kwargs
    assert kwargs["namespace"] == "accreditation.prod"
    assert kwargs["api_key"] == "api-key-123"
    assert kwargs["tls"] == TLSConfig(
        server_root_ca_cert=b"-----BEGIN ca-----\n",
        client_cert=b"-----BEGIN cert-----\n",
        client_private_key=b"-----BEGIN key-----\n",
        domain="temporal.internal",
    )
    converter = kwargs["data_converter"]
    assert converter.payload_converter_class is PydanticPayloadConverter
    assert isinstance(converter.payload_codec, EncryptionCodec)
    assert isinstance(converter.failure_converter, DefaultFailureConverterWithEncodedAttributes)


async def test_connect_on_the_defaults_is_plain_with_the_generated_development_key(
    tmp_path: Path, client_connect: Recorded
) -> None:
    settings = make(tmp_path)
    await worker.connect(settings)
    kwargs = client_connect.kwargs
    assert client_connect.args == ("127.0.0.1:7233",)
    assert kwargs["namespace"] == "default"
    assert kwargs["tls"] is None and kwargs["api_key"] is None
    codec = kwargs["data_converter"].payload_codec
    assert isinstance(codec, EncryptionCodec) and codec.active_key_id.startswith("dev-")
    assert settings.payload_dev_key_path.is_file()
    # Every process (worker, API, starter) then uses that same key.
    assert connect_options(settings).data_converter.payload_codec.active_key_id == (  # type: ignore[union-attr]
        codec.active_key_id
    )


def test_configured_keys_are_used_and_no_development_key_is_written(tmp_path: Path) -> None:
    settings = make(
        tmp_path,
        environment="production",
        jwt_secret="p" * 40,
        session_secret="s" * 40,
        payload_keys=keys_json("2025-01", "2025-06"),
        payload_key_id="2025-06",
    )
    codec = connect_options(settings).data_converter.payload_codec
    assert isinstance(codec, EncryptionCodec) and codec.active_key_id == "2025-06"
    assert not settings.payload_dev_key_path.exists()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, None),  # the SDK's default: TLS exactly when an API key is given
        ({"temporal_tls": True}, True),  # system roots
        ({"temporal_tls": False}, False),
        ({"temporal_tls_server_name": "sni.example"}, TLSConfig(domain="sni.example")),
    ],
)
def test_tls_choices(tmp_path: Path, values: dict[str, Any], expected: object) -> None:
    assert tls_config(make(tmp_path, **values)) == expected


def test_a_ca_alone_gives_server_verification_without_a_client_certificate(
    tmp_path: Path,
) -> None:
    found = tls_config(make(tmp_path, temporal_tls_ca_path=pem(tmp_path, "ca")))
    assert found == TLSConfig(server_root_ca_cert=b"-----BEGIN ca-----\n")


def test_the_api_key_is_not_shown_in_the_options(tmp_path: Path) -> None:
    options = connect_options(make(tmp_path, temporal_api_key="api-key-123"))
    assert options.api_key == "api-key-123"
    assert "api-key-123" not in repr(options)


def test_build_worker_passes_tuning_and_graceful_shutdown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = Recorded()

    def fake_worker(*args: Any, **kwargs: Any) -> str:
        recorded.args, recorded.kwargs = args, kwargs
        return "worker"

    monkeypatch.setattr(worker, "Worker", fake_worker)
    settings = make(
        tmp_path,
        worker_max_concurrent_workflow_tasks=7,
        worker_max_concurrent_activities=11,
        worker_workflow_task_pollers=3,
        worker_activity_task_pollers=2,
        worker_graceful_shutdown_seconds=25,
    )
    built: object = worker.build_worker(
        "client",  # type: ignore[arg-type]
        settings,
        catalogue=worker.load_settings_catalogue(settings),
        session_factory=None,  # type: ignore[arg-type]
        mailer=None,  # type: ignore[arg-type]
    )
    assert built == "worker"
    kwargs = recorded.kwargs
    assert kwargs["task_queue"] == settings.task_queue
    assert kwargs["max_concurrent_workflow_tasks"] == 7
    assert kwargs["max_concurrent_activities"] == 11
    assert kwargs["workflow_task_poller_behavior"] == PollerBehaviorSimpleMaximum(3)
    assert kwargs["activity_task_poller_behavior"] == PollerBehaviorSimpleMaximum(2)
    assert kwargs["graceful_shutdown_timeout"] == timedelta(seconds=25)


def test_build_worker_defaults_leave_the_sdk_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = Recorded()
    monkeypatch.setattr(worker, "Worker", lambda *a, **k: recorded.kwargs.update(k))
    settings = make(tmp_path)
    worker.build_worker(
        "client",  # type: ignore[arg-type]
        settings,
        catalogue=worker.load_settings_catalogue(settings),
        session_factory=None,  # type: ignore[arg-type]
        mailer=None,  # type: ignore[arg-type]
    )
    assert recorded.kwargs["max_concurrent_workflow_tasks"] is None
    assert recorded.kwargs["max_concurrent_activities"] is None
    assert recorded.kwargs["workflow_task_poller_behavior"] == PollerBehaviorSimpleMaximum(5)
    assert recorded.kwargs["graceful_shutdown_timeout"] == timedelta(seconds=10)
