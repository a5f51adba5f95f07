"""The document store: uploaded evidence kept by content hash, in a local directory or (with
``ACCRED_DOCUMENT_STORE=database``) in the database, behind one interface (``DocumentStore``).

A file's type is decided by its first bytes, never by its name or declared content type;
PDF, PNG and JPEG are accepted. The same content is stored once; in a directory, files are
written aside and renamed into place, so a reader never sees half a document.

Each upload is also recorded under the application it was uploaded to (in a directory,
``uploads/<application_id>/<document_id>`` holding the content's hash; in the database, a
``document_uploads`` row): a document is read back only through the application it was
uploaded to, whatever a reference claims.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path, PurePath
from urllib.parse import quote

from models.application import DocumentRef
from models.enums import DocumentKind

# Magic numbers at the start of each accepted format, and the file name endings that fit it.
_FORMATS: list[tuple[bytes, str, frozenset[str]]] = [
    (b"%PDF-", "PDF", frozenset({".pdf"})),
    (b"\x89PNG\r\n\x1a\n", "PNG", frozenset({".png"})),
    (b"\xff\xd8\xff", "JPEG", frozenset({".jpg", ".jpeg"})),
]
MEDIA_TYPES = {"PDF": "application/pdf", "PNG": "image/png", "JPEG": "image/jpeg"}
ACCEPTED = ", ".join(name for _, name, _ in _FORMATS)


class DocumentTooLarge(Exception):
    """The upload is over the configured size limit."""


class UnsupportedDocument(Exception):
    """The content is not an accepted format, or its name claims another one."""


class DocumentNotFound(Exception):
    """No such upload to this application, or its content is no longer in the store."""

    def __init__(self, document_id: str) -> None:
        self.document_id = document_id
        super().__init__(
            f"document {document_id} was not uploaded to this application or is no longer kept"
        )


_DOCUMENT_ID = re.compile(r"^doc-[0-9a-f]{32}$")


def document_format(content: bytes, filename: str) -> str:
    """The format ``content`` is in, checked against the ending of ``filename``.

    Raises:
        UnsupportedDocument: the content is no accepted format, or the name says another.
    """
    suffix = PurePath(filename).suffix.lower()
    for magic, name, suffixes in _FORMATS:
        if content.startswith(magic):
            if suffix and suffix not in suffixes:
                raise UnsupportedDocument(
                    f"the file's content is {name} but its name ends in {suffix}; "
                    "upload it under its real type"
                )
            return name
    raise UnsupportedDocument(f"only {ACCEPTED} documents are accepted (checked by content)")


def media_type_of(content: bytes) -> str:
    """The media type of stored ``content``, by its first bytes alone."""
    for magic, name, _ in _FORMATS:
        if content.startswith(magic):
            return MEDIA_TYPES[name]
    return "application/octet-stream"


def clean_filename(filename: str | None) -> str:
    """The last part of the name a client sent, without path or control characters (CR, LF
    and the rest); any other Unicode character stays."""
    name = PurePath((filename or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[-255:] or "document"


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback name and the exact name as UTF-8 in ``filename*``."""
    name = clean_filename(filename)
    fallback = "".join(ch if " " <= ch < "\x7f" and ch not in '"\\' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def document_id_for(application_id: str, key: str | None) -> str:
    """A new document id: random, or derived from a client's idempotency key so that a
    retried upload names the same document."""
    if key is None:
        return f"doc-{uuid.uuid4().hex}"
    digest = hashlib.sha256(f"{application_id}\n{key}".encode()).hexdigest()
    return f"doc-{digest[:32]}"


@dataclass(frozen=True)
class Upload:
    """A document kept by the store, and whether this upload recorded it."""

    ref: DocumentRef
    """the reference to use from now on"""
    new: bool
    """False for a retry of an upload already recorded (same document id): the first is kept"""


class DocumentStore(ABC):
    """Where uploaded documents are kept: the one interface the routes use.

    Every store checks content the same way (size, then type by content), names a document by
    the id its caller gives (or a new random one), records each upload under its application
    and reads a document back only through that application. ``open_document_store`` in
    ``api.document_store_db`` builds the configured one (``settings.document_store``).
    """

    max_bytes: int

    def read(self, application_id: str, ref: DocumentRef) -> tuple[bytes, str]:
        """The content of ``ref`` and its media type, if it was uploaded to this application.

        Raises:
            DocumentNotFound: not uploaded to ``application_id`` (whatever the reference
                claims), or no longer in the store.
        """
        if not _DOCUMENT_ID.match(ref.document_id):
            raise DocumentNotFound(ref.document_id)
        content = self._uploaded_content(application_id, ref)
        return content, media_type_of(content)

    def save(
        self,
        *,
        application_id: str,
        content: bytes,
        filename: str,
        kind: DocumentKind,
        document_id: str | None = None,
    ) -> DocumentRef:
        """Check ``content``, keep it and record it as uploaded to ``application_id``; the
        reference to use (``upload`` says besides whether this upload recorded it).

        Raises:
            DocumentTooLarge: over ``max_bytes``.
            UnsupportedDocument: not an accepted format, or renamed from another one.
        """
        return self.upload(
            application_id=application_id,
            content=content,
            filename=filename,
            kind=kind,
            document_id=document_id,
        ).ref

    def upload(
        self,
        *,
        application_id: str,
        content: bytes,
        filename: str,
        kind: DocumentKind,
        document_id: str | None = None,
    ) -> Upload:
        """As ``save``, telling besides whether this call recorded the upload (a retry of a
        recorded document id keeps the first upload).

        Raises:
            DocumentTooLarge: over ``max_bytes``.
            UnsupportedDocument: not an accepted format, or renamed from another one.
        """
        if len(content) > self.max_bytes:
            raise DocumentTooLarge(f"documents may be at most {self.max_bytes} bytes")
        name = clean_filename(filename)
        document_format(content, name)
        ref = DocumentRef(
            document_id=document_id or document_id_for(application_id, None),
            kind=kind,
            sha256=hashlib.sha256(content).hexdigest(),
            filename=name,
        )
        return self._keep(application_id, ref, content)

    @abstractmethod
    def reachable(self) -> bool:
        """Whether the store answers now and can keep documents (for ``/readyz``)."""

    @abstractmethod
    def _uploaded_content(self, application_id: str, ref: DocumentRef) -> bytes:
        """The content of ``ref`` as uploaded to ``application_id`` (its id and hash both).

        Raises:
            DocumentNotFound: no such upload to this application, or its content is gone.
        """

    @abstractmethod
    def discard(self, application_id: str, ref: DocumentRef) -> None:
        """Forget the upload of ``ref`` to ``application_id`` (one its application refused):
        it no longer reads back. The content stays, kept by its hash, which other uploads
        may share; with no upload recording it, nothing reads it."""

    @abstractmethod
    def _keep(self, application_id: str, ref: DocumentRef, content: bytes) -> Upload:
        """Keep checked ``content`` (named by ``ref.sha256``) and record the upload: the
        reference the caller should use from now on, and whether it is a new upload."""


@dataclass(frozen=True)
class DirectoryDocumentStore(DocumentStore):
    """The store in a local directory (``settings.document_store_path``): one API process, or
    several sharing the directory (a network volume)."""

    root: Path
    max_bytes: int

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def upload_record(self, application_id: str, document_id: str) -> Path:
        return self.root / "uploads" / application_id / document_id

    def _uploaded_content(self, application_id: str, ref: DocumentRef) -> bytes:
        try:
            uploaded = self.upload_record(application_id, ref.document_id).read_text().strip()
            if uploaded != ref.sha256:
                raise DocumentNotFound(ref.document_id)
            return self.path_of(uploaded).read_bytes()
        except OSError as err:
            raise DocumentNotFound(ref.document_id) from err

    def _keep(self, application_id: str, ref: DocumentRef, content: bytes) -> Upload:
        target = self.path_of(ref.sha256)
        if not target.exists():
            _write_atomically(target, content)
        record = self.upload_record(application_id, ref.document_id)
        if record.exists():
            # A retried upload (same document id) keeps the first content, as the workflow does.
            first = ref.model_copy(update={"sha256": record.read_text().strip()})
            return Upload(first, new=False)
        _write_atomically(record, ref.sha256.encode())
        return Upload(ref, new=True)

    def discard(self, application_id: str, ref: DocumentRef) -> None:
        record = self.upload_record(application_id, ref.document_id)
        try:
            if record.read_text().strip() == ref.sha256:
                record.unlink()
        except FileNotFoundError:
            pass

    def reachable(self) -> bool:
        """Whether the store's directory exists (or can be made) and takes writes."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.root):
                return True
        except OSError:
            return False


def _write_atomically(target: Path, content: bytes) -> None:
    """Write aside and rename into place: a reader never sees half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
