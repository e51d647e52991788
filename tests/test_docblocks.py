"""Measured figures are written into the docs between markers, and only there."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.docblocks import MissingBlock, write_block

ROOT = Path(__file__).resolve().parents[1]


def test_a_block_is_replaced_and_the_rest_of_the_file_is_kept(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("# Title\n\nbefore\n<!-- figures:x -->\nold 1\nold 2\n<!-- /figures:x -->\nafter\n", encoding="utf-8")
    write_block(doc, "x", "`make figures`", "| a | b |\n|---|---|\n| 1 | 2 |")
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Title\n\nbefore\n<!-- figures:x (written by `make figures`; do not edit by hand) -->\n")
    assert "| 1 | 2 |\n<!-- /figures:x -->\nafter\n" in text and "old 1" not in text
    write_block(doc, "x", "`make figures`", "new")  # a written block can be written again
    assert doc.read_text(encoding="utf-8").count("figures:x") == 2 and "| 1 | 2 |" not in doc.read_text(encoding="utf-8")


def test_a_file_without_the_markers_is_an_error_and_is_left_alone(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("no markers here\n", encoding="utf-8")
    with pytest.raises(MissingBlock, match="figures:x"):
        write_block(doc, "x", "cmd", "body")
    assert doc.read_text(encoding="utf-8") == "no markers here\n"


@pytest.mark.parametrize("doc, name", [("README.md", "answers"), ("docs/answers.md", "answers"),
                                       ("docs/performance.md", "latency-seed"),
                                       ("README.md", "latency-seed")])
def test_the_docs_carry_the_blocks_their_commands_write(doc: str, name: str) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    assert f"<!-- figures:{name} (written by " in text and f"<!-- /figures:{name} -->" in text
