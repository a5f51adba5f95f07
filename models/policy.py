"""Policy values (SCHEME.md **policy** rules) as they travel in a workflow's input."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

from models.limits import ContentLimits


class Policy(BaseModel):
    """Durations a workflow keeps for its whole life (defaults match ``Settings``)."""

    model_config = ConfigDict(frozen=True)

    declaration_expiry_days: int = Field(28, gt=0)
    declaration_reminder_days: list[int] = Field(default=[7, 21])
    assessor_sla_days: int = Field(28, gt=0)
    assessor_reminder_days: int = Field(21, gt=0)
    deferral_window_days: int = Field(182, gt=0)
    draft_idle_close_days: int = Field(365, gt=0)
    draft_idle_warning_days: int = Field(30, gt=0)
    expiry_reminder_days: list[int] = Field(default=[90, 30, 7])
    keep_current_while_reaccreditation_pending: bool = True
    limits: ContentLimits = Field(default_factory=ContentLimits)
    cpd_verification_required: bool = Field(
        False,
        description="R08/R16: only CPD confirmed by a named verifier (through their link) or "
        "marked verified by a trusted service counts; the applicant's own verified_by never "
        "does. False, the rule before verified CPD, is what a workflow input without this "
        "field decodes to, so that older histories replay under the rule they ran with; new "
        "applications are to get True from settings",
    )
    cpd_verification_expiry_days: int = Field(28, gt=0)
    cpd_verification_reminder_days: list[int] = Field(default=[7, 21])

    @property
    def declaration_expiry(self) -> timedelta:
        return timedelta(days=self.declaration_expiry_days)

    @property
    def cpd_verification_expiry(self) -> timedelta:
        """How long a CPD verifier's single-use link stays live (R08, R16)."""
        return timedelta(days=self.cpd_verification_expiry_days)

    @property
    def assessor_sla(self) -> timedelta:
        return timedelta(days=self.assessor_sla_days)

    @property
    def deferral_window(self) -> timedelta:
        return timedelta(days=self.deferral_window_days)
