"""R08/R16: how CPD verification changes an application, as steps of its lifecycle.

``CpdVerificationSteps`` is part of ``ApplicationLifecycle`` (a base class, so that the
application's lifecycle module keeps to the rest): the applicant sends a record to a named
verifier, the verifier answers through their single-use link, a trusted service marks a record
verified, and the requests' reminders and expiry fire. The rules themselves are in
``models.cpd_verification``; the links' tokens in ``models.progress.CpdLinks``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from models.actions import Action
from models.application import Application, ApplicationContent, CpdRecord
from models.commands import (
    SYSTEM,
    Actor,
    ApplicationInput,
    CpdVerificationLink,
    CpdVerificationResponse,
    MarkCpdVerified,
    RequestCpdVerification,
)
from models.cpd_verification import (
    CpdDeadline,
    CpdDeadlineKind,
    CpdVerification,
    CpdVerificationRequest,
    CpdVerificationStatus,
    answered,
    cpd_verification_deadlines,
    expired,
    marked_by_service,
    pending_request,
    record_problems,
    request_problems,
    requested,
    verification_request,
    withdrawn,
    withdrawn_verifications,
)
from models.dates import scheme_date
from models.enums import Role
from models.errors import Problem
from models.progress import (
    ApplicationProgress,
    SpentLink,
    next_cpd_request_id,
    open_cpd_link,
    spend_cpd_links,
)
from models.refusals import Refusal, RefusalKind, refused
from models.templates import Template

if TYPE_CHECKING:
    from models.application_lifecycle import Step


class CpdVerificationSteps:
    """The CPD verification events of ``ApplicationLifecycle`` (which provides the rest)."""

    input: ApplicationInput
    app: Application
    p: ApplicationProgress
    now: datetime
    step: Step

    if TYPE_CHECKING:

        def check_state(self, action: Action) -> Refusal | None: ...

        def _edited(self, content: ApplicationContent) -> None: ...

        def _record(self, action: str, actor: Actor, reason: str | None) -> None: ...

        def _email(
            self, template: Template, to_email: str, to_name: str, **context: str | None
        ) -> None: ...

        def _email_applicant(self, template: Template, **context: str | None) -> None: ...

    # --- checks --------------------------------------------------------------------------

    def check_cpd_request(self, cmd: RequestCpdVerification) -> Refusal | None:
        """R08/R16: the record exists and is not verified; the verifier is not the applicant."""
        problems = request_problems(
            self.app.content.cpd, cmd.index, cmd.verifier, self.app.applicant
        )
        return _refusal("the CPD record cannot be sent for verification", problems)

    def check_cpd_mark(self, cmd: MarkCpdVerified) -> Refusal | None:
        """R08: a service marks an existing, unverified record; a verifier it names is not the
        applicant."""
        cpd, applicant = self.app.content.cpd, self.app.applicant
        problems = (
            request_problems(cpd, cmd.index, cmd.verifier, applicant)
            if cmd.verifier is not None
            else record_problems(cpd, cmd.index)
        )
        return _refusal("the CPD record cannot be marked verified", problems)

    def check_cpd_link(self, response: CpdVerificationResponse) -> Refusal | None:
        """The link is live: not answered, replaced, withdrawn by an edit, expired or closed."""
        if self.cpd_verification_request(CpdVerificationLink(token=response.token)) is None:
            return refused(
                RefusalKind.LINK_USED,
                "this verification link has been used, withdrawn or has expired; ask the "
                "applicant to send a new request if they still need your verification",
            )
        return self.check_state(Action.RESPOND_TO_CPD_VERIFICATION)

    # --- answers -------------------------------------------------------------------------

    def cpd_verification_request(self, link: CpdVerificationLink) -> CpdVerificationRequest | None:
        """What a live link asks its verifier to confirm; None for a spent or unknown link."""
        return verification_request(self.app, self.p.cpd_links, link.token, self.now)

    def cpd_pending(self) -> list[CpdDeadline]:
        """The verification requests' reminders and expiries not fired yet, earliest first."""
        plan = cpd_verification_deadlines(self.app.content.cpd, self.input.policy)
        return [d for d in plan if d.key not in self.p.fired]

    # --- events --------------------------------------------------------------------------

    def request_cpd_verification(self, cmd: RequestCpdVerification, token: str) -> None:
        """R08: send the record to its verifier; a pending request for it is replaced."""
        links = self.p.cpd_links
        record = self.app.content.cpd[cmd.index]
        if record.verification is not None:
            spend_cpd_links(links, [record.verification.request_id], SpentLink.REPLACED)
        request_id = next_cpd_request_id(links)
        verification = requested(cmd.verifier, request_id, self.now, self.input.policy)
        open_cpd_link(links, token, request_id)
        self._set_verification(cmd.index, verification, by_applicant=True)
        self._record(
            "cpd_verification_requested",
            cmd.actor,
            f"CPD record {cmd.index + 1} ({request_id}) sent to {cmd.verifier.name}",
        )
        self._email_verifier(Template.CPD_VERIFICATION_REQUEST, cmd.index, token)

    def respond_to_cpd_verification(self, response: CpdVerificationResponse) -> None:
        """R08: the verifier confirms, or declines with a reason that goes to the applicant."""
        links = self.p.cpd_links
        request_id = links.live[response.token]
        index = pending_request(self.app.content.cpd, request_id)
        assert index is not None  # the check found the live request
        record = self.app.content.cpd[index]
        assert record.verification is not None and record.verification.verifier is not None
        verifier = record.verification.verifier
        answer = answered(
            record.verification, confirm=response.confirm, reason=response.reason, now=self.now
        )
        spend_cpd_links(links, [request_id], SpentLink.USED)
        self._set_verification(index, answer)
        actor = Actor(id=str(verifier.email), role=Role.VERIFIER, name=verifier.name)
        action = "cpd_verification_confirmed" if response.confirm else "cpd_verification_declined"
        self._record(action, actor, response.reason or f"CPD record {index + 1} ({request_id})")
        if not response.confirm:
            self._email_applicant(
                Template.CPD_VERIFICATION_DECLINED,
                verifier_name=verifier.name,
                cpd_title=record.title,
                reason=response.reason or "",
            )

    def mark_cpd_verified(self, cmd: MarkCpdVerified) -> None:
        """R08: a trusted service verified the record itself; recorded as the service's mark."""
        links = self.p.cpd_links
        current = self.app.content.cpd[cmd.index].verification
        if current is not None:
            spend_cpd_links(links, [current.request_id], SpentLink.REPLACED)
        request_id = next_cpd_request_id(links)
        mark = marked_by_service(cmd.actor.id, request_id, self.now, cmd.verifier)
        self._set_verification(cmd.index, mark)
        self._record("cpd_marked_verified", cmd.actor, f"CPD record {cmd.index + 1} ({request_id})")

    def cpd_edited(self, old: Sequence[CpdRecord], actor: Actor) -> None:
        """After a draft replaced the CPD list: the verifications its edits withdrew lose
        their links, and the audit says which went."""
        gone = withdrawn_verifications(old, self.app.content.cpd)
        if not gone:
            return
        spend_cpd_links(self.p.cpd_links, [v.request_id for v in gone], SpentLink.WITHDRAWN)
        ids = ", ".join(v.request_id for v in gone)
        self._record("cpd_verification_withdrawn", actor, f"edited or removed: {ids}")

    def close_cpd_requests(self, reason: str) -> None:
        """On submission or closing: pending requests are withdrawn, every live link spent
        (an application under assessment, or closed, changes no more)."""
        links = self.p.cpd_links
        if not links.live and not any(_is_pending(r.verification) for r in self.app.content.cpd):
            return
        spend_cpd_links(links, list(links.live.values()), SpentLink.CLOSED)
        cpd = [
            r.model_copy(update={"verification": withdrawn(r.verification, reason)})
            if r.verification is not None and _is_pending(r.verification)
            else r
            for r in self.app.content.cpd
        ]
        content = self.app.content.model_copy(update={"cpd": cpd})
        self.app = self.app.model_copy(update={"content": content})

    def fire_cpd_deadline(self, deadline: CpdDeadline) -> None:
        """A request's reminder to its verifier, or its expiry (the applicant is told)."""
        self.p.fired.append(deadline.key)
        index = pending_request(self.app.content.cpd, deadline.request_id)
        if index is None:
            return  # answered, withdrawn or replaced since it was planned
        record = self.app.content.cpd[index]
        assert record.verification is not None
        token = _live_token(self.p, deadline.request_id)
        if deadline.kind == CpdDeadlineKind.REMINDER:
            self._record("cpd_verification_reminder", SYSTEM, deadline.request_id)
            if token is not None:
                self._email_verifier(Template.CPD_VERIFICATION_REMINDER, index, token)
            return
        verifier = record.verification.verifier
        spend_cpd_links(self.p.cpd_links, [deadline.request_id], SpentLink.EXPIRED)
        self._set_verification(index, expired(record.verification))
        self._record("cpd_verification_expired", SYSTEM, deadline.request_id)
        self._email_applicant(
            Template.CPD_VERIFICATION_EXPIRED,
            verifier_name=verifier.name if verifier else "",
            cpd_title=record.title,
        )

    # --- changes -------------------------------------------------------------------------

    def _set_verification(
        self, index: int, verification: CpdVerification, *, by_applicant: bool = False
    ) -> None:
        """Record ``verification`` on record ``index``; only the applicant's own request
        counts as editing the draft (the idle-draft clock, R10's policy)."""
        cpd = list(self.app.content.cpd)
        cpd[index] = cpd[index].model_copy(update={"verification": verification})
        content = self.app.content.model_copy(update={"cpd": cpd})
        if by_applicant:
            self._edited(content)
        else:
            self.app = self.app.model_copy(update={"content": content})

    def _email_verifier(self, template: Template, index: int, token: str) -> None:
        record = self.app.content.cpd[index]
        verification = record.verification
        assert verification is not None and verification.verifier is not None
        assert verification.expires_at is not None
        verifier = verification.verifier
        self._email(
            template,
            str(verifier.email),
            verifier.name,
            cpd_title=record.title,
            activity_date=record.activity_date.isoformat(),
            link=f"{self.input.cpd_verification_link_base}/{self.app.application_id}/{token}",
            expires_on=scheme_date(verification.expires_at).isoformat(),
        )


def _is_pending(verification: CpdVerification | None) -> bool:
    return verification is not None and verification.status == CpdVerificationStatus.REQUESTED


def _live_token(progress: ApplicationProgress, request_id: str) -> str | None:
    for token, live_id in progress.cpd_links.live.items():
        if live_id == request_id:
            return token
    return None


def _refusal(message: str, problems: list[Problem]) -> Refusal | None:
    if not problems:
        return None
    conflict = any(p.code == "cpd_already_verified" for p in problems)
    return refused(RefusalKind.CONFLICT if conflict else RefusalKind.INVALID, message, problems)
