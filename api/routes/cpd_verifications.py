"""R08/R16: verified CPD. The applicant sends a record to a named verifier; the verifier
answers through their single-use link (no login); the member portal, a trusted service, marks
a record it verified itself.

The link's token is a random uuid (122 bits) the workflow creates for one request: it stops
working once answered, replaced, withdrawn by an edit of the record, expired, or when the
application is submitted or closes, and then answers 410.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from api import application_workflows as workflows
from api import errors
from api.access import actor
from api.auth import Principal
from api.deps import ApplicationId, IdempotencyKey, TemporalDep, may
from api.schemas import CpdVerificationReceipt
from models.actions import Action
from models.commands import (
    CpdServiceMark,
    CpdVerificationAnswer,
    CpdVerificationAsk,
    CpdVerificationResponse,
    MarkCpdVerified,
    RequestCpdVerification,
)
from models.cpd_verification import CpdVerificationRequest, CpdVerificationStatus
from models.views import ActionResult
from workflows.application import ApplicationWorkflow

records = APIRouter(prefix="/applications", tags=["applications"])
links = APIRouter(prefix="/cpd-verifications", tags=["cpd verification"])

Index = Annotated[int, Path(ge=0, lt=500, description="the CPD record's position, from 0")]
Token = Annotated[str, Path(min_length=1, max_length=128)]


@records.post("/{application_id}/cpd/{index}/verification-request")
async def request_cpd_verification(
    application_id: ApplicationId,
    index: Index,
    body: CpdVerificationAsk,
    principal: Annotated[Principal, Depends(may(Action.REQUEST_CPD_VERIFICATION))],
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> ActionResult:
    """R08/R16: send CPD record ``index`` to a named verifier (never you), who gets a
    single-use link by email; a new request replaces a pending one. An edit of the record's
    title, date or learning outcomes later withdraws its verification."""
    command = RequestCpdVerification(actor=actor(principal), index=index, verifier=body.verifier)
    return await workflows.update(
        temporal,
        application_id,
        ApplicationWorkflow.request_cpd_verification,
        command,
        principal,
        idempotency_key=idempotency_key,
    )


@records.post("/{application_id}/cpd/{index}/verified")
async def mark_cpd_verified(
    application_id: ApplicationId,
    index: Index,
    body: CpdServiceMark,
    principal: Annotated[Principal, Depends(may(Action.MARK_CPD_VERIFIED))],
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> ActionResult:
    """R08: the member portal verified CPD record ``index`` itself; recorded as its mark."""
    command = MarkCpdVerified(actor=actor(principal), index=index, verifier=body.verifier)
    return await workflows.update(
        temporal,
        application_id,
        ApplicationWorkflow.mark_cpd_verified,
        command,
        principal,
        idempotency_key=idempotency_key,
    )


@links.get("/{application_id}/{token}", response_model=CpdVerificationRequest)
async def read_cpd_verification(
    application_id: ApplicationId, token: Token, temporal: TemporalDep, http: Request
) -> CpdVerificationRequest | RedirectResponse:
    """The CPD record the link's holder is asked to verify (410 once the link is spent).

    A browser (asking for HTML) is sent to the verifier's page for the same link.
    """
    if "text/html" in http.headers.get("accept", ""):
        return RedirectResponse(f"/verify-cpd/{application_id}/{token}", status_code=303)
    request = await workflows.cpd_verification_request(temporal, application_id, token)
    if request is None:
        raise errors.link_gone(errors.CPD_LINK_GONE)
    return request


@links.post("/{application_id}/{token}")
async def answer_cpd_verification(
    application_id: ApplicationId, token: Token, body: CpdVerificationAnswer, temporal: TemporalDep
) -> CpdVerificationReceipt:
    """Confirm the record, or decline with a reason; the link then stops working (410)."""
    try:
        response = CpdVerificationResponse(token=token, **dict(body))
    except ValidationError as err:
        raise errors.invalid_body(err) from err
    await workflows.respond_to_cpd_verification(temporal, application_id, response)
    status = CpdVerificationStatus.CONFIRMED if body.confirm else CpdVerificationStatus.DECLINED
    return CpdVerificationReceipt(application_id=application_id, status=status)
