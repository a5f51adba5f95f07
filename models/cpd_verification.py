"""R08/R16: verified CPD: who may verify a CPD record, how, and what counts towards the six.

A CPD record is **verified** when someone other than the applicant confirms it (R08, policy,
as CPD Now's attestors do), in one of two ways:

- a named **verifier** (name, email, professional registration; never the applicant) opens a
  single-use, expiring link, as the declarer does (R09), sees the record, and confirms it or
  declines with a reason (``requested`` then ``answered``);
- a **trusted service caller** (the member portal, which verifies CPD itself) marks it
  verified; the verification says so (``by`` is ``service``) and names the caller
  (``marked_by_service``).

The applicant's own word never verifies: a typed ``verified_by`` is only a note, and a
verification never comes in a draft (``carry_verifications`` strips any a draft carries).
Editing what was verified (the title, the date, the learning outcomes) withdraws the
verification: the edited record has none, and the workflow is told which went
(``withdrawn_verifications``).

Which rule an application counts by is its policy's ``cpd_verification_required``
(``counts_as_verified``): off, the rule before verified CPD (a non-blank ``verified_by``), so
that workflows started before this rule replay exactly; on, only a ``confirmed`` verification.
Either way the record must be dated within the last ``CPD_RECENCY_YEARS`` years, up to today.

Request ids name a request among an application's (``CpdLinks.issued`` counts them): they are
not secret, and the application the applicant sees carries them. The link tokens are secret
and live only in the workflow's progress (``models.progress.CpdLinks``), mapped to request ids,
not to positions, so that reordering or editing the CPD list never points a link at another
record.

Pure. ``models.application`` builds ``CpdRecord`` from the models here, so this module imports
``Applicant``, ``CpdRecord``, ``Policy`` and ``CpdLinks`` for type checking only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from models.dates import CPD_RECENCY_YEARS, within_years
from models.errors import Problem

if TYPE_CHECKING:
    from models.application import Applicant, Application, CpdRecord
    from models.policy import Policy
    from models.progress import CpdLinks


class CpdVerificationStatus(StrEnum):
    """Where a CPD record's verification stands (R08, R16)."""

    REQUESTED = "requested"
    """Sent to a verifier, whose link is live until it is answered or expires."""
    CONFIRMED = "confirmed"
    """Confirmed by the verifier, or marked verified by a trusted service: it counts."""
    DECLINED = "declined"
    """The verifier declined, with a reason for the applicant."""
    EXPIRED = "expired"
    """The verifier did not answer in time (``Policy.cpd_verification_expiry``)."""
    WITHDRAWN = "withdrawn"
    """Taken back: a pending request the applicant cancelled or the service closed, or a
    service's mark the service took back. (An edit of the record's substance removes the
    verification altogether: see ``carry_verifications``.)"""


class VerifiedBy(StrEnum):
    """Who verified (or is asked to verify) a CPD record: never the applicant."""

    VERIFIER = "verifier"
    """A named verifier, through their single-use link."""
    SERVICE = "service"
    """A trusted service caller (the member portal) that verified the record itself."""


class Verifier(BaseModel):
    """R08/R16: the registered professional asked to verify a CPD record."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    professional_registration: str = Field(
        min_length=1,
        max_length=64,
        description="the verifier's professional registration, e.g. HCPC RA123456 or an NMC PIN",
    )


class CpdVerification(BaseModel):
    """R08/R16: one verification of a CPD record: requested of a verifier, or marked by a
    trusted service; confirmed, declined (with a reason), expired or withdrawn."""

    model_config = ConfigDict(frozen=True)

    request_id: str = Field(
        min_length=1, max_length=64, description="names the request; not secret (the link is)"
    )
    status: CpdVerificationStatus
    by: VerifiedBy
    verifier: Verifier | None = Field(
        None, description="required when by a verifier; who at the service, when it says"
    )
    service_caller: str | None = Field(
        None, min_length=1, max_length=128, description="by a service: the caller's actor id"
    )
    requested_at: datetime = Field(description="sent to the verifier, or marked by the service")
    responded_at: datetime | None = Field(None, description="confirmed or declined at")
    expires_at: datetime | None = Field(None, description="by a verifier: the link's expiry")
    reason: str | None = Field(None, max_length=2000, description="required when declined")

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.status == CpdVerificationStatus.DECLINED and not (
            self.reason and self.reason.strip()
        ):
            raise ValueError("reason: a declined verification needs the verifier's reason")
        if (
            self.status in (CpdVerificationStatus.CONFIRMED, CpdVerificationStatus.DECLINED)
            and self.responded_at is None
        ):
            raise ValueError(f"responded_at: a {self.status.value} verification needs its time")
        if self.by == VerifiedBy.VERIFIER:
            if self.verifier is None or self.expires_at is None:
                raise ValueError("verifier: a request to a verifier names them and expires")
            if self.service_caller is not None:
                raise ValueError("service_caller: only a service's mark names a service caller")
        else:
            if self.service_caller is None:
                raise ValueError("service_caller: a service's mark names the service caller")
            if self.status not in (
                CpdVerificationStatus.CONFIRMED,
                CpdVerificationStatus.WITHDRAWN,
            ):
                raise ValueError("status: a service marks a record verified, or takes it back")
            if self.expires_at is not None:
                raise ValueError("expires_at: a service's mark has no link to expire")
        return self


# --- who may verify ----------------------------------------------------------------------------

_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame"})
_APOSTROPHES = str.maketrans("", "", "'\u2019\u02bc")


def normalised_name(name: str) -> str:
    """``name`` as compared when refusing the applicant as their own verifier: accents,
    case, apostrophes and other punctuation, spacing and leading titles (Dr, Mrs, ...) set
    aside, so that ``"Dr  Ann-Marie O'Neil"`` and ``"ann marie oneil"`` are the same name."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = [w for w in re.split(r"[\W_]+", plain.translate(_APOSTROPHES).casefold()) if w]
    while len(words) > 1 and words[0] in _TITLES:
        del words[0]
    return " ".join(words)


