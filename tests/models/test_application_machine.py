"""models.application_machine: the lifecycle table and its machine (R09-R13)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.application_machine import (
    EDITABLE_STATES,
    FINAL_STATES,
    TRANSITIONS,
    TRIGGERS,
    ApplicationMachine,
    ApplicationState,
)
from models.errors import InvalidTransitionError

S = ApplicationState


@dataclass
class Checks:
    """Answers the machine's conditions; tests set the facts."""

    ready: bool = True
    approved_route: bool = False
    assessor: bool = False

    def is_ready(self) -> bool:
        return self.ready

    def is_approved_route(self) -> bool:
        return self.approved_route

    def has_assessor(self) -> bool:
        return self.assessor


def sources(transition: dict[str, Any]) -> list[ApplicationState]:
    source = transition["source"]
    return list(source) if isinstance(source, list) else [source]


def conditions(transition: dict[str, Any]) -> list[str]:
    condition = transition.get("conditions", [])
    return [condition] if isinstance(condition, str) else list(condition)


EDGES = {(s, t["trigger"], t["dest"]) for t in TRANSITIONS for s in sources(t)}
CASES = [
    pytest.param(t, s, id=f"{t['trigger']}:{s.value}->{t['dest'].value}")
    for t in TRANSITIONS
    for s in sources(t)
]


def reachable_from(start: ApplicationState) -> set[ApplicationState]:
    seen, frontier = {start}, [start]
    while frontier:
        state = frontier.pop()
        for source, _, dest in EDGES:
            if source == state and dest not in seen:
                seen.add(dest)
                frontier.append(dest)
    return seen


def checks_for(transition: dict[str, Any]) -> Checks:
    """Facts under which ``transition`` is the one its trigger takes."""
    wanted = set(conditions(transition))
    return Checks(
        ready=True,
        approved_route="is_approved_route" in wanted,
        assessor="has_assessor" in wanted,
    )


@pytest.mark.parametrize(("transition", "source"), CASES)
def test_every_transition_in_the_table_fires_from_each_of_its_sources(
    transition: dict[str, Any], source: ApplicationState
) -> None:
    machine = ApplicationMachine(source, checks_for(transition))
    assert transition["trigger"] in machine.allowed()
    assert machine.fire(transition["trigger"]) == transition["dest"]
    assert machine.state == transition["dest"]


def test_table_covers_every_state_and_every_state_is_reachable_from_draft() -> None:
    assert reachable_from(S.DRAFT) == set(S)
    open_states = set(S) - FINAL_STATES
    assert {s for s, _, _ in EDGES} == open_states
    assert open_states >= EDITABLE_STATES


def test_r10_submit_is_refused_while_the_application_is_not_ready() -> None:
    machine = ApplicationMachine(S.DRAFT, Checks(ready=False))
    assert "submit" not in machine.allowed()
    with pytest.raises(InvalidTransitionError) as error:
        machine.fire("submit")
    assert machine.state == S.DRAFT
    assert error.value.state == "draft"
    assert "submit" not in error.value.allowed
    assert "invite_declarer" in error.value.allowed


def test_r10_resubmit_is_refused_while_the_application_is_not_ready() -> None:
    machine = ApplicationMachine(S.DEFERRED, Checks(ready=False))
    with pytest.raises(InvalidTransitionError, match="'resubmit' is not allowed"):
        machine.fire("resubmit")
    assert machine.state == S.DEFERRED


@pytest.mark.parametrize(
    ("checks", "dest"),
    [
        (Checks(approved_route=True), S.IN_VERIFICATION),
        (Checks(approved_route=True, assessor=True), S.IN_VERIFICATION),
        (Checks(assessor=True), S.IN_ASSESSMENT),
        (Checks(), S.AWAITING_ALLOCATION),
    ],
)
def test_r11_r12_route_sends_approved_to_verification_kept_assessor_to_assessment_else_allocation(
    checks: Checks, dest: ApplicationState
) -> None:
    machine = ApplicationMachine(S.SUBMITTED, checks)
    assert machine.fire("route") == dest


def test_r09_declaration_outcomes_return_the_application_to_draft() -> None:
    for trigger in ("confirm_declaration", "decline_declaration", "expire_declaration"):
        machine = ApplicationMachine(S.AWAITING_DECLARATION, Checks())
        assert machine.fire(trigger) == S.DRAFT


def test_r13_decisions_are_made_only_at_verification_or_ratification() -> None:
    for trigger in ("award", "defer", "refuse"):
        deciding = {s for s, t, _ in EDGES if t == trigger}
        assert deciding == {S.IN_VERIFICATION, S.AWAITING_RATIFICATION}


def test_wrong_trigger_names_the_state_and_the_allowed_triggers() -> None:
    machine = ApplicationMachine(S.IN_ASSESSMENT, Checks())
    with pytest.raises(InvalidTransitionError) as error:
        machine.fire("award")
    message = str(error.value)
    assert "'award' is not allowed while the application is in_assessment" in message
    assert "allowed now: allocate, record_assessment, withdraw" in message
    assert error.value.allowed == ["allocate", "record_assessment", "withdraw"]
    assert machine.state == S.IN_ASSESSMENT


def test_unknown_trigger_is_an_invalid_transition() -> None:
    machine = ApplicationMachine(S.DRAFT, Checks())
    with pytest.raises(InvalidTransitionError, match="'approve_everything' is not allowed"):
        machine.fire("approve_everything")


@pytest.mark.parametrize("state", sorted(FINAL_STATES))
def test_final_states_allow_nothing(state: ApplicationState) -> None:
    machine = ApplicationMachine(state, Checks())
    assert machine.allowed() == []
    for trigger in TRIGGERS:
        with pytest.raises(InvalidTransitionError, match="allowed now: none"):
            machine.fire(trigger)
    assert machine.state == state


def test_may_asks_without_firing() -> None:
    machine = ApplicationMachine(S.DRAFT, Checks())
    assert "submit" in machine.allowed()
    assert machine.state == S.DRAFT


@pytest.mark.parametrize("state", list(S))
def test_allowed_triggers_are_those_the_table_defines_from_the_state(
    state: ApplicationState,
) -> None:
    defined = {t for s, t, _ in EDGES if s == state}
    assert set(ApplicationMachine(state, Checks()).allowed()) == defined


steps = st.lists(
    st.tuples(st.sampled_from(TRIGGERS), st.booleans(), st.booleans(), st.booleans()),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(start=st.sampled_from(list(S)), steps=steps)
def test_random_triggers_only_follow_the_table_and_final_states_absorb(
    start: ApplicationState, steps: list[tuple[str, bool, bool, bool]]
) -> None:
    checks = Checks()
    machine = ApplicationMachine(start, checks)
    reachable = reachable_from(start)
    for trigger, ready, approved_route, assessor in steps:
        checks.ready, checks.approved_route, checks.assessor = ready, approved_route, assessor
        before = machine.state
        try:
            after = machine.fire(trigger)
        except InvalidTransitionError as error:
            assert machine.state == before
            assert error.state == before.value
            assert trigger not in error.allowed
            continue
        assert before not in FINAL_STATES
        assert (before, trigger, after) in EDGES
        assert after in reachable
