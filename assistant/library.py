"""The library: add an uploaded file to the corpus folder and index it, or remove a document.

Uploads are checked before anything is written: a size limit, an allow-list of types
checked against the content (not only the name), and a sanitised file name that can
only land inside the corpus folder.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError

if TYPE_CHECKING:
    from .ingest import IngestReport
    from .settings import Settings

ALLOWED = (".txt", ".md", ".html", ".htm", ".pdf")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Files that are not text even when they decode as Windows-1252.
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x7fELF", b"MZ", b"\x1f\x8b",
                 b"BZh", b"7z\xbc\xaf", b"Rar!", b"\xd0\xcf\x11\xe0", b"RIFF", b"OggS", b"ID3", b"\x00\x00\x01\x00")
MAX_NAME = 80


def safe_name(name: str) -> str:
    """A file name with no folders, only [A-Za-z0-9._-], a known extension and at most 80 characters."""
    base = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    base = re.split(r"[\\/]", base)[-1]
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = ext, ""
    ext = "." + ext.lower()
    if ext not in ALLOWED:
        raise InputError(f"'{name}' is not a supported file type; upload a {', '.join(ALLOWED[:-2])} or .pdf file.")
    stem = _UNSAFE.sub("_", stem).strip("._-")[: MAX_NAME - len(ext)] or "document"
    return stem + ext


def check_content(name: str, data: bytes, max_bytes: int) -> None:
    """Refuse a file that is too large, empty, or whose content does not match its type."""
    if len(data) > max_bytes:
        raise InputError(f"'{name}' is {len(data):,} bytes; the limit is {max_bytes:,}. Upload a smaller file.")
    if not data.strip():
        raise InputError(f"'{name}' is empty; upload a file with text in it.")
    if name.lower().endswith(".pdf"):
        if not data.startswith(b"%PDF-"):
            raise InputError(f"'{name}' is named like a PDF but its content is not a PDF.")
        return
    head = data[:16]
    if any(head.startswith(m) for m in _BINARY_MAGIC) or b"\x00" in data[:8192]:
        raise InputError(f"'{name}' is named like a text file but its content is binary; upload text or a PDF.")
    from .errors import IngestError
    from .parse import decode

    try:
        decode(data, name)
    except IngestError as exc:
        raise InputError(str(exc)) from None


def add_upload(src: Path, original_name: str, settings: Settings,
               on_step: Callable[[float, str], None] | None = None) -> tuple[str, IngestReport]:
    """Copy an uploaded file into the corpus folder under a safe name and index it; returns its document id."""
    from .ingest import doc_id_for, ingest

    step = on_step or (lambda frac, msg: None)
    name = safe_name(original_name)
    limit = settings.serve.max_upload_bytes
    size = src.stat().st_size
    if size > limit:
        raise InputError(f"'{name}' is {size:,} bytes; the limit is {limit:,}. Upload a smaller file.")
    data = src.read_bytes()
    step(0.1, "Checking the file")
    check_content(name, data, limit)
    corpus = Path(settings.corpus_dir).resolve()
    corpus.mkdir(parents=True, exist_ok=True)
    dest = (corpus / name).resolve()
    if dest.parent != corpus:
        raise InputError(f"'{original_name}' cannot be stored inside the corpus folder.")
    doc_id = doc_id_for(dest)
    if dest.exists() or any(p.is_file() and doc_id_for(p) == doc_id for p in corpus.iterdir()):
        raise InputError(f"A document named '{doc_id}' is already in the library; rename the file or remove "
                         "the old one first.")
    fd, tmp = tempfile.mkstemp(dir=corpus, prefix=".upload-", suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, dest)
    step(0.3, "Reading, labelling and embedding")
    try:
        report = ingest([dest], settings, progress=False, on_document=lambda d: step(0.9, f"Indexed {d}"))
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    if doc_id not in report.added + report.updated + report.unchanged:
        dest.unlink(missing_ok=True)
        reason = report.skipped[0][1] if report.skipped else "it could not be indexed"
        raise InputError(f"'{name}' was not added: {reason}")
    step(1.0, "Done")
    return doc_id, report


def _stored_path(entry_path: str, corpus: Path) -> Path:
    p = Path(entry_path)
    if p.is_absolute() or p.exists():
        return p.resolve()
    return (corpus / p.name).resolve()  # stored relative to another working folder


def remove_document(doc_id: str, settings: Settings) -> IngestReport:
    """Delete a document's file from the corpus folder and take its chunks out of the index."""
    from .index import read_state
    from .ingest import ingest

    if settings.store_backend == "http":
        from .serverindex import ServerIndex

        entry = ServerIndex(settings).read_state()["docs"].get(doc_id)
    else:
        entry = read_state(Path(settings.data_dir))["docs"].get(doc_id)
    if entry is None:
        raise InputError(f"There is no document '{doc_id}' in the library; pick one from the list.")
    corpus = Path(settings.corpus_dir).resolve()
    path = _stored_path(entry["path"], corpus)
    if not path.is_relative_to(corpus):
        raise InputError(f"'{doc_id}' was added from outside the corpus folder ({corpus}); remove that file and "
                         "run 'assistant ingest' on its folder.")
    path.unlink(missing_ok=True)
    report = ingest([path.parent], settings, progress=False)
    if doc_id not in report.removed:
        raise InputError(f"'{doc_id}' could not be removed from the index; run 'assistant ingest' and try again.")
    return report
