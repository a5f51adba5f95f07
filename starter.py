"""Development commands for the local stack.

python starter.py token --role officer --sub officer-1 [--hours 12]
    print a bearer token for the local API (refused outside local development)
python starter.py demo [--api http://127.0.0.1:8000]
    drive a demo application from draft to the public register through the HTTP API
    (start the stack first with ./dev run)
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any, TypeVar

import httpx

from api.auth import Role, mint_token
from models.enums import TOKEN_ROLES
from settings import ROOT, Settings, get_settings

MAIL_DIR = ROOT / "var" / "mail"
T = TypeVar("T")
# Not the employer of any clinical-imaging stand-in assessor, so one can be allocated (R12).
DEMO_EMPLOYER = "Riverside Community Hospital (fictional)"


class DemoFailed(Exception):
    """A step of the demo did not go as expected; the message says which and why."""


def demo_pdf(title: str) -> bytes:
    """A small, valid one-page PDF showing ``title``."""
    text = f"BT /F1 18 Tf 72 720 Td ({title}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


class Demo:
    def __init__(self, api: str, settings: Settings, mail_dir: Path = MAIL_DIR) -> None:
        self.http = httpx.Client(base_url=api, timeout=30)
        self.api = api
        self.settings = settings
        self.mail_dir = mail_dir

    def headers(self, role: Role, sub: str) -> dict[str, str]:
        token = mint_token(self.settings, sub=sub, role=role, hours=1)
        return {"Authorization": f"Bearer {token}"}

    def call(self, step: str, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise DemoFailed(f"{step}: HTTP {response.status_code}: {response.text}")
        return response.json()

    def check_running(self) -> None:
        try:
            self.http.get("/catalogue/AP_L4").raise_for_status()
        except httpx.HTTPError as err:
            raise DemoFailed(
                f"the API is not answering at {self.api} ({err.__class__.__name__}); "
                "start the local stack with ./dev run and try again"
            ) from err

    def run(self) -> None:
        say = print
        self.check_running()
        member_id = f"DEMO-{uuid.uuid4().hex[:6].upper()}"
        name = f"Demo Applicant {member_id[5:]}"
        me = self.headers(Role.APPLICANT, member_id)
        officer = self.headers(Role.OFFICER, "officer-demo")

        profile = {
            "member_id": member_id,
            "name": name,
            "email": f"{member_id.lower()}@members.example.org",
            "registration_number": f"AP-{member_id}",
            "membership_status": "radiographic_assistant",
            "employer": DEMO_EMPLOYER,
        }
        body = {"pathway": "AP_L4", "route": "non_approved", "applicant": profile}
        view = self.call("create", "POST", "/applications", json=body, headers=me)
        app_id = view["application_id"]
        say(f"1. {name} ({member_id}) started application {app_id}: AP_L4, non-approved route.")
        say(f"   Still missing: {', '.join(p['field'] for p in view['missing'])}.")

        catalogue = self.call("catalogue", "GET", "/catalogue/AP_L4")
        codes = [o["code"] for o in catalogue["outcomes"]]
        say(f"2. The AP_L4 pathway has {len(codes)} learning outcomes: {', '.join(codes)}.")

        document_ids = {}
        for kind in ("scope_of_practice", "certificate"):
            files = {"file": (f"{kind}.pdf", demo_pdf(f"{name}: {kind}"), "application/pdf")}
            ref = self.call(
                "upload", "POST", f"/applications/{app_id}/documents",
                data={"kind": kind}, files=files, headers=me,
            )  # fmt: skip
            document_ids[kind] = ref["document_id"]
            say(f"3. Uploaded the {kind.replace('_', ' ')} as {ref['document_id']}.")

        today = date.today()
        sections = {
            "role_details": {
                "role": "assistant_practitioner",
                "job_title": "Assistant practitioner",
                "employer": DEMO_EMPLOYER,
                "areas_of_practice": ["clinical_imaging"],
                "scope_summary": "Plain-film imaging of the appendicular skeleton, supervised",
            },
            "qualifications": [
                {
                    "title": "Certificate in Assistant Practice (FHEQ Level 4)",
                    "awarding_body": "Westbrook College (fictional)",
                    "fheq_level": "4",
                    "completed_on": (today - timedelta(days=200)).isoformat(),
                    "certificate_document_id": document_ids["certificate"],
                }
            ],
            "narrative": [
                {"outcome_code": code, "text": f"My reflection on {code}."} for code in codes
            ],
            "cpd": [
                {
                    "title": f"CPD activity {i + 1}",
                    "activity_date": (today - timedelta(days=30 + i)).isoformat(),
                    "learning_outcomes": codes[i % len(codes) : i % len(codes) + 1],
                }
                for i in range(6)
            ],
        }
        view = self.call("fill in", "PATCH", f"/applications/{app_id}", json=sections, headers=me)
        missing = ", ".join(p["field"] for p in view["missing"]) or "nothing"
        say(f"4. Filled in role, qualification, narrative and 6 CPD records; missing: {missing}.")

        verifier = {
            "name": "Sam Educator",
            "email": "sam.educator@riverside.example.org",
            "professional_registration": "HCPC RA123456",
        }
        for index in range(6):
            seen = cpd_verification_token(app_id, self.mail_dir)
            self.call(
                "send CPD for verification", "POST",
                f"/applications/{app_id}/cpd/{index}/verification-request",
                json={"verifier": verifier}, headers=me,
            )  # fmt: skip
            token = wait_for(
                functools.partial(_new_cpd_token, app_id, self.mail_dir, seen),
                30,
                "the CPD verification email",
            )
            link = f"/cpd-verifications/{app_id}/{token}"
            self.call("verify CPD", "POST", link, json={"confirm": True})
        say("4a. Sam Educator confirmed each CPD record from the link in their email (R08).")

        declarer = {
            "declarer_name": "Sam Manager",
            "declarer_email": "sam.manager@riverside.example.org",
            "declarer_role": "manager",
        }
        self.call("invite", "POST", f"/applications/{app_id}/declarer", json=declarer, headers=me)
        say("5. Invited Sam Manager to make the declaration; waiting for the email…")
        token = wait_for(
            lambda: declaration_token(app_id, self.mail_dir), 30, "the declaration email"
        )
        link = f"/declarations/{app_id}/{token}"
        asked = self.call("declaration", "GET", link)
        say(f"6. Sam's link shows the declaration for {asked['applicant_name']},")
        say(f"   {asked['job_title']} at {asked['employer']}; Sam confirms it.")
        self.call("declare", "POST", link, json={"confirm": True})

        view = self.call("submit", "POST", f"/applications/{app_id}/submit", headers=me)
        say(f"7. Submitted: the application is now {view['state'].replace('_', ' ')}.")
        if view["state"] == "awaiting_allocation":
            self.call(
                "allocate", "POST", f"/applications/{app_id}/allocation", json={}, headers=officer
            )
        # An action answers in brief; the whole view says who was allocated.
        view = self.call("read", "GET", f"/applications/{app_id}", headers=officer)
        assessor_id = view["assessor_id"]
        say(f"8. Allocated to assessor {assessor_id}.")

        findings = [
            {"outcome_code": code, "level": "met", "comment": "well evidenced"} for code in codes
        ]
        assessment = {"findings": findings, "recommended_outcome": "accredited"}
        self.call(
            "assess", "POST", f"/applications/{app_id}/assessment",
            json=assessment, headers=self.headers(Role.ASSESSOR, assessor_id),
        )  # fmt: skip
        say(f"9. {assessor_id} found every outcome met and recommends accreditation.")

        self.call(
            "ratify", "POST", f"/applications/{app_id}/ratification", json={}, headers=officer
        )
        view = self.call("read", "GET", f"/applications/{app_id}", headers=officer)
        award = view["award"]
        say(f"10. An officer ratified: {view['state']} until {award['expires_on']}.")

        def registered() -> dict[str, Any] | None:
            page = self.call("register", "GET", "/register", params={"name": name})
            return page["items"][0] if page["items"] else None

        entry = wait_for(registered, 30, "the register entry")
        say("11. The public register now shows:")
        for field in ("name", "registration_number", "pathway", "areas_of_practice",
                      "scope_of_practice", "accredited_from", "expires_on", "status"):  # fmt: skip
            say(f"      {field:20} {entry[field]}")


def declaration_token(application_id: str, mail_dir: Path = MAIL_DIR) -> str | None:
    """The token in the newest declaration email for ``application_id`` in ``mail_dir``
    (the local mail sink's, var/mail/)."""
    return _newest_link_token(rf"/declare/{re.escape(application_id)}/([0-9a-f-]+)", mail_dir)


def _newest_link_token(link: str, mail_dir: Path) -> str | None:
    """The token ``link``'s group captures in the newest email in ``mail_dir`` that has it."""
    pattern = re.compile(link)
    for path in sorted(mail_dir.glob("*.eml"), reverse=True):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        found = pattern.search(body.get_content() if body is not None else "")
        if found:
            return found.group(1)
    return None


def cpd_verification_token(application_id: str, mail_dir: Path = MAIL_DIR) -> str | None:
    """The token in the newest CPD verification email for ``application_id`` in ``mail_dir``."""
    return _newest_link_token(rf"/verify-cpd/{re.escape(application_id)}/([0-9a-f-]+)", mail_dir)


def _new_cpd_token(application_id: str, mail_dir: Path, seen: str | None) -> str | None:
    """The newest CPD verification token, once it is not ``seen`` (the one before a request)."""
    token = cpd_verification_token(application_id, mail_dir)
    return token if token != seen else None


def wait_for(probe: Callable[[], T | None], seconds: float, what: str) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.25)
    raise DemoFailed(f"{what} did not arrive within {seconds:.0f}s (see var/logs/)")


