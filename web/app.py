"""Mounts the pages, their assets and the offline API docs on the API's app."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse, RedirectResponse, Response

from settings import Settings
from web import oidc, session
from web.routes import (
    apply,
    apply_accreditation,
    apply_cpd,
    apply_cpd_verify,
    apply_declarer,
    apply_qualification_edit,
    apply_qualifications,
    apply_scope,
    apply_sections,
    apply_start,
    assessments,
    console,
    console_actions,
    declare,
    public,
    signin,
    verify_cpd,
)
from web.templating import render


def install(app: FastAPI, settings: Settings) -> None:
    """Pages, GOV.UK Frontend's assets and the compiled stylesheet (both installed by
    ``./dev`` from the npm registry), and Swagger UI served from its own package."""
    modules = settings.frontend_modules_path
    govuk = modules / "govuk-frontend" / "dist" / "govuk"
    for path, directory in [
        ("/assets", govuk / "assets"),
        ("/static/govuk", govuk),
        ("/static/swagger-ui", modules / "swagger-ui-dist"),
        ("/static/build", settings.static_build_path),
    ]:
        app.mount(path, StaticFiles(directory=directory, check_dir=False), name=path)
    for router in (
        public.router,
        declare.router,
        verify_cpd.router,
        apply.router,
        apply_start.router,
        apply_accreditation.router,
        apply_sections.router,
        apply_qualifications.router,
        apply_qualification_edit.router,
        apply_scope.router,
        apply_cpd.router,
        apply_cpd_verify.router,
        apply_declarer.router,
        signin.router,
        console.router,
        console_actions.router,
        assessments.router,
    ):
        app.include_router(router)
    app.include_router(oidc.router)
    app.add_middleware(session.Sessions, settings=settings)
    app.add_exception_handler(session.SignInRequired, _sign_in_first)
    app.add_exception_handler(session.NotForThisRole, _not_for_this_role)

    @app.get("/docs", include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        """The API's documentation, with no asset from outside the service."""
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title}: API",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="data:,",
        )


async def _sign_in_first(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, session.SignInRequired)
    return RedirectResponse(f"/sign-in?next={quote(exc.next_path)}", status_code=303)


async def _not_for_this_role(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, session.NotForThisRole)
    reason = f"This page is for {exc.for_whom}."
    return render(request, "forbidden.html", {"reason": reason}, status_code=403)
