"""Read a source file into text, and mask markup and page noise without moving any offset.

The masked ("visible") text has exactly the length of the original, so an offset
found in it is also an offset into the original file text. Markup and noise become
spaces; block boundaries become newlines.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import IngestError

TEXT_SUFFIXES = {".txt", ".md", ".html", ".htm"}

_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?>")
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|li|ul|ol|h[1-6]|tr|td|th|table|section|article|header|footer|nav|aside|"
    r"blockquote|pre|hr|form|main|title|dt|dd|figcaption)\b",
    re.I,
)
_HIDDEN_OPEN = re.compile(r"<(script|style|noscript|template|svg|nav|footer|head)\b|<!--", re.I)
_TITLE_OPEN = re.compile(r"<title", re.I)
_TITLE_CLOSE = re.compile(r"</title\s*>", re.I)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")
_MD_MARKS = re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|`")
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((?:[^)\s]{1,2000})\)")
_LINK_STOP = re.compile(r"[\]\n]")
_LINE_PREFIX = re.compile(r"^[ \t]*(?:[•▪●◦‣·\-–*+>]|#{1,6}|\d{1,3}[.)])[ \t]+", re.M)

# Whole lines that are page furniture rather than content. Calls to action are kept:
# they are content, and the labeller needs them.
_NOISE_LINE = re.compile(
    r"^[^\S\n]*+(?:top of page|bottom of page|back to top|skip to (?:main )?content|"
    r"leave a reply|category:.*|share (?:this|on).*|"
    r"your email address will not be published\.?.*|required fields are marked.*|"
    r"copyright ©.*|©.*all rights reserved.*|.*all rights reserved\.?(?:\s*\|.*)?|"
    r"by submitting (?:the|this) form.*|.*\bwe use cookies\b.*|.*\baccept (?:all )?cookies\b.*|"
    r"read more articles by .*|\d+ thoughts on .*|.*\bpost author)\s*$",
    re.I | re.M,
)


@dataclass(frozen=True)
class RawText:
    """A decoded file: its text, the same-length visible mask, and how it was decoded."""

    text: str
    visible: str
    encoding: str
    kind: str
    html_title: str = ""


def _blank(s: str) -> str:
    return "".join("\n" if ch == "\n" else " " for ch in s)


def _hidden_blocks(text: str) -> Iterator[tuple[int, int]]:
    """Spans of script, style, comments and other hidden blocks, in linear time even if one is never closed."""
    unclosed: set[str] = set()
    pos = 0
    while m := _HIDDEN_OPEN.search(text, pos):
        name = (m.group(1) or "!--").lower()
        close = None
        if name not in unclosed:
            close = (re.compile(r"-->") if name == "!--" else re.compile(rf"</{name}\s*>", re.I)).search(text, m.end())
        if close is None:  # no closing tag anywhere after this one, so none for a later one either
            unclosed.add(name)
            pos = m.start() + 1
            continue
        yield m.start(), close.end()
        pos = close.end()


def _html_title(text: str) -> str:
    # The first <title ...> with a closing tag after it; found without rescanning (a regex search is quadratic).
    m = _TITLE_OPEN.search(text)
    gt = text.find(">", m.end()) if m else -1
    close = _TITLE_CLOSE.search(text, gt + 1) if gt >= 0 else None
    return html.unescape(re.sub(r"\s+", " ", text[gt + 1 : close.start()])).strip() if close else ""


def _md_links(text: str) -> Iterator[re.Match[str]]:
    """Markdown links; a '[' that fails is skipped with every '[' before the same ']' (they fail alike)."""
    pos = 0
    while (start := text.find("[", pos)) >= 0:
        m = _MD_LINK.match(text, start)
        if m:
            yield m
            pos = m.end()
            continue
        stop = _LINK_STOP.search(text, start + 1)
        pos = stop.start() if stop else len(text)


def _mask(chars: list[str], start: int, end: int, newline_first: bool = False) -> None:
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "
    if newline_first and end > start:
        chars[start] = "\n"


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode file bytes as UTF-8, then Windows-1252; refuse binary content."""
    if not data.strip():
        raise IngestError(f"{name}: the file is empty; add text to it or remove it from the corpus.")
    if b"\x00" in data[:8192]:
        raise IngestError(f"{name}: looks like a binary file (it contains NUL bytes); only text, Markdown, HTML and PDF are read.")
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
            encoding = "cp1252"
        except UnicodeDecodeError as exc:
            raise IngestError(
                f"{name}: not valid UTF-8 or Windows-1252 text (byte {exc.start}); re-save it as UTF-8."
            ) from None
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > max(8, len(text[:20000]) // 50):
        raise IngestError(f"{name}: looks like a binary file (many control characters); it was skipped.")
    # Offsets are defined on text with \n line ends, which is what a reader sees.
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def _pdf_text(data: bytes, name: str) -> str:
    import io

    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    # pypdf logs each problem of a damaged file to stderr; the IngestError below says it once.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        pages = [page.extract_text() or "" for page in reader.pages]
    except (FileNotDecryptedError, NotImplementedError):  # a password, or an encryption pypdf cannot open
        raise IngestError(f"{name}: the PDF is encrypted; save a copy without a password and add that.") from None
    except Exception as exc:  # noqa: BLE001  a damaged PDF makes pypdf raise almost any type (fuzzed)
        raise IngestError(f"{name}: the PDF is damaged or truncated ({exc.__class__.__name__}); re-export it.") from None
    text = "\n\n".join(p.strip() for p in pages).strip()
    if not text:
        raise IngestError(f"{name}: the PDF has no extractable text (scanned images?); add a text version.")
    return text


def _visible(text: str, kind: str) -> tuple[str, str]:
    chars = list(text)
    title = ""
    is_html = kind == "html"
    if is_html:
        title = _html_title(text)
        for start, end in _hidden_blocks(text):
            _mask(chars, start, end, newline_first=True)
    for m in _TAG.finditer(text):
        if chars[m.start()] == " " and is_html:
            continue  # inside a hidden block already
        _mask(chars, m.start(), m.end(), newline_first=bool(_BLOCK_TAG.match(m.group(0))))
    if is_html:
        for m in _ENTITY.finditer(text):
            if chars[m.start()] != "&":
                continue
            rep = html.unescape(m.group(0))
            rep = rep if len(rep) == 1 and rep.isprintable() else " "
            chars[m.start()] = rep
            _mask(chars, m.start() + 1, m.end())
    visible = "".join(chars)
    if kind in {"md", "txt"}:
        chars = list(visible)
        for m in _md_links(visible):
            _mask(chars, m.start(), m.start() + 1)
            _mask(chars, m.start(1) + len(m.group(1)), m.end())
        for m in _MD_MARKS.finditer(visible):
            _mask(chars, m.start(), m.end())
        visible = "".join(chars)
    chars = [" " if ch == "\ufeff" else ch for ch in visible]
    for m in _LINE_PREFIX.finditer(visible):
        _mask(chars, m.start(), m.end())
    for m in _NOISE_LINE.finditer(visible):
        _mask(chars, m.start(), m.end())
    return "".join(chars), title


def read_file(path: Path, max_bytes: int) -> RawText:
    """Read and decode one source file, with its visible mask; raises IngestError with a reason."""
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES | {".pdf"}:
        raise IngestError(f"{name}: unsupported file type '{suffix}'; use .txt, .md, .html or .pdf.")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(f"{name}: {size:,} bytes is over the {max_bytes:,}-byte limit; split the file.")
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{name}: cannot be read ({exc.strerror or exc}); check its permissions.") from None
    if suffix == ".pdf":
        if not data.startswith(b"%PDF"):
            raise IngestError(f"{name}: does not start like a PDF; it may be another file type renamed.")
        text, encoding, kind = _pdf_text(data, name), "pdf", "pdf"
    else:
        text, encoding = decode(data, name)
        kind = {".md": "md", ".html": "html", ".htm": "html"}.get(suffix, "txt")
    visible, title = _visible(text, kind)
    if not re.search(r"\w{2,}", visible):
        raise IngestError(f"{name}: has no readable text once markup is removed.")
    return RawText(text=text, visible=visible, encoding=encoding, kind=kind, html_title=title)
