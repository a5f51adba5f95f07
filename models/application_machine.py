"""The application lifecycle as a ``transitions`` state machine; the table is the source of truth.

The README's state diagram is generated from ``TRANSITIONS`` (``scripts/state_diagram.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, Protocol

from transitions import Machine

from models.actions import Action
from models.errors import InvalidTransitionError


class ApplicationState(StrEnum):
    DRAFT = "draft"
    AWAITING_DECLARATION = "awaiting_declaration"
    SUBMITTED = "submitted"
    IN_VERIFICATION = "in_verification"
    AWAITING_ALLOCATION = "awaiting_allocation"
    IN_ASSESSMENT = "in_assessment"
    AWAITING_RATIFICATION = "awaiting_ratification"
    DEFERRED = "deferred"
    ACCREDITED = "accredited"
    NOT_ACCREDITED = "not_accredited"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


S = ApplicationState

FINAL_STATES = frozenset({S.ACCREDITED, S.NOT_ACCREDITED, S.WITHDRAWN, S.CLOSED})
EDITABLE_STATES = frozenset({S.DRAFT, S.AWAITING_DECLARATION, S.DEFERRED})
_OPEN = [s for s in S if s not in FINAL_STATES]
_DECIDING = [S.IN_VERIFICATION, S.AWAITING_RATIFICATION]

# Conditions name the rule they stand for: is_ready (R10), is_approved_route (R11),
# has_assessor (R12: an allocated assessor keeps a resubmitted application).
TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "invite_declarer", "source": [S.DRAFT, S.AWAITING_DECLARATION], "dest": S.AWAITING_DECLARATION},
    {"trigger": "confirm_declaration", "source": S.AWAITING_DECLARATION, "dest": S.DRAFT},
    {"trigger": "decline_declaration", "source": S.AWAITING_DECLARATION, "dest": S.DRAFT},
    {"trigger": "expire_declaration", "source": S.AWAITING_DECLARATION, "dest": S.DRAFT},
    {"trigger": "submit", "source": S.DRAFT, "dest": S.SUBMITTED, "conditions": "is_ready"},
    {"trigger": "route", "source": S.SUBMITTED, "dest": S.IN_VERIFICATION, "conditions": "is_approved_route"},
    {"trigger": "route", "source": S.SUBMITTED, "dest": S.IN_ASSESSMENT, "conditions": "has_assessor"},
    {"trigger": "route", "source": S.SUBMITTED, "dest": S.AWAITING_ALLOCATION},
    {"trigger": "allocate", "source": [S.AWAITING_ALLOCATION, S.IN_ASSESSMENT], "dest": S.IN_ASSESSMENT},
    {"trigger": "record_assessment", "source": S.IN_ASSESSMENT, "dest": S.AWAITING_RATIFICATION},
    {"trigger": "award", "source": _DECIDING, "dest": S.ACCREDITED},
    {"trigger": "defer", "source": _DECIDING, "dest": S.DEFERRED},
    {"trigger": "refuse", "source": _DECIDING, "dest": S.NOT_ACCREDITED},
    {"trigger": "resubmit", "source": S.DEFERRED, "dest": S.SUBMITTED, "conditions": "is_ready"},
    {"trigger": "withdraw", "source": _OPEN, "dest": S.WITHDRAWN},
    {"trigger": "close", "source": [S.DRAFT, S.AWAITING_DECLARATION, S.DEFERRED], "dest": S.CLOSED},
]  # fmt: skip

TRIGGERS: tuple[str, ...] = tuple(dict.fromkeys(t["trigger"] for t in TRANSITIONS))


class ApplicationChecks(Protocol):
    """The facts the machine's conditions ask about; the lifecycle answers from its state."""

    def is_ready(self) -> bool: ...

    def is_approved_route(self) -> bool: ...

    def has_assessor(self) -> bool: ...


def _compile() -> dict[ApplicationState, dict[str, list[tuple[ApplicationState, str | None]]]]:
    """The table as ``transitions`` reads it: for each state, each trigger's transitions in
    order, as (destination, condition). Built once, from one ``transitions.Machine``."""
    machine = Machine(
        states=ApplicationState,
        transitions=TRANSITIONS,
        initial=ApplicationState.DRAFT,
        auto_transitions=False,
        ignore_invalid_triggers=False,
    )
    compiled: dict[ApplicationState, dict[str, list[tuple[ApplicationState, str | None]]]] = {}
    for state in ApplicationState:
        by_trigger = compiled.setdefault(state, {})
        for trigger in machine.get_triggers(state):
            for transition in machine.events[trigger].transitions.get(state.name, []):
                conditions = [str(c.func) for c in transition.conditions]
                assert len(conditions) <= 1 and transition.dest is not None
                dest = ApplicationState[transition.dest]
                by_trigger.setdefault(trigger, []).append(
                    (dest, conditions[0] if conditions else None)
                )
    return compiled


_COMPILED = _compile()


class ApplicationMachine:
    """One application's lifecycle position, moved only through the table.

    ``transitions`` reads the table once per process (``_COMPILED``); each application's
    machine is then a lookup: a trigger fires its first transition from the current state
    whose condition holds, as ``transitions`` would fire it.
    """

    def __init__(self, state: ApplicationState, checks: ApplicationChecks) -> None:
        self.state = state
        self._checks = checks

    def _holds(self, condition: str | None) -> bool:
        if condition is None:
            return True
        check: Callable[[], bool] = getattr(self._checks, condition)
        return check()

    def _destination(self, trigger: str) -> ApplicationState | None:
        for dest, condition in _COMPILED[self.state].get(trigger, []):
            if self._holds(condition):
                return dest
        return None

    def allowed(self) -> list[str]:
        """Triggers that would fire now."""
        return [t for t in _COMPILED[self.state] if self._destination(t) is not None]

    def fire(self, trigger: str) -> ApplicationState:
        """Fire ``trigger`` and return the new state.

        Raises:
            InvalidTransitionError: the state does not allow it, or its condition is unmet.
        """
        dest = self._destination(trigger)
        if dest is None:
            raise InvalidTransitionError(trigger, self.state.value, self.allowed())
        self.state = dest
        return self.state


# The workflow's actions (its update names) and the trigger each fires; an officer's decision
# fires award, defer or refuse, and is called verification or ratification by state (R11, R13).
_ACTION_TRIGGERS: tuple[tuple[Action, str], ...] = (
    (Action.INVITE_DECLARER, "invite_declarer"),
    (Action.RESPOND_TO_DECLARATION, "confirm_declaration"),
    (Action.SUBMIT, "submit"),
    (Action.RESUBMIT, "resubmit"),
    (Action.ALLOCATE_ASSESSOR, "allocate"),
    (Action.RECORD_ASSESSMENT, "record_assessment"),
    (Action.VERIFY, "award"),
    (Action.RATIFY, "award"),
    (Action.WITHDRAW, "withdraw"),
)
_DECISION_STATE = {Action.VERIFY: S.IN_VERIFICATION, Action.RATIFY: S.AWAITING_RATIFICATION}


def available_actions(machine: ApplicationMachine) -> list[Action]:
    """What a caller can do now, by action name (conditions such as readiness included)."""
    allowed = set(machine.allowed())
    actions = [Action.SAVE_DRAFT] if machine.state in EDITABLE_STATES else []
    for action, trigger in _ACTION_TRIGGERS:
        state_ok = _DECISION_STATE.get(action, machine.state) == machine.state
        if trigger in allowed and state_ok:
            actions.append(action)
    return actions
