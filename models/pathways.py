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


def pathways_for_role(role: PractitionerRole) -> list[Pathway]:
    """R02: the pathways open to ``role``, in the scheme's order (the role decides the family)."""
    return [p for p in Pathway if PATHWAY_ROLE[p] == role]


def proposed_pathway(role: PractitionerRole, level_held: FheqLevel) -> Pathway | None:
    """R01/R02: the pathway for a first application by a practitioner in ``role`` holding a
    qualification at FHEQ ``level_held`` (the academic level, not the Agenda for Change band).

    A mammography associate holding a Level 4 qualification applies via MA_L4; an assistant
    practitioner via AP_L4 or AP_L5 by the level held. ``None`` when none of the role's
    pathways is at that level (Level 6, or another level): the applicant then chooses among
    ``pathways_for_role`` (initial accreditation is not directed as R17 directs
    re-accreditation).
    """
    return next((p for p in pathways_for_role(role) if PATHWAY_LEVEL[p] == level_held), None)


def reaccreditation_pathway(role: PractitionerRole, levels_held: Iterable[FheqLevel]) -> Pathway:
    """R17: where a currently accredited practitioner is directed to re-accredit.

    Mammography associates re-accredit on MA_L4. Assistant practitioners holding an FHEQ Level 5
    qualification (or equivalent) go to AP_L5; Level 4 holders and all others go to AP_L4. The
    source names Level 5 only, so other levels follow its "all others" wording.
    """
    if role == PractitionerRole.MAMMOGRAPHY_ASSOCIATE:
        return Pathway.MA_L4
    return Pathway.AP_L5 if FheqLevel.L5 in set(levels_held) else Pathway.AP_L4
