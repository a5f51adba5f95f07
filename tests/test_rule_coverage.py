"""Every scheme rule (SCHEME.md, R01-R23) has at least one test that names its id."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
RULES = [f"R{n:02d}" for n in range(1, 24)]
NAMED = re.compile(r"def (test_\w+)|#\s*(R\d\d(?:\s*[,/]\s*R\d\d)*)")


def rules_named_by_tests() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {rule: [] for rule in RULES}
    for path in TESTS.rglob("test_*.py"):
        if path.name == Path(__file__).name:
            continue
        for match in NAMED.finditer(path.read_text()):
            name, comment = match.groups()
            ids = re.findall(r"r\d\d", name) if name else re.findall(r"R\d\d", comment or "")
            for rule_id in ids:
                rule = rule_id.upper()
                if rule in found:
                    found[rule].append(f"{path.relative_to(TESTS)}::{name or comment}")
    return found


def test_every_scheme_rule_has_a_test_naming_it() -> None:
    missing = [rule for rule, tests in rules_named_by_tests().items() if not tests]
    assert not missing, f"rules with no test naming them: {missing}"


def test_the_project_carries_the_scheme_with_every_rule_id() -> None:
    scheme = (TESTS.parent / "docs" / "SCHEME.md").read_text(encoding="utf-8")
    defined = re.findall(r"^\| (R\d\d) \|", scheme, flags=re.MULTILINE)
    assert defined == RULES
