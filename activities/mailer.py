"""Sending one email over SMTP (stdlib ``smtplib`` in a thread, so the event loop stays free)."""

from __future__ import annotations

import asyncio
import hashlib
import smtplib
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol

SMTP_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class OutgoingMail:
    """A rendered email; ``key`` is its outbox key."""

    key: str
    to_email: str
    to_name: str
    subject: str
    body: str


class Mailer(Protocol):
    async def send(self, mail: OutgoingMail) -> None: ...


class MailRejected(Exception):
    """The server refused the message permanently (5xx): sending again cannot help."""


class SmtpMailer:
    """Sends mail through an SMTP server without authentication (a relay or the local sink)."""

    def __init__(self, host: str, port: int, mail_from: str) -> None:
        self.host = host
        self.port = port
        self.mail_from = mail_from

    async def send(self, mail: OutgoingMail) -> None:
        """Send ``mail``.

        Raises:
            MailRejected: the server refused it with a permanent (5xx) reply.
            OSError: the server is unreachable or replied with a temporary (4xx) error.
        """
        await asyncio.to_thread(self._send, self.compose(mail))

    def compose(self, mail: OutgoingMail) -> EmailMessage:
        """The message for ``mail``, with a ``Message-ID`` derived from its outbox key.

        The same key always gives the same ``Message-ID``, so a receiving system can recognise
        the copy sent when a worker died between the SMTP reply and recording the send.
        """
        message = EmailMessage()
        message["From"] = self.mail_from
        message["To"] = Address(display_name=mail.to_name, addr_spec=mail.to_email)
        message["Subject"] = mail.subject
        message["Date"] = formatdate(localtime=False)
        domain = self.mail_from.rpartition("@")[2] or "localhost"
        digest = hashlib.sha256(mail.key.encode()).hexdigest()[:32]
        message["Message-ID"] = f"<{digest}@{domain}>"
        message.set_content(mail.body)
        return message

    def _send(self, message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
                smtp.send_message(message)
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise MailRejected(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            if all(code >= 500 for code, _ in exc.recipients.values()):
                raise MailRejected(f"recipients refused: {exc.recipients!r}") from exc
            raise
