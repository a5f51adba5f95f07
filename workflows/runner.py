"""How the worker runs workflows: in Temporal's sandbox, with the service's own deterministic
code passed through.

The sandbox re-imports, for every new workflow run, each module it does not pass through. The
workflows, ``models`` (every rule), and the libraries they use are pure or import-time only,
so they are imported once per worker and shared; workflow code still runs in the sandbox, so
a non-deterministic call in it is still refused.
"""

from __future__ import annotations

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

PASSED_THROUGH = (
    "workflows",
    "models",
    "activities",
    "storage",
    "settings",
    "pydantic",
    "pydantic_core",
    "annotated_types",
    "email_validator",
    "idna",
    "transitions",
    "sqlalchemy",
    "jinja2",
)


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandboxed runner every worker (and every test's worker) uses."""
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH)
    )
