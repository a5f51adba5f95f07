"""Small builders for applications and their evidence, shared by every test folder.

``complete_application`` gives an application that ``models.readiness`` finds ready on ``today``
against the stand-in catalogue; tests take something away from it to check one rule. Every
builder is pure: the same arguments give the same application.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

from models.application import (
    Applicant,
    Application,
    ApplicationContent,
    CpdRecord,
    Declaration,
    DocumentRef,
    NarrativeSection,
    Qualification,
    RoleDetails,
)
from models.catalogue import Catalogue, PathwayCatalogue, load_catalogue
from models.enums import (
    ApplicationKind,
    AreaOfPractice,
    DeclarationStatus,
    DeclarerRole,
    DocumentKind,
    FheqLevel,
    MembershipStatus,
    Pathway,
    Route,
)
from models.pathways import PATHWAY_LEVEL, PATHWAY_ROLE

DATA = Path(__file__).resolve().parents[1] / "data"
STAND_IN_OUTCOMES = DATA / "learning_outcomes.stand-in.json"
STAND_IN_PROGRAMMES = DATA / "approved_programmes.stand-in.json"

TODAY = date(2025, 6, 16)
"""A fixed 'today' for tests that do not care which day it is."""

SCOPE_DOCUMENT_ID = "doc-scope"


@lru_cache
def stand_in_catalogue() -> Catalogue:
    """The catalogue shipped in ``data/`` (loaded once per test session)."""
    return load_catalogue(STAND_IN_OUTCOMES, STAND_IN_PROGRAMMES)


def pathway_catalogue(pathway: Pathway) -> PathwayCatalogue:
    """The stand-in catalogue for one pathway, as a workflow receives it."""
    return stand_in_catalogue().for_pathway(pathway)


def at(day: date, hour: int = 9) -> datetime:
    """A UTC timestamp on ``day``."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


def applicant(
    *,
    member_id: str = "M0001",
    membership_status: MembershipStatus = MembershipStatus.RADIOGRAPHIC_ASSISTANT,
    employer: str = "Northgate Hospitals NHS Trust",
) -> Applicant:
    return Applicant(
        member_id=member_id,
        name="Alex Example",
        email=f"{member_id.lower()}@members.example.org",
        registration_number=f"AP{member_id[1:]}",
        membership_status=membership_status,
        employer=employer,
    )


def document(document_id: str, kind: DocumentKind) -> DocumentRef:
    """A stored document; its hash is derived from its id so builds are repeatable."""
    return DocumentRef(
        document_id=document_id,
        kind=kind,
        sha256=hashlib.sha256(document_id.encode()).hexdigest(),
        filename=f"{document_id}.pdf",
    )


def scope_of_practice_document(document_id: str = SCOPE_DOCUMENT_ID) -> DocumentRef:
    return document(document_id, DocumentKind.SCOPE_OF_PRACTICE)


def certificate_document(document_id: str) -> DocumentRef:
    return document(document_id, DocumentKind.CERTIFICATE)


def role_details(pathway: Pathway, areas: tuple[AreaOfPractice, ...] | None = None) -> RoleDetails:
    """Role details whose role fits ``pathway`` (R02), with areas of practice (R05)."""
    if areas is None:
        areas = (
            (AreaOfPractice.BREAST_SCREENING,)
            if pathway == Pathway.MA_L4
            else (AreaOfPractice.CLINICAL_IMAGING,)
        )
    return RoleDetails(
        role=PATHWAY_ROLE[pathway],
        job_title="Assistant practitioner",
        employer="Northgate Hospitals NHS Trust",
        areas_of_practice=list(areas),
        scope_summary="Plain-film imaging of the appendicular skeleton under supervision",
    )


def qualification(
    pathway: Pathway,
    route: Route | None,
    completed_on: date,
    *,
    certificate_document_id: str | None = "doc-cert-0",
    further_learning: bool = False,
) -> Qualification:
    """A qualification at ``pathway``'s level: a listed programme on the approved route (R07),
    entered details otherwise (R08, R16)."""
    level = PATHWAY_LEVEL[pathway]
    if route == Route.APPROVED:
        return Qualification(
            programme_id=pathway_catalogue(pathway).programmes[0].id,
            fheq_level=level,
            completed_on=completed_on,
            certificate_document_id=certificate_document_id,
        )
    return Qualification(
        title=f"Certificate in Assistant Practice (FHEQ Level {level.value})",
        awarding_body="Westbrook College",
        fheq_level=level,
        completed_on=completed_on,
        certificate_document_id=certificate_document_id,
        further_learning=further_learning,
    )


