"""What the scheme's codes are called in words, for pages and people (one place)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from models.enums import (
    AreaOfPractice,
    DeclarerRole,
    Pathway,
    PractitionerRole,
    RegisterStatus,
)

PATHWAYS: dict[Pathway, str] = {
    Pathway.MA_L4: "Mammography associate (FHEQ level 4)",
    Pathway.AP_L4: "Assistant practitioner (FHEQ level 4)",
    Pathway.AP_L5: "Assistant practitioner (FHEQ level 5)",
}

AREAS: dict[AreaOfPractice, str] = {
    AreaOfPractice.CLINICAL_IMAGING: "Clinical (diagnostic) imaging",
    AreaOfPractice.RADIOTHERAPY: "Radiotherapy",
    AreaOfPractice.BREAST_SCREENING: "Breast screening",
    AreaOfPractice.AAA_SCREENING: "AAA screening",
    AreaOfPractice.OTHER: "Other",
}

REGISTER_STATUSES: dict[RegisterStatus, str] = {
    RegisterStatus.CURRENT: "Current",
    RegisterStatus.SUSPENDED: "Suspended",
    RegisterStatus.LAPSED: "Lapsed",
}

ROLES: dict[PractitionerRole, str] = {
    PractitionerRole.ASSISTANT_PRACTITIONER: "Assistant practitioner",
    PractitionerRole.MAMMOGRAPHY_ASSOCIATE: "Mammography associate",
}

DECLARER_ROLES: dict[DeclarerRole, str] = {
    DeclarerRole.MANAGER: "Manager",
    DeclarerRole.PRACTICE_EDUCATOR: "Practice educator",
}


E = TypeVar("E", bound=StrEnum)


def label(labels: Mapping[E, str], code: str | None) -> str:
    """The words for ``code`` in ``labels``; the code itself when it has none."""
    return next((words for key, words in labels.items() if key.value == code), code or "")
