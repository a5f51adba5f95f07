"""The document store in the database (on SQLite and PostgreSQL), held to what the directory
store promises: checks by content, uploads kept per application, idempotent document ids."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from api.document_store_db import DatabaseDocumentStore, open_document_store
from api.documents import (
    DirectoryDocumentStore,
    DocumentNotFound,
    DocumentStore,
    DocumentTooLarge,
    UnsupportedDocument,
    Upload,
    document_id_for,
)
from models.application import DocumentRef
from models.enums import DocumentKind
from settings import Settings
from storage.database import make_engine, make_session_factory
from storage.tables import DocumentContentRow, DocumentUploadRow
from tests.api.helpers import JPEG, PDF, PNG


@pytest.fixture
def store(session_factory: sessionmaker[Session]) -> DatabaseDocumentStore:
    return DatabaseDocumentStore(lambda: session_factory, 1024)


def count(session_factory: sessionmaker[Session], row: type[object]) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(row)) or 0


def test_a_document_reads_back_only_through_its_application(
    store: DatabaseDocumentStore,
) -> None:
    ref = store.save(
        application_id="app-a", content=PDF, filename="c.pdf", kind=DocumentKind.CERTIFICATE
    )
    assert store.read("app-a", ref) == (PDF, "application/pdf")
    with pytest.raises(DocumentNotFound):
        store.read("app-b", ref)
    forged = ref.model_copy(update={"sha256": "0" * 64})
    with pytest.raises(DocumentNotFound):
        store.read("app-a", forged)
    renamed = ref.model_copy(update={"filename": "page.html"})
    assert store.read("app-a", renamed) == (PDF, "application/pdf")  # by content, never by name
    unknown = ref.model_copy(update={"document_id": document_id_for("app-a", None)})
    with pytest.raises(DocumentNotFound):
        store.read("app-a", unknown)
    malformed = ref.model_copy(update={"document_id": "doc-../../etc"})
    with pytest.raises(DocumentNotFound):
        store.read("app-a", malformed)


def test_content_is_checked_by_size_and_by_type(store: DatabaseDocumentStore) -> None:
    def save(content: bytes, filename: str) -> DocumentRef:
        return store.save(
            application_id="app-a", content=content, filename=filename, kind=DocumentKind.OTHER
        )

    with pytest.raises(DocumentTooLarge, match="at most 1024 bytes"):
        save(PDF + bytes(1024), "big.pdf")
    with pytest.raises(UnsupportedDocument, match="checked by content"):
        save(b"<html>not a pdf</html>", "page.pdf")
    with pytest.raises(UnsupportedDocument, match=r"content is PNG but its name ends in \.pdf"):
        save(PNG, "scan.pdf")
    assert store.read("app-a", save(JPEG, "photo.jpeg")) == (JPEG, "image/jpeg")
    assert store.read("app-a", save(PNG, "")) == (PNG, "image/png")


def test_names_are_cleaned_and_ids_are_new_unless_given(store: DatabaseDocumentStore) -> None:
    ref = store.save(
        application_id="app-a",
        content=PDF,
        filename="../../x\r\n.pdf",
        kind=DocumentKind.SCOPE_OF_PRACTICE,
    )
    assert ref.filename == "x.pdf"
    assert ref.kind == DocumentKind.SCOPE_OF_PRACTICE
    assert re.fullmatch(r"doc-[0-9a-f]{32}", ref.document_id)
    again = store.save(
        application_id="app-a", content=PDF, filename="x.pdf", kind=DocumentKind.OTHER
    )
    assert again.document_id != ref.document_id


def test_the_same_content_is_stored_once(
    store: DatabaseDocumentStore, session_factory: sessionmaker[Session]
) -> None:
    first = store.save(
        application_id="app-a", content=PDF, filename="a.pdf", kind=DocumentKind.CERTIFICATE
    )
    second = store.save(
        application_id="app-b", content=PDF, filename="b.pdf", kind=DocumentKind.CERTIFICATE
    )

    assert first.sha256 == second.sha256
    assert count(session_factory, DocumentContentRow) == 1
    assert count(session_factory, DocumentUploadRow) == 2
    assert store.read("app-b", second) == (PDF, "application/pdf")


def test_a_retried_upload_names_the_same_document_and_keeps_the_first(
    store: DatabaseDocumentStore, session_factory: sessionmaker[Session]
) -> None:
    document_id = document_id_for("app-a", "client-key-1")
    first = store.save(
        application_id="app-a",
        content=PDF,
        filename="c.pdf",
        kind=DocumentKind.CERTIFICATE,
        document_id=document_id,
    )
    retried = store.save(
        application_id="app-a",
        content=PDF,
        filename="c.pdf",
        kind=DocumentKind.CERTIFICATE,
        document_id=document_id,
    )
    # The same key sent with other content answers the first upload, as the workflow keeps it.
    changed = store.save(
        application_id="app-a",
        content=PNG,
        filename="other.png",
        kind=DocumentKind.OTHER,
        document_id=document_id,
    )

    assert first.document_id == document_id
    assert retried == first
    assert changed == first
    assert store.read("app-a", changed) == (PDF, "application/pdf")
    assert count(session_factory, DocumentUploadRow) == 1


def test_concurrent_uploads_of_one_document_agree(
    store: DatabaseDocumentStore, session_factory: sessionmaker[Session]
) -> None:
    document_id = document_id_for("app-a", "client-key-2")
    contents = [PDF, PNG, JPEG, PDF + b"%%EOF\n"] * 2

    def save(content: bytes) -> DocumentRef:
        return store.save(
            application_id="app-a",
            content=content,
            filename="",
            kind=DocumentKind.OTHER,
            document_id=document_id,
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        refs = list(pool.map(save, contents))

    assert len({ref.model_dump_json() for ref in refs}) == 1
    assert count(session_factory, DocumentUploadRow) == 1


def test_large_binary_content_round_trips(session_factory: sessionmaker[Session]) -> None:
    store = DatabaseDocumentStore(lambda: session_factory, 4 * 1024 * 1024)
    content = PDF + bytes(range(256)) * 12_000  # every byte value, about 3 MiB
    ref = store.save(
        application_id="app-a", content=content, filename="big.pdf", kind=DocumentKind.OTHER
    )
    assert store.read("app-a", ref) == (content, "application/pdf")


def test_reachable_when_the_database_answers_with_the_tables(
    store: DatabaseDocumentStore, tmp_path: Path
) -> None:
    assert store.reachable()
    assert not DatabaseDocumentStore(lambda: None, 1024).reachable()
    unmigrated = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        empty = make_session_factory(unmigrated)
        assert not DatabaseDocumentStore(lambda: empty, 1024).reachable()
    finally:
        unmigrated.dispose()


def test_unreachable_database_is_not_reachable() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    try:
        sessions = make_session_factory(engine)
        assert not DatabaseDocumentStore(lambda: sessions, 1024).reachable()
    finally:
        engine.dispose()


def test_the_setting_chooses_the_store(engine: Engine, tmp_path: Path) -> None:
    sessions = make_session_factory(engine)
    base = Settings(_env_file=None, document_store_path=tmp_path, max_upload_bytes=2048)

    directory = open_document_store(base, lambda: sessions)
    database = open_document_store(
        base.model_copy(update={"document_store": "database"}), lambda: sessions
    )

    assert directory == DirectoryDocumentStore(tmp_path, 2048)
    assert isinstance(database, DatabaseDocumentStore) and database.max_bytes == 2048
    for chosen in (directory, database):
        assert isinstance(chosen, DocumentStore)
        ref = chosen.save(
            application_id="app-a", content=PDF, filename="c.pdf", kind=DocumentKind.OTHER
        )
        assert chosen.read("app-a", ref) == (PDF, "application/pdf")


def test_the_setting_names_a_known_store(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).document_store == "directory"
    monkeypatch.setenv("ACCRED_DOCUMENT_STORE", "database")
    assert Settings(_env_file=None).document_store == "database"
    monkeypatch.setenv("ACCRED_DOCUMENT_STORE", "s3")
    with pytest.raises(ValidationError, match="document_store"):
        Settings(_env_file=None)


@pytest.mark.parametrize("kind", ["directory", "database"])
def test_an_upload_says_whether_it_is_new_and_a_discarded_one_no_longer_reads(
    kind: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    chosen: DocumentStore = (
        DirectoryDocumentStore(tmp_path, 1024)
        if kind == "directory"
        else DatabaseDocumentStore(lambda: session_factory, 1024)
    )
    document_id = document_id_for("app-a", "client-key-3")

    def upload(application_id: str, content: bytes) -> Upload:
        return chosen.upload(
            application_id=application_id,
            content=content,
            filename="",
            kind=DocumentKind.CERTIFICATE,
            document_id=document_id,
        )

    first = upload("app-a", PDF)
    retried = upload("app-a", PDF)
    assert (first.new, retried.new) == (True, False)
    assert retried.ref == first.ref
    shared = upload("app-b", PDF)  # the same content, uploaded to another application
    assert shared.new

    # A reference that is not the upload's (another hash) discards nothing.
    chosen.discard("app-a", first.ref.model_copy(update={"sha256": "0" * 64}))
    assert chosen.read("app-a", first.ref) == (PDF, "application/pdf")

    chosen.discard("app-a", first.ref)
    with pytest.raises(DocumentNotFound):
        chosen.read("app-a", first.ref)
    chosen.discard("app-a", first.ref)  # discarding again changes nothing
    assert chosen.read("app-b", shared.ref) == (PDF, "application/pdf")  # content kept
    again = upload("app-a", PNG)  # the id is free again: this upload is recorded afresh
    assert again.new
    assert chosen.read("app-a", again.ref) == (PNG, "image/png")
