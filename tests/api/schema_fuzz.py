"""A schemathesis run over the whole OpenAPI document of a running service.

``python -m tests.api.schema_fuzz INPUT OUTPUT`` fuzzes the API at ``INPUT``'s ``base_url``,
signing tokens with the settings in its environment (the service's own, as
``tests.fixtures.api_server.RunningService.run_module`` passes them), and writes what it found
to ``OUTPUT`` as JSON: the number of requests, the status codes per operation, and a readable
report of every failure (empty when there is none). ``tests/api/test_schema_fuzz.py`` runs it
against a service with real applications and fails with that report.

It runs as a process of its own because schemathesis changes Hypothesis for the whole process
once its test builder is imported (it blanks the arguments of falsifying examples, among other
things), and the rest of the suite uses Hypothesis.

What it runs: every operation with a token for each role that may call it (``ACCESS``; the
public ones without a token), and briefly with a role that may not (so a 403 is checked too).
The first permitted role gets every phase (examples, coverage, fuzzing); the others get
examples and fuzzing, since coverage cases check input, which does not depend on the role.
Cases that schemathesis generates without a valid token (missing or garbled) are sent as
generated. Path parameters are often real ids (see ``use_real_ids``), so the checks reach past
404s. Each response must not be a server error, and its status code, content type, headers and
body must be those the schema documents. Failures are collected across every operation and
reported together: each distinct failure once, with the roles that met it, how often, a
reproduction ``curl``, and, for 5xx, the exceptions the API logged (``INPUT``'s ``api_log``).

Generation is seeded per operation and role, so a run sends the same requests each time (only
the ids of the real applications differ). ``FUZZ_EXAMPLES`` bounds fuzzing per run.

Each run is the Hypothesis test schemathesis's own pytest integration builds for an operation
(``create_test`` with the phases), driven here so that a failing response is recorded and the
run goes on instead of stopping at the first. That builder is not part of schemathesis's
documented API, hence the major version pinned in ``pyproject.toml``.
"""

from __future__ import annotations

import json
import sys
import traceback
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeAlias

import hypothesis
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.result import Ok
from schemathesis.generation.hypothesis.builder import (
    HypothesisTestConfig,
    HypothesisTestMode,
    create_test,
)
from schemathesis.generation.meta import CoveragePhaseData
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.auth import Role, mint_token
from models.enums import TOKEN_ROLES
from settings import Settings
from tests.api.helpers import JPEG, PDF, PNG

Operation: TypeAlias = schemathesis.APIOperation[Any, Any, Any, Any]
Case: TypeAlias = schemathesis.Case[Any]

SEED = 20_250_616
"""Every run's generation derives from this seed, the operation and the role."""

FUZZ_EXAMPLES = 20
"""Fuzzing examples per operation and permitted role."""

FORBIDDEN_EXAMPLES = 4
"""Fuzzing examples per operation with a role that may not call it."""

REQUEST_TIMEOUT = 30.0

CORRELATION_HEADER = "x-request-id"
"""The response header with the id the API's log names a request by."""

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

PUBLIC: tuple[Role, ...] = ()
"""No token: the operation is open to anyone."""

STAFF = (Role.OFFICER, Role.ADMIN)
READERS = (Role.APPLICANT, Role.ASSESSOR, *STAFF, Role.PORTAL)

