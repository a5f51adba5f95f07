"""R14/R20/R22: hand every award, initial or renewal, to the member's long-lived
accreditation workflow: the one route an award takes."""

from __future__ import annotations

from temporalio import activity
from temporalio.client import Client

from models.accreditation import (
    ACCREDITATION_WORKFLOW,
    AWARD,
    AccreditationInput,
    AwardNotice,
    accreditation_workflow_id,
)
from models.catalogue import Catalogue
from models.policy import Policy


class LifecycleActivities:
    """Starts or signals accreditation workflows; the catalogue and policy go in their input."""

    def __init__(
        self,
        client: Client,
        catalogue: Catalogue,
        policy: Policy,
        *,
        declaration_link_base: str | None = None,
        cpd_verification_link_base: str | None = None,
        officers_email: str | None = None,
        non_member_fee_pence: int | None = None,
    ) -> None:
        self.client = client
        self.catalogue = catalogue
        self.policy = policy
        self.application_defaults = {
            key: value
            for key, value in {
                "declaration_link_base": declaration_link_base,
                "cpd_verification_link_base": cpd_verification_link_base,
                "officers_email": officers_email,
                "non_member_fee_pence": non_member_fee_pence,
            }.items()
            if value is not None
        }

    @activity.defn(name="record_award")
    async def record_award(self, notice: AwardNotice) -> str:
        """Signal-with-start the member's workflow with ``notice``; returns its workflow id.

        Idempotent: a running workflow just receives the signal, and ignores one it has seen.
        """
        workflow_id = accreditation_workflow_id(notice.member.member_id)
        # By name: an activity never imports a workflow (a test checks the names match).
        await self.client.start_workflow(
            ACCREDITATION_WORKFLOW,
            AccreditationInput.model_validate(
                {
                    "member": notice.member,
                    "catalogue": self.catalogue,
                    "policy": self.policy,
                    **self.application_defaults,
                }
            ),
            id=workflow_id,
            task_queue=activity.info().task_queue,
            start_signal=AWARD,
            start_signal_args=[notice],
        )
        return workflow_id
