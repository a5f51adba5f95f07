"""What the applicant's list sections (qualifications, CPD) share: a description of each
(``ListSection``: its part of the application, its pages, how a form becomes an item) and
their pages: the list with its add form, an item's edit page, saving the edit in its place,
and removing an item. Each change saves the section alone (R10); an item no longer listed
(removed in another tab, say) is said on the list page.

Their routes take what they are asked in one (``SectionRequestDep``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Request, status
from pydantic import BaseModel
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.auth import Principal
from api.deps import CatalogueDep, TemporalDep
from api.temporal import Temporal
from models.catalogue import Catalogue
from models.views import ApplicationView
from web.routes.apply_common import own_view
from web.routes.apply_forms import Problems, Show, act, page, save_section
from web.session import ApplicantSession

Item = TypeVar("Item", bound=BaseModel)


@dataclass(frozen=True)
class SectionRequest:
    """What a section's route is asked: the request, for which application, by whom, and
    what it answers with."""

    request: Request
    application_id: str
    principal: Principal
    temporal: Temporal
    catalogue: Catalogue


async def _section_request(
    request: Request,
    application_id: str,
    principal: ApplicantSession,
    temporal: TemporalDep,
    catalogue: CatalogueDep,
) -> SectionRequest:
    return SectionRequest(request, application_id, principal, temporal, catalogue)


SectionRequestDep = Annotated[SectionRequest, Depends(_section_request)]


Build = Callable[[ApplicationView, Catalogue, FormData, Item | None], Item | Problems]
"""The item a form describes (an edit of the old item, or a new one), or its problems."""
Attach = Callable[[ApplicationView, FormData, Item], Awaitable[Item | Problems]]
"""A new item with what else the add form sent (such as its certificate), or the problems."""


@dataclass(frozen=True)
class ListSection(Generic[Item]):
    """A section that is a list: ``ApplicationContent.<field>``, saved as ``SaveDraft.<field>``,
    listed at ``/apply/applications/{id}/<field>``."""

    field: str
    item_name: str
    """What the item's pages call it (``record``)."""
    list_template: str
    edit_template: str
    context: Callable[[ApplicationView, Catalogue], dict[str, Any]]
    """What the section's pages show besides the application (its choices and their words)."""
    build: Build[Item]
    gone_text: str
    """What the list page says of an item no longer listed."""
    redirect_gone: bool
    """An item's page asked for one no longer listed goes to the list (303); otherwise the
    list says it has gone (404)."""

    def render(
        self,
        asked: SectionRequest,
        view: ApplicationView,
        form: Mapping[str, Any],
        problems: Problems,
        template: str | None = None,
        **context: Any,
    ) -> Response:
        """The list page (or ``template``, such as the edit page), with ``context``."""
        return page(
            asked.request,
            template or self.list_template,
            view,
            {**self.context(view, asked.catalogue), **context},
            problems=problems,
            form=form,
        )

    def items(self, view: ApplicationView) -> list[Item]:
        items: list[Item] = getattr(view.application.content, self.field)
        return items

    def list_url(self, application_id: str, done: str | None = None) -> str:
        url = f"/apply/applications/{application_id}/{self.field}"
        return f"{url}?done={done}" if done else url

    def gone(self) -> Problems:
        problems = Problems()
        problems.add(None, self.gone_text)
        return problems

    async def save(
        self, asked: SectionRequest, view: ApplicationView, items: list[Item]
    ) -> Problems | None:
        """The section saved alone as ``items``."""
        section: dict[str, Any] = {self.field: items}
        return await save_section(asked.temporal, view, asked.principal, **section)

    def show_list(self, asked: SectionRequest, *, typed: bool = False) -> Show:
        """The list page again with the problems, and what was typed when it was typed in the
        list page's own form (the add form)."""
        return lambda view, form, problems: self.render(
            asked, view, form if typed else {}, problems
        )

    def show_item(self, asked: SectionRequest, index: int, template: str) -> Show:
        """Item ``index``'s page ``template`` again; the list page when it is no longer
        listed."""

        def show(view: ApplicationView, form: Mapping[str, Any], problems: Problems) -> Response:
            items = self.items(view)
            if not 0 <= index < len(items):
                return self.render(asked, view, {}, problems)
            return self.render(
                asked, view, form, problems, template,
                index=index, **{self.item_name: items[index]},
            )  # fmt: skip

        return show


