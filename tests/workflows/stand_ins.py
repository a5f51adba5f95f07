"""Stand-in activities registered under the real names, recording what workflows asked for.

End-to-end tests (``test_application_e2e.py``) use the real activities; these keep workflow
tests about orchestration: which steps, in which order, at which (skipped) time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from temporalio import activity

from models.accreditation import AwardNotice
from models.enums import AreaOfPractice
from models.records import (
    AccreditationSummary,
    AllocationRequest,
    AllocationResult,
    Assessor,
    Notification,
    ReadModelUpdate,
    RegisterEntry,
)

ASSESSOR = Assessor(
    assessor_id="assessor-1",
    name="Robin Assessor",
    email="robin.assessor@assessors.example.org",
    employer="Eastholme Health Board",
    areas_of_practice=list(AreaOfPractice),
)


@dataclass
class Sent:
    at: datetime
    notification: Notification

    @property
    def template(self) -> str:
        return self.notification.template


@dataclass
class StandInActivities:
    assessors: list[Assessor] = field(default_factory=lambda: [ASSESSOR])
    allocation_gate: asyncio.Event | None = None
    """When set, allocations wait for it: a test can act while one is in flight."""
    sent: list[Sent] = field(default_factory=list)
    events: list[ReadModelUpdate] = field(default_factory=list)
    register: list[RegisterEntry] = field(default_factory=list)
    allocations: list[AllocationRequest] = field(default_factory=list)
    awards: list[AwardNotice] = field(default_factory=list)
    accreditations: list[AccreditationSummary] = field(default_factory=list)

    @activity.defn(name="send_notification")
    async def send_notification(self, notification: Notification) -> bool:
        self.sent.append(Sent(activity.info().scheduled_time, notification))
        return True

    @activity.defn(name="record_application_event")
    async def record_application_event(self, update: ReadModelUpdate) -> None:
        self.events.append(update)

    @activity.defn(name="upsert_register_entry")
    async def upsert_register_entry(self, entry: RegisterEntry) -> None:
        self.register.append(entry)

    @activity.defn(name="allocate_assessor")
    async def allocate_assessor(self, request: AllocationRequest) -> AllocationResult:
        self.allocations.append(request)
        if self.allocation_gate is not None:
            await self.allocation_gate.wait()
        for assessor in self.assessors:
            wanted = request.requested_assessor_id in (None, assessor.assessor_id)
            if wanted and assessor.assessor_id not in request.exclude_assessor_ids:
                return AllocationResult(assessor=assessor)
        return AllocationResult(assessor=None, reason="no stand-in assessor is free")

    @activity.defn(name="record_accreditation")
    async def record_accreditation(self, summary: AccreditationSummary) -> None:
        self.accreditations.append(summary)

    @activity.defn(name="record_award")
    async def record_award(self, notice: AwardNotice) -> str:
        self.awards.append(notice)
        return f"accreditation-{notice.member.member_id}"

    def all(self) -> Sequence[Callable[..., Any]]:
        return [
            self.record_award,
            self.record_accreditation,
            self.send_notification,
            self.record_application_event,
            self.upsert_register_entry,
            self.allocate_assessor,
        ]

    def templates(self) -> list[str]:
        return [s.template for s in self.sent]

    async def wait_for(self, template: str, count: int = 1, seconds: float = 10) -> list[Sent]:
        """The emails of ``template`` sent, once there are ``count``: updates start emails
        without waiting for them, so a test waits here before reading one."""
        for _ in range(int(seconds / 0.05)):
            found = [s for s in self.sent if s.template == template]
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {count} x {template} within {seconds}s; sent {self.templates()}")

    async def link_token(self, count: int = 1) -> str:
        """The token in the ``count``-th declaration link sent."""
        invitations = await self.wait_for("declaration_invitation", count)
        return token_of(invitations[count - 1])


def token_of(sent: Sent) -> str:
    return sent.notification.context["link"].rsplit("/", 1)[-1]
