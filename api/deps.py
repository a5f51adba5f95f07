"""Shared dependencies, as ``Annotated`` aliases the routes declare."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Path, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.auth import InvalidToken, Principal, Role, decode_token
from api.documents import DocumentStore
from api.temporal import Temporal
from models.actions import Action
from models.catalogue import Catalogue
from models.permissions import (
    ACTION_ROLES,
    AUDIT_ROLES,
    LIST_ROLES,
    REACCREDITATION_ROLES,
    READ_ROLES,
)
from settings import Settings
from storage.queries import MAX_OFFSET


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _temporal(request: Request) -> Temporal:
    temporal: Temporal = request.app.state.temporal
    return temporal


def _catalogue(request: Request) -> Catalogue:
    catalogue: Catalogue = request.app.state.catalogue
    return catalogue


def _documents(request: Request) -> DocumentStore:
    store: DocumentStore = request.app.state.documents
    return store


def _session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(_settings)]
TemporalDep = Annotated[Temporal, Depends(_temporal)]
CatalogueDep = Annotated[Catalogue, Depends(_catalogue)]
DocumentStoreDep = Annotated[DocumentStore, Depends(_documents)]
SessionDep = Annotated[Session, Depends(_session)]

_bearer = HTTPBearer(auto_error=False, description="a JWT carrying sub and role")


def _principal(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        return decode_token(credentials.credentials, settings)
    except InvalidToken as err:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"invalid token: {err}",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from err


def roles(*allowed: Role, what: str = "this") -> Callable[[Principal], Principal]:
    """A dependency admitting only callers in ``allowed`` roles (403 for the rest)."""
    names = ", ".join(sorted(r.value for r in allowed))

    def check(principal: Annotated[Principal, Depends(_principal)]) -> Principal:
        if principal.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"{what} is for the {names} role; the token's role is {principal.role.value}",
            )
        return principal

    return check


def may(action: Action) -> Callable[[Principal], Principal]:
    """A dependency admitting the roles that may take ``action`` (``ACTION_ROLES``); the
    workflow checks the role again, with ownership, before it acts."""
    return roles(*ACTION_ROLES[action], what=f"'{action}'")


ApplicantOrPortal = Annotated[Principal, Depends(roles(Role.APPLICANT, Role.PORTAL))]
"""May start an application: the member, or the portal for any member."""
Reader = Annotated[Principal, Depends(roles(*READ_ROLES))]
"""May read applications; ``api.access`` then checks which ones."""
Lister = Annotated[Principal, Depends(roles(*LIST_ROLES))]
AuditReader = Annotated[Principal, Depends(roles(*AUDIT_ROLES))]
Reaccreditor = Annotated[Principal, Depends(roles(*REACCREDITATION_ROLES))]
"""May start a member's re-accreditation: the member, or an officer for them."""
AccreditationReader = Annotated[
    Principal,
    Depends(roles(Role.APPLICANT, Role.OFFICER, Role.ADMIN, Role.PORTAL, Role.MEMBERSHIP)),
]
"""May read a member's accreditation; applicants only their own."""
Assessor = Annotated[Principal, Depends(roles(Role.ASSESSOR))]
OfficerOrAdmin = Annotated[Principal, Depends(roles(Role.OFFICER, Role.ADMIN))]
Membership = Annotated[Principal, Depends(roles(Role.MEMBERSHIP))]

ApplicationId = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
]

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=128,
        pattern=r"^[\x21-\x7e]+$",
        description="a key of the client's choosing: the same key sent again (a retry) returns "
        "the first answer instead of acting twice",
    ),
]

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="results to skip")]
