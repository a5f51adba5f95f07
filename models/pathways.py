"""Which pathway fits which practitioner (R01, R02, R17)."""

from __future__ import annotations

from collections.abc import Iterable

from models.enums import FheqLevel, Pathway, PractitionerRole

PATHWAY_ROLE: dict[Pathway, PractitionerRole] = {
    Pathway.MA_L4: PractitionerRole.MAMMOGRAPHY_ASSOCIATE,
    Pathway.AP_L4: PractitionerRole.ASSISTANT_PRACTITIONER,
    Pathway.AP_L5: PractitionerRole.ASSISTANT_PRACTITIONER,
}

PATHWAY_LEVEL: dict[Pathway, FheqLevel] = {
    Pathway.MA_L4: FheqLevel.L4,
    Pathway.AP_L4: FheqLevel.L4,
    Pathway.AP_L5: FheqLevel.L5,
}


def role_fits_pathway(role: PractitionerRole, pathway: Pathway) -> bool:
    """R02: mammography associates apply via MA_L4, assistant practitioners via AP_L4/AP_L5."""
    return PATHWAY_ROLE[pathway] == role


def reaccreditation_pathway(role: PractitionerRole, levels_held: Iterable[FheqLevel]) -> Pathway:
    """R17: where a currently accredited practitioner is directed to re-accredit.

    Mammography associates re-accredit on MA_L4. Assistant practitioners holding an FHEQ Level 5
    qualification (or equivalent) go to AP_L5; Level 4 holders and all others go to AP_L4. The
    source names Level 5 only, so other levels follow its "all others" wording.
    """
    if role == PractitionerRole.MAMMOGRAPHY_ASSOCIATE:
        return Pathway.MA_L4
    return Pathway.AP_L5 if FheqLevel.L5 in set(levels_held) else Pathway.AP_L4
