"""R08/R16: the learning-outcome coverage map, each outcome of the pathway against its evidence.

For an application that must evidence the learning outcomes itself (a non-approved initial
application, R08, or a re-accreditation, R16), ``coverage`` lists every learning outcome of
the pathway's catalogue, in the catalogue's order, with

- its critical narrative section: whether there is one, and how long it is;
- the CPD records the applicant mapped to it, each marked verified or not;
- a plain verdict.

The verdict is exactly what readiness (R10) asks of that outcome, nothing more:

    **covered**: the critical narrative has a section for the outcome with some text in it
    (not blank, not only spaces); **needs evidence**: it has none.

That is the R08/R16 requirement that the narrative evidence *every* learning outcome. The
other half of R08/R16, at least six verified CPD records from the last two years, is a count
over the whole application, not a requirement per outcome (readiness reports it once, as
``cpd_insufficient``), so the CPD mapped to an outcome is shown to the applicant and the
assessor but does not decide that outcome's verdict: an outcome with a narrative section and
no CPD mapped to it is covered. A CPD record is **verified** (``cpd_verified``, which is
``models.cpd_verification.counts_as_verified``) when someone other than the applicant
confirmed it and it is dated within the last two years, up to today: the same test readiness
counts the six with. Who confirmed it depends on the policy the application runs under: with
``cpd_verification_required``, a named verifier through their link or a trusted service;
without it (applications started before verified CPD), a non-blank ``verified_by``.

``readiness`` reports ``narrative_outcome_missing`` for precisely the outcomes whose verdict is
``needs_evidence``, because it reads them from here. The approved route (R07) evidences the
outcomes through its approved programme and asks for no narrative or CPD: its map is empty.

Pure: the catalogue, today's date and the policy come in as arguments (no policy: the
``Policy`` defaults, the rule before verified CPD).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from models.application import Application, CpdRecord
from models.catalogue import PathwayCatalogue
from models.cpd_verification import counts_as_verified
from models.dates import CPD_RECENCY_YEARS
from models.enums import ApplicationKind, Route
from models.policy import Policy

_DEFAULT_POLICY = Policy()


class Verdict(StrEnum):
    """Whether a learning outcome is evidenced as readiness requires (R08, R16)."""

    COVERED = "covered"
    NEEDS_EVIDENCE = "needs_evidence"


class CpdEvidence(BaseModel):
    """One CPD record the applicant mapped to a learning outcome."""

    model_config = ConfigDict(frozen=True)

    index: int = Field(ge=0, description="the record's position in the application's CPD list")
    title: str
    activity_date: date
    verified: bool = Field(
        description="verified by someone other than the applicant and dated within the last "
        f"{CPD_RECENCY_YEARS} years: it counts towards the verified CPD R08/R16 ask for"
    )


class OutcomeCoverage(BaseModel):
    """One learning outcome of the pathway against its evidence (R08, R16)."""

    model_config = ConfigDict(frozen=True)

    outcome_code: str
    title: str
    narrative_present: bool = Field(
        description="the critical narrative has a section with text for this outcome"
    )
    narrative_length: int = Field(
        ge=0,
        description="characters in the outcome's narrative section, leading and trailing "
        "spaces aside (0 when there is none)",
    )
    cpd: list[CpdEvidence] = Field(
        description="the CPD records mapped to this outcome, in the order entered"
    )
    verdict: Verdict = Field(
        description="covered when the narrative has a section with text for this outcome; "
        "needs_evidence otherwise (CPD is counted over the whole application, not per outcome)"
    )


def evidence_rule(application: Application) -> str | None:
    """The rule by which ``application`` must evidence every learning outcome itself:
    ``R16`` for a re-accreditation, ``R08`` for a non-approved initial application, ``None``
    for the approved route (R07: the programme evidences them)."""
    if application.kind == ApplicationKind.REACCREDITATION:
        return "R16"
    if application.route == Route.NON_APPROVED:
        return "R08"
    return None


def cpd_verified(record: CpdRecord, today: date, *, policy: Policy | None = None) -> bool:
    """R08/R16: whether ``record`` counts on ``today`` under ``policy``: someone other than
    the applicant verified it and it is dated within the last ``CPD_RECENCY_YEARS`` years, not
    in the future (``counts_as_verified``; no policy: the ``Policy`` defaults)."""
    return counts_as_verified(record, today, policy or _DEFAULT_POLICY)


def coverage(
    application: Application,
    catalogue: PathwayCatalogue,
    today: date,
    *,
    policy: Policy | None = None,
) -> list[OutcomeCoverage]:
    """Every learning outcome of ``catalogue`` against the evidence in ``application`` on
    ``today``, in the catalogue's order; empty for the approved route (see the module).

    The verdict is **covered** when the critical narrative has a section for the outcome with
    text in it, **needs evidence** otherwise: what R08/R16 ask of each outcome, and exactly
    the outcomes ``readiness`` reports as ``narrative_outcome_missing``. Sections for codes the
    catalogue does not hold are not listed here (readiness reports them on their own).
    """
    if evidence_rule(application) is None:
        return []
    content = application.content
    lengths = narrative_lengths(application)
    cpd = [
        (
            record,
            CpdEvidence(
                index=i,
                title=record.title,
                activity_date=record.activity_date,
                verified=cpd_verified(record, today, policy=policy),
            ),
        )
        for i, record in enumerate(content.cpd)
    ]
    rows: list[OutcomeCoverage] = []
    for outcome in catalogue.outcomes:
        length = lengths.get(outcome.code, 0)
        rows.append(
            OutcomeCoverage(
                outcome_code=outcome.code,
                title=outcome.title,
                narrative_present=length > 0,
                narrative_length=length,
                cpd=[e for record, e in cpd if outcome.code in record.learning_outcomes],
                verdict=verdict(length),
            )
        )
    return rows


def narrative_lengths(application: Application) -> dict[str, int]:
    """Each outcome code's narrative length: its sections' characters, leading and trailing
    spaces aside. One section per outcome is all an update may leave (``models.limits``);
    were there more, their text together is the outcome's narrative."""
    lengths: dict[str, int] = {}
    for section in application.content.narrative:
        code = section.outcome_code
        lengths[code] = lengths.get(code, 0) + len(section.text.strip())
    return lengths


def verdict(narrative_length: int) -> Verdict:
    """An outcome's verdict from its narrative's length: the one rule the map and readiness
    share."""
    return Verdict.COVERED if narrative_length > 0 else Verdict.NEEDS_EVIDENCE


def outcomes_needing_evidence(application: Application, catalogue: PathwayCatalogue) -> list[str]:
    """The codes of the outcomes whose row in ``coverage`` says **needs evidence**, in the
    catalogue's order, without building the map (readiness asks this at every change)."""
    if evidence_rule(application) is None:
        return []
    lengths = narrative_lengths(application)
    return [
        outcome.code
        for outcome in catalogue.outcomes
        if verdict(lengths.get(outcome.code, 0)) == Verdict.NEEDS_EVIDENCE
    ]
