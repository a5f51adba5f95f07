"""Sending email over SMTP (stdlib ``smtplib``, called from a worker thread so the event loop
stays free), reusing open connections: one email costs one message, not a connection, a
greeting and a goodbye."""

from __future__ import annotations

import hashlib
import queue
import smtplib
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate
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
    def deliver(self, mail: OutgoingMail) -> None:
        """Send ``mail`` now, blocking (call it from a worker thread)."""
        ...


class MailRejected(Exception):
    """The server refused the message permanently (5xx): sending again cannot help."""


class SmtpMailer:
    """Sends mail through an SMTP server without authentication (a relay or the local sink),
    keeping up to ``pool_size`` connections open between messages."""

    def __init__(self, host: str, port: int, mail_from: str, *, pool_size: int = 4) -> None:
        self.host = host
        self.port = port
        self.mail_from = mail_from
        self._idle: queue.LifoQueue[smtplib.SMTP] = queue.LifoQueue(maxsize=pool_size)

    def deliver(self, mail: OutgoingMail) -> None:
        """Send ``mail``, on an open connection when there is one (a connection the server
        closed meanwhile is replaced once).

        Raises:
            MailRejected: the server refused it with a permanent (5xx) reply.
            OSError: the server is unreachable or replied with a temporary (4xx) error.
        """
        self._send(self.compose(mail))

    def close(self) -> None:
        """Close the open connections (the worker's shutdown)."""
        while True:
            try:
                smtp = self._idle.get_nowait()
            except queue.Empty:
                return
            _quietly_close(smtp)

    def compose(self, mail: OutgoingMail) -> Message:
        """The message for ``mail``, with a ``Message-ID`` derived from its outbox key.

        The same key always gives the same ``Message-ID``, so a receiving system can recognise
        the copy sent when a worker died between the SMTP reply and recording the send. Built
        with the ``email`` package's plain (compat32) API, several times cheaper than
        ``EmailMessage``'s header parsing: an ASCII body goes as 7bit, any other as UTF-8 in
        base64, and a name or subject outside ASCII is RFC 2047-encoded.
        """
        message = MIMEText(mail.body, "plain", "us-ascii" if mail.body.isascii() else "utf-8")
        message["From"] = self.mail_from
        message["To"] = formataddr((mail.to_name, mail.to_email), "utf-8")
        message["Subject"] = (
            mail.subject if mail.subject.isascii() else Header(mail.subject, "utf-8").encode()
        )
        message["Date"] = formatdate(localtime=False)
        domain = self.mail_from.rpartition("@")[2] or "localhost"
        digest = hashlib.sha256(mail.key.encode()).hexdigest()[:32]
        message["Message-ID"] = f"<{digest}@{domain}>"
        return message

    def _send(self, message: Message) -> None:
        try:
            self._on_connection(message)
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise MailRejected(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            if all(code >= 500 for code, _ in exc.recipients.values()):
                raise MailRejected(f"recipients refused: {exc.recipients!r}") from exc
            raise

    def _on_connection(self, message: Message) -> None:
        """Send ``message`` on an idle connection, or a new one; a reused connection that
        turns out closed is dropped and the message sent once more on a new one. A connection
        that sent its message goes back to the idle ones (if there is room); one that failed
        is closed."""
        try:
            smtp = self._idle.get_nowait()
            reused = True
        except queue.Empty:
            smtp = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS)
            reused = False
        try:
            smtp.send_message(message)
        except smtplib.SMTPServerDisconnected:
            _quietly_close(smtp)
            if not reused:
                raise
            self._on_connection_new(message)
            return
        except BaseException:
            _quietly_close(smtp)
            raise
        self._keep(smtp)

    def _on_connection_new(self, message: Message) -> None:
        smtp = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS)
        try:
            smtp.send_message(message)
        except BaseException:
            _quietly_close(smtp)
            raise
        self._keep(smtp)

    def _keep(self, smtp: smtplib.SMTP) -> None:
        try:
            self._idle.put_nowait(smtp)
        except queue.Full:
            _quietly_close(smtp)


def _quietly_close(smtp: smtplib.SMTP) -> None:
    """End the session politely if the server still listens, and close the socket."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
