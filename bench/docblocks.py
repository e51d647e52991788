"""Write measured figures into the docs, between markers, so the docs cannot drift from what was measured.

A block in a Markdown file looks like::

    <!-- figures:NAME (written by COMMAND; do not edit by hand) -->
    ...generated text...
    <!-- /figures:NAME -->

``write_block`` replaces the text between the two markers and nothing else. A file without the block's
markers is an error: blocks are placed by hand, once, where the figures belong.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class MissingBlock(ValueError):
    """The document has no markers for the block."""


def provenance() -> str:
    """One line saying when and at which commit the figures were measured."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, timeout=10).stdout.strip() or "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit, dirty = "unknown", ""
    return f"Measured {time.strftime('%Y-%m-%d %H:%M')} at commit {commit}{' with local changes' if dirty else ''}."


def write_block(path: Path, name: str, command: str, body: str) -> None:
    """Replace block ``name`` of the Markdown file ``path`` with ``body``."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(rf"<!-- figures:{re.escape(name)}\b[^>]*-->\n.*?<!-- /figures:{re.escape(name)} -->", re.S)
    if not pattern.search(text):
        raise MissingBlock(f"{path.name} has no '<!-- figures:{name} -->' ... '<!-- /figures:{name} -->' markers; "
                           "add them where the figures belong, then run the command again")
    block = (f"<!-- figures:{name} (written by {command}; do not edit by hand) -->\n"
             f"{body.rstrip()}\n<!-- /figures:{name} -->")
    new = pattern.sub(lambda _: block, text, count=1)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(new, encoding="utf-8")
    tmp.replace(path)
