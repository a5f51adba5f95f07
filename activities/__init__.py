"""Activities: the side effects of the workflows, one class per concern, all idempotent."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from activities.allocation import AllocationActivities
from activities.email_templates import TEMPLATE_KEYS, EmailTemplates
from activities.lifecycle import LifecycleActivities
from activities.mailer import Mailer, MailRejected, OutgoingMail, SmtpMailer
from activities.notifications import NotificationActivities
from activities.read_model import ReadModelActivities
from activities.register import RegisterActivities
from models.catalogue import Catalogue
from settings import Settings

__all__ = [
    "TEMPLATE_KEYS",
    "AllocationActivities",
    "EmailTemplates",
    "LifecycleActivities",
    "MailRejected",
    "Mailer",
    "NotificationActivities",
    "OutgoingMail",
    "ReadModelActivities",
    "RegisterActivities",
    "SmtpMailer",
    "all_activities",
]


def all_activities(
    session_factory: sessionmaker[Session],
    mailer: Mailer,
    settings: Settings,
    *,
    client: Client,
    catalogue: Catalogue,
) -> list[Callable[..., Any]]:
    """Every activity, bound to its dependencies, for the worker to register.

    Args:
        session_factory: sessions on the service database.
        mailer: sends email, usually ``SmtpMailer(settings.smtp_host, ...)``.
        settings: the service settings (portal address, policy, officers' address).
        client: the Temporal client that starts members' accreditation workflows.
        catalogue: the loaded catalogues, carried into those workflows' input.

    Returns:
        The activity callables.
    """
    threads = ThreadPoolExecutor(settings.worker_activity_threads, thread_name_prefix="activity")
    notifications = NotificationActivities(
        session_factory, mailer, EmailTemplates(settings.portal_base_url), threads=threads
    )
    read_model = ReadModelActivities(session_factory, threads=threads)
    lifecycle = LifecycleActivities(
        client,
        catalogue,
        settings.policy(),
        declaration_link_base=f"{settings.portal_base_url}/declare",
        cpd_verification_link_base=f"{settings.portal_base_url}/verify-cpd",
        officers_email=settings.officers_email,
        non_member_fee_pence=settings.non_member_fee_pence,
    )
    return [
        notifications.send_notification,
        AllocationActivities(session_factory, threads=threads).allocate_assessor,
        RegisterActivities(session_factory, threads=threads).upsert_register_entry,
        read_model.record_application_event,
        read_model.record_accreditation,
        lifecycle.record_award,
    ]
