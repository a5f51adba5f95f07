"""R10: what stands between an application and submission, every item at once.

``readiness`` is pure: the catalogue and today's date come in as arguments. Which learning
outcomes still need narrative (R08, R16) it reads from the coverage map (``models.coverage``),
so the applicant's and assessor's map and the submission check cannot disagree.
"""

from __future__ import annotations

from datetime import date

from models.application import Application, ApplicationContent, Qualification
from models.catalogue import PathwayCatalogue
from models.coverage import cpd_verified, evidence_rule, outcomes_needing_evidence
from models.dates import CPD_RECENCY_YEARS, QUALIFICATION_RECENCY_YEARS, within_years
from models.enums import ApplicationKind, DeclarationStatus, DocumentKind, Route
from models.errors import Problem
from models.pathways import PATHWAY_LEVEL, PATHWAY_ROLE, role_fits_pathway
from models.policy import Policy

MIN_VERIFIED_CPD = 6


def readiness(
    application: Application,
    catalogue: PathwayCatalogue,
    today: date,
    *,
    policy: Policy | None = None,
) -> list[Problem]:
    """Every unmet requirement for submitting ``application`` on ``today``; empty when ready.

    Covers R02, R04, R06-R09 for initial applications and R16 for re-accreditation. Which
    CPD counts as verified follows ``policy`` (``models.cpd_verification.counts_as_verified``;
    no policy: the ``Policy`` defaults).
    """
    content = application.content
    reaccreditation = application.kind == ApplicationKind.REACCREDITATION
    problems = _role_and_scope(application, "R16" if reaccreditation else "R06")
    if reaccreditation:
        problems += _reaccreditation_qualifications(content)
    else:
        problems += _initial_qualification(application, catalogue, today)
    rule = evidence_rule(application)
    if rule is not None:
        problems += _narrative_and_cpd(application, catalogue, today, rule, policy)
    problems += _declaration(application, "R16" if reaccreditation else "R09")
    return problems


def _role_and_scope(application: Application, rule: str) -> list[Problem]:
    content = application.content
    problems: list[Problem] = []
    role = content.role_details
    if role is None:
        problems.append(
            Problem(
                rule=rule,
                code="role_details_missing",
                field="role_details",
                message="complete your role details and areas of practice",
            )
        )
    elif not role_fits_pathway(role.role, application.pathway):
        problems.append(role_pathway_problem(application))
    if not content.documents_of(DocumentKind.SCOPE_OF_PRACTICE):
        problems.append(
            Problem(
                rule=rule,
                code="scope_of_practice_missing",
                field="documents",
                message="upload your agreed written scope of practice",
            )
        )
    return problems


def role_pathway_problem(application: Application) -> Problem:
    """R02: the problem reported when the role does not fit the pathway."""
    expected = PATHWAY_ROLE[application.pathway].value.replace("_", " ")
    return Problem(
        rule="R02",
        code="role_pathway_mismatch",
        field="role_details.role",
        message=f"the {application.pathway.value} pathway is for a {expected}; "
        "choose the pathway that matches your role",
    )


def _certificate_problem(
    content: ApplicationContent, qualification: Qualification, field: str, rule: str
) -> list[Problem]:
    doc_id = qualification.certificate_document_id
    doc = content.document(doc_id) if doc_id else None
    if doc is not None and doc.kind == DocumentKind.CERTIFICATE:
        return []
    return [
        Problem(
            rule=rule,
            code="certificate_missing",
            field=f"{field}.certificate_document_id",
            message="upload the certificate for this qualification",
        )
    ]


