"""Uploading to and removing from the library: safe names, content checks, and the corpus folder only."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.library import check_content, safe_name


@pytest.mark.parametrize("name, expected", [
    ("notes.txt", "notes.txt"),
    ("../../etc/passwd.md", "passwd.md"),
    ("..\\..\\evil.HTML", "evil.html"),
    ("Spine — guide (2020).PDF", "Spine_guide_2020.pdf"),
    ("....txt", "document.txt"),
    ("a" * 200 + ".md", "a" * 77 + ".md"),
])
def test_safe_name(name: str, expected: str) -> None:
    assert safe_name(name) == expected


@pytest.mark.parametrize("name", ["run.sh", "report.docx", "noext", "image.png"])
def test_safe_name_refuses_other_types(name: str) -> None:
    with pytest.raises(InputError, match="not a supported file type"):
        safe_name(name)


@pytest.mark.parametrize("name, data, message", [
    ("a.pdf", b"hello", "not a PDF"),
    ("a.txt", b"\x89PNG\r\n\x1a\n" + b"x" * 50, "binary"),
    ("a.md", b"PK\x03\x04zipzip", "binary"),
    ("a.html", b"text with a \x00 null", "binary"),
    ("a.txt", b"   \n ", "empty"),
    ("a.txt", b"x" * 11, "limit"),
])
def test_check_content_refuses(name: str, data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_content(name, data, max_bytes=10 if message == "limit" else 1000)


def test_check_content_accepts_text_and_pdf_headers() -> None:
    check_content("a.txt", "Plain text with ’ curly quotes.".encode(), 1000)
    check_content("a.html", b"<html><body><p>Hi there.</p></body></html>", 1000)
    check_content("a.pdf", b"%PDF-1.7 ...", 1000)


@pytest.mark.slow
def test_add_upload_and_remove_document(tmp_path: Path, corpus_copy: Path) -> None:
    from assistant.index import Index
    from assistant.ingest import ingest
    from assistant.library import add_upload, remove_document
    from assistant.settings import load_settings

    settings = load_settings(data_dir=tmp_path / "data", corpus_dir=corpus_copy)
    ingest([corpus_copy], settings, progress=False)
    upload = tmp_path / "upload.bin"
    upload.write_text("Heat wraps\n\nContinuous low-level heat wraps eased acute low back pain in a trial.\n",
                      encoding="utf-8")
    steps: list[str] = []
    doc_id, report = add_upload(upload, "../Heat wraps?.txt", settings, lambda f, msg: steps.append(msg))
    assert doc_id == "Heat_wraps" and report.added == ["Heat_wraps"]
    assert (corpus_copy / "Heat_wraps.txt").is_file() and not (tmp_path / "Heat_wraps.txt").exists()
    assert steps[0] == "Checking the file" and steps[-1] == "Done"
    assert "Heat_wraps" in Index.open(settings).catalog.doc_index
    with pytest.raises(InputError, match="already in the library"):
        add_upload(upload, "Heat wraps.txt", settings)

    report = remove_document("Heat_wraps", settings)
    assert report.removed == ["Heat_wraps"]
    assert not (corpus_copy / "Heat_wraps.txt").exists()
    assert "Heat_wraps" not in Index.open(settings).catalog.doc_index
    with pytest.raises(InputError, match="no document"):
        remove_document("Heat_wraps", settings)


@pytest.mark.slow
def test_upload_that_cannot_be_indexed_leaves_no_file(tmp_path: Path, corpus_copy: Path) -> None:
    from assistant.library import add_upload
    from assistant.settings import load_settings

    settings = load_settings(data_dir=tmp_path / "data", corpus_dir=corpus_copy)
    upload = tmp_path / "x"
    upload.write_text("<html><script>only script</script></html>", encoding="utf-8")
    with pytest.raises(InputError, match="was not added"):
        add_upload(upload, "empty.html", settings)
    assert not (corpus_copy / "empty.html").exists()
