"""R12: allocate an assessor; the rule is ``models.allocation``, this reads the tables."""

from __future__ import annotations

from concurrent.futures import Executor

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.threads import in_thread
from models.allocation import choose_assessor
from models.records import AllocationRequest, AllocationResult, Assessor
from storage.staff_queries import assessors_with_workload


class AllocationActivities:
    """Chooses the least-loaded eligible assessor from the assessors table."""

    def __init__(
        self, session_factory: sessionmaker[Session], *, threads: Executor | None = None
    ) -> None:
        self.session_factory = session_factory
        self.threads = threads

    @activity.defn(name="allocate_assessor")
    async def allocate_assessor(self, request: AllocationRequest) -> AllocationResult:
        """R12: an assessor for ``request``, or none with the reason officers must allocate."""
        assessors, workload = await in_thread(self.threads, self._load, request.application_id)
        result = choose_assessor(request, assessors, workload)
        if result.assessor is None:
            activity.logger.info("%s: no assessor: %s", request.application_id, result.reason)
        else:
            chosen = result.assessor.assessor_id
            activity.logger.info("%s: allocated to %s", request.application_id, chosen)
        return result

    def _load(self, application_id: str) -> tuple[list[Assessor], dict[str, int]]:
        with self.session_factory() as session:
            return assessors_with_workload(session=session, leave_out_application=application_id)
