"""R09: the declarer's page behind their single-use link (no login).

The manager or practice educator sees who is asking, their role, employer, areas and scope of
practice and what the declaration means; they confirm, or decline with a reason. The form is
CSRF-protected and works without JavaScript; a used, replaced or expired link answers 410 with
a page that says which and what to do (``web.routes.link_pages``).
"""

from __future__ import annotations

from api import application_workflows as workflows
from models.catalogue import Catalogue
from models.commands import DeclarationResponse
from models.labels import AREAS, DECLARER_ROLES, PATHWAYS, ROLES, label
from models.views import DeclarationRequest
from web.routes.link_pages import LinkKind, link_router


def _page_context(request: DeclarationRequest, catalogue: Catalogue) -> dict[str, object]:
    """Who is asking, for what, and the role and practice they declare."""
    return {
        "request_": request,
        "pathway": label(PATHWAYS, request.pathway),
        "role": label(ROLES, request.role),
        "declarer_role": label(DECLARER_ROLES, request.declarer_role),
        "areas": [label(AREAS, a) for a in request.areas_of_practice],
    }


DECLARATION_LINKS = LinkKind(
    prefix="/declare",
    templates="declare",
    purpose="declaration",
    subject="the declaration",
    new_link="a new invitation",
    asked=workflows.declaration_request,
    spent=workflows.spent_link,
    answer=DeclarationResponse,
    respond=workflows.respond_to_declaration,
    context=_page_context,
)

router = link_router(DECLARATION_LINKS)
