from __future__ import annotations

import socket

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities import EmailTemplates, NotificationActivities, SmtpMailer
from models.records import Notification
from storage.tables import OutboxRow
from tests.fixtures.smtp import SmtpSink

NOTIFICATION = Notification(
    key="APP-1:3:submission_receipt:sam@example.org",
    template="submission_receipt",
    to_email="sam@example.org",
    to_name="Sam Applicant",
    context={"application_id": "APP-1", "pathway": "AP_L4", "kind": "initial"},
)


def notifications(
    session_factory: sessionmaker[Session], host: str, port: int
) -> NotificationActivities:
    return NotificationActivities(
        session_factory,
        SmtpMailer(host, port, "accreditation@cor.example"),
        EmailTemplates("https://portal.example"),
    )


def outbox(session_factory: sessionmaker[Session]) -> list[OutboxRow]:
    with session_factory() as session:
        return list(session.scalars(select(OutboxRow)))


async def test_sends_once_when_called_twice(
    session_factory: sessionmaker[Session], smtp_sink: SmtpSink
) -> None:
    activities = notifications(session_factory, smtp_sink.host, smtp_sink.port)

    first = await activities.send_notification(NOTIFICATION)
    second = await activities.send_notification(NOTIFICATION)

    assert (first, second) == (True, False)
    [message] = smtp_sink.messages
    assert message["To"] == "Sam Applicant <sam@example.org>"
    assert message["From"] == "accreditation@cor.example"
    assert message["Subject"] == "CoR accreditation: we have received your application"
    assert "reference is APP-1" in message.get_content()
    [row] = outbox(session_factory)
    assert (row.status, row.attempts, row.key) == ("sent", 1, NOTIFICATION.key)
    assert row.sent_at is not None and row.sent_at >= row.created_at


async def test_a_retry_after_a_refused_send_sends_once(
    session_factory: sessionmaker[Session], smtp_sink: SmtpSink
) -> None:
    activities = notifications(session_factory, smtp_sink.host, smtp_sink.port)
    smtp_sink.fail_next(1)

    with pytest.raises(ApplicationError) as caught:
        await activities.send_notification(NOTIFICATION)
    assert caught.value.type == "MailUnavailable"
    assert not caught.value.non_retryable
    assert smtp_sink.messages == []
    assert outbox(session_factory)[0].status == "pending"

    assert await activities.send_notification(NOTIFICATION) is True
    assert await activities.send_notification(NOTIFICATION) is False
    assert len(smtp_sink.messages) == 1
    [row] = outbox(session_factory)
    assert (row.status, row.attempts) == ("sent", 2)


async def test_a_permanent_refusal_is_not_retryable(
    session_factory: sessionmaker[Session], smtp_sink: SmtpSink
) -> None:
    activities = notifications(session_factory, smtp_sink.host, smtp_sink.port)
    smtp_sink.fail_next(1, "554 5.7.1 Message rejected")

    with pytest.raises(ApplicationError) as caught:
        await activities.send_notification(NOTIFICATION)

    assert caught.value.type == "MailRejected"
    assert caught.value.non_retryable


async def test_an_unreachable_server_is_retryable(session_factory: sessionmaker[Session]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    activities = notifications(session_factory, "127.0.0.1", closed_port)

    with pytest.raises(ApplicationError) as caught:
        await activities.send_notification(NOTIFICATION)

    assert caught.value.type == "MailUnavailable"
    assert not caught.value.non_retryable


async def test_a_missing_context_key_sends_nothing(
    session_factory: sessionmaker[Session], smtp_sink: SmtpSink
) -> None:
    activities = notifications(session_factory, smtp_sink.host, smtp_sink.port)
    incomplete = NOTIFICATION.model_copy(update={"context": {"application_id": "APP-1"}})

    with pytest.raises(ApplicationError) as caught:
        await activities.send_notification(incomplete)

    assert caught.value.non_retryable
    assert "'pathway'" in str(caught.value)
    assert smtp_sink.messages == []
    assert outbox(session_factory) == []


async def test_runs_as_a_temporal_activity(
    session_factory: sessionmaker[Session], smtp_sink: SmtpSink
) -> None:
    activities = notifications(session_factory, smtp_sink.host, smtp_sink.port)

    sent = await ActivityEnvironment().run(activities.send_notification, NOTIFICATION)

    assert sent is True
    assert len(smtp_sink.messages) == 1
