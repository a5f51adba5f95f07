"""Email templates: ``templates/<name>.txt.j2``, plain text, rendered strictly.

A template's first line is ``Subject: <subject>``; the rest (after one blank line) is the body.
Every template also receives ``to_name`` (the recipient, from the notification) and
``portal_base_url`` (from settings); ``TEMPLATE_KEYS`` lists what the ``context`` of a
``Notification`` must hold for each template (extra keys are ignored). All values are
strings; dates are ISO (``2027-03-12``) and templates show them with the ``long_date`` filter
(``12 March 2027``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, UndefinedError
from temporalio.exceptions import ApplicationError

TEMPLATES_DIR = Path(__file__).resolve().with_name("templates")
SUBJECT_PREFIX = "Subject: "

TEMPLATE_KEYS: dict[str, frozenset[str]] = {
    "declaration_invitation": frozenset({"applicant_name", "link", "expires_on"}),
    "declaration_reminder": frozenset({"applicant_name", "link", "expires_on"}),
    "declaration_declined": frozenset({"application_id", "declarer_name", "reason"}),
    "declaration_expired": frozenset({"application_id", "declarer_name"}),
    "cpd_verification_request": frozenset(
        {"applicant_name", "cpd_title", "activity_date", "link", "expires_on"}
    ),
    "cpd_verification_reminder": frozenset(
        {"applicant_name", "cpd_title", "activity_date", "link", "expires_on"}
    ),
    "cpd_verification_declined": frozenset(
        {"application_id", "verifier_name", "cpd_title", "reason"}
    ),
    "cpd_verification_expired": frozenset({"application_id", "verifier_name", "cpd_title"}),
    "submission_receipt": frozenset({"application_id", "pathway"}),
    "assessor_allocated": frozenset({"application_id", "pathway", "due_on"}),
    "assessor_reminder": frozenset({"application_id", "due_on"}),
    "assessor_released": frozenset({"application_id", "pathway"}),
    "assessment_overdue": frozenset({"application_id", "assessor_name"}),
    "allocation_needed": frozenset({"application_id", "reason"}),
    "deferral": frozenset({"application_id", "feedback", "resubmit_by"}),
    "outcome_accredited": frozenset({"application_id", "pathway", "expires_on"}),
    "outcome_not_accredited": frozenset({"application_id", "reason"}),
    "application_closed": frozenset({"application_id", "reason"}),
    "draft_closing": frozenset({"application_id", "closes_on"}),
    "expiry_reminder": frozenset({"days_left", "expires_on"}),
    "accreditation_lapsed": frozenset({"expired_on"}),
    "accreditation_renewed": frozenset({"expires_on"}),
    "accreditation_suspended": frozenset({"reason"}),
    "accreditation_restored": frozenset({"expires_on"}),
    "reaccreditation_started": frozenset({"application_id", "pathway"}),
    "scope_change_recorded": frozenset({"scope_summary", "reason"}),
}
"""Context keys each template needs, besides ``to_name`` and ``portal_base_url``."""

GLOBAL_KEYS = frozenset({"to_name", "portal_base_url"})


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str


class EmailTemplates:
    """Renders the templates in a directory; unknown names and missing keys are errors."""

    def __init__(self, portal_base_url: str, directory: Path = TEMPLATES_DIR) -> None:
        # Plain-text email: HTML escaping would corrupt names such as "O'Brien & Co".
        self.environment = Environment(
            loader=FileSystemLoader(directory),
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.environment.filters["long_date"] = long_date
        self.portal_base_url = portal_base_url

    def render(self, template: str, to_name: str, context: dict[str, str]) -> RenderedEmail:
        """Render ``template`` for ``to_name`` with ``context``.

        Raises:
            ApplicationError: non-retryable, when the template does not exist, a context key
                it uses is missing, or its first line is not ``Subject: ...``.
        """
        values = {**context, "to_name": to_name, "portal_base_url": self.portal_base_url}
        try:
            text = self.environment.get_template(f"{template}.txt.j2").render(values)
        except TemplateNotFound as exc:
            raise ApplicationError(
                f"email template {template!r} does not exist",
                type="TemplateNotFound",
                non_retryable=True,
            ) from exc
        except UndefinedError as exc:
            raise ApplicationError(
                f"email template {template!r}: {exc.message}",
                type="TemplateContextMissing",
                non_retryable=True,
            ) from exc
        first_line, _, rest = text.partition("\n")
        if not first_line.startswith(SUBJECT_PREFIX):
            raise ApplicationError(
                f"email template {template!r} must start with a {SUBJECT_PREFIX.strip()!r} line",
                type="TemplateMalformed",
                non_retryable=True,
            )
        return RenderedEmail(
            subject=first_line.removeprefix(SUBJECT_PREFIX).strip(), body=rest.lstrip("\n")
        )


def long_date(value: str) -> str:
    """An ISO date as British readers write it (``2027-03-12`` -> ``12 March 2027``).

    Anything else is shown unchanged, so a caller may pass text such as ``not set``.
    """
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return value
    return f"{parsed.day} {parsed:%B %Y}"
