"""Write the README's application state diagram, generated from the machine's transition table.

    python scripts/state_diagram.py          # rewrite the diagram section of README.md
    python scripts/state_diagram.py --check  # exit 1 if README.md's diagram is stale

The diagram comes from ``models.application_machine.TRANSITIONS`` through transitions'
``GraphMachine`` with its mermaid engine (no graphviz needed); it is never drawn by hand.
"""

from __future__ import annotations

import argparse
import copy
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a file, only scripts/ would be on the path
    sys.path.insert(0, str(ROOT))

from transitions.extensions import GraphMachine  # noqa: E402

from models.application_machine import (  # noqa: E402
    FINAL_STATES,
    TRANSITIONS,
    ApplicationState,
)

README = ROOT / "README.md"
START = "<!-- state-diagram:start -->"
END = "<!-- state-diagram:end -->"
SECTION_TITLE = "## Application states"
STALE = "state diagram in README.md is stale: run python scripts/state_diagram.py"


def render() -> str:
    """The mermaid ``stateDiagram-v2`` text of the table; edges read ``trigger [condition]``."""
    machine = GraphMachine(
        states=ApplicationState,
        transitions=TRANSITIONS,
        initial=ApplicationState.DRAFT,
        auto_transitions=False,
        graph_engine="mermaid",
        show_conditions=True,
        # transitions writes the title alone between the front-matter fences; this keeps it YAML.
        title="title: Application states",
    )
    # A documentation diagram has no current state: draw the initial one like any other.
    styles: dict[str, Any] = copy.deepcopy(machine.style_attributes)
    styles["node"]["active"] = styles["node"]["default"]
    machine.style_attributes = styles
    text: str = machine.get_graph().draw(None)
    lines = [line.rstrip() for line in text.strip().splitlines()]
    lines += [f"  {state.name} --> [*]" for state in ApplicationState if state in FINAL_STATES]
    return "\n".join(lines) + "\n"


def section(diagram: str) -> str:
    """The README block between the markers, fenced as mermaid."""
    return f"{START}\n```mermaid\n{diagram}```\n{END}"


def updated_readme(readme: str | None, diagram: str) -> str:
    """``readme`` with its diagram section replaced, added, or a minimal README if ``None``."""
    block = section(diagram)
    if readme is None:
        return f"# CoR accreditation workflow service\n\n{SECTION_TITLE}\n\n{block}\n"
    start, end = readme.find(START), readme.find(END)
    if start == -1 or end < start:
        return f"{readme.rstrip()}\n\n{SECTION_TITLE}\n\n{block}\n"
    return readme[:start] + block + readme[end + len(END) :]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the README is stale")
    parser.add_argument("--readme", type=Path, default=README, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    path: Path = args.readme
    current = path.read_text(encoding="utf-8") if path.exists() else None
    wanted = updated_readme(current, render())
    if args.check:
        if current != wanted:
            print(STALE, file=sys.stderr)
            return 1
        return 0
    if current != wanted:
        path.write_text(wanted, encoding="utf-8")
        print(f"wrote the state diagram into {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
