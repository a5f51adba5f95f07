"""What Temporal's history holds when the service runs with the codec: nothing an applicant
wrote, for anyone reading the cluster without the keys; everything, with them.

A real application goes through the real API, worker and activities on the dev server, with
``worker.connect()`` (so the codec the service really uses), then its history is fetched with
a plain pydantic client, as an operator with cluster access but no keys would see it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from google.protobuf import json_format
from httpx import ASGITransport, AsyncClient
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import PayloadCodec
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from activities import SmtpMailer
from api.main import create_app
from security.codec import ENCODING, EncryptionCodec
from security.connection import data_converter
from settings import Settings
from storage.database import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.seed import load_assessors
from tests.api.helpers import MAX_UPLOAD_BYTES, Service, profile, submitted
from tests.fixtures.smtp import running_sink
from tests.security.helpers import keys_json
from tests.workflows.helpers import HISTORIES
from worker import WORKFLOWS, build_worker, connect, load_settings_catalogue
from workflows.application import workflow_id

ENCRYPTED = base64.b64encode(ENCODING).decode()
NARRATIVE = "My reflection on"
"""The start of every narrative section ``tests.builders.narrative`` writes."""


@dataclass
class EncryptedRun:
    settings: Settings
    codec_client: Client
    history: WorkflowHistory
    """Fetched with a plain client: exactly what the cluster stores."""
    secrets: dict[str, str]
    """What the applicant and their manager wrote, which must not be readable."""


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def encrypted_run(
    dev_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[EncryptedRun]:
    root = tmp_path_factory.mktemp("encrypted")
    with running_sink() as sink:
        settings = Settings(
            _env_file=None,
            environment="test",
            temporal_address=dev_env.client.service_client.config.target_host,
            temporal_namespace=dev_env.client.namespace,
            task_queue=f"codec-{uuid.uuid4()}",
            database_url=f"sqlite:///{root / 'codec.db'}",
            smtp_host=sink.host,
            smtp_port=sink.port,
            document_store_path=root / "documents",
            max_upload_bytes=MAX_UPLOAD_BYTES,
            payload_keys=keys_json("history-key"),
        )
        upgrade(settings.database_url)
        engine = make_engine(settings.database_url)
        sessions = make_session_factory(engine)
        load_assessors(session_factory=sessions)
        client = await connect(settings)
        app = create_app(settings, client=client, session_factory=sessions)
        worker = build_worker(
            client,
            settings,
            catalogue=load_settings_catalogue(settings),
            session_factory=sessions,
            mailer=SmtpMailer(settings.smtp_host, settings.smtp_port, settings.mail_from),
        )
        async with (
            worker,
            AsyncClient(transport=ASGITransport(app=app), base_url="http://api.test") as http,
        ):
            service = Service(http=http, settings=settings, mail=sink, sessions=sessions)
            app_id, member_id, _view = await submitted(service)
            await asyncio.sleep(1)  # let routing and its activities reach history
        engine.dispose()
    history = await dev_env.client.get_workflow_handle(workflow_id(app_id)).fetch_history()
    applicant = profile(member_id)
    yield EncryptedRun(
        settings=settings,
        codec_client=client,
        history=history,
        secrets={
            "name": applicant["name"],
            "email": applicant["email"],
            "employer": applicant["employer"],
            "narrative": NARRATIVE,
            "scope": "Plain-film imaging of the appendicular skeleton",
            "declarer": "Jo Manager",
            "declarer email": "jo.manager@northgate.example.org",
        },
    )


def readable_text(node: Any) -> str:
    """Every string in the history's JSON, with base64 values (payload data, metadata)
    decoded too: all that anyone reading the cluster can see."""
    parts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            parts.append(value)
            with contextlib.suppress(binascii.Error, ValueError):
                parts.append(base64.b64decode(value, validate=True).decode("utf-8", "replace"))

    walk(node)
    return "\n".join(parts)


def payloads_in(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every payload in the history's JSON, with where it is."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        metadata = node.get("metadata")
        if isinstance(metadata, dict) and "encoding" in metadata:
            return [(path, node)]
        for key, value in node.items():
            found += payloads_in(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += payloads_in(value, f"{path}[{i}]")
    return found


async def decoded(node: Any, codec: PayloadCodec) -> Any:
    """The history's JSON with every encrypted payload decrypted by ``codec``."""
    if isinstance(node, dict):
        metadata = node.get("metadata")
        if isinstance(metadata, dict) and metadata.get("encoding") == ENCRYPTED:
            [plain] = await codec.decode([json_format.ParseDict(node, Payload())])
            return json_format.MessageToDict(plain)
        return {key: await decoded(value, codec) for key, value in node.items()}
    if isinstance(node, list):
        return [await decoded(value, codec) for value in node]
    return node


pytestmark = pytest.mark.dev_server


async def test_history_read_without_the_keys_holds_no_applicant_data(
    encrypted_run: EncryptedRun,
) -> None:
    events = encrypted_run.history.to_json_dict()
    text = readable_text(events)
    for what, secret in encrypted_run.secrets.items():
        assert secret not in text, f"the {what} is readable in history"
    # Every payload is encrypted, but those the server or SDK must read: search attributes
    # (indexed by the server; ids and states only) and the SDK's own marker data (a patch id;
    # a local activity's sequence, ids, type and times). A local activity's result is
    # encrypted like any other payload.
    payloads = payloads_in(events)
    assert len(payloads) > 5
    assert any(".markerRecordedEventAttributes.details.result." in w for w, _ in payloads)
    unreadable = (
        ".searchAttributes.",
        ".markerRecordedEventAttributes.details.patch-data.",
        ".markerRecordedEventAttributes.details.data.",
    )
    plain = [
        (where, p["metadata"]["encoding"])
        for where, p in payloads
        if p["metadata"]["encoding"] != ENCRYPTED and not any(u in where for u in unreadable)
    ]
    assert plain == []


async def test_the_same_history_decodes_with_the_service_codec(
    encrypted_run: EncryptedRun,
) -> None:
    codec = encrypted_run.codec_client.data_converter.payload_codec
    assert isinstance(codec, EncryptionCodec)
    text = readable_text(await decoded(encrypted_run.history.to_json_dict(), codec))
    for what, secret in encrypted_run.secrets.items():
        assert secret in text, f"the {what} should be in the decoded history"


async def test_the_encrypted_history_replays_with_the_codec(encrypted_run: EncryptedRun) -> None:
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter(encrypted_run.settings))
    await asyncio.wait_for(replayer.replay_workflow(encrypted_run.history), timeout=60)


SAVED = sorted(HISTORIES.glob("*.json"))


@pytest.mark.parametrize("path", SAVED, ids=[p.stem for p in SAVED])
async def test_histories_from_before_encryption_replay_with_the_codec(
    path: Path, tmp_path: Path
) -> None:
    settings = Settings(_env_file=None, payload_keys=keys_json("k1"))
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter(settings))
    await asyncio.wait_for(replayer.replay_workflow(history), timeout=60)
