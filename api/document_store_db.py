"""The document store in the database, and the choice of store (``settings.document_store``).

With ``ACCRED_DOCUMENT_STORE=database`` every API process on the one database (PostgreSQL in
production; SQLite works too, for tests and a single machine) serves every upload, whichever
process took it: the local directory is then not used. Content is kept once per sha256
(``document_contents``) and each upload is a ``document_uploads`` row keyed by application and
document id. The first upload of a document id is the one kept: a retry with the same id (an
``Idempotency-Key`` sent again) gets that first upload's reference back, as the application's
workflow keeps the first reference it was given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.documents import DirectoryDocumentStore, DocumentNotFound, DocumentStore, Upload
from models.application import DocumentRef
from models.enums import DocumentKind
from settings import Settings
from storage.database import dialect_insert
from storage.tables import DocumentContentRow, DocumentUploadRow

SessionSource = Callable[[], sessionmaker[Session] | None]
"""Returns the sessions to use now (None before the app has opened its database)."""


class DocumentStoreUnavailable(RuntimeError):
    """The database store was asked for a document before the app opened its database."""


@dataclass(frozen=True)
class DatabaseDocumentStore(DocumentStore):
    """Documents in the database the ``sessions`` source gives.

    Errors of the database itself (``sqlalchemy.exc.OperationalError``: it does not answer)
    propagate, and the API answers them 503 with ``Retry-After``.
    """

    sessions: SessionSource
    max_bytes: int

    def _session(self) -> Session:
        factory = self.sessions()
        if factory is None:
            raise DocumentStoreUnavailable("the document store's database is not open yet")
        return factory()

    def _uploaded_content(self, application_id: str, ref: DocumentRef) -> bytes:
        query = (
            select(DocumentContentRow.content)
            .join(DocumentUploadRow, DocumentUploadRow.sha256 == DocumentContentRow.sha256)
            .where(
                DocumentUploadRow.application_id == application_id,
                DocumentUploadRow.document_id == ref.document_id,
                DocumentUploadRow.sha256 == ref.sha256,
            )
        )
        with self._session() as session:
            content = session.scalar(query)
        if content is None:
            raise DocumentNotFound(ref.document_id)
        return content

    def _keep(self, application_id: str, ref: DocumentRef, content: bytes) -> Upload:
        now = datetime.now(UTC)
        with self._session() as session, session.begin():
            stored = select(DocumentContentRow.sha256).where(
                DocumentContentRow.sha256 == ref.sha256
            )
            if session.scalar(stored) is None:  # send the bytes only when they are new
                session.execute(
                    dialect_insert(session, DocumentContentRow)
                    .values(sha256=ref.sha256, content=content, stored_at=now)
                    .on_conflict_do_nothing(index_elements=["sha256"])
                )
            recorded = session.execute(
                dialect_insert(session, DocumentUploadRow)
                .values(
                    application_id=application_id,
                    document_id=ref.document_id,
                    sha256=ref.sha256,
                    filename=ref.filename,
                    kind=ref.kind.value,
                    uploaded_at=now,
                )
                .on_conflict_do_nothing(index_elements=["application_id", "document_id"])
                .returning(DocumentUploadRow.document_id)  # a row only when this one is new
            ).first()
            first = session.execute(
                select(
                    DocumentUploadRow.sha256, DocumentUploadRow.filename, DocumentUploadRow.kind
                ).where(
                    DocumentUploadRow.application_id == application_id,
                    DocumentUploadRow.document_id == ref.document_id,
                )
            ).one()
        kept = ref.model_copy(
            update={
                "sha256": first.sha256,
                "filename": first.filename,
                "kind": DocumentKind(first.kind),
            }
        )
        return Upload(kept, new=recorded is not None)

    def discard(self, application_id: str, ref: DocumentRef) -> None:
        with self._session() as session, session.begin():
            session.execute(
                delete(DocumentUploadRow).where(
                    DocumentUploadRow.application_id == application_id,
                    DocumentUploadRow.document_id == ref.document_id,
                    DocumentUploadRow.sha256 == ref.sha256,
                )
            )

    def reachable(self) -> bool:
        """Whether the database answers and has the store's tables (a read: a probe write
        would queue behind SQLite's writer)."""
        try:
            with self._session() as session:
                session.execute(select(DocumentContentRow.sha256).limit(1)).all()
                session.execute(select(DocumentUploadRow.document_id).limit(1)).all()
        except (SQLAlchemyError, DocumentStoreUnavailable):
            return False
        return True


def open_document_store(settings: Settings, sessions: SessionSource) -> DocumentStore:
    """The store ``settings.document_store`` names: ``directory`` (``document_store_path``)
    or ``database`` (the database ``sessions`` gives, the app's own)."""
    if settings.document_store == "database":
        return DatabaseDocumentStore(sessions, settings.max_upload_bytes)
    return DirectoryDocumentStore(settings.document_store_path, settings.max_upload_bytes)
