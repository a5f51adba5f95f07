"""The service's one configuration, read from the environment (prefix ``ACCRED_``).

Every policy duration in SCHEME.md is here; workflows never read it, they receive the values
they need in their input (see ``Settings.policy()``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.limits import ContentLimits
from models.policy import Policy
from security.keys import KeyRing, parse_keys

ROOT = Path(__file__).resolve().parent

DEV_JWT_SECRET = "dev-only-insecure-secret-change-me-outside-local"
"""The default token secret: accepted only when ``environment`` is local or test."""

DEV_SESSION_SECRET = "dev-only-insecure-session-secret-change-me-outside-local"
"""The default secret signing the pages' form tokens: local and test only."""

LOCAL_ENVIRONMENTS = frozenset({"local", "test"})


class Settings(BaseSettings):
    # Errors never echo the input: it holds the secrets (keys, tokens) of every setting.
    model_config = SettingsConfigDict(
        env_prefix="ACCRED_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

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
        SecretStr(DEV_SESSION_SECRET), description="signs the pages' sessions and CSRF tokens"
    )
    # Signed-in pages: session timeouts, and the organisation's OpenID Connect provider.
    session_idle_minutes: int = Field(30, gt=0, description="a session ends after this idle")
    session_absolute_hours: float = Field(10, gt=0, description="and after this, however used")
    oidc_issuer: str | None = Field(None, description="e.g. https://login.example.org/realms/cor")
    oidc_client_id: str = "cor-accreditation"
    oidc_client_secret: SecretStr | None = None
    oidc_role_claim: str = Field("cor_role", description="the claim naming the staff role")
    oidc_subject_claim: str = Field("sub", description="the claim naming the person")
    oidc_name_claim: str = "name"
    # Uploaded documents: a local directory (one API process, or a shared volume), or the
    # database (any number of API processes on the one database; README "Deployment").
    document_store: str = Field(
        "directory",
        pattern="^(directory|database)$",
        description="directory (document_store_path) or database (database_url)",
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

    # --- Operating: metrics and logs (README "Operating: metrics and logs") ---
    worker_metrics_address: str = Field(
        "127.0.0.1:9464",
        description="host:port of the worker's Prometheus endpoint (/metrics); empty disables it",
    )
    metrics_token: SecretStr | None = Field(
        None, description="when set, the API's GET /metrics needs 'Authorization: Bearer <it>'"
    )
    log_format: str = Field(
        "text", pattern="^(text|json)$", description="text, or json: one JSON object a line"
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
    cpd_verification_required: bool = Field(
        True,
        description="R08/R16: only CPD confirmed by a named verifier or marked verified by a "
        "trusted service counts; the applicant's own verified_by never does",
    )
    cpd_verification_expiry_days: int = Field(28, gt=0, description="a verifier's link lives")
    cpd_verification_reminder_days: list[int] = Field(
        default=[7, 21], description="reminders to a verifier who has not answered"
    )
    non_member_fee_pence: int = Field(0, ge=0, description="R21: fee for non-members")

    # --- Temporal: payloads encrypted in history, the connection, the worker (security/) ---
    # Keys: JSON {"key-id": "<base64 of 32 bytes>"}; new payloads use payload_key_id, the
    # others only decrypt. Unset in local/test: a key generated once into payload_dev_key_path.
    payload_keys: SecretStr | None = Field(
        None, description='AES-256-GCM keys by id: JSON {"key-id": "<base64 of 32 bytes>"}'
    )
    payload_key_id: str | None = Field(
        None, description="the key new payloads are encrypted with; optional with one key"
    )
    payload_dev_key_path: Path = Field(
        ROOT / "var" / "payload-key.json",
        description="local/test only, without payload_keys: the generated development key",
    )
    codec_cors_origins: list[str] = Field(
        default=["http://127.0.0.1:8233"],
        description="origins (the Temporal UI) allowed to call the /codec endpoints",
    )
    temporal_tls: bool | None = Field(
        None, description="unset: TLS when a TLS file or an API key is set; true: system roots"
    )
    temporal_tls_ca_path: Path | None = Field(None, description="server root CA (PEM)")
    temporal_tls_cert_path: Path | None = Field(None, description="client certificate (PEM)")
    temporal_tls_key_path: Path | None = Field(None, description="client private key (PEM)")
    temporal_tls_server_name: str | None = Field(None, description="overrides the TLS SNI name")
    temporal_api_key: SecretStr | None = Field(None, description="e.g. Temporal Cloud API key")
    worker_max_concurrent_workflow_tasks: int | None = Field(None, description="SDK default")
    worker_max_concurrent_activities: int | None = Field(None, description="SDK default")
    worker_workflow_task_pollers: int = Field(5, description="at least 2 (the sticky queue)")
    worker_activity_task_pollers: int = 5
    worker_activity_threads: int = Field(
        8, description="threads for the activities' database work (their own pool)"
    )
    worker_graceful_shutdown_seconds: float = Field(
        10.0, ge=0, description="on SIGTERM, how long running activities may finish"
    )

    @field_validator(
        "declaration_reminder_days", "expiry_reminder_days", "cpd_verification_reminder_days"
    )
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

    @field_validator(
        "worker_max_concurrent_workflow_tasks",
        "worker_max_concurrent_activities",
        "worker_workflow_task_pollers",
        "worker_activity_task_pollers",
        "worker_activity_threads",
    )
    @classmethod
    def _at_least_one(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and value < 1:
            raise ValueError(f"must be at least 1 (ACCRED_{str(info.field_name).upper()})")
        if info.field_name == "worker_workflow_task_pollers" and value == 1:
            raise ValueError(
                "must be at least 2: a worker that caches workflows polls its sticky queue too "
                "(ACCRED_WORKER_WORKFLOW_TASK_POLLERS)"
            )
        return value

    @model_validator(mode="after")
    def _payload_keys_configured(self) -> Self:
        if self.payload_keys is None:
            if self.payload_key_id is not None:
                raise ValueError(
                    "payload_key_id: names a key, but no keys are configured (ACCRED_PAYLOAD_KEYS)"
                )
            if self.environment not in LOCAL_ENVIRONMENTS:
                raise ValueError(
                    f"payload_keys: the {self.environment} environment needs its own payload "
                    'encryption keys (ACCRED_PAYLOAD_KEYS, JSON {"key-id": "<base64 of 32 '
                    'bytes>"}, and ACCRED_PAYLOAD_KEY_ID naming the newest; generate one with '
                    "python -m security.keys); the generated development key is refused"
                )
            return self
        self.payload_key_ring()
        return self

    @model_validator(mode="after")
    def _temporal_connection_consistent(self) -> Self:
        files = {
            "temporal_tls_ca_path": self.temporal_tls_ca_path,
            "temporal_tls_cert_path": self.temporal_tls_cert_path,
            "temporal_tls_key_path": self.temporal_tls_key_path,
        }
        for name, path in files.items():
            if path is not None and not path.is_file():
                raise ValueError(f"{name}: no file at {path} (ACCRED_{name.upper()})")
        cert, key = self.temporal_tls_cert_path, self.temporal_tls_key_path
        if (cert is None) != (key is None):
            given, missing = (
                ("temporal_tls_cert_path", "ACCRED_TEMPORAL_TLS_KEY_PATH")
                if key is None
                else ("temporal_tls_key_path", "ACCRED_TEMPORAL_TLS_CERT_PATH")
            )
            raise ValueError(
                f"{given}: a client certificate and its private key go together; set {missing} too"
            )
        tls_options = [n for n, p in files.items() if p is not None]
        if self.temporal_tls_server_name is not None:
            tls_options.append("temporal_tls_server_name")
        if self.temporal_tls is False and tls_options:
            raise ValueError(
                "temporal_tls: false (ACCRED_TEMPORAL_TLS) contradicts "
                f"{', '.join('ACCRED_' + n.upper() for n in tls_options)}"
            )
        if self.temporal_api_key is not None:
            if not self.temporal_api_key.get_secret_value().strip():
                raise ValueError("temporal_api_key: empty (ACCRED_TEMPORAL_API_KEY)")
            if self.temporal_tls is False and self.environment not in LOCAL_ENVIRONMENTS:
                raise ValueError(
                    f"temporal_tls: the {self.environment} environment refuses to send the API "
                    "key (ACCRED_TEMPORAL_API_KEY) without TLS; leave ACCRED_TEMPORAL_TLS unset "
                    "or set it to true"
                )
        return self

    def payload_key_ring(self) -> KeyRing | None:
        """The configured payload keys, or None when none are (local and test only).

        Raises:
            ValueError: ``payload_keys`` or ``payload_key_id`` is not usable (naming which).
        """
        if self.payload_keys is None:
            return None
        try:
            keys = parse_keys(self.payload_keys.get_secret_value())
        except ValueError as err:
            raise ValueError(f"payload_keys: {err} (ACCRED_PAYLOAD_KEYS)") from None
        active = self.payload_key_id
        if active is None:
            if len(keys) > 1:
                raise ValueError(
                    "payload_key_id: with several payload keys, name the one new payloads are "
                    "encrypted with (ACCRED_PAYLOAD_KEY_ID)"
                )
            active = next(iter(keys))
        if active not in keys:
            raise ValueError(
                f"payload_key_id: {active!r} is not one of the configured keys "
                f"({', '.join(sorted(keys))}) (ACCRED_PAYLOAD_KEY_ID)"
            )
        return KeyRing(active_id=active, keys=keys)

    def policy(self) -> Policy:
        """The policy values a workflow carries in its input."""
        values = self.model_dump(include=set(Policy.model_fields))
        limits = self.model_dump(include=set(ContentLimits.model_fields))
        return Policy.model_validate({**values, "limits": limits})


@lru_cache
def get_settings() -> Settings:
    return Settings()
