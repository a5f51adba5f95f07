from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.seed import STAND_IN_ASSESSORS, load_assessors, read_assessors
from storage.tables import AssessorRow


def test_stand_in_assessors_are_labelled_and_varied() -> None:
    document = json.loads(STAND_IN_ASSESSORS.read_text(encoding="utf-8"))
    assessors = read_assessors(STAND_IN_ASSESSORS)

    assert "STAND-IN" in document["label"]
    assert all("(stand-in)" in a.name for a in assessors)
    assert len({a.employer for a in assessors}) >= 4
    assert len({area for a in assessors for area in a.areas_of_practice}) == 5


def test_loading_twice_keeps_one_row_per_assessor(
    session_factory: sessionmaker[Session],
) -> None:
    first = load_assessors(session_factory=session_factory)
    second = load_assessors(session_factory=session_factory)

    with session_factory() as session:
        rows = session.scalar(select(func.count()).select_from(AssessorRow))
    assert first == second == rows == 6
