"""The pages behind a single-use link (no login), one implementation for each kind of link: a
declarer's (R09, ``declare``) and a CPD verifier's (R08, ``verify_cpd``).

The link's holder sees what they are asked to confirm and a CSRF-protected form that works
without JavaScript; they confirm, or decline with a reason, and the link then stops working.
The thank-you page shows only once the link is spent by an answer. A used, replaced,
withdrawn, expired or closed link answers 410 with a page that says which; a link that names
no application, 404; and while the workflow service cannot be reached, 503.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Generic, Protocol, TypeVar

from fastapi import APIRouter, Form, Request, status
from pydantic import BaseModel
from starlette.responses import HTMLResponse, RedirectResponse, Response
from temporalio.client import WorkflowUpdateFailedError

from api.deps import CatalogueDep, SettingsDep, TemporalDep
from api.errors import ApiError, update_refused
from api.temporal import Temporal, TemporalUnavailable
from models.catalogue import Catalogue
from models.progress import SpentLink
from web import csrf
from web.routes.apply_common import APPLICATION_ID, unavailable
from web.templating import render

REASON_MAX = 2000

Asked = TypeVar("Asked", bound=BaseModel)
"""What a live link asks its holder, e.g. ``DeclarationRequest``."""
Answer = TypeVar("Answer", bound=BaseModel)
"""The holder's answer as the workflow takes it, e.g. ``DeclarationResponse``."""
Answer_co = TypeVar("Answer_co", bound=BaseModel, covariant=True)
Read = TypeVar("Read")


class AnswerModel(Protocol[Answer_co]):
    """Makes the workflow's answer from the link's token and what its holder chose."""

    def __call__(self, *, token: str, confirm: bool, reason: str | None) -> Answer_co: ...


LinkQuery = Callable[[Temporal, str, str], Awaitable[Read]]
"""A query about one link: ``(temporal, application_id, token)``."""


@dataclass(frozen=True)
class LinkKind(Generic[Asked, Answer]):
    """One kind of single-use link: where its pages are, what its holder confirms, and how to
    read the link and send its answer."""

    prefix: str
    """The links' path, e.g. ``/declare``: ``{prefix}/{application_id}/{token}``."""
    templates: str
    """The folder of the kind's own pages: ``form``, ``gone`` and ``answered``."""
    purpose: str
    """The form's CSRF purpose (a token is good only for its own kind of form)."""
    subject: str
    """What the holder confirms: "Select whether you confirm {subject}"."""
    new_link: str
    """What to ask the applicant for when a link is not recognised."""
    asked: LinkQuery[Asked | None]
    """What the live link asks; None once it is spent."""
    spent: LinkQuery[SpentLink | None]
    """Why the link no longer works; None while it is live."""
    answer: AnswerModel[Answer]
    respond: Callable[[Temporal, str, Answer], Awaitable[object]]
    """Sends the answer to the application's workflow (an ``ApiError`` of 410 once spent)."""
    context: Callable[[Asked, Catalogue], dict[str, object]]
    """What the form shows of what the link asks."""


def link_router(kind: LinkKind[Asked, Answer]) -> APIRouter:
    """The routes of ``kind``'s pages: the form, its answer, and the thank-you page."""
    router = APIRouter(prefix=kind.prefix, include_in_schema=False)

    @router.get("/{application_id}/{token}")
    async def link_page(
        request: Request,
        application_id: str,
        token: str,
        temporal: TemporalDep,
        settings: SettingsDep,
        catalogue: CatalogueDep,
    ) -> Response:
        """What the link's holder is asked to confirm, and the form to answer."""
        visit = _Visit(kind, request, temporal, application_id, token)
        found = await visit.live_request()
        if isinstance(found, Response):
            return found
        csrf_token, nonce = csrf.token_for(request, settings, kind.purpose)
        response = visit.form(found, catalogue, csrf_token)
        csrf.remember(response, settings, nonce)
        return response

    @router.post("/{application_id}/{token}")
    async def answer_link(
        request: Request,
        application_id: str,
        token: str,
        temporal: TemporalDep,
        settings: SettingsDep,
        catalogue: CatalogueDep,
        answer: Annotated[str, Form()] = "",
        reason: Annotated[str, Form()] = "",
        csrf_token: Annotated[str, Form()] = "",
    ) -> Response:
        """Record the answer; the link then stops working. Errors show on the form."""
        try:
            csrf.check(request, settings, kind.purpose, csrf_token)
        except csrf.CsrfRefused:
            return _expired_form(kind, request)
        visit = _Visit(kind, request, temporal, application_id, token)
        found = await visit.live_request()
        if isinstance(found, Response):
            return found
        errors = answer_errors(kind.subject, answer, reason)
        if errors:
            typed = {"answer": answer, "reason": reason}
            return visit.form(found, catalogue, csrf_token, typed, errors)
        return await visit.send(answer == "confirm", reason.strip() or None)

    @router.get("/{application_id}/{token}/answered")
    async def answered_page(
        request: Request, application_id: str, token: str, temporal: TemporalDep
    ) -> Response:
        """The thank-you page after an answer (what happens next)."""
        visit = _Visit(kind, request, temporal, application_id, token)
        spent = await visit.read(kind.spent)
        if isinstance(spent, Response):
            return spent
        if spent != SpentLink.USED:
            return RedirectResponse(visit.path, status_code=303)
        return render(request, f"{kind.templates}/answered.html")

    return router


