"""What the applicant's overview of one application shows: its sections with their status, what
is still missing (each item linked to its section), CPD verifications, deadlines, feedback and
history, in words. Everything here reads the workflow's view; the rules stay in ``models``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from models.application import Application, CpdRecord
from models.application_machine import ApplicationState
from models.catalogue import Catalogue
from models.coverage import evidence_rule
from models.cpd_verification import CpdVerificationStatus, VerifiedBy
from models.deadlines import DeadlineKind
from models.enums import DocumentKind, Role
from models.labels import APPLICATION_STATES, CPD_VERIFICATION_STATUSES, DEADLINES, words
from models.views import ApplicationView, HistoryEntry
from web.routes.apply_common import SECTIONS, Section, section_for, section_url
from web.templating import uk_date, uk_time

DONE = {"submitted": "Application submitted", "resubmitted": "Application resubmitted"}
"""The success banner after an action (``?done=``)."""

ACTORS = {
    Role.SYSTEM: "The service",
    Role.DECLARER: "Your declarer",
    Role.VERIFIER: "A CPD verifier",
    Role.ASSESSOR: "Your assessor",
    Role.OFFICER: "A professional officer",
    Role.ADMIN: "An administrator",
    Role.PORTAL: "The member portal",
}


class _Problem(Protocol):
    """A problem as readiness (``Problem``) or the API (``FieldProblem``) reports it."""

    @property
    def field(self) -> str: ...

    @property
    def message(self) -> str: ...


def sentence(message: str) -> str:
    """A problem's message as a sentence for the page (its first letter capitalised)."""
    return message[:1].upper() + message[1:]


def problem_links(application_id: str, problems: Sequence[_Problem]) -> list[dict[str, str]]:
    """Each problem as an error-summary or list item linking to the section that answers it."""
    return [
        {"text": sentence(p.message), "href": section_url(application_id, p.field)}
        for p in problems
    ]


def _started(section: Section, app: Application) -> bool:
    content = app.content
    return {
        "role": content.role_details is not None,
        "qualifications": bool(content.qualifications),
        "scope": bool(content.documents_of(DocumentKind.SCOPE_OF_PRACTICE)),
        "cpd": bool(content.cpd),
        "narrative": bool(content.narrative),
        "declarer": app.declaration is not None,
    }.get(section.slug, False)


def tasks(view: ApplicationView) -> list[dict[str, Any]]:
    """The task list: each section, a link to it while the draft can change, and its status
    (from what readiness still asks of it)."""
    app = view.application
    editable = "save_draft" in view.allowed_actions
    evidence = evidence_rule(app) is not None
    rows: list[dict[str, Any]] = []
    for section in SECTIONS:
        if section.slug in ("cpd", "narrative") and not evidence:
            status = "Not needed on the approved route"
        elif any(section_for(p.field) == section for p in view.missing):
            status = "In progress" if _started(section, app) else "Not yet started"
        else:
            status = "Completed"
        base = f"/apply/applications/{app.application_id}/{section.slug}"
        rows.append(
            {
                "title": section.title,
                "slug": section.slug,
                "href": base if editable else None,
                "status": status,
            }
        )
    return rows


def _verifier(record: CpdRecord) -> str:
    v = record.verification
    if v is None:
        return ""
    if v.by == VerifiedBy.SERVICE:
        return "the member portal"
    return v.verifier.name if v.verifier else "your verifier"


def cpd_rows(app: Application) -> list[dict[str, str]]:
    """Each CPD record with where its verification stands (R08, R16)."""
    rows = []
    for record in app.content.cpd:
        v = record.verification
        if v is None:
            status, detail = "Not verified yet", ""
        else:
            status = words(CPD_VERIFICATION_STATUSES, v.status.value)
            detail = f"By {_verifier(record)}"
            if v.status == CpdVerificationStatus.DECLINED and v.reason:
                detail += f": {v.reason}"
            elif v.status == CpdVerificationStatus.REQUESTED and v.expires_at:
                detail += f"; the request expires on {uk_date(v.expires_at)}"
            elif v.responded_at:
                detail += f", {uk_date(v.responded_at)}"
        rows.append(
            {
                "title": record.title,
                "date": uk_date(record.activity_date),
                "status": status,
                "detail": detail,
            }
        )
    return rows


def deadline_rows(view: ApplicationView) -> list[dict[str, str]]:
    return [{"name": words(DEADLINES, d.name), "due": uk_time(d.due_at)} for d in view.deadlines]


def resubmit_by(view: ApplicationView) -> str | None:
    """R13: the day a deferred application closes unless resubmitted."""
    due = next((d.due_at for d in view.deadlines if d.name == DeadlineKind.DEFERRAL_LAPSE), None)
    return uk_time(due) if due else None


def feedback_rows(view: ApplicationView, catalogue: Catalogue) -> list[dict[str, str]]:
    """R13: the feedback for each learning outcome of a deferred application."""
    titles = {o.code: o.title for o in catalogue.for_pathway(view.application.pathway).outcomes}
    rows = []
    for item in view.feedback:
        code = item.get("outcome_code", "")
        rows.append(
            {
                "outcome": f"{code}: {titles[code]}" if code in titles else code,
                "level": words({}, item.get("level")),
                "comment": item.get("comment", ""),
            }
        )
    return rows


def _who(entry: HistoryEntry, member_id: str) -> str:
    if entry.actor_role == Role.APPLICANT:
        return "You" if entry.actor_id == member_id else "The applicant"
    return ACTORS.get(entry.actor_role, words({}, entry.actor_role.value))


def history_rows(view: ApplicationView) -> list[dict[str, str]]:
    """What happened, newest first, in words."""
    member_id = view.application.applicant.member_id
    rows = []
    for entry in reversed(view.history):
        what = words({}, entry.action)
        if entry.to_state != entry.from_state:
            what += f" (now: {words(APPLICATION_STATES, entry.to_state).lower()})"
        rows.append(
            {
                "at": uk_time(entry.at),
                "what": what,
                "who": _who(entry, member_id),
                "reason": entry.reason or "",
            }
        )
    return rows


def overview_context(
    view: ApplicationView, catalogue: Catalogue, done: str | None
) -> dict[str, Any]:
    """Everything the overview template shows, worked out from the workflow's view."""
    app = view.application
    return {
        "view": view,
        "app": app,
        "state": words(APPLICATION_STATES, view.state),
        "fee": sentence(view.fee.message) if view.fee else "None",
        "tasks": tasks(view),
        "missing": problem_links(app.application_id, view.missing),
        "cpd": cpd_rows(app),
        "deadlines": deadline_rows(view),
        "resubmit_by": resubmit_by(view),
        "feedback": feedback_rows(view, catalogue),
        "history": history_rows(view),
        "may_submit": view.state == ApplicationState.DRAFT,
        "may_resubmit": view.state == ApplicationState.DEFERRED,
        "done": DONE.get(done or ""),
    }