def _registration_key(registration: str) -> str:
    return re.sub(r"[\W_]+", "", registration.casefold())


def verifier_problems(verifier: Verifier, applicant: Applicant) -> list[Problem]:
    """R08 (and R16, which asks for CPD verified as R08 says): why ``verifier`` may not
    verify the applicant's CPD, naming each field; empty when they may.

    Never the applicant: not their email (whatever its case), not their name (as
    ``normalised_name`` compares names), not their registration number.
    """
    problems: list[Problem] = []
    if str(verifier.email).casefold() == str(applicant.email).casefold():
        problems.append(
            Problem(
                rule="R08",
                code="verifier_is_applicant",
                field="verifier.email",
                message="your CPD must be verified by someone else: give your verifier's own "
                "email address, not yours",
            )
        )
    name = normalised_name(verifier.name)
    if not name:
        problems.append(
            Problem(
                rule="R08",
                code="verifier_name_missing",
                field="verifier.name",
                message="enter your verifier's full name",
            )
        )
    elif name == normalised_name(applicant.name):
        problems.append(
            Problem(
                rule="R08",
                code="verifier_is_applicant",
                field="verifier.name",
                message="your CPD must be verified by someone other than you: name your verifier",
            )
        )
    registration = _registration_key(verifier.professional_registration)
    if registration and registration == _registration_key(applicant.registration_number):
        problems.append(
            Problem(
                rule="R08",
                code="verifier_is_applicant",
                field="verifier.professional_registration",
                message="give your verifier's professional registration, not your own",
            )
        )
    return problems


def record_problems(records: Sequence[CpdRecord], index: int) -> list[Problem]:
    """R08/R16: why record ``index`` may not be sent for verification (or marked verified):
    there is no such record, or it is already verified (a new request would take its
    verification away). A pending, declined or expired request may be sent again (the new
    request replaces it)."""
    if not 0 <= index < len(records):
        return [
            Problem(
                rule="R08",
                code="cpd_record_unknown",
                field=f"cpd[{index}]",
                message=f"there is no CPD record {index + 1}; look again at your CPD",
            )
        ]
    current = records[index].verification
    if current is not None and current.status == CpdVerificationStatus.CONFIRMED:
        return [
            Problem(
                rule="R08",
                code="cpd_already_verified",
                field=f"cpd[{index}]",
                message="this CPD record is already verified",
            )
        ]
    return []


def request_problems(
    records: Sequence[CpdRecord], index: int, verifier: Verifier, applicant: Applicant
) -> list[Problem]:
    """R08/R16: why the applicant may not send record ``index`` to ``verifier``: the record's
    problems (``record_problems``), then the verifier's (``verifier_problems``)."""
    problems = record_problems(records, index)
    if any(p.code == "cpd_record_unknown" for p in problems):
        return problems
    return problems + verifier_problems(verifier, applicant)


# --- what counts --------------------------------------------------------------------------------


def counts_as_verified(record: CpdRecord, today: date, policy: Policy) -> bool:
    """R08/R16: whether ``record`` counts towards the verified CPD on ``today``.

    It must be dated within the last ``CPD_RECENCY_YEARS`` years, not in the future. Then:

    - ``policy.cpd_verification_required`` off (workflows started before verified CPD): the
      rule they started under, a non-blank ``verified_by``;
    - on: a ``confirmed`` verification, by a verifier or by a trusted service. A typed
      ``verified_by`` alone never counts; a requested, declined, expired or withdrawn
      verification does not count.
    """
    if not within_years(record.activity_date, CPD_RECENCY_YEARS, today):
        return False
    if not policy.cpd_verification_required:
        return bool(record.verified_by and record.verified_by.strip())
    verification = record.verification
    return verification is not None and verification.status == CpdVerificationStatus.CONFIRMED


