"""A real OpenID Connect provider for tests: ``oidc-provider-mock`` as a process of its own.

It serves discovery, its JWKS, the authorization endpoint (a login form where the tester
types a subject, or denies) and the token endpoint, and signs RS256 ID tokens. It accepts
any client id and secret. A person's claims (the role claim among them) are set before they
sign in with ``set_claims``; the provider puts them in the ID token. It requires a nonce
(``--require-nonce``). It does not check PKCE's verifier (it ignores the code challenge).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.fixtures.api_server import free_port

STARTUP_SECONDS = 30.0


@dataclass(frozen=True)
class MockProvider:
    issuer: str
    log: Path

    def set_claims(self, subject: str, claims: dict[str, object]) -> None:
        """The claims the provider puts in ``subject``'s tokens from now on."""
        response = httpx.put(f"{self.issuer}/users/{subject}", json=claims, timeout=10)
        response.raise_for_status()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def running_provider(root: Path) -> Iterator[MockProvider]:
    """``python -m oidc_provider_mock`` on a free port, until the ``with`` ends."""
    host, port = "127.0.0.1", free_port()
    provider = MockProvider(issuer=f"http://{host}:{port}", log=root / "oidc-provider.log")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ACCRED_")}
    with provider.log.open("ab") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "oidc_provider_mock",
                "--host",
                host,
                "--port",
                str(port),
                "--require-nonce",
            ],
            cwd=root,
            env={**environment, "NO_COLOR": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_until_ready(provider, process)
            yield provider
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def _wait_until_ready(provider: MockProvider, process: subprocess.Popen[bytes]) -> None:
    url = f"{provider.issuer}/.well-known/openid-configuration"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the OIDC provider exited with code {process.returncode}:\n"
                + provider.log_text()[-4000:]
            )
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the OIDC provider did not answer on {url} in {STARTUP_SECONDS:.0f}s")