ACCESS: dict[str, tuple[Role, ...]] = {
    "GET /healthz": PUBLIC,
    "GET /readyz": PUBLIC,
    "GET /catalogue/{pathway}": PUBLIC,
    "GET /register": PUBLIC,
    "GET /register/{registration_number}": PUBLIC,
    "GET /declarations/{application_id}/{token}": PUBLIC,
    "POST /declarations/{application_id}/{token}": PUBLIC,
    "GET /cpd-verifications/{application_id}/{token}": PUBLIC,
    "POST /cpd-verifications/{application_id}/{token}": PUBLIC,
    "POST /applications": (Role.APPLICANT, Role.PORTAL),
    "GET /applications": (Role.APPLICANT, Role.PORTAL, *STAFF),
    "GET /applications/{application_id}": READERS,
    "PATCH /applications/{application_id}": (Role.APPLICANT,),
    "POST /applications/{application_id}/documents": (Role.APPLICANT,),
    "GET /applications/{application_id}/documents/{document_id}": READERS,
    "POST /applications/{application_id}/declarer": (Role.APPLICANT,),
    "POST /applications/{application_id}/cpd/{index}/verification-request": (Role.APPLICANT,),
    "POST /applications/{application_id}/cpd/{index}/verified": (Role.PORTAL,),
    "POST /applications/{application_id}/submit": (Role.APPLICANT,),
    "POST /applications/{application_id}/resubmit": (Role.APPLICANT,),
    "POST /applications/{application_id}/withdraw": (Role.APPLICANT, *STAFF),
    "POST /applications/{application_id}/allocation": STAFF,
    "POST /applications/{application_id}/assessment": (Role.ASSESSOR,),
    "PUT /applications/{application_id}/assessment/draft": (Role.ASSESSOR,),
    "GET /applications/{application_id}/assessment/draft": (Role.ASSESSOR,),
    "POST /applications/{application_id}/verification": (Role.OFFICER,),
    "POST /applications/{application_id}/ratification": (Role.OFFICER,),
    "GET /applications/{application_id}/audit": (Role.ASSESSOR, *STAFF),
    "GET /members/{member_id}/accreditation": (
        Role.APPLICANT,
        *STAFF,
        Role.PORTAL,
        Role.MEMBERSHIP,
    ),
    "POST /members/{member_id}/reaccreditation": (Role.APPLICANT, *STAFF),
    "POST /members/{member_id}/membership": (Role.MEMBERSHIP,),
    "POST /members/{member_id}/scope": (Role.MEMBERSHIP,),
    "GET /accreditations": STAFF,
    "GET /queues/{queue}": STAFF,
    "GET /queues/assessor/mine": (Role.ASSESSOR,),
}
"""Who may call each operation (as ``api.deps`` says): the roles it is fuzzed with, first
role first. A new operation fails the test until it is added here."""

STATE_FOR: dict[str, str] = {
    "PATCH /applications/{application_id}": "draft",
    "POST /applications/{application_id}/documents": "draft",
    "POST /applications/{application_id}/declarer": "draft",
    "POST /applications/{application_id}/cpd/{index}/verification-request": "draft",
    "POST /applications/{application_id}/cpd/{index}/verified": "draft",
    "POST /applications/{application_id}/submit": "draft",
    "POST /applications/{application_id}/resubmit": "deferred",
    "POST /applications/{application_id}/withdraw": "in_assessment",
    "POST /applications/{application_id}/allocation": "in_assessment",
    "POST /applications/{application_id}/assessment": "in_assessment",
    "POST /applications/{application_id}/verification": "in_verification",
    "POST /applications/{application_id}/ratification": "awaiting_ratification",
}
"""The state of the real application the coverage phase acts on (otherwise the accredited one)."""

LAST = ("/submit", "/resubmit", "/verification", "/ratification", "/withdraw")
"""Operations that move or end the real applications: after every other one, in this order
(withdrawing would leave the others nothing to act on)."""