def _initial_qualification(
    application: Application, catalogue: PathwayCatalogue, today: date
) -> list[Problem]:
    content = application.content
    approved = application.route == Route.APPROVED
    rule = "R07" if approved else "R08"
    if not content.qualifications:
        message = (
            "select your qualification from the approved programme list"
            if approved
            else "enter the details of your qualification"
        )
        return [
            Problem(
                rule=rule, code="qualification_missing", field="qualifications", message=message
            )
        ]
    qualification = content.qualifications[0]
    field = "qualifications[0]"
    problems: list[Problem] = []
    level = qualification.fheq_level
    if approved:
        programme = catalogue.programme(qualification.programme_id or "")
        if programme is None:
            problems.append(
                Problem(
                    rule="R07",
                    code="programme_not_approved",
                    field=f"{field}.programme_id",
                    message="choose a programme from the approved list for the "
                    f"{application.pathway.value} pathway",
                )
            )
        else:
            level = programme.fheq_level
    elif not (qualification.title and qualification.awarding_body):
        problems.append(
            Problem(
                rule="R08",
                code="qualification_details_missing",
                field=field,
                message="enter the qualification's title and awarding body",
            )
        )
    if level != PATHWAY_LEVEL[application.pathway]:
        problems.append(
            Problem(
                rule="R02",
                code="qualification_level_mismatch",
                field=f"{field}.fheq_level",
                message=f"the {application.pathway.value} pathway needs an FHEQ Level "
                f"{PATHWAY_LEVEL[application.pathway].value} qualification",
            )
        )
    problems += _certificate_problem(content, qualification, field, rule)
    if not within_years(qualification.completed_on, QUALIFICATION_RECENCY_YEARS, today):
        problems.append(
            Problem(
                rule="R04",
                code="qualification_not_recent",
                field=f"{field}.completed_on",
                message="the programme must have been completed within the last "
                f"{QUALIFICATION_RECENCY_YEARS} years (and not in the future)",
            )
        )
    return problems


def _reaccreditation_qualifications(content: ApplicationContent) -> list[Problem]:
    if not content.qualifications:
        return [
            Problem(
                rule="R16",
                code="qualification_missing",
                field="qualifications",
                message="enter your qualifications, including further learning since your "
                "last award",
            )
        ]
    problems: list[Problem] = []
    for i, qualification in enumerate(content.qualifications):
        problems += _certificate_problem(content, qualification, f"qualifications[{i}]", "R16")
    return problems


def _narrative_and_cpd(
    application: Application,
    catalogue: PathwayCatalogue,
    today: date,
    rule: str,
    policy: Policy | None,
) -> list[Problem]:
    """R08/R16: a narrative section for every learning outcome (the outcomes the coverage map
    says need evidence), none for an unknown outcome, and enough verified, recent CPD."""
    content = application.content
    problems: list[Problem] = [
        Problem(
            rule=rule,
            code="narrative_outcome_missing",
            field=f"narrative.{code}",
            message=f"the critical narrative must evidence learning outcome {code}",
        )
        for code in outcomes_needing_evidence(application, catalogue)
    ]
    known = set(catalogue.outcome_codes())
    for i, section in enumerate(content.narrative):
        if section.outcome_code not in known:
            problems.append(
                Problem(
                    rule=rule,
                    code="narrative_outcome_unknown",
                    field=f"narrative[{i}].outcome_code",
                    message=f"{section.outcome_code} is not a learning outcome of the "
                    f"{catalogue.pathway.value} pathway",
                )
            )
    qualifying = [c for c in content.cpd if cpd_verified(c, today, policy=policy)]
    if len(qualifying) < MIN_VERIFIED_CPD:
        how = (
            " (each confirmed by your verifier through their link, or verified by the portal)"
            if policy is not None and policy.cpd_verification_required
            else ""
        )
        problems.append(
            Problem(
                rule=rule,
                code="cpd_insufficient",
                field="cpd",
                message=f"at least {MIN_VERIFIED_CPD} verified CPD records from the last "
                f"{CPD_RECENCY_YEARS} years are needed{how}; {len(qualifying)} qualify",
            )
        )
    return problems


def _declaration(application: Application, rule: str) -> list[Problem]:
    declaration = application.declaration
    if declaration is not None and declaration.status == DeclarationStatus.CONFIRMED:
        return []
    if declaration is None:
        message = "invite your manager or practice educator to complete the declaration"
    elif declaration.status == DeclarationStatus.INVITED:
        message = f"waiting for {declaration.declarer_name} to complete the declaration"
    elif declaration.status == DeclarationStatus.DECLINED:
        message = (
            f"{declaration.declarer_name} declined the declaration: {declaration.reason}; "
            "address it and invite them again"
        )
    else:
        message = "the declaration invitation expired; invite your declarer again"
    return [Problem(rule=rule, code="declaration_incomplete", field="declaration", message=message)]
