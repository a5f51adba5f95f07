from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from temporalio.activity import _Definition
from temporalio.testing import WorkflowEnvironment

from activities import SmtpMailer, all_activities
from settings import Settings
from tests.builders import stand_in_catalogue


def test_every_activity_is_registered_under_its_stable_name(
    dev_env: WorkflowEnvironment,
) -> None:
    settings = Settings()
    session_factory: sessionmaker[Session] = sessionmaker()
    mailer = SmtpMailer(settings.smtp_host, settings.smtp_port, settings.mail_from)

    registered = all_activities(
        session_factory, mailer, settings, client=dev_env.client, catalogue=stand_in_catalogue()
    )

    names = {_Definition.must_from_callable(fn).name for fn in registered}
    assert names == {
        "send_notification",
        "allocate_assessor",
        "upsert_register_entry",
        "record_application_event",
        "record_award",
        "record_accreditation",
    }
