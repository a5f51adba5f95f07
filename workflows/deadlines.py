"""The one wait both workflows make: until their earliest deadline, or until something changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from temporalio import workflow


async def deadline_due(earliest: datetime | None, version: Callable[[], int]) -> bool:
    """Wait until ``earliest`` passes (True: fire it) or ``version()`` changes (False: plan
    again, the deadline may have moved). No deadline waits for a change alone."""
    now = workflow.now()
    if earliest is not None and earliest <= now:
        return True
    seen = version()
    try:
        await workflow.wait_condition(
            lambda: version() != seen, timeout=(earliest - now) if earliest else None
        )
    except TimeoutError:
        return True
    return False
