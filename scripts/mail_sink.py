"""A local SMTP sink for the local stack: each message received is kept as a ``.eml`` file.

Usage: ``python -m scripts.mail_sink [--host 127.0.0.1] [--port 8025] [--dir var/mail]``.
Runs until SIGINT or SIGTERM. Nothing is relayed: this is for development only.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import itertools
import logging
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "var" / "mail"

log = logging.getLogger("mail_sink")


class MailDirHandler:
    """aiosmtpd handler writing each message to ``<dir>/<timestamp>-<n>.eml``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.sequence = itertools.count(1)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.directory / f"{stamp}-{next(self.sequence)}.eml"
        # Written aside then renamed, so a reader of the directory never sees half a message.
        partial = path.with_suffix(".part")
        partial.write_bytes(envelope.content)
        partial.rename(path)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        log.info(
            "%s -> %s: %s [%s]",
            envelope.mail_from,
            ", ".join(envelope.rcpt_tos),
            message["Subject"],
            path.name,
        )
        return "250 Message accepted"


def main(argv: list[str] | None = None) -> None:
    """Run the sink until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # aiosmtpd logs every SMTP session at INFO; one line per message is ours to write.
    logging.getLogger("mail.log").setLevel(logging.WARNING)

    args.dir.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())

    controller = Controller(MailDirHandler(args.dir), hostname=args.host, port=args.port)
    controller.start()
    log.info("listening on %s:%d, writing to %s", args.host, args.port, args.dir)
    try:
        stop.wait()
    finally:
        controller.stop()
        log.info("stopped")


if __name__ == "__main__":
    main()
