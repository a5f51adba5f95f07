"""The service's one configuration, read from the environment (prefix ``ACCRED_``).

Every policy duration in SCHEME.md is here; workflows never read it, they receive the values
they need in their input (see ``Settings.policy()``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.limits import ContentLimits
from models.policy import Policy

ROOT = Path(__file__).resolve().parent

DEV_JWT_SECRET = "dev-only-insecure-secret-change-me-outside-local"
"""The default token secret: accepted only when ``environment`` is local or test."""

DEV_SESSION_SECRET = "dev-only-insecure-session-secret-change-me-outside-local"
"""The default secret signing the pages' form tokens: local and test only."""

LOCAL_ENVIRONMENTS = frozenset({"local", "test"})


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

    # The HTTP API: bearer JWTs (HS256 with the secret, or RS256 with the public key when set).
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_public_key_path: Path | None = Field(None, description="RS256 public key (PEM)")
    jwt_audience: str = "cor-accreditation"
    jwt_issuer: str | None = None
    session_secret: SecretStr = Field(
        SecretStr(DEV_SESSION_SECRET), description="signs the pages' CSRF tokens"
    )
    document_store_path: Path = ROOT / "var" / "documents"
    max_upload_bytes: int = Field(10 * 1024 * 1024, gt=0)
    max_request_bytes: int = Field(
        1024 * 1024, gt=0, description="largest request body other than a document upload"
    )
    temporal_rpc_timeout_seconds: float = Field(
        10.0, gt=0, description="longest the API waits on Temporal before answering 503"
    )
    retry_after_seconds: int = Field(5, gt=0, description="Retry-After sent with a 503")

    # How much one application may hold (models.limits): payloads stay far below Temporal's.
    max_cpd_records: int = Field(60, gt=0)
    max_qualifications: int = Field(10, gt=0)
    max_documents: int = Field(40, gt=0)
    max_content_bytes: int = Field(256 * 1024, gt=0, le=1024 * 1024)

    frontend_modules_path: Path = Field(
        ROOT / "node_modules", description="GOV.UK Frontend and Swagger UI, installed by ./dev"
    )
    static_build_path: Path = Field(
        ROOT / "var" / "static", description="the pages' stylesheet, compiled by ./dev"
    )

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

    @model_validator(mode="after")
    def _no_dev_secret_outside_local(self) -> Self:
        if self.environment in LOCAL_ENVIRONMENTS or self.jwt_public_key_path is not None:
            return self
        secret = self.jwt_secret.get_secret_value()
        if secret == DEV_JWT_SECRET or len(secret) < 32:
            raise ValueError(
                f"jwt_secret: the {self.environment} environment needs its own secret of at "
                "least 32 characters (ACCRED_JWT_SECRET) or an RS256 public key "
                "(ACCRED_JWT_PUBLIC_KEY_PATH); the development default is refused"
            )
        return self

    @model_validator(mode="after")
    def _no_dev_session_secret_outside_local(self) -> Self:
        secret = self.session_secret.get_secret_value()
        if self.environment not in LOCAL_ENVIRONMENTS and (
            secret == DEV_SESSION_SECRET or len(secret) < 32
        ):
            raise ValueError(
                f"session_secret: the {self.environment} environment needs its own secret of at "
                "least 32 characters (ACCRED_SESSION_SECRET); the development default is refused"
            )
        return self

    def policy(self) -> Policy:
        """The policy values a workflow carries in its input."""
        values = self.model_dump(include=set(Policy.model_fields))
        limits = self.model_dump(include=set(ContentLimits.model_fields))
        return Policy.model_validate({**values, "limits": limits})


@lru_cache
def get_settings() -> Settings:
    return Settings()
