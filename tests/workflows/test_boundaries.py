"""The boundaries between workflows, activities and the API are typed: nothing is called by a
string name except where Temporal's API takes only a name, and those names are the ones the
definitions register."""

from __future__ import annotations

import ast
from pathlib import Path

from temporalio import workflow

from activities.email_templates import TEMPLATE_KEYS, TEMPLATES_DIR
from models.accreditation import ACCREDITATION_WORKFLOW, AWARD
from models.commands import APPLICATION_WORKFLOW
from models.templates import Template
from settings import ROOT
from workflows.accreditation import AccreditationWorkflow
from workflows.application import ApplicationWorkflow

PRODUCT = ["api", "web", "workflows", "activities", "models", "storage", "scripts", "bench"]
PRODUCT_FILES = ["worker.py", "starter.py"]

# Calls whose first argument names an activity, update, query, signal or workflow.
NAMED_CALLS = {
    "execute_activity",
    "start_activity",
    "execute_update",
    "start_update",
    "execute_update_with_start_workflow",
    "query",
    "signal",
    "start_workflow",
    "execute_workflow",
    "start_child_workflow",
    "execute_child_workflow",
    "get_workflow_handle",
}


def test_the_names_used_by_name_are_the_names_the_definitions_register() -> None:
    application = workflow._Definition.must_from_class(ApplicationWorkflow)
    accreditation = workflow._Definition.must_from_class(AccreditationWorkflow)
    assert application.name == APPLICATION_WORKFLOW
    assert accreditation.name == ACCREDITATION_WORKFLOW
    assert AWARD in accreditation.signals


def test_no_activity_update_query_signal_or_workflow_is_called_by_a_string_name() -> None:
    """The member workflow starts the application child by name (neither workflow module
    imports the other) and the award activity signal-with-starts by name (an activity never
    imports a workflow): both use the constants the test above ties to the definitions."""
    found = []
    files = [p for d in PRODUCT for p in (ROOT / d).rglob("*.py")]
    files += [ROOT / f for f in PRODUCT_FILES]
    for path in files:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            if node.func.attr in NAMED_CALLS and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.func.attr}")
            for keyword in node.keywords:
                if keyword.arg == "start_signal" and isinstance(keyword.value, ast.Constant):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} start_signal")
    assert found == []


def test_no_activity_imports_a_workflow() -> None:
    for path in (ROOT / "activities").rglob("*.py"):
        tree = ast.parse(path.read_text())
        imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
        assert not [m for m in imported if m.startswith("workflows")], path


def test_the_member_workflow_module_does_not_import_the_application_workflow() -> None:
    source = (ROOT / "workflows" / "accreditation.py").read_text()
    assert "workflows.application" not in source


def test_every_email_template_is_named_once() -> None:
    files = {p.name.removesuffix(".txt.j2") for p in Path(TEMPLATES_DIR).glob("*.txt.j2")}
    assert {t.value for t in Template} == set(TEMPLATE_KEYS) == files
