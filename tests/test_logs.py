"""logs: one line per event, as JSON with the ids the event concerns, or as text."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from temporalio import activity, workflow

from logs import (
    ACCREDITATION_WORKFLOW_PREFIX,
    APPLICATION_WORKFLOW_PREFIX,
    JsonFormatter,
    configure_logging,
    ids_of_workflow,
    log_context,
)
from models.accreditation import accreditation_workflow_id
from workflows.application import workflow_id


def record(
    message: str = "application %s: %s",
    args: tuple[Any, ...] = ("APP-1", "submitted"),
    *,
    level: int = logging.INFO,
    exc_info: Any = None,
    **extra: Any,
) -> logging.LogRecord:
    made = logging.getLogger("accreditation.test").makeRecord(
        "accreditation.test", level, __file__, 1, message, args, exc_info, extra=extra
    )
    return made


def formatted(made: logging.LogRecord) -> dict[str, Any]:
    line = JsonFormatter().format(made)
    assert "\n" not in line
    parsed: dict[str, Any] = json.loads(line)
    return parsed


def test_a_line_has_time_level_logger_and_the_formatted_message() -> None:
    line = formatted(record(level=logging.WARNING))

    assert line.keys() == {"time", "level", "logger", "message"}
    assert line["message"] == "application APP-1: submitted"
    assert (line["level"], line["logger"]) == ("WARNING", "accreditation.test")
    assert line["time"].endswith("+00:00") and "T" in line["time"]


def test_ids_given_to_the_logging_call_are_fields() -> None:
    line = formatted(
        record(application_id="APP-1", member_id="M1", registration_number="AP-1", other="x")
    )

    assert line["application_id"] == "APP-1"
    assert line["member_id"] == "M1"
    assert line["registration_number"] == "AP-1"
    assert "other" not in line


def test_a_workflow_line_carries_the_application_its_workflow_runs() -> None:
    details = {
        "workflow_id": workflow_id("APP-7"),
        "workflow_type": "Application",
        "run_id": "r",
        "attempt": 1,
    }

    line = formatted(record(temporal_workflow=details))

    assert line["application_id"] == "APP-7"
    assert line["workflow_id"] == "application-APP-7"
    assert line["workflow_type"] == "Application"
    assert "member_id" not in line


def test_an_activity_line_carries_the_member_of_its_accreditation_workflow() -> None:
    details = {
        "workflow_id": accreditation_workflow_id("M42"),
        "workflow_type": "Accreditation",
        "activity_type": "upsert_register_entry",
        "attempt": 2,
    }

    line = formatted(record(temporal_activity=details, registration_number="AP-42"))

    assert (line["member_id"], line["registration_number"]) == ("M42", "AP-42")
    assert (line["activity_type"], line["attempt"]) == ("upsert_register_entry", 2)


def test_the_call_s_ids_win_over_the_workflow_s_and_the_request_s() -> None:
    details = {"workflow_id": workflow_id("APP-1")}

    with log_context(lambda: {"application_id": "APP-2", "correlation_id": "req-1"}):
        inside = formatted(record(temporal_workflow=details))
        given = formatted(record(temporal_workflow=details, application_id="APP-3"))
    outside = formatted(record())

    assert (inside["application_id"], inside["correlation_id"]) == ("APP-2", "req-1")
    assert given["application_id"] == "APP-3"
    assert "correlation_id" not in outside


def test_the_request_s_ids_are_read_when_the_line_is_logged() -> None:
    known: dict[str, str] = {}

    with log_context(lambda: known):
        before = formatted(record())
        known["application_id"] = "APP-9"  # the API's path ids are known once routed
        after = formatted(record())

    assert "application_id" not in before
    assert after["application_id"] == "APP-9"


def test_an_exception_is_a_field_of_the_same_line() -> None:
    try:
        raise ZeroDivisionError("a bug")
    except ZeroDivisionError:
        made = record("request failed", (), level=logging.ERROR, exc_info=sys.exc_info())

    line = formatted(made)

    assert line["message"] == "request failed"
    assert line["exception"].startswith("Traceback (most recent call last):")
    assert "ZeroDivisionError: a bug" in line["exception"]


def test_workflow_ids_name_applications_and_members_as_the_workflows_make_them() -> None:
    assert workflow_id("X") == APPLICATION_WORKFLOW_PREFIX + "X"
    assert accreditation_workflow_id("X") == ACCREDITATION_WORKFLOW_PREFIX + "X"
    assert ids_of_workflow(workflow_id("A-1")) == {"application_id": "A-1"}
    assert ids_of_workflow(accreditation_workflow_id("M-1")) == {"member_id": "M-1"}
    assert ids_of_workflow("something-else") == {}
    assert ids_of_workflow(APPLICATION_WORKFLOW_PREFIX) == {}


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """Put the root logger, uvicorn's and the SDK's loggers back as they were."""
    root = logging.getLogger()
    uvicorn = [logging.getLogger(n) for n in ("uvicorn", "uvicorn.error", "uvicorn.access")]
    saved = (
        list(root.handlers),
        root.level,
        [(list(u.handlers), u.propagate) for u in uvicorn],
        activity.logger.activity_info_on_message,
        workflow.logger.workflow_info_on_message,
    )
    yield
    handlers, level, uvicorn_saved, activity_on_message, workflow_on_message = saved
    root.handlers[:] = handlers
    root.setLevel(level)
    for logger, (its_handlers, propagate) in zip(uvicorn, uvicorn_saved, strict=True):
        logger.handlers[:] = its_handlers
        logger.propagate = propagate
    activity.logger.activity_info_on_message = activity_on_message
    workflow.logger.workflow_info_on_message = workflow_on_message


@pytest.mark.usefixtures("restored_logging")
def test_configured_json_writes_one_json_object_a_line() -> None:
    stream = io.StringIO()
    handler = configure_logging("json", stream=stream)

    logging.getLogger("accreditation.test").info(
        "register %s: current", "AP-1", extra={"registration_number": "AP-1"}
    )
    logging.getLogger("uvicorn.access").info("GET /healthz 200")
    handler.flush()

    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "register AP-1: current"
    assert first["registration_number"] == "AP-1"
    assert second["logger"] == "uvicorn.access"
    assert not activity.logger.activity_info_on_message
    assert not workflow.logger.workflow_info_on_message


@pytest.mark.usefixtures("restored_logging")
def test_configured_text_keeps_the_familiar_line() -> None:
    stream = io.StringIO()
    configure_logging("text", stream=stream)

    logging.getLogger("accreditation.test").info("worker stopped")

    [line] = stream.getvalue().splitlines()
    assert line.endswith(" INFO accreditation.test: worker stopped")


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="text, json"):
        configure_logging("xml")
