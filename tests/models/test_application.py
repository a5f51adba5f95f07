"""models.application: what an application holds while drafting (R03, R05, R09, R10)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from models.application import Application, ApplicationContent, Declaration, DocumentRef
from models.enums import (
    ApplicationKind,
    AreaOfPractice,
    DeclarationStatus,
    DeclarerRole,
    DocumentKind,
    Pathway,
    Route,
)
from tests.builders import (
    applicant,
    complete_application,
    complete_reaccreditation,
    declaration,
    document,
    draft_application,
    role_details,
)


@pytest.mark.parametrize("pathway", list(Pathway))
@pytest.mark.parametrize("route", list(Route))
def test_r10_draft_with_nothing_entered_is_a_valid_application(
    pathway: Pathway, route: Route
) -> None:
    draft = Application(application_id="app-1", applicant=applicant(), pathway=pathway, route=route)
    assert draft.kind == ApplicationKind.INITIAL
    assert draft.content == ApplicationContent()
    assert draft.declaration is None


def test_r10_draft_round_trips_through_json_without_loss() -> None:
    for application in (
        draft_application(Pathway.AP_L4, Route.NON_APPROVED),
        complete_application(Pathway.AP_L5, Route.NON_APPROVED),
        complete_reaccreditation(Pathway.MA_L4),
    ):
        assert Application.model_validate_json(application.model_dump_json()) == application


def test_r03_initial_application_needs_a_route() -> None:
    with pytest.raises(ValidationError, match="route: initial accreditation needs a route"):
        draft_application(Pathway.AP_L4, route=None)


def test_r03_reaccreditation_has_no_route() -> None:
    with pytest.raises(ValidationError, match="re-accreditation has no route"):
        draft_application(Pathway.AP_L4, Route.APPROVED, ApplicationKind.REACCREDITATION)
    assert draft_application(Pathway.AP_L4, None, ApplicationKind.REACCREDITATION).route is None


def test_r03_route_values() -> None:
    assert {r.value for r in Route} == {"approved", "non_approved"}


def test_r05_role_names_at_least_one_area_of_practice() -> None:
    with pytest.raises(ValidationError, match="areas_of_practice"):
        role_details(Pathway.AP_L4, areas=())


def test_r05_areas_of_practice_are_kept_once_in_order() -> None:
    details = role_details(
        Pathway.AP_L4,
        areas=(AreaOfPractice.RADIOTHERAPY, AreaOfPractice.OTHER, AreaOfPractice.RADIOTHERAPY),
    )
    assert details.areas_of_practice == [AreaOfPractice.RADIOTHERAPY, AreaOfPractice.OTHER]


def test_r05_the_five_areas_of_practice() -> None:
    assert {a.value for a in AreaOfPractice} == {
        "clinical_imaging",
        "radiotherapy",
        "breast_screening",
        "aaa_screening",
        "other",
    }


def test_document_hash_must_be_a_sha256_hex_digest() -> None:
    good = document("doc-1", DocumentKind.OTHER)
    with pytest.raises(ValidationError, match="sha256"):
        DocumentRef(**{**good.model_dump(), "sha256": "not-a-hash"})


def test_content_finds_documents_by_kind_and_id() -> None:
    content = complete_application(Pathway.AP_L4, Route.APPROVED).content
    assert [d.document_id for d in content.documents_of(DocumentKind.SCOPE_OF_PRACTICE)] == [
        "doc-scope"
    ]
    assert content.document("doc-cert-0") is not None
    assert content.document("nope") is None


def test_r09_declaration_starts_invited() -> None:
    invited = Declaration(
        declarer_name="Jo Manager",
        declarer_email="jo@example.org",
        declarer_role=DeclarerRole.PRACTICE_EDUCATOR,
        invited_at=datetime(2025, 6, 1, tzinfo=UTC),
    )
    assert invited.status == DeclarationStatus.INVITED


def test_r09_declined_declaration_carries_its_reason() -> None:
    assert declaration(DeclarationStatus.DECLINED, reason="not my team").reason == "not my team"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_r09_declined_declaration_without_a_reason_is_refused(reason: str | None) -> None:
    with pytest.raises(ValidationError, match="reason"):
        Declaration(
            declarer_name="Jo Manager",
            declarer_email="jo@example.org",
            declarer_role=DeclarerRole.MANAGER,
            status=DeclarationStatus.DECLINED,
            invited_at=datetime(2025, 6, 1, tzinfo=UTC),
            reason=reason,
        )
