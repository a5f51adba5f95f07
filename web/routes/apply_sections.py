"""The applicant's section pages: each section of the draft edited and saved on its own (R10)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/apply/applications", include_in_schema=False)
