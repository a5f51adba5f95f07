"""Service counters, counted where the event happens: in the activity that does it.

They go through the Temporal SDK's metric meter (``activity.metric_meter()``), so they appear
on the worker's Prometheus endpoint beside the SDK's own metrics, with the activity's
``namespace``, ``task_queue`` and ``activity_type`` as labels besides their own. The exporter
adds ``_total`` to each name (see ``worker.metrics_runtime``). Outside a running activity (a
test calling the method directly) nothing is counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from temporalio import activity


@dataclass(frozen=True)
class CounterSpec:
    """A counter's name (without ``_total``), its help text and its labels besides the SDK's."""

    name: str
    description: str
    labels: tuple[str, ...]


EMAILS_SENT = CounterSpec(
    "accreditation_emails_sent",
    "Emails handed to the SMTP server, by template (an email already sent is not counted again)",
    ("template",),
)
EMAILS_FAILED = CounterSpec(
    "accreditation_emails_failed",
    "Failed email attempts, by template and reason: unavailable (SMTP unreachable; retried), "
    "rejected (refused by the SMTP server; not retried), template (cannot be rendered)",
    ("template", "reason"),
)
REGISTER_WRITES = CounterSpec(
    "accreditation_register_writes",
    "Public register entries written (inserted or replaced), by the entry's status",
    ("status",),
)

COUNTERS = (EMAILS_SENT, EMAILS_FAILED, REGISTER_WRITES)


def count(counter: CounterSpec, value: int = 1, **labels: str) -> None:
    """Add ``value`` to ``counter`` with ``labels`` (exactly the counter's), in this activity.

    Raises:
        ValueError: the labels are not the counter's.
    """
    if set(labels) != set(counter.labels):
        raise ValueError(f"{counter.name} takes the labels {counter.labels}, not {tuple(labels)}")
    if not activity.in_activity():
        return
    meter = activity.metric_meter()
    meter.create_counter(counter.name, counter.description).add(value, labels)
