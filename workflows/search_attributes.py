"""Typed search attributes: what an operator can filter workflows by in the Temporal UI.

Each key is defined here once. A new application starts with its attributes set
(``for_new_application``); the workflows upsert a key only when its value changes (see
``upsert_changed``).
Every server the workflows run on must have the attributes registered (``REGISTRATIONS``):
``./dev run`` passes ``dev_server_flags()`` to ``temporal server start-dev``; a cluster needs
``temporal operator search-attribute create --name NAME --type TYPE`` for each one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.common import (
    SearchAttributeIndexedValueType,
    SearchAttributeKey,
    SearchAttributePair,
    SearchAttributeUpdate,
    SearchAttributeValueType,
    TypedSearchAttributes,
)

from models.application import Application
from models.progress import ApplicationProgress

# --- the application workflow ------------------------------------------------------------
APPLICATION_STATE = SearchAttributeKey.for_keyword("ApplicationState")
PATHWAY = SearchAttributeKey.for_keyword("Pathway")
"""The application's pathway; on a member's workflow, the accredited pathway."""
ROUTE = SearchAttributeKey.for_keyword("Route")
APPLICATION_KIND = SearchAttributeKey.for_keyword("ApplicationKind")
ASSESSOR_ID = SearchAttributeKey.for_keyword("AssessorId")

# --- both: the member ---------------------------------------------------------------------
MEMBER_ID = SearchAttributeKey.for_keyword("MemberId")

# --- the member's accreditation workflow --------------------------------------------------
ACCREDITATION_STATUS = SearchAttributeKey.for_keyword("AccreditationStatus")
ACCREDITATION_EXPIRY: SearchAttributeKey[datetime] = SearchAttributeKey.for_datetime(
    "AccreditationExpiry"
)
"""The first instant (UTC) of the expiry date: the accreditation is valid before it."""

KEYS: tuple[SearchAttributeKey[Any], ...] = (
    APPLICATION_STATE,
    PATHWAY,
    ROUTE,
    APPLICATION_KIND,
    ASSESSOR_ID,
    MEMBER_ID,
    ACCREDITATION_STATUS,
    ACCREDITATION_EXPIRY,
)

_TYPE_NAMES = {
    SearchAttributeIndexedValueType.TEXT: "Text",
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.INT: "Int",
    SearchAttributeIndexedValueType.DOUBLE: "Double",
    SearchAttributeIndexedValueType.BOOL: "Bool",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
    SearchAttributeIndexedValueType.KEYWORD_LIST: "KeywordList",
}

REGISTRATIONS: tuple[tuple[str, str], ...] = tuple(
    (key.name, _TYPE_NAMES[key.indexed_value_type]) for key in KEYS
)
"""``(name, type)`` of every attribute, as ``temporal operator search-attribute create``
takes them."""


def dev_server_flags() -> list[str]:
    """``--search-attribute Name=Type`` for each attribute, for ``temporal server start-dev``."""
    flags: list[str] = []
    for name, type_name in REGISTRATIONS:
        flags += ["--search-attribute", f"{name}={type_name}"]
    return flags


def change(
    key: SearchAttributeKey[SearchAttributeValueType], value: SearchAttributeValueType | None
) -> SearchAttributeUpdate[SearchAttributeValueType] | None:
    """The update that makes ``key`` hold ``value`` (None: unset it), or None when the workflow
    holds that value already (set at start, by an earlier upsert or before continue-as-new)."""
    if workflow.info().typed_search_attributes.get(key) == value:
        return None
    return key.value_unset() if value is None else key.value_set(value)


def upsert_changed(*changes: SearchAttributeUpdate[Any] | None) -> None:
    """Upsert the ``changes`` there are (from ``change``)."""
    updates = [c for c in changes if c is not None]
    if updates:
        workflow.upsert_search_attributes(updates)


def upsert_application(app: Application, progress: ApplicationProgress) -> None:
    """What an operator filters applications by in the Temporal UI, where it changed."""
    assessor = progress.assessor
    upsert_changed(
        change(APPLICATION_STATE, progress.state.value),
        change(PATHWAY, app.pathway.value),
        change(ROUTE, app.route.value if app.route else None),
        change(APPLICATION_KIND, app.kind.value),
        change(ASSESSOR_ID, assessor.assessor_id if assessor else None),
        change(MEMBER_ID, app.applicant.member_id),
    )


def for_new_application(app: Application) -> TypedSearchAttributes:
    """What a new application is filtered by, set as it starts (its workflow then upserts only
    what changes, saving a command and a visibility write per application)."""
    values: list[SearchAttributePair[Any]] = [
        SearchAttributePair(APPLICATION_STATE, "draft"),
        SearchAttributePair(PATHWAY, app.pathway.value),
        SearchAttributePair(APPLICATION_KIND, app.kind.value),
        SearchAttributePair(MEMBER_ID, app.applicant.member_id),
    ]
    if app.route is not None:
        values.append(SearchAttributePair(ROUTE, app.route.value))
    return TypedSearchAttributes(values)
