from __future__ import annotations

import signal
import smtplib
import socket
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]


def read_until(stream: IO[str], text: str) -> str:
    for line in stream:
        if text in line:
            return line
    raise AssertionError(f"the sink ended without logging {text!r}")


def test_mail_sink_keeps_each_message_and_stops_on_sigterm(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = subprocess.Popen(
        [sys.executable, "-m", "scripts.mail_sink", "--port", str(port), "--dir", str(tmp_path)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert sink.stderr is not None
        read_until(sink.stderr, "listening on")
        message = EmailMessage()
        message["From"] = "accreditation@cor.example"
        message["To"] = "sam@example.org"
        message["Subject"] = "Hello"
        message.set_content("Body")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(message)
            smtp.send_message(message)
        read_until(sink.stderr, "accreditation@cor.example -> sam@example.org: Hello")
    finally:
        sink.send_signal(signal.SIGTERM)
        returncode = sink.wait(timeout=10)

    assert returncode == 0
    files = sorted(path.name for path in tmp_path.iterdir())
    assert len(files) == 2
    assert files[0].endswith("-1.eml") and files[1].endswith("-2.eml")