def _title_key(title: str) -> str:
    return " ".join(title.split())


def same_substance(old: CpdRecord, new: CpdRecord) -> bool:
    """R08/R16: whether ``new`` says what ``old`` said, as a verifier confirmed it: the same
    title (spacing aside: any other change, even of case, is a new title), the same activity
    date, the same learning outcomes (their order and repeats aside). ``verified_by`` (a note)
    and the verification itself are not substance."""
    return (
        _title_key(old.title) == _title_key(new.title)
        and old.activity_date == new.activity_date
        and set(old.learning_outcomes) == set(new.learning_outcomes)
    )


def carry_verifications(
    old_records: Sequence[CpdRecord], new_records: Sequence[CpdRecord]
) -> list[CpdRecord]:
    """R08/R16: ``new_records`` (a draft's CPD list, replacing ``old_records``) with the
    verifications that survive the edit.

    A new record keeps the verification of an old record with the same substance
    (``same_substance``), each old verification kept at most once, whatever its status (a
    pending request stays pending, its link live): the old record at the same position when
    it matches, so that saving a list unchanged changes nothing even when it holds look-alike
    records; otherwise the first matching old record, in order, whose verification no other
    new record kept. Every other new record has **no** verification (``None``): editing a
    record's substance, or removing it, withdraws its verification, and an applicant can never
    bring a verification in through a draft, since whatever ``verification`` the new records
    carry is ignored. (``None`` rather than a ``withdrawn`` status: the edited record was never
    sent to anyone as it now reads, and which new record "is" an edited old one would be a
    guess. ``withdrawn_verifications`` names what went, for the audit and the links.)
    """
    kept: list[CpdVerification | None] = [None] * len(new_records)
    used: set[int] = set()
    for i, new in enumerate(new_records):
        if i < len(old_records):
            old = old_records[i]
            if old.verification is not None and same_substance(old, new):
                kept[i] = old.verification
                used.add(i)
    for i, new in enumerate(new_records):
        if kept[i] is not None:
            continue
        for j, old in enumerate(old_records):
            if j not in used and old.verification is not None and same_substance(old, new):
                kept[i] = old.verification
                used.add(j)
                break
    return [
        new
        if new.verification == verification
        else new.model_copy(update={"verification": verification})
        for new, verification in zip(new_records, kept, strict=True)
    ]


def withdrawn_verifications(
    old_records: Sequence[CpdRecord], new_records: Sequence[CpdRecord]
) -> list[CpdVerification]:
    """The verifications of ``old_records`` that ``new_records`` (as ``carry_verifications``
    left them) no longer hold, in the old order: the workflow spends their live links
    (``SpentLink.WITHDRAWN``) and records their withdrawal."""
    kept = {r.verification.request_id for r in new_records if r.verification is not None}
    return [
        r.verification
        for r in old_records
        if r.verification is not None and r.verification.request_id not in kept
    ]


# --- a verification's life ----------------------------------------------------------------------


def requested(
    verifier: Verifier, request_id: str, now: datetime, policy: Policy
) -> CpdVerification:
    """R08: a request sent to ``verifier`` at ``now``, its link live until
    ``policy.cpd_verification_expiry`` has passed."""
    return CpdVerification(
        request_id=request_id,
        status=CpdVerificationStatus.REQUESTED,
        by=VerifiedBy.VERIFIER,
        verifier=verifier,
        requested_at=now,
        expires_at=now + policy.cpd_verification_expiry,
    )


def is_live(verification: CpdVerification, now: datetime) -> bool:
    """Whether ``verification`` is a request its verifier may still answer at ``now``."""
    return (
        verification.status == CpdVerificationStatus.REQUESTED
        and verification.expires_at is not None
        and now < verification.expires_at
    )


def answered(
    verification: CpdVerification, *, confirm: bool, reason: str | None, now: datetime
) -> CpdVerification:
    """R08: the verifier's answer at ``now``: confirmed, or declined with ``reason`` (a
    ``ValidationError`` without one). Only a live request is answered (``ValueError``)."""
    if not is_live(verification, now):
        raise ValueError(f"request {verification.request_id} is not live; it cannot be answered")
    status = CpdVerificationStatus.CONFIRMED if confirm else CpdVerificationStatus.DECLINED
    return CpdVerification.model_validate(
        verification.model_dump() | {"status": status, "responded_at": now, "reason": reason}
    )


