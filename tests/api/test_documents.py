"""The document store on its own: names cleaned once, uploads kept per application."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.documents import (
    DirectoryDocumentStore,
    DocumentNotFound,
    clean_filename,
    content_disposition,
)
from models.enums import DocumentKind
from tests.api.helpers import PDF


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("a\r\nb.pdf", "ab.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\me\\scan.png", "scan.png"),
        ("\x00\x1b", "document"),
        ("證明書.pdf", "證明書.pdf"),
        (None, "document"),
    ],
)
def test_defect1_file_names_are_cleaned_once(sent: str | None, kept: str) -> None:
    assert clean_filename(sent) == kept


def test_defect2_content_disposition_carries_any_name() -> None:
    header = content_disposition('證 "quoted"\r\n.pdf')
    assert header == (
        "attachment; filename=\"_ _quoted_.pdf\"; filename*=UTF-8''%E8%AD%89%20%22quoted%22.pdf"
    )
    header.encode("latin-1")  # what HTTP headers must be


def test_defect1_a_document_reads_back_only_through_its_application(tmp_path: Path) -> None:
    store = DirectoryDocumentStore(tmp_path, 1024)
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