def answer_errors(subject: str, answer: str, reason: str) -> list[dict[str, str]]:
    """What is wrong with the form's answer, for the error summary and its fields."""
    if answer not in ("confirm", "decline"):
        return [{"text": f"Select whether you confirm {subject}", "href": "#answer"}]
    if answer == "decline" and not reason.strip():
        return [{"text": "Enter the reason you are declining", "href": "#reason"}]
    if len(reason) > REASON_MAX:
        return [{"text": f"Reason must be {REASON_MAX} characters or fewer", "href": "#reason"}]
    return []


@dataclass(frozen=True)
class _Visit(Generic[Asked, Answer]):
    """One request to a page behind a link of ``kind``."""

    kind: LinkKind[Asked, Answer]
    request: Request
    temporal: Temporal
    application_id: str
    token: str

    @property
    def path(self) -> str:
        """The link's own page."""
        return f"{self.kind.prefix}/{self.application_id}/{self.token}"

    async def read(self, query: LinkQuery[Read]) -> Read | Response:
        """``query`` about the link, or the page to show instead (unknown, unavailable)."""
        if not APPLICATION_ID.match(self.application_id) or not 1 <= len(self.token) <= 128:
            return self.unknown()
        try:
            return await query(self.temporal, self.application_id, self.token)
        except ApiError as err:
            if err.status_code == status.HTTP_404_NOT_FOUND:
                return self.unknown()
            raise
        except TemporalUnavailable:
            return unavailable(self.request)

    async def live_request(self) -> Asked | Response:
        """The live link's request, or the page to show instead (gone, unknown, unavailable)."""
        found = await self.read(self.kind.asked)
        if found is None:
            return await self.gone()
        return found

    def form(
        self,
        found: Asked,
        catalogue: Catalogue,
        csrf_token: str,
        typed: dict[str, str] | None = None,
        errors: list[dict[str, str]] | None = None,
    ) -> HTMLResponse:
        """The form for ``found``: empty, or as typed with its errors (422)."""
        context = {
            **self.kind.context(found, catalogue),
            "csrf_token": csrf_token,
            "form": typed or {},
            "errors": errors or [],
        }
        status_code = 422 if errors else 200
        return render(self.request, f"{self.kind.templates}/form.html", context, status_code)

    async def send(self, confirm: bool, reason: str | None) -> Response:
        """Send the answer, then on to the thank-you page; a link spent meanwhile is gone."""
        answer = self.kind.answer(token=self.token, confirm=confirm, reason=reason)
        try:
            await self.kind.respond(self.temporal, self.application_id, answer)
        except (WorkflowUpdateFailedError, ApiError) as err:
            if update_refused(err).status_code != status.HTTP_410_GONE:
                raise  # answered as the API answers it
            return await self.gone()
        except TemporalUnavailable:
            return unavailable(self.request)
        return RedirectResponse(f"{self.path}/answered", status_code=303)

    async def gone(self) -> HTMLResponse:
        """The 410 page, saying why the link no longer works when that can be read."""
        try:
            spent = await self.kind.spent(self.temporal, self.application_id, self.token)
        except (TemporalUnavailable, ApiError):
            spent = None
        context = {"spent": spent}
        return render(self.request, f"{self.kind.templates}/gone.html", context, 410)

    def unknown(self) -> HTMLResponse:
        """The 404 page for a link that names no application."""
        context = {"new_link": self.kind.new_link}
        return render(self.request, "link/unknown.html", context, 404)


def _expired_form(kind: LinkKind[Asked, Answer], request: Request) -> HTMLResponse:
    """The 403 page for a form whose CSRF token does not match: open the link again."""
    context = {"again": request.url.path, "subject": kind.subject}
    return render(request, "link/expired_form.html", context, 403)
