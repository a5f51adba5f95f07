"""Email notifications, sent once per outbox key.

The outbox row is written before the SMTP send and marked sent after it, so a retry after a
successful send sends nothing and a retry after a failed send sends once. The one exception is
a worker dying between the SMTP server's reply and the commit: that email goes twice (with the
same ``Message-ID``), which is the price of never losing one.
"""

from __future__ import annotations

import functools
from concurrent.futures import Executor
from datetime import UTC, datetime

from sqlalchemy import Executable, bindparam, update
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.email_templates import TEMPLATE_KEYS, EmailTemplates, RenderedEmail
from activities.mailer import Mailer, MailRejected, OutgoingMail
from activities.metrics import EMAILS_FAILED, EMAILS_SENT, count
from activities.threads import in_thread
from models.records import Notification
from storage.database import dialect_name, insert_for
from storage.tables import OutboxRow

__all__ = ["TEMPLATE_KEYS", "NotificationActivities"]

PENDING = "pending"
SENT = "sent"


class NotificationActivities:
    """Renders a notification, records it in the outbox and sends it by SMTP."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        mailer: Mailer,
        templates: EmailTemplates,
        *,
        threads: Executor | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.threads = threads
        self.mailer = mailer
        self.templates = templates

    @activity.defn(name="send_notification")
    async def send_notification(self, notification: Notification) -> bool:
        """Send ``notification`` unless its outbox key shows it was already sent.

        Returns:
            True when this call sent it, False when it had been sent before.

        Raises:
            ApplicationError: non-retryable for a missing template or context key, or a
                permanent SMTP refusal; retryable (``MailUnavailable``) when SMTP is unreachable.
        """
        template = notification.template
        ids = _log_ids(notification)
        try:
            email = self.templates.render(template, notification.to_name, notification.context)
        except ApplicationError:
            count(EMAILS_FAILED, template=template, reason="template")
            raise
        try:
            # One trip to a worker thread: claim, send, mark.
            sent = await in_thread(self.threads, self._deliver, notification, email)
        except MailRejected as exc:
            count(EMAILS_FAILED, template=template, reason="rejected")
            raise ApplicationError(
                f"mail server refused {notification.key!r}: {exc}",
                type="MailRejected",
                non_retryable=True,
            ) from exc
        except OSError as exc:
            count(EMAILS_FAILED, template=template, reason="unavailable")
            raise ApplicationError(
                f"mail server unavailable for {notification.key!r}: {exc!r}",
                type="MailUnavailable",
            ) from exc
        if not sent:
            activity.logger.info("%s already sent (%s)", template, notification.key, extra=ids)
            return False
        count(EMAILS_SENT, template=template)
        activity.logger.info("sent %s to %s", template, notification.to_email, extra=ids)
        return True

    def _deliver(self, notification: Notification, email: RenderedEmail) -> bool:
        """Claim the outbox row, send, and mark it sent (False: it was sent before)."""
        pending = self._claim(notification, email)
        if pending is None:
            return False
        self.mailer.deliver(pending)
        self._mark_sent(notification.key)
        return True

    def _claim(self, notification: Notification, email: RenderedEmail) -> OutgoingMail | None:
        """Record the email in the outbox (once) and count an attempt, unless already sent:
        one statement, so one short transaction."""
        values = {
            "key": notification.key,
            "template": notification.template.value,
            "to_email": str(notification.to_email),
            "subject": email.subject,
            "body": email.body,
            "status": PENDING,
            "created_at": datetime.now(UTC),
            "attempts": 1,
        }
        with self.session_factory.begin() as session:
            row = session.connection().execute(_claim(dialect_name(session)), values).first()
            if row is None:
                return None  # sent already: the conflict's update found no pending row
            # The stored text, not a fresh render: the outbox records exactly what goes out.
            return OutgoingMail(
                key=row.key,
                to_email=row.to_email,
                to_name=notification.to_name,
                subject=row.subject,
                body=row.body,
            )

    def _mark_sent(self, key: str) -> None:
        with self.session_factory.begin() as session:
            session.connection().execute(
                _MARK_SENT, {"outbox_key": key, "when_sent": datetime.now(UTC)}
            )


@functools.cache
def _claim(dialect: str) -> Executable:
    """Insert the outbox row, or count another attempt at a pending one; the row's stored
    text when it is (still) to be sent, nothing when it was sent already. Built once per
    dialect, executed with each email's values."""
    return (
        insert_for(dialect, OutboxRow)
        .on_conflict_do_update(
            index_elements=[OutboxRow.key],
            set_={"attempts": OutboxRow.attempts + 1},
            where=OutboxRow.status == PENDING,
        )
        .returning(OutboxRow.key, OutboxRow.to_email, OutboxRow.subject, OutboxRow.body)
    )


_MARK_SENT = (
    update(OutboxRow)
    .where(OutboxRow.key == bindparam("outbox_key"))
    .values(status=SENT, sent_at=bindparam("when_sent"))
)


def _log_ids(notification: Notification) -> dict[str, str]:
    """The application or member the email concerns, for the log line (``logs``)."""
    return {
        name: notification.context[name]
        for name in ("application_id", "member_id")
        if notification.context.get(name)
    }
