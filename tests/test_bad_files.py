"""Bad files at ingest: each is reported with a reason and skipped, and the rest are ingested and answerable.

One real ingest (bundled model, embedded Chroma) of a folder holding good documents and one of
each kind of bad file: empty, binary, neither UTF-8 nor Windows-1252, over the size limit, a
truncated, a password-protected and an oddly encrypted PDF, a text file named .pdf, markup only,
a symlink out of the folder, path-traversal names and a broken manifest.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from fixtures.bad_files import CP1252_DECODED, GOOD, HIDDEN, PDF_LINES, SECRET, TRAVERSAL, write_bad_corpus

from assistant.settings import load_settings

pytestmark = pytest.mark.slow

MAX_FILE_BYTES = 8192


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory):
    """The bad corpus, ingested once: (folder, settings, report, expected skip reasons, files outside)."""
    from assistant.ingest import ingest

    root = tmp_path_factory.mktemp("bad-files")
    folder, outside = root / "corpus", root / "outside"
    with pytest.MonkeyPatch.context() as mp:
        # The size limit is set the way a user would: an environment variable.
        mp.setenv("ASSISTANT_INGEST__MAX_FILE_BYTES", str(MAX_FILE_BYTES))
        settings = load_settings(data_dir=root / "data", corpus_dir=folder)
    assert settings.ingest.max_file_bytes == MAX_FILE_BYTES
    expected = write_bad_corpus(folder, outside, MAX_FILE_BYTES)
    before = _tree(root)
    report = ingest([folder], settings, progress=False)
    return folder, settings, report, expected, before, root


def _tree(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if "data" not in p.relative_to(root).parts}


def test_each_bad_file_is_skipped_with_its_reason(ingested) -> None:
    _, _, report, expected, _, _ = ingested
    reasons = {Path(p).name: r for p, r in report.skipped}
    assert set(reasons) == set(expected), sorted(reasons)
    for name, words in expected.items():
        assert words.lower() in reasons[name].lower(), (name, reasons[name])
        assert "\n" not in reasons[name] and "Traceback" not in reasons[name]


def test_every_good_file_is_ingested(ingested) -> None:
    from assistant.ingest import doc_id_for

    _, _, report, _, _, _ = ingested
    good = [*GOOD, *TRAVERSAL, "windows.txt", "discography.pdf"]
    assert sorted(report.added) == sorted(doc_id_for(Path(n)) for n in good)
    assert not report.updated and not report.removed


def test_windows_1252_is_decoded_with_exact_offsets(ingested) -> None:
    from assistant.index import Index

    folder, settings, _, _, _, _ = ingested
    catalog = Index.open(settings).catalog
    doc = catalog.docs[catalog.doc_index["windows"]]
    assert doc["encoding"] == "cp1252"
    # The text is what open(path, encoding="cp1252").read() gives: curly quotes, dash and accents intact.
    assert doc["text"] == CP1252_DECODED == (folder / "windows.txt").read_text(encoding="cp1252")
    for ch in "“”—éèâ’":
        assert ch in doc["text"] or ch == "â", ch
    assert "Ã" not in doc["text"], "mojibake: cp1252 bytes decoded as Latin-1 or UTF-8"
    sentence = "She called the cement injection a “simple” procedure — done under local anaesthetic."
    start = CP1252_DECODED.index(sentence)
    spans = [(s[0], s[1]) for s in doc["sentences"]]
    assert (start, start + len(sentence)) in spans
    assert doc["text"][start : start + len(sentence)] == sentence


def test_good_documents_are_answerable_with_exact_citations(ingested) -> None:
    from assistant.pipeline import Assistant

    folder, settings, _, _, _, _ = ingested
    assistant = Assistant(settings)
    files = {"windows": (folder / "windows.txt", "cp1252"), "facet": (folder / "facet.txt", "utf-8"),
             "stimulator": (folder / "nested/deep/stimulator.html", "utf-8")}
    for question, doc_id in [("Who first described vertebroplasty?", "windows"),
                             ("How long can facet joint injections relieve neck pain?", "facet"),
                             ("What does a spinal cord stimulator send to the spinal cord?", "stimulator")]:
        ans = assistant.ask(question)
        assert not ans.abstained, question
        cited = [c for c in ans.citations if c.doc_id == doc_id]
        assert cited, (question, [c.doc_id for c in ans.citations])
        path, encoding = files[doc_id]
        text = path.read_text(encoding=encoding)
        for c in cited:
            assert text[c.start : c.end] == c.text
    pdf = assistant.ask("What does discography inject into a spinal disc?")
    assert any(c.doc_id == "discography" and c.text in "\n".join(PDF_LINES) for c in pdf.citations)


def test_hidden_and_outside_text_is_never_indexed(ingested) -> None:
    from assistant.index import Index

    _, settings, _, _, _, _ = ingested
    catalog = Index.open(settings).catalog
    everything = "\n".join(catalog.s_clean)
    assert SECRET.split(":")[1].strip() not in everything
    assert "document.write" not in everything and "hidden" not in everything
    assert "notes" not in catalog.doc_index, "a .docx in the folder is not a source file"
    for text in HIDDEN.values():
        assert text.strip() not in everything, "hidden files are not read"


def test_traversal_names_become_safe_ids_and_nothing_is_written_outside(ingested) -> None:
    from assistant.index import Index
    from assistant.ingest import doc_id_for

    _, settings, _, _, before, root = ingested
    catalog = Index.open(settings).catalog
    for doc_id in catalog.doc_index:  # a plain file name: no separators, never "." or ".." or hidden
        assert re.fullmatch(r"[A-Za-z0-9._-]+", doc_id) and not doc_id.startswith("."), doc_id
    assert {doc_id_for(Path(n)) for n in TRAVERSAL} <= set(catalog.doc_index)
    data = Path(settings.data_dir).resolve()
    for p in data.rglob("*"):
        assert p.resolve().is_relative_to(data)
    assert _tree(root) == before, "ingest wrote outside its data folder"
    names = sorted(os.listdir(data / "docs"))
    assert all("/" not in n and "\\" not in n for n in names)


def test_cli_reports_each_skipped_file_on_one_line(ingested, monkeypatch, capsys) -> None:
    """The same folder again through ``assistant ingest`` (in this process, so the model is loaded once)."""
    from assistant import cli
    from assistant.settings import get_settings

    folder, settings, _, expected, _, _ = ingested
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ASSISTANT_INGEST__MAX_FILE_BYTES", str(MAX_FILE_BYTES))
    get_settings.cache_clear()
    assert cli.main(["ingest", "--json", str(folder)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["added"] == [] and report["updated"] == [] and report["removed"] == []
    assert {Path(s["path"]).name for s in report["skipped"]} == set(expected)

    assert cli.main(["ingest", str(folder)]) == 0
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    skipped = [line for line in out.out.splitlines() if line.startswith("  skipped ")]
    assert len(skipped) == len(expected), out.out
    for name in expected:
        assert sum(name in line for line in skipped) == 1, name


def test_a_named_bad_file_is_bad_input_exit_2_with_one_line(ingested, capsys) -> None:
    from assistant import cli

    folder, _, _, expected, _, _ = ingested
    for name in ("truncated.pdf", "unknown-encryption.pdf", "binary.txt", "notes.docx", "outside-link.txt"):
        assert cli.main(["ingest", str(folder / name)]) == 2, name
        err = capsys.readouterr().err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
        assert name in err and (name not in expected or expected[name].lower() in err.lower()), err


@pytest.mark.timeout(300)
def test_pathological_files_ingest_in_linear_time(tmp_path: Path) -> None:
    """Files of 100 KB that once took minutes to hours (a masking or card regex rescanned them)."""
    from assistant.ingest import ingest

    folder = tmp_path / "odd"
    folder.mkdir()
    files = {
        "blank-lines.txt": "Yoga helped chronic neck pain." + "\n" * 100_000 + "Tai chi helped too.",
        "long-line.md": "Massage eased back pain." + " " * 100_000 + "Heat helped too.",
        "unclosed.html": "<p>Swimming eased back pain.</p>" + "<script>x " * 10_000,
        "brackets.md": "Pilates helped back pain. " + "[a" * 50_000,
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    started = time.process_time()
    report = ingest([folder], load_settings(data_dir=tmp_path / "data"), progress=False)
    assert sorted(report.added) == sorted(Path(n).stem for n in files), report.to_json()
    assert time.process_time() - started < 60, "ingest is not linear in the file's length"
