"""The start page's second form, read and checked: the route (an approved programme or not),
when the qualification was completed, and the applicant's profile. Every problem is reported
at once, each naming the field it concerns (for the GOV.UK error summary)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import EmailStr, TypeAdapter, ValidationError

from models.application import Applicant
from models.catalogue import ApprovedProgramme
from models.enums import MembershipStatus

NON_APPROVED = "non_approved"
MEMBERSHIP_CHOICES = {
    MembershipStatus.RADIOGRAPHIC_ASSISTANT: "Yes, I am a member",
    MembershipStatus.NON_MEMBER: "No, I am not a member",
}
"""R21/R22: a member applying holds radiographic assistant status until accredited."""

FIELDS = (
    "route",
    "completed-day",
    "completed-month",
    "completed-year",
    "name",
    "email",
    "registration_number",
    "employer",
    "membership",
)
_EMAIL: TypeAdapter[str] = TypeAdapter(EmailStr)
_TEXT_LIMITS = {
    "name": ("Enter your full name", "Full name", 200),
    "email": ("Enter your email address", "Email address", 254),
    "registration_number": (
        "Enter your professional registration number",
        "Registration number",
        32,
    ),
    "employer": ("Enter the name of your employer", "Employer", 200),
}


@dataclass(frozen=True)
class StartAnswers:
    """The second form's answers, checked."""

    applicant: Applicant
    programme: ApprovedProgramme | None
    completed_on: date


def error(text: str, field: str) -> dict[str, str]:
    return {"text": text, "href": f"#{field}"}


def completed_on(form: dict[str, str], today: date) -> date | dict[str, str]:
    """The completion date from the date input's three fields, or the error to show."""
    parts = [form.get(f"completed-{p}", "").strip() for p in ("day", "month", "year")]
    if not any(parts):
        return error("Enter the date you completed the qualification", "completed-day")
    if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
        return error(
            "Date you completed the qualification must be a real date, like 27 3 2024",
            "completed-day",
        )
    try:
        day = date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        return error(
            "Date you completed the qualification must be a real date, like 27 3 2024",
            "completed-day",
        )
    if day > today:
        return error(
            "Date you completed the qualification must be today or in the past", "completed-day"
        )
    return day


def _programme(
    route: str, programmes: Sequence[ApprovedProgramme]
) -> ApprovedProgramme | dict[str, str] | None:
    if route == NON_APPROVED:
        return None
    found = next((p for p in programmes if p.id == route), None)
    if found is None:
        return error(
            "Select your approved programme, or that your qualification is not from one", "route"
        )
    return found


def _text_errors(form: dict[str, str]) -> list[dict[str, str]]:
    errors = []
    for field, (missing, name, limit) in _TEXT_LIMITS.items():
        value = form.get(field, "").strip()
        if not value:
            errors.append(error(missing, field))
        elif len(value) > limit:
            errors.append(error(f"{name} must be {limit} characters or fewer", field))
        elif field == "email":
            try:
                _EMAIL.validate_python(value)
            except ValidationError:
                errors.append(
                    error(
                        "Enter an email address in the correct format, like name@example.com", field
                    )
                )
    return errors


def check(
    form: dict[str, str],
    programmes: Sequence[ApprovedProgramme],
    member_id: str,
    today: date,
) -> StartAnswers | list[dict[str, str]]:
    """The checked answers, or every problem with them in the order the page asks."""
    errors: list[dict[str, str]] = []
    programme = _programme(form.get("route", ""), programmes)
    if isinstance(programme, dict):
        errors.append(programme)
    day = completed_on(form, today)
    if isinstance(day, dict):
        errors.append(day)
    errors += _text_errors(form)
    membership = form.get("membership", "")
    if membership not in {m.value for m in MEMBERSHIP_CHOICES}:
        errors.append(
            error("Select whether you are a member of the Society of Radiographers", "membership")
        )
    if errors or isinstance(programme, dict) or isinstance(day, dict):
        return errors
    applicant = Applicant(
        member_id=member_id,
        name=form["name"].strip(),
        email=form["email"].strip(),
        registration_number=form["registration_number"].strip(),
        membership_status=MembershipStatus(membership),
        employer=form["employer"].strip(),
    )
    return StartAnswers(applicant=applicant, programme=programme, completed_on=day)
