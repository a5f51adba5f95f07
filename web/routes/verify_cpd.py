"""R08/R16: the CPD verifier's page behind their single-use link (no login)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/verify-cpd", include_in_schema=False)