@dataclass(frozen=True)
class RealData:
    """Ids of things that exist in the running service, all of one member's."""

    member_id: str
    registration_number: str
    applications: dict[str, str]
    """Application id by state."""
    documents: tuple[tuple[str, str], ...]
    """(application id, document id) pairs, the accredited application's first."""
    declaration: tuple[str, str]
    """(application id, token) of a live declaration link."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RealData:
        """The real data as ``tests/api/test_schema_fuzz.py`` writes it."""
        return cls(
            member_id=data["member_id"],
            registration_number=data["registration_number"],
            applications=dict(data["applications"]),
            documents=tuple((a, d) for a, d in data["documents"]),
            declaration=(data["declaration"][0], data["declaration"][1]),
        )

    def variants(self, names: set[str]) -> list[dict[str, str]]:
        """Every real value of the path parameters ``names``, as whole sets of parameters."""
        if "document_id" in names:
            return [{"application_id": a, "document_id": d} for a, d in self.documents]
        if "token" in names:
            return [{"application_id": self.declaration[0], "token": self.declaration[1]}]
        if "application_id" in names:
            return [{"application_id": a} for a in self.applications.values()]
        if "member_id" in names:
            return [{"member_id": self.member_id}]
        if "registration_number" in names:
            return [{"registration_number": self.registration_number}]
        return []

    def best(self, operation: str, names: set[str]) -> dict[str, str]:
        """The real path parameters that take ``operation`` furthest (see ``STATE_FOR``)."""
        if names == {"application_id"}:
            return {"application_id": self.applications[STATE_FOR.get(operation, "accredited")]}
        choices = self.variants(names)
        return choices[0] if choices else {}


@dataclass(frozen=True)
class Caller:
    """Who a run calls as: a role with its token, or nobody (``role`` None)."""

    role: Role | None
    token: str | None
    permitted: bool = True

    @property
    def label(self) -> str:
        name = "anonymous" if self.role is None else self.role.value
        return name if self.permitted else f"{name} (not permitted)"

    def headers(self) -> dict[str, str]:
        return {} if self.token is None else {"Authorization": f"Bearer {self.token}"}


@dataclass
class Finding:
    """One distinct failure: where, what, as whom, how often, and how to reproduce it."""

    operation: str
    kind: str
    status: int | None
    title: str
    message: str
    curl: str
    response: str = ""
    """The start of the response body."""
    correlation_id: str | None = None
    """The id the API gave the response (``x-request-id``), which its log names."""
    callers: list[str] = field(default_factory=list)
    count: int = 0

    def describe(self, api_log: str) -> str:
        """The finding, indented, with the exception the API logged for it if any."""
        status = "no response" if self.status is None else str(self.status)
        lines = self.message.strip().splitlines()[:15]
        if self.response:
            lines.append(f"response: {self.response}")
        logged = _exception_for(api_log, self.correlation_id) if self.correlation_id else None
        if logged:
            lines.append(f"API log: {logged}")
        lines.append(f"reproduce: {self.curl}")
        details = "\n".join(f"      {line}" for line in lines)
        return (
            f"  {self.operation}: {self.title} [{status}] x{self.count} "
            f"(as {', '.join(self.callers)})\n{details}"
        )


@dataclass
class Findings:
    """Every distinct failure of the run in the order met, and the status codes seen."""

    items: dict[tuple[str, str, int | None, str], Finding] = field(default_factory=dict)
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    """Per operation, how often it answered each status code."""
    problems: list[str] = field(default_factory=list)
    """What kept the run from fuzzing at all."""

    def problem(self, message: str) -> None:
        self.problems.append(message)

    def add(self, finding: Finding, caller: Caller) -> None:
        """Count ``finding``; the first of its kind keeps its message and reproduction."""
        first_line = finding.message.strip().split("\n", 1)[0]
        key = (finding.operation, finding.kind, finding.status, f"{finding.title}|{first_line}")
        kept = self.items.setdefault(key, finding)
        kept.count += 1
        if caller.label not in kept.callers:
            kept.callers.append(caller.label)

    def answered(self, operation: str, status: int) -> None:
        self.statuses.setdefault(operation, Counter())[status] += 1

    @property
    def requests(self) -> int:
        return sum(sum(counts.values()) for counts in self.statuses.values())

    def status_table(self) -> list[str]:
        """One line per operation: the status codes it answered, with how often."""
        return [
            f"  {operation}: " + ", ".join(f"{code} x{n}" for code, n in sorted(counts.items()))
            for operation, counts in sorted(self.statuses.items())
        ]


@dataclass(frozen=True)
class Target:
    """The running API, the settings it runs on, and what exists in it."""

    base_url: str
    settings: Settings
    real: RealData
    api_log: Path


def fuzz(target: Target) -> Findings:
    """Every operation, as every role that may call it and one that may not."""
    schema = schemathesis.openapi.from_url(f"{target.base_url}/openapi.json")
    found = Findings()
    operations: list[Operation] = []
    for result in schema.get_all_operations():
        if isinstance(result, Ok):
            operations.append(result.ok())
        else:
            found.problem(f"schemathesis cannot read an operation: {result.err()}")
    labels = {operation.label for operation in operations}
    if labels != set(ACCESS):
        found.problem(
            "ACCESS must name exactly the documented operations: "
            f"missing from ACCESS {sorted(labels - set(ACCESS))}, "
            f"no longer in the API {sorted(set(ACCESS) - labels)}"
        )
        return found
    use_real_ids(schema, target.real)
    with requests.Session() as session:
        for operation in sorted(operations, key=_run_order):
            callers = _callers(target, session)
            for caller, modes, examples in _runs(ACCESS[operation.label], callers):
                _run(operation, caller, modes, examples, target.base_url, session, found)
    return found


def main(argv: list[str]) -> int:
    """Fuzz the service ``argv[0]`` describes; write the findings to ``argv[1]``."""
    given = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    target = Target(
        base_url=given["base_url"],
        settings=Settings(),
        real=RealData.from_json(given["real"]),
        api_log=Path(given["api_log"]),
    )
    found = fuzz(target)
    result = {
        "requests": found.requests,
        "status_table": found.status_table(),
        "report": report(found, target.api_log) if found.items or found.problems else "",
    }
    Path(argv[1]).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


def _callers(target: Target, session: requests.Session) -> dict[Role, Caller]:
    """A caller per role, as the subject who may act on the real data now.

    The assessor is whoever is allocated to the application in assessment at the time (a
    reallocation during the run changes who that is).
    """
    real = target.real
    subjects = {
        Role.APPLICANT: real.member_id,
        Role.ASSESSOR: _assessor_of(target, real.applications["in_assessment"], session),
        Role.OFFICER: "officer-1",
        Role.ADMIN: "admin-1",
        Role.PORTAL: "portal",
        Role.MEMBERSHIP: "membership-system",
    }
    return {
        role: Caller(role=role, token=mint_token(target.settings, sub=sub, role=role))
        for role, sub in subjects.items()
    }


def _assessor_of(target: Target, app_id: str, session: requests.Session) -> str:
    """Who is allocated to ``app_id`` now, as an officer reads it."""
    token = mint_token(target.settings, sub="officer-1", role=Role.OFFICER)
    response = session.get(
        f"{target.base_url}/applications/{app_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=REQUEST_TIMEOUT,
    )
    assessor: str | None = response.json().get("assessor_id") if response.ok else None
    return assessor or "assessor-unknown"


def _runs(
    permitted: tuple[Role, ...], callers: dict[Role, Caller]
) -> Iterator[tuple[Caller, list[HypothesisTestMode], int]]:
    """(caller, phases, fuzzing examples) of each run of one operation.

    Every phase with the first permitted role, examples and fuzzing with the others, and a
    short fuzzing run with a role that is not permitted.
    """
    every_phase = [
        HypothesisTestMode.EXAMPLES,
        HypothesisTestMode.COVERAGE,
        HypothesisTestMode.FUZZING,
    ]
    if not permitted:
        yield Caller(role=None, token=None), every_phase, FUZZ_EXAMPLES
        return
    for index, role in enumerate(permitted):
        modes = (
            every_phase if index == 0 else [HypothesisTestMode.EXAMPLES, HypothesisTestMode.FUZZING]
        )
        yield callers[role], modes, FUZZ_EXAMPLES
    refused = [role for role in Role if role in TOKEN_ROLES and role not in permitted]
    if refused:
        outsider = callers[refused[0]]
        yield (
            Caller(role=outsider.role, token=outsider.token, permitted=False),
            [HypothesisTestMode.FUZZING],
            FORBIDDEN_EXAMPLES,
        )


def _run_order(operation: Operation) -> tuple[int, int]:
    """Reads first, then writes in the order of ``ACCESS``, then those in ``LAST``."""
    label: str = operation.label
    if label.startswith("GET "):
        return 0, list(ACCESS).index(label)
    last = [i for i, suffix in enumerate(LAST) if label.endswith(suffix)]
    return (2, last[0]) if last else (1, list(ACCESS).index(label))


def _run(
    operation: Operation,
    caller: Caller,
    modes: list[HypothesisTestMode],
    examples: int,
    base_url: str,
    session: requests.Session,
    found: Findings,
) -> None:
    """One seeded schemathesis run of ``operation`` as ``caller``; failures go to ``found``."""
    schema = operation.schema

    def exercise(case: Case) -> None:
        # A case generated without a valid token (missing or garbled) is sent as generated.
        headers = {} if schema.is_security_param_negated(case) else caller.headers()
        try:
            response = case.call(
                base_url=base_url, session=session, headers=headers, timeout=REQUEST_TIMEOUT
            )
        except requests.RequestException as err:
            found.add(
                _finding(case, headers, "request error", None, "no response", str(err)), caller
            )
            return
        found.answered(operation.label, response.status_code)
        try:
            # Checks that send a request of their own send it as this one was sent.
            sent = {"base_url": base_url, "session": session, "headers": headers}
            case.validate_response(response, checks=CHECKS, headers=headers, transport_kwargs=sent)
        except FailureGroup as group:
            for failure in group.exceptions:
                found.add(_failure(case, headers, failure, response), caller)
        except Exception as err:  # a check that cannot judge the response is reported too
            status = response.status_code
            problem = "".join(traceback.format_exception(err)[-3:])
            found.add(
                _finding(case, headers, "check error", status, "a check failed", problem), caller
            )

    seed = zlib.crc32(f"{SEED}:{operation.label}:{caller.label}".encode())
    test = create_test(
        operation=operation,
        test_func=exercise,
        config=HypothesisTestConfig(
            project=schema.config,
            modes=modes,
            settings=hypothesis.settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=False,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
                verbosity=hypothesis.Verbosity.quiet,
            ),
            seed=seed,
        ),
    )
    try:
        test()
    except Exception as err:  # a run that cannot go on is reported with the rest
        message = "".join(traceback.format_exception(err)[-3:])
        finding = Finding(
            operation=operation.label,
            kind="run stopped",
            status=None,
            title="the run stopped",
            message=message,
            curl="-",
        )
        found.add(finding, caller)


def _failure(
    case: Case,
    headers: dict[str, str],
    failure: Failure,
    response: schemathesis.Response,
) -> Finding:
    status = response.status_code
    finding = _finding(
        case, headers, type(failure).__name__, status, failure.title, failure.message
    )
    given = response.headers.get(CORRELATION_HEADER)
    return replace(
        finding,
        response=response.text_lossy()[:300],
        correlation_id=given[0] if given else None,
    )


def _finding(
    case: Case,
    headers: dict[str, str],
    kind: str,
    status: int | None,
    title: str,
    message: str,
) -> Finding:
    try:
        curl = case.as_curl_command(headers=headers)
    except Exception as err:  # the case itself may be what cannot be sent
        curl = f"(no curl: {err})"
    return Finding(
        operation=case.operation.label,
        kind=kind,
        status=status,
        title=title,
        message=message,
        curl=curl,
    )


HARNESS = ("run stopped", "request error", "check error")
"""Kinds of finding about the run rather than a response."""


def _is_server_error(finding: Finding) -> bool:
    """``not_a_server_error`` failures: ``ServerError``, ``ContentTypeServerError``."""
    return finding.kind.endswith("ServerError")


SECTIONS: list[tuple[str, Callable[[Finding], bool]]] = [
    ("Server errors (5xx)", _is_server_error),
    ("Undocumented status codes", lambda f: f.kind == "UndefinedStatusCode"),
    (
        "Responses unlike the schema (body, content type, headers)",
        lambda f: not _is_server_error(f) and f.kind not in ("UndefinedStatusCode", *HARNESS),
    ),
    ("No response, or a run or check that could not go on", lambda f: f.kind in HARNESS),
]


def report(found: Findings, api_log: Path) -> str:
    """Every distinct failure, grouped by kind, with the API's exceptions behind the 5xx."""
    items = list(found.items.values())
    lines = [f"The run could not go on: {problem}" for problem in found.problems]
    lines.append(
        f"{len(items)} distinct failures ({sum(f.count for f in items)} failing responses "
        f"in {found.requests} requests)"
    )
    log = api_log.read_text(encoding="utf-8", errors="replace")
    for title, belongs in SECTIONS:
        chosen = [f for f in items if belongs(f)]
        if not chosen:
            continue
        lines.append(f"\n== {title}: {len(chosen)}")
        if title.startswith("Undocumented"):
            lines.extend(_undocumented_summary(chosen))
        lines.extend(f.describe(log) for f in chosen)
    exceptions = _logged_exceptions(log)
    if exceptions:
        lines.append(f"\n== Exceptions in the API log ({api_log}):")
        shown = list(exceptions.items())[:MAX_EXCEPTIONS_SHOWN]
        lines.extend(f"  {line} (x{count})" for line, count in shown)
        if len(exceptions) > len(shown):
            lines.append(f"  ... and {len(exceptions) - len(shown)} more")
    return "\n".join(lines)


