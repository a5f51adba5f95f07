"""The SMTP mailer keeps its connections open between messages, and replaces one the server
closed meanwhile (a real SMTP server: the test sink)."""

from __future__ import annotations

from activities.mailer import OutgoingMail, SmtpMailer
from tests.fixtures.smtp import SmtpSink


def mail(n: int) -> OutgoingMail:
    return OutgoingMail(
        key=f"app-1:{n}:submission_receipt:sam@example.org",
        to_email="sam@example.org",
        to_name="Sam",
        subject=f"Message {n}",
        body="Hello",
    )


def test_messages_share_one_connection(smtp_sink: SmtpSink) -> None:
    mailer = SmtpMailer(smtp_sink.host, smtp_sink.port, "accreditation@cor.example")
    mailer.deliver(mail(1))
    (first,) = list(mailer._idle.queue)
    mailer.deliver(mail(2))
    assert list(mailer._idle.queue) == [first]
    assert [str(m["Subject"]) for m in smtp_sink.messages] == ["Message 1", "Message 2"]
    mailer.close()
    assert mailer._idle.empty()


def test_a_connection_closed_meanwhile_is_replaced_and_the_message_sent_once(
    smtp_sink: SmtpSink,
) -> None:
    mailer = SmtpMailer(smtp_sink.host, smtp_sink.port, "accreditation@cor.example")
    mailer.deliver(mail(1))
    (stale,) = list(mailer._idle.queue)
    stale.close()  # as when the server drops an idle connection
    mailer.deliver(mail(2))
    (fresh,) = list(mailer._idle.queue)
    assert fresh is not stale
    assert [str(m["Subject"]) for m in smtp_sink.messages] == ["Message 1", "Message 2"]
    mailer.close()


def test_a_refused_message_does_not_keep_its_connection(smtp_sink: SmtpSink) -> None:
    mailer = SmtpMailer(smtp_sink.host, smtp_sink.port, "accreditation@cor.example")
    smtp_sink.fail_next(1)
    try:
        mailer.deliver(mail(1))
    except OSError:
        pass
    else:
        raise AssertionError("a 451 reply is an error the activity retries")
    assert mailer._idle.empty()
    mailer.deliver(mail(2))
    assert [str(m["Subject"]) for m in smtp_sink.messages] == ["Message 2"]
    mailer.close()


def test_names_subjects_and_bodies_outside_ascii_arrive_intact(smtp_sink: SmtpSink) -> None:
    mailer = SmtpMailer(smtp_sink.host, smtp_sink.port, "accreditation@cor.example")
    mailer.deliver(
        OutgoingMail(
            key="app-1:1:deferral:zoe@example.org",
            to_email="zoe@example.org",
            to_name="Zoë Ó Súilleabháin, Jr.",
            subject="Accréditation: 證明書",
            body="Chère Zoë,\n\nVotre demande — 證明書 — est reçue.\n",
        )
    )
    mailer.close()
    (message,) = smtp_sink.messages
    assert message["To"].addresses[0].display_name == "Zoë Ó Súilleabháin, Jr."
    assert message["To"].addresses[0].addr_spec == "zoe@example.org"
    assert str(message["Subject"]) == "Accréditation: 證明書"
    assert message.get_content() == "Chère Zoë,\n\nVotre demande — 證明書 — est reçue.\n"
    assert message["Message-ID"].endswith("@cor.example>")