def marked_by_service(
    service_caller: str, request_id: str, now: datetime, verifier: Verifier | None = None
) -> CpdVerification:
    """R08: a trusted service caller (the member portal) marks a record verified at ``now``,
    recorded as the service's mark (naming ``verifier`` when the service says who)."""
    return CpdVerification(
        request_id=request_id,
        status=CpdVerificationStatus.CONFIRMED,
        by=VerifiedBy.SERVICE,
        verifier=verifier,
        service_caller=service_caller,
        requested_at=now,
        responded_at=now,
    )


def expired(verification: CpdVerification) -> CpdVerification:
    """The request's link expired unanswered (only a request expires: ``ValueError``)."""
    if verification.status != CpdVerificationStatus.REQUESTED:
        raise ValueError(f"request {verification.request_id} is not pending; it cannot expire")
    return verification.model_copy(update={"status": CpdVerificationStatus.EXPIRED})


def withdrawn(verification: CpdVerification, reason: str) -> CpdVerification:
    """``verification`` taken back, with ``reason`` (see ``CpdVerificationStatus.WITHDRAWN``)."""
    return verification.model_copy(
        update={"status": CpdVerificationStatus.WITHDRAWN, "reason": reason}
    )


def pending_request(records: Sequence[CpdRecord], request_id: str) -> int | None:
    """The position of the record whose verification is the still-requested ``request_id``,
    or ``None`` (answered, expired, withdrawn, or gone with an edit)."""
    for i, record in enumerate(records):
        verification = record.verification
        if (
            verification is not None
            and verification.request_id == request_id
            and verification.status == CpdVerificationStatus.REQUESTED
        ):
            return i
    return None


# --- what the verifier's link shows -------------------------------------------------------------


class CpdVerificationRequest(BaseModel):
    """What a verifier's live link shows: the record to confirm, and whose it is (no email,
    no other evidence)."""

    model_config = ConfigDict(frozen=True)

    application_id: str
    applicant_name: str
    pathway: str
    kind: str
    title: str
    activity_date: date
    learning_outcomes: list[str]
    verifier_name: str
    expires_at: datetime


def verification_request(
    application: Application, links: CpdLinks, token: str, now: datetime
) -> CpdVerificationRequest | None:
    """What the live link ``token`` asks its verifier to confirm at ``now``; ``None`` for an
    unknown or spent link, or a request no longer live (answered, expired, or withdrawn by
    an edit of the record)."""
    request_id = links.live.get(token)
    if request_id is None:
        return None
    index = pending_request(application.content.cpd, request_id)
    if index is None:
        return None
    record = application.content.cpd[index]
    verification = record.verification
    assert verification is not None  # pending_request found it
    if not is_live(verification, now) or verification.verifier is None:
        return None
    assert verification.expires_at is not None  # is_live checked it
    return CpdVerificationRequest(
        application_id=application.application_id,
        applicant_name=application.applicant.name,
        pathway=application.pathway.value,
        kind=application.kind.value,
        title=record.title,
        activity_date=record.activity_date,
        learning_outcomes=list(dict.fromkeys(record.learning_outcomes)),
        verifier_name=verification.verifier.name,
        expires_at=verification.expires_at,
    )


# --- reminders and expiry -----------------------------------------------------------------------


class CpdDeadlineKind(StrEnum):
    REMINDER = "cpd_verification_reminder"
    EXPIRY = "cpd_verification_expiry"


class CpdDeadline(BaseModel):
    """A timer for one verification request: ``key`` is unique for the request and offset."""

    model_config = ConfigDict(frozen=True)

    key: str
    kind: CpdDeadlineKind
    request_id: str
    due_at: datetime


def cpd_verification_deadlines(records: Sequence[CpdRecord], policy: Policy) -> list[CpdDeadline]:
    """Every pending request's reminders (``policy.cpd_verification_reminder_days`` after it
    was sent, those before its expiry) and its expiry (the ``expires_at`` it was sent with, so
    a later change of policy never moves a sent link's expiry), earliest first."""
    plan: list[CpdDeadline] = []
    for record in records:
        v = record.verification
        if v is None or v.status != CpdVerificationStatus.REQUESTED or v.expires_at is None:
            continue
        for days in sorted(set(policy.cpd_verification_reminder_days)):
            due = v.requested_at + timedelta(days=days)
            if due < v.expires_at:
                plan.append(
                    CpdDeadline(
                        key=f"{CpdDeadlineKind.REMINDER.value}:{v.request_id}:{days}",
                        kind=CpdDeadlineKind.REMINDER,
                        request_id=v.request_id,
                        due_at=due,
                    )
                )
        plan.append(
            CpdDeadline(
                key=f"{CpdDeadlineKind.EXPIRY.value}:{v.request_id}",
                kind=CpdDeadlineKind.EXPIRY,
                request_id=v.request_id,
                due_at=v.expires_at,
            )
        )
    return sorted(plan, key=lambda d: d.due_at)
