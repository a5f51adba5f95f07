"""scripts/state_diagram.py: the README's diagram is generated from the table and kept fresh."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from models.application_machine import TRANSITIONS, TRIGGERS, ApplicationState
from scripts import state_diagram


@pytest.fixture(scope="module")
def diagram() -> str:
    return state_diagram.render()


def readme_block() -> str:
    text = state_diagram.README.read_text(encoding="utf-8")
    start, end = text.index(state_diagram.START), text.index(state_diagram.END)
    return text[start : end + len(state_diagram.END)]


def test_committed_readme_diagram_is_not_stale(diagram: str) -> None:
    assert readme_block() == state_diagram.section(diagram), (
        "state diagram in README.md is stale: run python scripts/state_diagram.py"
    )


def test_diagram_is_a_mermaid_state_diagram_of_every_state(diagram: str) -> None:
    assert "stateDiagram-v2" in diagram
    assert "[*] --> DRAFT" in diagram
    for state in ApplicationState:
        assert f'state "{state.name}" as {state.name}' in diagram


def test_every_trigger_appears_in_the_diagram(diagram: str) -> None:
    edges = [line for line in diagram.splitlines() if "-->" in line and ":" in line]
    labels = " | ".join(line.split(":", 1)[1] for line in edges)
    for trigger in TRIGGERS:
        assert trigger in labels


def test_conditional_edges_carry_their_condition(diagram: str) -> None:
    for transition in TRANSITIONS:
        if "conditions" in transition:
            label = f"{transition['trigger']} [{transition['conditions']}]"
            assert f"--> {transition['dest'].name}: {label}" in diagram


def test_diagram_is_the_same_on_every_run(diagram: str) -> None:
    assert state_diagram.render() == diagram


def test_check_fails_on_a_stale_readme(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    readme = tmp_path / "README.md"
    stale = state_diagram.section("stateDiagram-v2\n")
    readme.write_text(f"# Title\n\n{stale}\n", encoding="utf-8")
    assert state_diagram.main(["--check", "--readme", str(readme)]) == 1
    assert state_diagram.STALE in capsys.readouterr().err


def test_writing_replaces_only_the_marked_section(tmp_path: Path, diagram: str) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        f"# Title\n\nIntro.\n\n{state_diagram.START}\nold\n{state_diagram.END}\n\n## Later\n",
        encoding="utf-8",
    )
    assert state_diagram.main(["--readme", str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Title\n\nIntro.\n\n")
    assert text.endswith(f"{state_diagram.END}\n\n## Later\n")
    assert state_diagram.section(diagram) in text
    assert state_diagram.main(["--check", "--readme", str(readme)]) == 0


def test_missing_readme_is_created_with_the_section(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    assert state_diagram.main(["--check", "--readme", str(readme)]) == 1
    assert state_diagram.main(["--readme", str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# CoR accreditation workflow service\n\n## Application states\n")
    assert state_diagram.main(["--check", "--readme", str(readme)]) == 0


def test_readme_without_markers_gets_the_section_appended(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n\nText.\n", encoding="utf-8")
    state_diagram.main(["--readme", str(readme)])
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Title\n\nText.\n\n## Application states\n\n")


def test_script_runs_as_a_file_from_the_project_root() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/state_diagram.py", "--check"],
        cwd=state_diagram.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
