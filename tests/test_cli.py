"""The CLI's JSON contract and its exit codes, through a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CITATION_KEYS = {"n", "doc_id", "title", "publisher", "label", "text", "start", "end", "score"}


def run(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    e = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", **env}
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=e, capture_output=True,
                          text=True, timeout=300)


def test_ask_json_prints_one_object_per_question_in_the_stable_shape(seed_settings) -> None:
    qs = ["What is radiofrequency neurotomy?", "Who won the 2022 FIFA World Cup?"]
    out = run(["ask", "--json", *qs], seed_settings.data_dir)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [o["question"] for o in lines] == qs
    answered, abstained = lines
    assert {"question", "answer", "label", "abstained", "citations"} <= set(answered)
    assert answered["abstained"] is False and answered["label"] in {"evidence", "opinion", "marketing"}
    for c in answered["citations"]:
        assert CITATION_KEYS <= set(c)
        text = (ROOT / "corpus" / f"{c['doc_id']}.txt").read_text(encoding="utf-8")
        assert text[c["start"] : c["end"]] == c["text"]
    assert abstained["abstained"] is True and abstained["label"] is None and abstained["citations"] == []


def test_readable_text_without_json(seed_settings) -> None:
    out = run(["ask", "What is a discectomy?"], seed_settings.data_dir)
    assert out.returncode == 0 and "Sources:" in out.stdout and "[1]" in out.stdout


@pytest.mark.parametrize("args, message", [
    (["ask", ""], "empty"),
    (["ask", "x" * 5000], "limit"),
])
def test_bad_questions_exit_2_with_one_line(seed_settings, args: list[str], message: str) -> None:
    out = run(args, seed_settings.data_dir)
    assert out.returncode == 2 and out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1 and message in out.stderr


def test_a_missing_data_folder_exits_2_and_says_how_to_build_it(tmp_path: Path) -> None:
    out = run(["ask", "What is a discectomy?"], tmp_path / "nowhere")
    assert out.returncode == 2 and "assistant ingest" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_an_unreadable_file_exits_2_with_the_reason(tmp_path: Path) -> None:
    bad = tmp_path / "secret.txt"
    bad.write_text("Spine text.", encoding="utf-8")
    bad.chmod(0)
    if os.access(bad, os.R_OK):  # root reads anything; use a file type the reader refuses instead
        bad = tmp_path / "scan.docx"
        bad.write_bytes(b"PK\x03\x04")
    out = run(["ingest", str(bad)], tmp_path / "data")
    assert out.returncode == 2, out.stdout + out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and bad.name in out.stderr


def test_answers_do_not_depend_on_the_processs_hash_seed(seed_settings) -> None:
    # Two questions whose answers once changed with PYTHONHASHSEED: float sums over word sets were taken
    # in set order, and a last-bit difference flipped which sentence led.
    qs = ["Why can't readers be sure the procedures in the meta-analysis were done correctly?",
          "Where were the SIJ fusions in the Chin trial performed, and can minimally invasive spine surgery be "
          "done as an outpatient procedure?"]
    outs = [run(["ask", "--json", *qs], seed_settings.data_dir, PYTHONHASHSEED=seed) for seed in ("1", "2", "3")]
    assert all(o.returncode == 0 for o in outs), [o.stderr for o in outs]
    assert outs[0].stdout == outs[1].stdout == outs[2].stdout
