"""Mounts the pages, their assets and the offline API docs on the API's app."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

from settings import Settings
from web.routes import declare, public


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
    app.include_router(public.router)
    app.include_router(declare.router)

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
