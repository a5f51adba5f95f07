"""The document store: uploaded evidence kept by content hash in a local directory.

A file's type is decided by its first bytes, never by its name or declared content type;
PDF, PNG and JPEG are accepted. Files are written aside and renamed into place, so a reader
never sees half a document, and the same content is stored once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePath

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


def clean_filename(filename: str | None) -> str:
    """The last part of the name a client sent, without path or control characters."""
    name = PurePath((filename or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[-255:] or "document"


@dataclass(frozen=True)
class DocumentStore:
    root: Path
    max_bytes: int

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def read(self, ref: DocumentRef) -> tuple[bytes, str]:
        """The stored content of ``ref`` and its media type.

        Raises:
            FileNotFoundError: the store no longer holds it.
        """
        content = self.path_of(ref.sha256).read_bytes()
        return content, MEDIA_TYPES[document_format(content, ref.filename)]

    def save(self, *, content: bytes, filename: str, kind: DocumentKind) -> DocumentRef:
        """Check ``content`` and keep it; the reference names this upload and its content.

        Raises:
            DocumentTooLarge: over ``max_bytes``.
            UnsupportedDocument: not an accepted format, or renamed from another one.
        """
        if len(content) > self.max_bytes:
            raise DocumentTooLarge(f"documents may be at most {self.max_bytes} bytes")
        name = clean_filename(filename)
        document_format(content, name)
        digest = hashlib.sha256(content).hexdigest()
        target = self.path_of(digest)
        if not target.exists():
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
        return DocumentRef(
            document_id=f"doc-{uuid.uuid4().hex}", kind=kind, sha256=digest, filename=name
        )
