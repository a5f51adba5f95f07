"""Blocking database work, run off the event loop on the activities' own thread pool.

The pool is sized by ``ACCRED_WORKER_ACTIVITY_THREADS`` (``all_activities`` makes it), not the
event loop's small default pool, which the SDK and every ``to_thread`` share.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import Executor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


async def in_thread(
    executor: Executor | None, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """``fn(*args, **kwargs)`` on ``executor`` (the loop's default pool when None)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, functools.partial(fn, *args, **kwargs))
