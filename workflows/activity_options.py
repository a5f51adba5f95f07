"""How workflows call activities: timeouts and retries, set once."""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

START_TO_CLOSE = timedelta(seconds=30)

# Side effects must happen eventually (an email, an audit row), so retries are unlimited and
# back off to a minute; domain errors are raised non-retryable by the activities themselves.
RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
)
