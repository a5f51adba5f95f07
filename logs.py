"""Logging for the worker and the API: one line per event, as text or as JSON.

``configure_logging("text")`` keeps the familiar ``time LEVEL logger: message`` lines.
``configure_logging("json")`` writes each event as one JSON object with ``time`` (UTC, ISO
8601), ``level``, ``logger`` and ``message``, plus the ids it concerns when there are any:

- ``application_id``, ``member_id``, ``registration_number``, ``correlation_id`` given by the
  logging call (``log.info(..., extra={"application_id": ...})``) or by the surrounding request
  (``log_context``: the API binds each request's correlation id and path ids);
- otherwise derived from the Temporal workflow a workflow or activity log line comes from: the
  SDK's loggers attach the workflow id, and an application's workflow id names the application
  (``application-<id>``), a member's accreditation workflow the member (``accreditation-<id>``);
- ``workflow_id``, ``workflow_type``, ``activity_type`` and ``attempt`` from those same loggers;
- ``exception`` with the formatted traceback when the event carries one.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

from temporalio import activity, workflow

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

ID_FIELDS = ("application_id", "member_id", "registration_number", "correlation_id")
"""The ids a JSON line carries when the event has them."""

APPLICATION_WORKFLOW_PREFIX = "application-"
"""``workflows.application.workflow_id``: an application's workflow id is this plus its id."""
ACCREDITATION_WORKFLOW_PREFIX = "accreditation-"
"""``models.accreditation.accreditation_workflow_id``: a member's workflow id is this plus
the member id."""

_TEMPORAL_FIELDS = ("workflow_id", "workflow_type", "activity_type", "attempt")
_UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")

_context: ContextVar[Callable[[], Mapping[str, Any]] | None] = ContextVar(
    "accreditation_log_context", default=None
)


@contextmanager
def log_context(fields: Callable[[], Mapping[str, Any]]) -> Iterator[None]:
    """Within the ``with``, JSON lines carry the ids ``fields()`` returns when they are logged.

    ``fields`` is called at each log call, so it may return ids that become known later (the
    API's path ids are known once the request is routed). Ids given to the logging call win.
    """
    token = _context.set(fields)
    try:
        yield
    finally:
        _context.reset(token)


class JsonFormatter(logging.Formatter):
    """Formats each record as one line of JSON (see the module docstring for its fields)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_ids(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _ids(record: logging.LogRecord) -> dict[str, Any]:
    """The event's ids: the workflow's, then the request's, then the call's own (these win)."""
    found: dict[str, Any] = {}
    temporal = getattr(record, "temporal_activity", None) or getattr(
        record, "temporal_workflow", None
    )
    if isinstance(temporal, Mapping):
        found.update({k: temporal[k] for k in _TEMPORAL_FIELDS if temporal.get(k) is not None})
        found.update(ids_of_workflow(str(temporal.get("workflow_id") or "")))
    fields = _context.get()
    if fields is not None:
        found.update({k: v for k, v in fields().items() if k in ID_FIELDS and v is not None})
    for name in ID_FIELDS:
        value = getattr(record, name, None)
        if value is not None:
            found[name] = value
    return found


def ids_of_workflow(workflow_id: str) -> dict[str, str]:
    """The application or member a workflow id names (``{}`` for any other workflow)."""
    for prefix, field in (
        (APPLICATION_WORKFLOW_PREFIX, "application_id"),
        (ACCREDITATION_WORKFLOW_PREFIX, "member_id"),
    ):
        if workflow_id.startswith(prefix) and len(workflow_id) > len(prefix):
            return {field: workflow_id.removeprefix(prefix)}
    return {}


def configure_logging(
    log_format: str, *, level: int = logging.INFO, stream: IO[str] | None = None
) -> logging.Handler:
    """Send every log event to ``stream`` (stderr) as one line of ``log_format``.

    Replaces the root logger's handlers. With ``json`` the uvicorn loggers (when the API runs
    under uvicorn) pass their lines to the root logger too, so they come out as JSON, and the
    Temporal SDK's workflow and activity loggers stop appending their details to the message:
    those are fields of the line instead.

    Returns:
        The handler installed on the root logger.

    Raises:
        ValueError: ``log_format`` is neither ``text`` nor ``json``.
    """
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format {log_format!r}: expected one of {', '.join(LOG_FORMATS)}")
    handler = logging.StreamHandler(stream or sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    if log_format == "json":
        for name in _UVICORN_LOGGERS:
            logger = logging.getLogger(name)
            for old in list(logger.handlers):
                logger.removeHandler(old)
            logger.propagate = True
        activity.logger.activity_info_on_message = False
        workflow.logger.workflow_info_on_message = False
    return handler
