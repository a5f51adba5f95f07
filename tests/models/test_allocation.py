"""R12: the allocation rule itself (``models.allocation``), over any list of assessors."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from models.allocation import choose_assessor
from models.enums import AreaOfPractice
from models.records import Assessor
from tests.storage.factories import allocation_request, assessor

areas = st.lists(st.sampled_from(AreaOfPractice), min_size=1, max_size=3, unique=True)
assessors = st.lists(
    st.builds(
        assessor,
        assessor_id=st.sampled_from(["A1", "A2", "A3", "A4", "A5"]),
        member_id=st.sampled_from([None, "M-1", "M-2"]),
        employer=st.sampled_from(["Trust One", " trust  ONE", "Trust Two"]),
        areas_of_practice=areas,
        active=st.booleans(),
    ),
    max_size=6,
    unique_by=lambda a: a.assessor_id,
)


@given(
    assessors=assessors,
    wanted=areas,
    excluded=st.lists(st.sampled_from(["A1", "A2"])),
    workload=st.dictionaries(st.sampled_from(["A1", "A2", "A3"]), st.integers(0, 5)),
)
def test_r12_a_chosen_assessor_is_always_eligible_and_least_loaded(
    assessors: list[Assessor],
    wanted: list[AreaOfPractice],
    excluded: list[str],
    workload: dict[str, int],
) -> None:
    req = allocation_request(
        applicant_employer="Trust one", areas_of_practice=wanted, exclude_assessor_ids=excluded
    )

    result = choose_assessor(req, assessors, workload)

    def eligible(a: Assessor) -> bool:
        return (
            a.active
            and bool(set(a.areas_of_practice) & set(wanted))
            and a.member_id != "M-1"
            and a.employer == "Trust Two"  # the other two spell the applicant's employer
            and a.assessor_id not in excluded
        )

    candidates = [a for a in assessors if eligible(a)]
    if not candidates:
        assert result.assessor is None and result.reason
    else:
        assert result.assessor in candidates
        least = min(workload.get(a.assessor_id, 0) for a in candidates)
        assert workload.get(result.assessor.assessor_id, 0) == least
