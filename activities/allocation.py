"""R12: allocate an assessor; the rule is ``models.allocation``, this reads the tables."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from models.allocation import choose_assessor
from models.application_machine import ApplicationState
from models.records import AllocationRequest, AllocationResult, Assessor
from storage.tables import ApplicationSummaryRow, AssessorRow

# Applications in this state count towards an assessor's open workload.
IN_ASSESSMENT = ApplicationState.IN_ASSESSMENT.value


class AllocationActivities:
    """Chooses the least-loaded eligible assessor from the assessors table."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    @activity.defn(name="allocate_assessor")
    async def allocate_assessor(self, request: AllocationRequest) -> AllocationResult:
        """R12: an assessor for ``request``, or none with the reason officers must allocate."""
        assessors, workload = await asyncio.to_thread(self._load, request.application_id)
        result = choose_assessor(request, assessors, workload)
        if result.assessor is None:
            activity.logger.info("%s: no assessor: %s", request.application_id, result.reason)
        else:
            chosen = result.assessor.assessor_id
            activity.logger.info("%s: allocated to %s", request.application_id, chosen)
        return result

    def _load(self, application_id: str) -> tuple[list[Assessor], dict[str, int]]:
        with self.session_factory() as session:
            rows = session.scalars(select(AssessorRow).where(AssessorRow.active.is_(True)))
            assessors = [Assessor.model_validate(row, from_attributes=True) for row in rows]
            # This application is left out so that a retry after the summary already names
            # its assessor does not count it against them and choose someone else.
            counts = session.execute(
                select(ApplicationSummaryRow.assessor_id, func.count())
                .where(
                    ApplicationSummaryRow.state == IN_ASSESSMENT,
                    ApplicationSummaryRow.assessor_id.is_not(None),
                    ApplicationSummaryRow.application_id != application_id,
                )
                .group_by(ApplicationSummaryRow.assessor_id)
            )
            return assessors, {assessor_id: count for assessor_id, count in counts if assessor_id}