def _undocumented_summary(chosen: list[Finding]) -> list[str]:
    """Per operation, the status codes it answered without documenting them."""
    by_operation: dict[str, set[int]] = {}
    for finding in chosen:
        if finding.status is not None:
            by_operation.setdefault(finding.operation, set()).add(finding.status)
    summary = [
        f"  {operation}: {', '.join(map(str, sorted(codes)))}"
        for operation, codes in sorted(by_operation.items())
    ]
    return [*summary, "  -- each one:"]


TRACEBACK = "Traceback (most recent call last):"
MAX_EXCEPTIONS_SHOWN = 30
_CHAINING = ("Traceback", "During handling", "The above exception")


def _exception_for(log: str, correlation_id: str) -> str | None:
    """The exception of the first traceback logged after ``correlation_id`` is named."""
    at = log.find(correlation_id)
    return None if at < 0 else _first_exception(log[at:])


def _first_exception(text: str) -> str | None:
    """The first exception line (``Type: message``) after a traceback header in ``text``."""
    start = text.find(TRACEBACK)
    if start < 0:
        return None
    for line in text[start + len(TRACEBACK) :].splitlines():
        if line.strip() and not line.startswith((" ", *_CHAINING)):
            return line[:300]
    return None


def _logged_exceptions(log: str) -> dict[str, int]:
    """The exception of each traceback in ``log`` (the first of a chain), and how often."""
    found = (_first_exception(TRACEBACK + block) for block in log.split(TRACEBACK)[1:])
    return dict(Counter(line for line in found if line))


