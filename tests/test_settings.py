"""settings: policy values come from the environment and are checked (R13, R20, R21)."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from models.policy import Policy
from settings import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ACCRED_"):
            monkeypatch.delenv(name)


def settings() -> Settings:
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_r13_policy_carries_values_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCRED_DEFERRAL_WINDOW_DAYS", "30")
    monkeypatch.setenv("ACCRED_DECLARATION_EXPIRY_DAYS", "14")
    monkeypatch.setenv("ACCRED_KEEP_CURRENT_WHILE_REACCREDITATION_PENDING", "false")
    policy = settings().policy()
    assert policy.deferral_window_days == 30
    assert policy.deferral_window.days == 30
    assert policy.declaration_expiry_days == 14
    assert policy.keep_current_while_reaccreditation_pending is False


def test_r20_expiry_reminders_come_from_the_environment_latest_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACCRED_EXPIRY_REMINDER_DAYS", "[14, 60, 14]")
    assert settings().policy().expiry_reminder_days == [60, 14]


@pytest.mark.parametrize("field", ["expiry_reminder_days", "declaration_reminder_days"])
@pytest.mark.parametrize("offsets", [[0], [30, -7]])
def test_r20_reminder_offsets_must_be_positive(field: str, offsets: list[int]) -> None:
    with pytest.raises(ValidationError, match="positive"):
        Settings(_env_file=None, **{field: offsets})  # type: ignore[arg-type]


def test_r20_reminder_offsets_from_the_environment_must_be_positive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACCRED_EXPIRY_REMINDER_DAYS", "[90, 0]")
    with pytest.raises(ValidationError, match="positive"):
        settings()


@pytest.mark.parametrize("name", ["ACCRED_DEFERRAL_WINDOW_DAYS", "ACCRED_DECLARATION_EXPIRY_DAYS"])
def test_r13_durations_must_be_positive(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "0")
    with pytest.raises(ValidationError):
        settings()


def test_r21_non_member_fee_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings().non_member_fee_pence == 0
    monkeypatch.setenv("ACCRED_NON_MEMBER_FEE_PENCE", "4500")
    assert settings().non_member_fee_pence == 4500
    monkeypatch.setenv("ACCRED_NON_MEMBER_FEE_PENCE", "-1")
    with pytest.raises(ValidationError):
        settings()


def test_default_policy_matches_the_policy_defaults() -> None:
    from_settings = settings().policy().model_dump()
    defaults = Policy().model_dump()
    offsets = (
        "declaration_reminder_days",
        "expiry_reminder_days",
        "cpd_verification_reminder_days",
    )
    for name in offsets:
        assert sorted(from_settings.pop(name)) == sorted(defaults.pop(name))
    # R08/R16: new applications count only verified CPD; a workflow input without the field
    # (started before verified CPD) decodes to the rule it started under.
    assert (
        from_settings.pop("cpd_verification_required"),
        defaults.pop("cpd_verification_required"),
    ) == (True, False)
    assert from_settings == defaults