def narrative(
    pathway: Pathway, *, omit: tuple[str, ...] = (), catalogue: PathwayCatalogue | None = None
) -> list[NarrativeSection]:
    """A critical narrative evidencing every learning outcome of the pathway but ``omit``."""
    codes = (catalogue or pathway_catalogue(pathway)).outcome_codes()
    return [
        NarrativeSection(outcome_code=code, text=f"My reflection on {code}.")
        for code in codes
        if code not in omit
    ]


def cpd_records(
    today: date, count: int = 6, *, verified: bool = True, days_ago: int = 30
) -> list[CpdRecord]:
    """``count`` CPD records dated ``days_ago`` days before ``today`` (R08, R16)."""
    return [
        CpdRecord(
            title=f"CPD activity {i + 1}",
            activity_date=today - timedelta(days=days_ago),
            verified_by="Sam Educator" if verified else None,
        )
        for i in range(count)
    ]


def declaration(
    status: DeclarationStatus = DeclarationStatus.CONFIRMED,
    *,
    invited_on: date = TODAY,
    reason: str | None = None,
) -> Declaration:
    """The manager's declaration (R09); a declined one carries ``reason``."""
    if status == DeclarationStatus.DECLINED and reason is None:
        reason = "the scope of practice does not match the role"
    responded = status in (DeclarationStatus.CONFIRMED, DeclarationStatus.DECLINED)
    return Declaration(
        declarer_name="Jo Manager",
        declarer_email="jo.manager@northgate.example.org",
        declarer_role=DeclarerRole.MANAGER,
        status=status,
        invited_at=at(invited_on),
        responded_at=at(invited_on, 15) if responded else None,
        reason=reason,
    )


def draft_application(
    pathway: Pathway,
    route: Route | None = Route.APPROVED,
    kind: ApplicationKind = ApplicationKind.INITIAL,
    *,
    application_id: str = "app-0001",
    member: Applicant | None = None,
) -> Application:
    """An application with nothing entered yet: still a valid, savable draft (R10)."""
    return Application(
        application_id=application_id,
        applicant=member or applicant(),
        pathway=pathway,
        route=route,
        kind=kind,
    )


def complete_application(
    pathway: Pathway,
    route: Route | None = Route.APPROVED,
    kind: ApplicationKind = ApplicationKind.INITIAL,
    today: date = TODAY,
    *,
    application_id: str = "app-0001",
    member: Applicant | None = None,
) -> Application:
    """An application ready to submit on ``today`` (no problems from ``readiness``).

    Args:
        pathway: the pathway applied for; the role and qualification level follow it.
        route: the initial route; must be ``None`` for re-accreditation.
        kind: initial accreditation or re-accreditation.
        today: the submission date the evidence is recent for.
        application_id: the application's id.
        member: the applicant; a radiographic assistant member by default.
    """
    reaccreditation = kind == ApplicationKind.REACCREDITATION
    documents = [scope_of_practice_document(), certificate_document("doc-cert-0")]
    qualifications = [qualification(pathway, route, today - timedelta(days=200))]
    if reaccreditation:
        qualifications[0] = qualification(pathway, None, today - timedelta(days=2000))
        qualifications.append(
            qualification(
                pathway,
                None,
                today - timedelta(days=100),
                certificate_document_id="doc-cert-1",
                further_learning=True,
            )
        )
        documents.append(certificate_document("doc-cert-1"))
    needs_portfolio = reaccreditation or route == Route.NON_APPROVED
    content = ApplicationContent(
        role_details=role_details(pathway),
        qualifications=qualifications,
        documents=documents,
        narrative=narrative(pathway) if needs_portfolio else [],
        cpd=cpd_records(today) if needs_portfolio else [],
    )
    return Application(
        application_id=application_id,
        applicant=member or applicant(),
        pathway=pathway,
        route=route,
        kind=kind,
        content=content,
        declaration=declaration(invited_on=today - timedelta(days=10)),
    )


def complete_reaccreditation(
    pathway: Pathway, today: date = TODAY, *, application_id: str = "app-0002"
) -> Application:
    """A re-accreditation application ready to submit on ``today`` (R16)."""
    return complete_application(
        pathway, None, ApplicationKind.REACCREDITATION, today, application_id=application_id
    )


def with_content(application: Application, **changes: object) -> Application:
    """``application`` with some content sections replaced (e.g. ``cpd=[]``)."""
    content = application.content.model_copy(update=changes)
    return application.model_copy(update={"content": content})


def other_level(pathway: Pathway) -> FheqLevel:
    """A qualification level that does not fit ``pathway`` (R02)."""
    return FheqLevel.L5 if PATHWAY_LEVEL[pathway] == FheqLevel.L4 else FheqLevel.L4