def use_real_ids(schema: Any, real: RealData) -> None:
    """Hooks that put real ids in the cases, and real documents in uploads.

    Fuzzing: a third of the cases take the real path parameters ``STATE_FOR`` names, a third
    any real ones, a third keep the generated ones. Coverage: cases about the body,
    query or headers go to the real application ``STATE_FOR`` names; cases about a path
    parameter keep their generated value. Uploads: about half carry a real PDF, PNG or JPEG.
    """

    def flatmap_path_parameters(
        context: schemathesis.HookContext, path_parameters: dict[str, Any] | None
    ) -> st.SearchStrategy[dict[str, Any] | None]:
        names = set(path_parameters or ())
        choices = real.variants(names)
        if not choices or context.operation is None:
            return st.just(path_parameters)
        generated = path_parameters or {}
        best = {**generated, **real.best(context.operation.label, names)}
        any_real = st.sampled_from(choices).map(lambda choice: {**generated, **choice})
        return st.one_of(st.just(path_parameters), st.just(best), any_real)

    def map_case(context: schemathesis.HookContext, case: Case) -> Case:
        data = case.meta.phase.data if case.meta is not None else None
        if (
            isinstance(data, CoveragePhaseData)
            and data.parameter_location is not ParameterLocation.PATH
            and case.path_parameters
            and context.operation is not None
        ):
            best = real.best(context.operation.label, set(case.path_parameters))
            case.path_parameters = {**case.path_parameters, **best}
        return case

    def flatmap_body(_context: schemathesis.HookContext, body: Any) -> st.SearchStrategy[Any]:
        if not (isinstance(body, dict) and "file" in body):
            return st.just(body)
        documents = st.sampled_from([PDF, PNG, JPEG]).map(lambda content: {**body, "file": content})
        return st.one_of(st.just(body), documents)

    schema.hook(flatmap_path_parameters)
    schema.hook(map_case)
    schema.hook(flatmap_body)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
