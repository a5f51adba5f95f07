"""All of an application workflow's state in one object.

It is what the workflow carries into continue-as-new, and what lets a workflow start part-way
(a test of a timer, a migration) without replaying every step.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from models.application import Assessment, AssessmentDraft, Finding
from models.application_machine import ApplicationState
from models.deadlines import DeadlineFacts
from models.enums import Outcome
from models.records import Assessor
from models.views import Award, HistoryEntry


class SpentLink(StrEnum):
    """Why a declaration (or CPD verification) link no longer works, for the page its holder
    opens."""

    USED = "used"
    REPLACED = "replaced"
    EXPIRED = "expired"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    """CPD verification only: the record was edited or removed, or its request withdrawn."""


SPENT_LINKS_KEPT = 20
"""How many spent declaration links an application remembers the fate of."""

CPD_SPENT_LINKS_KEPT = 100
"""How many spent CPD verification links an application remembers the fate of."""


class CpdLinks(BaseModel):
    """R08/R16: the single-use links of CPD verification requests (``models.cpd_verification``).

    A live link's token maps to its request id, never to a record's position: the CPD list is
    reordered and edited by drafts, and ``carry_verifications`` keeps a request with its
    record, or drops it with an edit. The tokens are secrets, kept here in the workflow's
    progress and never in the application the applicant sees.
    """

    live: dict[str, str] = Field(default_factory=dict, description="live token -> request id")
    spent: dict[str, SpentLink] = Field(
        default_factory=dict, description="tokens no longer live, and why"
    )
    issued: int = Field(0, ge=0, description="request ids issued so far")


class ApplicationProgress(BaseModel):
    state: ApplicationState = ApplicationState.DRAFT
    facts: DeadlineFacts
    fired: list[str] = Field(default_factory=list, description="deadline keys already fired")
    history: list[HistoryEntry] = Field(default_factory=list)
    event_seq: int = 0
    declaration_token: str | None = None
    spent_links: dict[str, SpentLink] = Field(
        default_factory=dict, description="declaration tokens no longer live, and why"
    )
    assessor: Assessor | None = None
    assessment: Assessment | None = None
    assessment_draft: AssessmentDraft | None = Field(
        None, description="the allocated assessor's saved, unsubmitted work"
    )
    outcome: Outcome | None = None
    feedback: list[Finding] = Field(default_factory=list)
    award: Award | None = None
    overdue: bool = False
    queue_reason: str | None = None
    submitted_at: datetime | None = None
    cpd_links: CpdLinks = Field(
        default_factory=CpdLinks, description="CPD verification links (R08, R16)"
    )


def spend_link(progress: ApplicationProgress, why: SpentLink) -> None:
    """The live declaration link stops working, and is remembered with the reason."""
    token = progress.declaration_token
    if token is None:
        return
    progress.spent_links[token] = why
    for old in list(progress.spent_links)[:-SPENT_LINKS_KEPT]:
        del progress.spent_links[old]
    progress.declaration_token = None


def next_cpd_request_id(links: CpdLinks) -> str:
    """A new CPD verification request id, unique within the application (and counted)."""
    links.issued += 1
    return f"cpd-{links.issued}"


def open_cpd_link(links: CpdLinks, token: str, request_id: str) -> None:
    """``token`` becomes the live link of the request ``request_id``."""
    links.live[token] = request_id


def spend_cpd_link(links: CpdLinks, token: str, why: SpentLink) -> None:
    """The live CPD link ``token`` stops working, and is remembered with the reason."""
    if links.live.pop(token, None) is None:
        return
    links.spent[token] = why
    for old in list(links.spent)[:-CPD_SPENT_LINKS_KEPT]:
        del links.spent[old]


def spend_cpd_links(links: CpdLinks, request_ids: Iterable[str], why: SpentLink) -> None:
    """Every live CPD link of the requests ``request_ids`` stops working (all of them with
    ``SpentLink.CLOSED`` when the application closes, or is submitted)."""
    ids = set(request_ids)
    for token, request_id in list(links.live.items()):
        if request_id in ids:
            spend_cpd_link(links, token, why)
