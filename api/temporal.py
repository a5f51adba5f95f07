"""The API's way to Temporal: connected lazily, every call bounded in time.

The API starts while Temporal is unreachable (SQL-backed reads keep answering) and connects on
the first request that needs it. Every call runs under one deadline (a setting); a call that
cannot finish in time, a server that cannot be reached, or a task queue with no worker polling
it is ``TemporalUnavailable``, which the API answers 503 with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from temporalio.client import Client, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

T = TypeVar("T")

log = logging.getLogger("accreditation.api")

# Statuses that say the request itself is wrong or names nothing: every other status means the
# service (server, worker, network) cannot answer now.
_CALLER_STATUSES = frozenset({RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT})


class TemporalUnavailable(Exception):
    """Temporal or the worker cannot answer now; the message says which, for a person."""


class Temporal:
    """A lazily connected client and the deadline every call through it keeps."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[Client]],
        timeout: timedelta,
        client: Client | None = None,
    ) -> None:
        self._connect = connect
        self.timeout = timeout
        self._client = client
        self._lock = asyncio.Lock()

    @property
    def connected(self) -> bool:
        return self._client is not None

    async def client(self) -> Client:
        """The client, connecting first if need be.

        Raises:
            TemporalUnavailable: the server cannot be reached within the deadline.
        """
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                try:
                    async with asyncio.timeout(self.timeout.total_seconds()):
                        self._client = await self._connect()
                except (TimeoutError, RuntimeError, RPCError, OSError, ValueError) as err:
                    log.warning("cannot connect to Temporal: %s", err)
                    raise TemporalUnavailable(
                        "the workflow service cannot be reached at the moment"
                    ) from err
                log.info("connected to Temporal")
        return self._client

    async def call(self, operation: Callable[[Client], Awaitable[T]]) -> T:
        """Run ``operation`` with the client, within the deadline.

        Raises:
            TemporalUnavailable: not connected, timed out, or an RPC status that means the
                service cannot answer now (``NOT_FOUND`` and ``INVALID_ARGUMENT`` pass through
                as ``RPCError``: they are about the request).
        """
        client = await self.client()
        try:
            async with asyncio.timeout(self.timeout.total_seconds()):
                return await operation(client)
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError) as err:
            raise TemporalUnavailable(
                "the workflow service did not answer in time; no worker may be running"
            ) from err
        except RPCError as err:
            if err.status in _CALLER_STATUSES:
                raise
            log.warning("Temporal call failed with %s: %s", err.status.name, err.message)
            raise TemporalUnavailable(_unavailable_message(err)) from err

    async def reachable(self) -> bool:
        """Whether the Temporal server answers a health check now."""
        try:
            client = await self.client()
            async with asyncio.timeout(min(self.timeout.total_seconds(), 3)):
                return await client.service_client.check_health()
        except (TemporalUnavailable, TimeoutError, RPCError, RuntimeError):
            return False


def _unavailable_message(err: RPCError) -> str:
    if err.status == RPCStatusCode.FAILED_PRECONDITION:
        return "no worker is processing applications at the moment"
    return "the workflow service is unavailable at the moment"