def replaced(items: list[Item], index: int, item: Item) -> list[Item]:
    """The list with ``item`` in place of item ``index``."""
    return [*items[:index], item, *items[index + 1 :]]


async def list_page(asked: SectionRequest, section: ListSection[Item]) -> Response:
    """The section's list page, with its forms to add an item."""
    view = await own_view(asked.request, asked.temporal, asked.application_id, asked.principal)
    if not isinstance(view, ApplicationView):
        return view
    return section.render(asked, view, {}, Problems())


async def add_item(
    asked: SectionRequest, section: ListSection[Item], *, attach: Attach[Item] | None = None
) -> Response:
    """Add the item the form describes (with what ``attach`` adds) at the end of the list."""

    async def perform(view: ApplicationView, form: FormData) -> Problems | None:
        built = section.build(view, asked.catalogue, form, None)
        if not isinstance(built, Problems) and attach is not None:
            built = await attach(view, form, built)
        if isinstance(built, Problems):
            return built
        return await section.save(asked, view, [*section.items(view), built])

    return await act(
        asked.request, asked.temporal, asked.principal, asked.application_id,
        perform=perform,
        show=section.show_list(asked, typed=True),
        then=section.list_url(asked.application_id, "added"),
    )  # fmt: skip


async def item_page(
    asked: SectionRequest,
    index: int,
    section: ListSection[Item],
    *,
    fill: Callable[[Item], Mapping[str, Any]] | None = None,
    template: str | None = None,
) -> Response:
    """Item ``index``'s edit page (or its page ``template``), its form filled in by ``fill``
    (empty unless given)."""
    view = await own_view(asked.request, asked.temporal, asked.application_id, asked.principal)
    if not isinstance(view, ApplicationView):
        return view
    items = section.items(view)
    if not 0 <= index < len(items):
        if section.redirect_gone:
            return RedirectResponse(
                section.list_url(asked.application_id), status_code=status.HTTP_303_SEE_OTHER
            )
        problems = section.gone()
        problems.status_code = status.HTTP_404_NOT_FOUND
        return section.render(asked, view, {}, problems)
    show = section.show_item(asked, index, template or section.edit_template)
    return show(view, fill(items[index]) if fill else {}, Problems())


async def edit_item(asked: SectionRequest, index: int, section: ListSection[Item]) -> Response:
    """Save the edited item ``index`` in its place (the section's ``build`` of the form)."""

    async def perform(view: ApplicationView, form: FormData) -> Problems | None:
        items = section.items(view)
        if not 0 <= index < len(items):
            return section.gone()
        built = section.build(view, asked.catalogue, form, items[index])
        if isinstance(built, Problems):
            return built
        return await section.save(asked, view, replaced(items, index, built))

    return await act(
        asked.request, asked.temporal, asked.principal, asked.application_id,
        perform=perform,
        show=section.show_item(asked, index, section.edit_template),
        then=section.list_url(asked.application_id, "saved"),
    )  # fmt: skip


async def remove_item(asked: SectionRequest, index: int, section: ListSection[Item]) -> Response:
    """Remove item ``index`` from the list."""

    async def perform(view: ApplicationView, form: FormData) -> Problems | None:
        items = section.items(view)
        if not 0 <= index < len(items):
            return section.gone()
        return await section.save(asked, view, [*items[:index], *items[index + 1 :]])

    return await act(
        asked.request, asked.temporal, asked.principal, asked.application_id,
        perform=perform,
        show=section.show_list(asked),
        then=section.list_url(asked.application_id, "removed"),
    )  # fmt: skip
