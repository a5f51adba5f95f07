"""Domain errors speak the refusals' one wording."""

from __future__ import annotations

from models.errors import InvalidTransitionError
from models.refusals import RefusalKind, not_allowed


def test_an_invalid_transition_carries_the_refusal_it_is_answered_with() -> None:
    error = InvalidTransitionError("resubmit", "draft", ["save_draft", "withdraw"])
    assert error.refusal == not_allowed("resubmit", "draft", ["save_draft", "withdraw"])
    assert error.refusal.kind == RefusalKind.INVALID_TRANSITION
    assert error.refusal.allowed_actions == ["save_draft", "withdraw"]
    assert str(error) == error.refusal.message
    assert str(error).endswith("allowed now: save_draft, withdraw")
