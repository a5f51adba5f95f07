"""The service's one configuration, read from the environment (prefix ``ACCRED_``).

Every policy duration in SCHEME.md is here; workflows never read it, they receive the values
they need in their input (see ``Settings.policy()``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.policy import Policy

ROOT = Path(__file__).resolve().parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ACCRED_", env_file=".env", extra="ignore")

    environment: str = Field("local", description="local, test or production")

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "accreditation"

    database_url: str = f"sqlite:///{ROOT / 'var' / 'accreditation.db'}"

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    mail_from: str = "accreditation@cor.example"
    portal_base_url: str = "http://127.0.0.1:8000"
    officers_email: str = "officers@cor.example"

    learning_outcomes_path: Path = ROOT / "data" / "learning_outcomes.stand-in.json"
    approved_programmes_path: Path = ROOT / "data" / "approved_programmes.stand-in.json"

    # Policy durations (SCHEME.md policy rules), in days unless the name says otherwise.
    declaration_expiry_days: int = Field(28, gt=0)
    declaration_reminder_days: list[int] = Field(default=[7, 21])
    assessor_sla_days: int = Field(28, gt=0)
    assessor_reminder_days: int = Field(21, gt=0)
    deferral_window_days: int = Field(182, gt=0, description="R13: about 6 months")
    draft_idle_close_days: int = Field(365, gt=0)
    draft_idle_warning_days: int = Field(30, gt=0, description="notice before an idle draft closes")
    expiry_reminder_days: list[int] = Field(default=[90, 30, 7], description="R20")
    keep_current_while_reaccreditation_pending: bool = True
    non_member_fee_pence: int = Field(0, ge=0, description="R21: fee for non-members")

    @field_validator("declaration_reminder_days", "expiry_reminder_days")
    @classmethod
    def _positive_offsets(cls, value: list[int]) -> list[int]:
        if any(v <= 0 for v in value):
            raise ValueError("every reminder offset must be a positive number of days")
        return sorted(set(value), reverse=True)

    def policy(self) -> Policy:
        """The policy values a workflow carries in its input."""
        return Policy(
            declaration_expiry_days=self.declaration_expiry_days,
            declaration_reminder_days=self.declaration_reminder_days,
            assessor_sla_days=self.assessor_sla_days,
            assessor_reminder_days=self.assessor_reminder_days,
            deferral_window_days=self.deferral_window_days,
            draft_idle_close_days=self.draft_idle_close_days,
            draft_idle_warning_days=self.draft_idle_warning_days,
            expiry_reminder_days=self.expiry_reminder_days,
            keep_current_while_reaccreditation_pending=self.keep_current_while_reaccreditation_pending,
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