def token_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    if settings.environment != "local":
        print(
            f"refusing to mint a development token in the {settings.environment} environment",
            file=sys.stderr,
        )
        return 1
    print(mint_token(settings, sub=args.sub, role=Role(args.role), hours=args.hours))
    return 0


def demo_command(args: argparse.Namespace) -> int:
    try:
        Demo(args.api, get_settings(), args.mail_dir).run()
    except DemoFailed as err:
        print(f"demo failed: {err}", file=sys.stderr)
        return 1
    print("Demo complete.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    token = commands.add_parser("token", help="print a development bearer token")
    token.add_argument("--role", required=True, choices=sorted(r.value for r in TOKEN_ROLES))
    token.add_argument("--sub", required=True, help="member, assessor or staff id")
    token.add_argument("--hours", type=float, default=12)
    token.set_defaults(run=token_command)
    demo = commands.add_parser("demo", help="drive a demo application through the API")
    demo.add_argument("--api", default="http://127.0.0.1:8000")
    demo.add_argument(
        "--mail-dir", type=Path, default=MAIL_DIR, help="where the mail sink writes (var/mail)"
    )
    demo.set_defaults(run=demo_command)
    args = parser.parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Exit at once, even if a library left a thread running (see sdk-python #300).
    os._exit(code)
