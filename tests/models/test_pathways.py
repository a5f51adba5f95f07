"""models.pathways: which pathway fits which practitioner (R01, R02, R17)."""

from __future__ import annotations

import pytest

from models.enums import FheqLevel, Pathway, PractitionerRole
from models.pathways import (
    PATHWAY_LEVEL,
    PATHWAY_ROLE,
    pathways_for_role,
    proposed_pathway,
    reaccreditation_pathway,
    role_fits_pathway,
)

AP = PractitionerRole.ASSISTANT_PRACTITIONER
MA = PractitionerRole.MAMMOGRAPHY_ASSOCIATE


def test_r01_three_pathways_named_by_role_and_fheq_level() -> None:
    assert [p.value for p in Pathway] == ["MA_L4", "AP_L4", "AP_L5"]
    assert PATHWAY_LEVEL == {
        Pathway.MA_L4: FheqLevel.L4,
        Pathway.AP_L4: FheqLevel.L4,
        Pathway.AP_L5: FheqLevel.L5,
    }
    assert set(PATHWAY_ROLE) == set(Pathway)


@pytest.mark.parametrize(
    ("role", "pathway", "fits"),
    [
        (MA, Pathway.MA_L4, True),
        (MA, Pathway.AP_L4, False),
        (MA, Pathway.AP_L5, False),
        (AP, Pathway.MA_L4, False),
        (AP, Pathway.AP_L4, True),
        (AP, Pathway.AP_L5, True),
    ],
)
def test_r02_pathway_follows_the_role(role: PractitionerRole, pathway: Pathway, fits: bool) -> None:
    assert role_fits_pathway(role, pathway) is fits


def test_r02_the_role_decides_the_pathway_family() -> None:
    assert pathways_for_role(MA) == [Pathway.MA_L4]
    assert pathways_for_role(AP) == [Pathway.AP_L4, Pathway.AP_L5]
    for role in PractitionerRole:
        assert all(role_fits_pathway(role, p) for p in pathways_for_role(role))


@pytest.mark.parametrize(
    ("role", "level", "pathway"),
    [
        (MA, FheqLevel.L4, Pathway.MA_L4),
        (MA, FheqLevel.L5, None),
        (MA, FheqLevel.OTHER, None),
        (AP, FheqLevel.L4, Pathway.AP_L4),
        (AP, FheqLevel.L5, Pathway.AP_L5),
        (AP, FheqLevel.L6, None),
        (AP, FheqLevel.OTHER, None),
    ],
)
def test_r01_r02_a_first_application_is_proposed_the_role_s_pathway_at_the_level_held(
    role: PractitionerRole, level: FheqLevel, pathway: Pathway | None
) -> None:
    assert proposed_pathway(role, level) == pathway


@pytest.mark.parametrize(
    ("levels", "pathway"),
    [
        ([FheqLevel.L5], Pathway.AP_L5),
        ([FheqLevel.L4, FheqLevel.L5], Pathway.AP_L5),
        ([FheqLevel.L4], Pathway.AP_L4),
        ([FheqLevel.OTHER], Pathway.AP_L4),
        ([FheqLevel.L6], Pathway.AP_L4),
        ([], Pathway.AP_L4),
    ],
)
def test_r17_assistant_practitioners_are_directed_by_the_level_held(
    levels: list[FheqLevel], pathway: Pathway
) -> None:
    assert reaccreditation_pathway(AP, levels) == pathway


@pytest.mark.parametrize("levels", [[FheqLevel.L4], [FheqLevel.L5], []])
def test_r17_mammography_associates_reaccredit_on_ma_l4(levels: list[FheqLevel]) -> None:
    assert reaccreditation_pathway(MA, levels) == Pathway.MA_L4


def test_r17_levels_may_be_any_iterable() -> None:
    assert reaccreditation_pathway(AP, iter([FheqLevel.L4, FheqLevel.L5])) == Pathway.AP_L5
