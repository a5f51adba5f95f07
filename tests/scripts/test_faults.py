"""The fault-injection check: a real run through a worker kill, and what its report counts."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from scripts.faults import (
    COLUMNS,
    Findings,
    HttpStats,
    Mail,
    Outcome,
    Phase,
    Plan,
    RunResult,
    build_rows,
    leftover_processes,
    verdict,
)
from tests.scripts.runs import run_script

RUN_SECONDS = 150


def table_row(output: str, name: str) -> dict[str, str | int]:
    """The printed table's row called ``name``, by column."""
    for line in output.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if cells[0] == name and len(cells) == len(COLUMNS):
            return {
                column: cell if column == "phase" else int(cell)
                for column, cell in zip(COLUMNS, cells, strict=True)
            }
    raise AssertionError(f"no {name!r} row in the output:\n{output}")


def run_faults(workdir: Path, *args: str, seconds: float = RUN_SECONDS) -> tuple[int, str]:
    """``python -m scripts.faults args --workdir workdir``: its exit code and output."""
    return run_script("scripts.faults", workdir, *args, seconds=seconds)


def test_twenty_applications_complete_through_a_worker_kill(tmp_path: Path) -> None:
    workdir = tmp_path / "run"
    code, output = run_faults(workdir, "--applications", "20", "--faults", "worker", "--kills", "1")
    assert code == 0, output
    assert "fault worker 1/1: kill -9 worker" in output
    assert "fault worker 1/1: worker back" in output
    expected = {"kills": 1, "driven": 20, "completed": 20, "lost": 0, "dup register": 0}
    expected |= {"dup emails": 0, "dup apps": 0, "stuck": 0}
    for row in ("worker", "total"):
        figures = table_row(output, row)
        # An email delivered again under its own Message-ID (the worker killed between the SMTP
        # reply and recording the send) is reported, not counted as a duplicate.
        figures.pop("resent emails")
        assert figures == {"phase": row, **expected}, output
    assert re.search(r"^OK: 20 of 20 applications completed", output, re.MULTILINE), output
    assert "no process left behind" in output
    assert leftover_processes(workdir.resolve()) == []


def plan(index: int) -> Plan:
    member = f"FTEST{index:03d}"
    return Plan(index, "smtp", "approved", member, f"Test {index}", f"AP-{member}", f"k{index}")


def mail(name: str, message_id: str, recipient: str, subject: str, body: str) -> Mail:
    return Mail(name, message_id, recipient, subject, body)


def test_the_report_counts_lost_duplicates_and_stuck_workflows() -> None:
    done, lost, never_created = plan(1), plan(2), plan(3)
    app_done, app_lost, app_extra = (f"app-{c * 32}" for c in "abc")
    findings = Findings(
        register_rows=Counter({done.registration_number: 2}),
        applications={
            app_done: done.member_id,
            app_lost: lost.member_id,
            app_extra: lost.member_id,
        },
        stuck={f"application-{app_lost}": "still running in state submitted"},
        mails=[
            mail("1.eml", "<m1@cor>", done.email, "Awarded", f"Your application {app_done}"),
            mail("2.eml", "<m1@cor>", done.email, "Awarded", f"Your application {app_done}"),
            mail("3.eml", "<m2@cor>", lost.email, "Received", "no application id here"),
            mail("4.eml", "<m3@cor>", lost.email, "Received", "no application id here"),
            mail("5.eml", "<m4@cor>", lost.email, "Other", "once only"),
        ],
    )
    result = RunResult(
        phases=[Phase("smtp", [done, lost, never_created], kills=2)],
        outcomes=[
            Outcome(done, app_done, accredited=True, registered=True),
            Outcome(lost, app_lost, failure="submit: still failing"),
            Outcome(never_created, None, failure="create: still failing"),
        ],
        findings=findings,
        stats=HttpStats(),
        unexpected=[],
    )

    rows, total, details = build_rows(result)

    assert [r.cells() for r in rows] == [["smtp", "2", "3", "1", "1", "1", "1", "1", "1", "1"]]
    assert total.cells() == ["total", "2", "3", "1", "1", "1", "1", "1", "1", "1"]
    assert any(line.startswith("resent email [smtp]: ") for line in details)
    assert any(line.startswith("duplicate email [smtp]: ") for line in details)
    assert verdict(total, [], []) == (
        "1 of 3 applications completed; 1 lost application(s); 1 duplicate register row(s); "
        "1 duplicate email(s); 1 duplicate application(s) from retried creates; "
        "1 stuck workflow(s)"
    )
