"""R09: the declarer's single-use link; no login.

The token in the path is a random uuid (122 bits) the workflow creates for one invitation: it
is cleared when used, replaced or expired, so it needs no further signing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from api import application_workflows as workflows
from api import errors
from api.deps import ApplicationId, TemporalDep
from api.schemas import DeclarationReceipt
from models.commands import DeclarationAnswer, DeclarationResponse
from models.enums import DeclarationStatus
from models.views import DeclarationRequest

router = APIRouter(prefix="/declarations", tags=["declarations"])

Token = Annotated[str, Path(min_length=1, max_length=128)]


@router.get("/{application_id}/{token}", response_model=DeclarationRequest)
async def read_declaration(
    application_id: ApplicationId, token: Token, temporal: TemporalDep, http: Request
) -> DeclarationRequest | RedirectResponse:
    """What the link's holder is asked to declare (410 once the link is used or expired).

    A browser (asking for HTML) is sent to the declarer's page for the same link.
    """
    if "text/html" in http.headers.get("accept", ""):
        return RedirectResponse(f"/declare/{application_id}/{token}", status_code=303)
    request = await workflows.declaration_request(temporal, application_id, token)
    if request is None:
        raise errors.link_gone()
    return request


@router.post("/{application_id}/{token}")
async def answer_declaration(
    application_id: ApplicationId, token: Token, body: DeclarationAnswer, temporal: TemporalDep
) -> DeclarationReceipt:
    """Confirm, or decline with a reason; the link then stops working."""
    try:
        response = DeclarationResponse(token=token, **dict(body))
    except ValidationError as err:
        raise errors.invalid_body(err) from err
    await workflows.respond_to_declaration(temporal, application_id, response)
    answered = DeclarationStatus.CONFIRMED if response.confirm else DeclarationStatus.DECLINED
    return DeclarationReceipt(application_id=application_id, status=answered)
