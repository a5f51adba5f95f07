"""The applicant's pages: their applications, starting one, its overview and submission, and
their accreditation."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/apply", include_in_schema=False)
