"""What every process passes to ``Client.connect``: the data converter with the payload codec,
TLS and the API key, all from the settings.

``worker.connect()`` uses ``connect_options``; the worker and the API connect through it (and
so should any script), so none writes a payload to history unencrypted.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.service import TLSConfig

from security.codec import EncryptionCodec
from security.keys import KeyRing, load_or_create_dev_keys
from settings import LOCAL_ENVIRONMENTS, Settings


@dataclass(frozen=True)
class ConnectOptions:
    """The keyword arguments of ``Client.connect`` that come from the settings."""

    namespace: str
    data_converter: DataConverter
    tls: bool | TLSConfig | None
    """None: the SDK's default (TLS exactly when an API key is given)."""
    api_key: str | None = dataclasses.field(default=None, repr=False)


def payload_keys(settings: Settings) -> KeyRing:
    """The configured keys; in local and test without any, the generated development key.

    Raises:
        RuntimeError: none are configured outside local and test (``Settings`` refuses that
            already; this guards a ``Settings`` built with validation skipped).
    """
    configured = settings.payload_key_ring()
    if configured is not None:
        return configured
    if settings.environment not in LOCAL_ENVIRONMENTS:
        raise RuntimeError(
            f"payload_keys: the {settings.environment} environment needs ACCRED_PAYLOAD_KEYS"
        )
    return load_or_create_dev_keys(settings.payload_dev_key_path)


def payload_codec(settings: Settings) -> EncryptionCodec:
    return EncryptionCodec(payload_keys(settings))


def data_converter(settings: Settings) -> DataConverter:
    """pydantic payloads, encrypted; failure messages and stack traces encrypted too."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=payload_codec(settings),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def tls_config(settings: Settings) -> bool | TLSConfig | None:
    """TLS as configured: a ``TLSConfig`` with the files read, True/False, or None (default)."""
    if settings.temporal_tls is False:
        return False
    ca, cert, key = (
        settings.temporal_tls_ca_path,
        settings.temporal_tls_cert_path,
        settings.temporal_tls_key_path,
    )
    if ca is None and cert is None and settings.temporal_tls_server_name is None:
        return settings.temporal_tls
    return TLSConfig(
        server_root_ca_cert=None if ca is None else ca.read_bytes(),
        client_cert=None if cert is None else cert.read_bytes(),
        client_private_key=None if key is None else key.read_bytes(),
        domain=settings.temporal_tls_server_name,
    )


def connect_options(settings: Settings) -> ConnectOptions:
    api_key = settings.temporal_api_key
    return ConnectOptions(
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        tls=tls_config(settings),
        api_key=None if api_key is None else api_key.get_secret_value(),
    )
