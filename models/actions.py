"""What a caller can do to an application: the one list of action names.

Each action is an update of the application workflow of the same name; ``allowed_actions``
in views, the permissions table and the API's role checks all speak in these.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    SAVE_DRAFT = "save_draft"
    ADD_DOCUMENT = "add_document"
    INVITE_DECLARER = "invite_declarer"
    SUBMIT = "submit"
    RESUBMIT = "resubmit"
    WITHDRAW = "withdraw"
    RESPOND_TO_DECLARATION = "respond_to_declaration"
    REQUEST_CPD_VERIFICATION = "request_cpd_verification"
    RESPOND_TO_CPD_VERIFICATION = "respond_to_cpd_verification"
    MARK_CPD_VERIFIED = "mark_cpd_verified"
    ALLOCATE_ASSESSOR = "allocate_assessor"
    RECORD_ASSESSMENT = "record_assessment"
    SAVE_ASSESSMENT_DRAFT = "save_assessment_draft"
    VERIFY = "verify"
    RATIFY = "ratify"
