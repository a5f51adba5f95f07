"""The service counters the activities emit (``activities.metrics``), read from an SDK buffer."""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.runtime import MetricBuffer, Runtime, TelemetryConfig
from temporalio.testing import ActivityEnvironment

from activities import EmailTemplates, NotificationActivities, RegisterActivities, SmtpMailer
from activities.metrics import EMAILS_FAILED, EMAILS_SENT, REGISTER_WRITES, count
from models.enums import RegisterStatus
from storage.database import make_engine, make_session_factory
from storage.migrate import upgrade
from tests.activities.test_notifications import NOTIFICATION
from tests.fixtures.smtp import SmtpSink
from tests.storage.factories import register_entry

Key = tuple[str, tuple[tuple[str, str], ...]]

_BUFFER = MetricBuffer(10_000)
_RUNTIME = Runtime(telemetry=TelemetryConfig(metrics=_BUFFER))


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A migrated SQLite database (the counters do not depend on the dialect)."""
    url = f"sqlite:///{tmp_path / 'metrics.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def env() -> ActivityEnvironment:
    """An activity environment whose metric meter writes to the buffer, drained first."""
    _BUFFER.retrieve_updates()
    env = ActivityEnvironment()
    env.metric_meter = _RUNTIME.metric_meter
    return env


def counted() -> Counter[Key]:
    """What was added to each of the service's counters since the last call, by labels."""
    ours = {EMAILS_SENT.name, EMAILS_FAILED.name, REGISTER_WRITES.name}
    totals: Counter[Key] = Counter()
    for update in _BUFFER.retrieve_updates():
        if update.metric.name in ours:
            own = {
                k: str(v)
                for k, v in update.attributes.items()
                if k not in {"namespace", "task_queue", "activity_type", "service_name"}
            }
            totals[(update.metric.name, tuple(sorted(own.items())))] += int(update.value)
    return totals


def mailer(sessions: sessionmaker[Session], host: str, port: int) -> NotificationActivities:
    return NotificationActivities(
        sessions, SmtpMailer(host, port, "accreditation@cor.example"), EmailTemplates("https://p")
    )


def sent(template: str) -> Key:
    return (EMAILS_SENT.name, (("template", template),))


def failed(template: str, reason: str) -> Key:
    return (EMAILS_FAILED.name, (("reason", reason), ("template", template)))


async def test_an_email_sent_counts_once_by_template(
    env: ActivityEnvironment, sessions: sessionmaker[Session], smtp_sink: SmtpSink
) -> None:
    activities = mailer(sessions, smtp_sink.host, smtp_sink.port)

    assert await env.run(activities.send_notification, NOTIFICATION) is True
    assert await env.run(activities.send_notification, NOTIFICATION) is False  # already sent

    assert counted() == {sent(NOTIFICATION.template): 1}


async def test_failed_attempts_count_by_template_and_reason(
    env: ActivityEnvironment, sessions: sessionmaker[Session], smtp_sink: SmtpSink
) -> None:
    activities = mailer(sessions, smtp_sink.host, smtp_sink.port)
    template = NOTIFICATION.template
    smtp_sink.fail_next(1)
    with pytest.raises(ApplicationError):
        await env.run(activities.send_notification, NOTIFICATION)
    rejected = NOTIFICATION.model_copy(update={"key": "APP-1:4:rejected"})
    smtp_sink.fail_next(1, "554 5.7.1 Message rejected")
    with pytest.raises(ApplicationError):
        await env.run(activities.send_notification, rejected)
    unknown = NOTIFICATION.model_copy(update={"key": "APP-1:5:x", "template": "no_such_template"})
    with pytest.raises(ApplicationError):
        await env.run(activities.send_notification, unknown)
    assert await env.run(activities.send_notification, NOTIFICATION) is True  # the retry

    assert counted() == {
        failed(template, "unavailable"): 1,
        failed(template, "rejected"): 1,
        failed("no_such_template", "template"): 1,
        sent(template): 1,
    }


async def test_an_unreachable_server_counts_as_unavailable(
    env: ActivityEnvironment, sessions: sessionmaker[Session]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    activities = mailer(sessions, "127.0.0.1", closed_port)

    with pytest.raises(ApplicationError):
        await env.run(activities.send_notification, NOTIFICATION)

    assert counted() == {failed(NOTIFICATION.template, "unavailable"): 1}


async def test_register_writes_count_by_status(
    env: ActivityEnvironment, sessions: sessionmaker[Session]
) -> None:
    activities = RegisterActivities(sessions)
    entry = register_entry()
    lapsed = entry.model_copy(update={"status": RegisterStatus.LAPSED})

    await env.run(activities.upsert_register_entry, entry)
    await env.run(activities.upsert_register_entry, entry)
    await env.run(activities.upsert_register_entry, lapsed)

    assert counted() == {
        (REGISTER_WRITES.name, (("status", "current"),)): 2,
        (REGISTER_WRITES.name, (("status", "lapsed"),)): 1,
    }


async def test_outside_an_activity_nothing_is_counted(sessions: sessionmaker[Session]) -> None:
    _BUFFER.retrieve_updates()

    await RegisterActivities(sessions).upsert_register_entry(register_entry())
    count(EMAILS_SENT, template="submission_receipt")

    assert counted() == {}


def test_a_counter_takes_exactly_its_labels() -> None:
    with pytest.raises(ValueError, match="template"):
        count(EMAILS_FAILED, template="submission_receipt")
