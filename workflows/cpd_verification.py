"""R08/R16: the application workflow's CPD verification handlers.

The applicant sends a CPD record to a named verifier; the verifier reads it and answers through
their single-use link (no sign-in); a trusted service (the member portal) marks a record it
verified itself. ``models.cpd_steps`` decides what each means; ``ApplicationWorkflow`` inherits
these handlers.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.actions import Action
    from models.commands import (
        CpdVerificationLink,
        CpdVerificationResponse,
        MarkCpdVerified,
        RequestCpdVerification,
    )
    from models.cpd_verification import CpdVerificationRequest
    from models.progress import SpentLink
    from models.views import ActionResult
    from workflows.application_steps import ApplicationSteps
    from workflows.refusals import refuse


class CpdVerificationHandlers(ApplicationSteps):
    @workflow.query
    def cpd_verification_request(self, link: CpdVerificationLink) -> CpdVerificationRequest | None:
        """What the holder of a live CPD verification link is asked to confirm; None when the
        link is used, replaced, withdrawn or expired."""
        self._life.now = workflow.now()
        return self._life.cpd_verification_request(link)

    @workflow.query
    def spent_cpd_link(self, link: CpdVerificationLink) -> SpentLink | None:
        """Why a CPD verification link no longer works; None for a live or unknown link."""
        return self._life.p.cpd_links.spent.get(link.token)

    @workflow.update
    async def request_cpd_verification(self, cmd: RequestCpdVerification) -> ActionResult:
        """R08/R16: send one CPD record to a named verifier through a single-use link."""
        async with self._lock:
            self._begin()
            self._life.request_cpd_verification(cmd, str(workflow.uuid4()))
            return self._finish()

    @request_cpd_verification.validator
    def _validate_request_cpd_verification(self, cmd: RequestCpdVerification) -> None:
        self._check(Action.REQUEST_CPD_VERIFICATION, cmd.actor)
        refuse(self._life.check_cpd_request(cmd))

    @workflow.update
    async def respond_to_cpd_verification(self, response: CpdVerificationResponse) -> ActionResult:
        """R08: the verifier confirms the record, or declines with a reason."""
        async with self._lock:
            self._begin()
            self._life.respond_to_cpd_verification(response)
            return self._finish()

    @respond_to_cpd_verification.validator
    def _validate_respond_to_cpd_verification(self, response: CpdVerificationResponse) -> None:
        self._life.now = workflow.now()
        refuse(self._life.check_cpd_link(response))

    @workflow.update
    async def mark_cpd_verified(self, cmd: MarkCpdVerified) -> ActionResult:
        """R08: a trusted service (the portal) verified the record itself."""
        async with self._lock:
            self._begin()
            self._life.mark_cpd_verified(cmd)
            return self._finish()

    @mark_cpd_verified.validator
    def _validate_mark_cpd_verified(self, cmd: MarkCpdVerified) -> None:
        self._check(Action.MARK_CPD_VERIFIED, cmd.actor)
        refuse(self._life.check_cpd_mark(cmd))
