"""Load assessors from a JSON file (``{"assessors": [...]}``), idempotently.

Local stack: ``python -m storage.seed [path]`` loads into ``ACCRED_DATABASE_URL``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from models.records import Assessor
from storage.database import dialect_insert
from storage.tables import AssessorRow

STAND_IN_ASSESSORS = Path(__file__).resolve().parent.parent / "data" / "assessors.stand-in.json"


def read_assessors(path: Path) -> list[Assessor]:
    """The assessors listed in the file at ``path``, validated."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return [Assessor.model_validate(item) for item in document["assessors"]]


def load_assessors(
    *, session_factory: sessionmaker[Session], path: Path = STAND_IN_ASSESSORS
) -> int:
    """Insert or update every assessor in the file; loading twice changes nothing.

    Args:
        session_factory: makes the session to write with.
        path: the JSON file (the stand-in list by default).

    Returns:
        How many assessors the file holds.
    """
    assessors = read_assessors(path)
    with session_factory.begin() as session:
        for assessor in assessors:
            values = assessor.model_dump()
            insert = dialect_insert(session, AssessorRow)
            session.execute(
                insert.values(values).on_conflict_do_update(
                    index_elements=[AssessorRow.assessor_id],
                    set_={name: insert.excluded[name] for name in values if name != "assessor_id"},
                )
            )
    return len(assessors)


if __name__ == "__main__":
    from settings import get_settings
    from storage.database import make_engine, make_session_factory

    factory = make_session_factory(make_engine(get_settings().database_url))
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else STAND_IN_ASSESSORS
    print(f"loaded {load_assessors(session_factory=factory, path=source)} assessors from {source}")
