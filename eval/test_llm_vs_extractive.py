"""Score the model-written generator beside the extractive one, on the same dev questions and metrics.

The "model" is the scripted loopback server (tests/scripted_llm_server.py) acting as a diligent but
fallible writer: it restates the gold sentences it finds among the passages it is shown, citing
them by number, and every third answer carries one fabricated sentence (a citation to a passage that
does not exist, a claim no passage makes, a changed number, or a sentence with no citation). The
verification must remove every fabrication and keep every citation exact; key-fact recall, citation
integrity, ALCE citation recall/precision and abstention are reported for both generators in
``eval/out/llm_vs_extractive.json``.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import pytest

from assistant.metrics import (
    abstention_scores,
    alce_citation_scores,
    citation_integrity,
    cited_sentences,
    key_fact_recall,
    read_source,
    split_sentences,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the scripted server lives with the tests

from scripted_llm_server import Reply, ScriptedLLMServer, prompt_documents, prompt_question  # noqa: E402

DATA = ROOT / "eval" / "data"
CORPUS = ROOT / "corpus"
OUT = ROOT / "eval" / "out"
FABRICATE_EVERY = 3
KINDS = ("fabricated_citation", "unsupported", "changed_number", "no_citation")


def _load(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _change_number(sentence: str) -> str | None:
    m = re.search(r"\d+(?:\.\d+)?", sentence)
    if not m:
        return None
    value = m.group(0)
    new = str(int(value) + 7) if value.isdigit() else f"{float(value) + 7:.1f}"
    return sentence[: m.start()] + new + sentence[m.end():]


def _words(text: str) -> str:
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


GUESS = "Most patients were completely pain-free within two weeks of treatment"


class WriterScript:
    """Answers each dev question from the gold sentences found in the prompt, fabricating now and then.

    A gold sentence is restated as the prompt shows it (markup gone); a question whose gold sentences
    were not retrieved gets NOT IN DOCUMENTS; an unanswerable question gets a confident guess.
    """

    def __init__(self, items: list[dict]) -> None:
        self.items = {_flat(q["question"]): q for q in items}
        self.fabricated: dict[str, tuple[str, str]] = {}  # question -> (kind, fabricated sentence)
        self.calls = 0
        self.kinds: dict[str, int] = {}

    def __call__(self, request: dict) -> Reply:
        question = _flat(prompt_question(request)).replace("&lt;", "<").replace("&amp;", "&")
        item = self.items.get(question)
        docs = {n: _words(text) for n, text in prompt_documents(request).items()}
        if item is None:
            guess = f"{GUESS} [1]."
            self.fabricated[question] = ("unanswerable_guess", guess)
            return Reply(guess)
        said: list[tuple[str, str, int]] = []  # (as written, bare sentence, document id)
        used: list[str] = []
        for span in item["gold_spans"] + item.get("alt_spans", []):
            text = _flat(re.sub(r"[*_`#]+", "", read_source(CORPUS / f"{span['doc_id']}.txt")[span["start"]:span["end"]]))
            n = next((n for n, body in sorted(docs.items()) if _words(text) in body), 0)
            if n and text not in used:
                used.append(text)
                # A span may hold several sentences (a reference entry); each one gets its marker.
                said += [(f"{s.rstrip('.')} [{n}].", s, n) for s in split_sentences(text)]
            if len(used) == len(item["gold_spans"]):
                break
        if not said:
            return Reply("NOT IN DOCUMENTS")
        self.calls += 1
        reply = [s for s, _, _ in said]
        if self.calls % FABRICATE_EVERY == 0:
            first = said[0][2]
            numbered = [(_change_number(s), n) for _, s, n in said if _change_number(s)]
            # The kind used least so far that this answer allows (a changed number needs a number).
            kind = min((k for k in KINDS if k != "changed_number" or numbered),
                       key=lambda k: (self.kinds.get(k, 0), KINDS.index(k)))
            self.kinds[kind] = self.kinds.get(kind, 0) + 1
            fake = {
                "fabricated_citation": f"The same study found that most patients were pain-free after a year "
                                       f"[{len(docs) + 4}].",
                "unsupported": f"{GUESS} [{first}].",
                "changed_number": f"{numbered[0][0].rstrip('.')} [{numbered[0][1]}]." if numbered else "",
                "no_citation": "Patients should always get a second opinion before any spine procedure.",
            }[kind]
            reply.append(fake)
            self.fabricated[question] = (kind, fake)
        return Reply(" ".join(reply))


@pytest.fixture(scope="module")
def dev_assistant(request, tmp_path_factory):
    """The extractive pipeline over the seed corpus: the eval harness's cached index, else one built here."""
    try:
        return request.getfixturevalue("dev_run").assistant("hybrid")
    except pytest.FixtureLookupError:
        from assistant.ingest import ingest
        from assistant.pipeline import Assistant
        from assistant.settings import load_settings

        settings = load_settings(data_dir=tmp_path_factory.mktemp("llm-eval-index"), corpus_dir=CORPUS)
        assert not ingest([CORPUS], settings, progress=False).skipped
        return Assistant(settings)


def _score(answers: list, items: list[dict], supports) -> dict:
    def file_text(doc_id: str) -> str:
        return read_source(CORPUS / f"{doc_id}.txt")

    recall, integrity, alce_r, alce_p, removed = [], [], [], [], 0
    for ans, item in zip(answers, items):
        recall.append(key_fact_recall(ans.answer, item["key_facts"]))
        check = citation_integrity(ans.answer, [c.to_json() for c in ans.citations], file_text)
        integrity.append(not check["problems"] and not check["unused"])
        removed += len(ans.removed)
        if not ans.abstained:
            from assistant.compose import ONLY_PROMOTIONAL

            alce = alce_citation_scores(cited_sentences(ans.answer, [ONLY_PROMOTIONAL]),
                                        {c.n: c.text for c in ans.citations}, supports)
            alce_r.append(alce["recall"])
            alce_p.append(alce["precision"])
    n = len(items)
    return {"questions": n, "key_fact_recall": sum(recall) / n, "citation_integrity": sum(integrity) / n,
            "alce_citation_recall": sum(alce_r) / max(len(alce_r), 1),
            "alce_citation_precision": sum(alce_p) / max(len(alce_p), 1),
            "answered": sum(not a.abstained for a in answers), "removed_sentences": removed}


@pytest.mark.slow
def test_llm_generator_beside_extractive(dev_assistant) -> None:
    from assistant.generate_llm import FALLBACK, LLMGenerator, support_scorer
    from assistant.settings import LLMSettings

    items, unanswerable = _load("questions_dev.jsonl"), _load("unanswerable_dev.jsonl")
    script = WriterScript(items)
    extractive = dev_assistant
    with ScriptedLLMServer(script) as server:
        llm = LLMGenerator(extractive.settings.answer, LLMSettings(base_url=server.url, model=server.model, timeout_s=60))

        def ask_llm(question: str):
            qvec = extractive.index.embedder.embed_one(question)
            passages = extractive.retriever.run(question, qvec)
            return llm.generate(question, qvec, passages, extractive.index.catalog)

        questions = [q["question"] for q in items + unanswerable]
        t0 = time.perf_counter()
        ext_all = [extractive.ask(q) for q in questions]
        t1 = time.perf_counter()
        llm_all = [ask_llm(q) for q in questions]
        t2 = time.perf_counter()

    n = len(items)
    supports = support_scorer().supports
    report = {"extractive": _score(ext_all[:n], items, supports), "llm": _score(llm_all[:n], items, supports)}
    flags = [True] * n + [False] * len(unanswerable)
    for name, answers, seconds in (("extractive", ext_all, t1 - t0), ("llm", llm_all, t2 - t1)):
        report[name]["abstention"] = abstention_scores([a.abstained for a in answers], flags)
        report[name]["seconds_per_question"] = round(seconds / len(answers), 3)

    caught: dict[str, int] = {}
    missed, honest_removed = [], []
    for question, ans in zip(questions, llm_all):
        kind, fake = script.fabricated.get(_flat(question), ("", ""))
        if fake:
            caught[kind] = caught.get(kind, 0) + 1
            bare = _flat(re.sub(r"\s*\[\d+\]", "", fake)).rstrip(".")
            if bare in ans.answer or not any(bare in r["sentence"] for r in ans.removed):
                missed.append((question, kind, fake, ans.answer))
        honest_removed += [(question, r) for r in ans.removed if r["sentence"] != fake]
    report["llm"].update({
        "fabricated": sum(caught.values()), "fabrications_removed": sum(caught.values()) - len(missed),
        "fabrications_by_kind": caught, "true_sentences_removed": len(honest_removed),
        "fallbacks": sum(a.generator == FALLBACK for a in llm_all),
        "model_said_not_found": sum(a.abstained and a.generator == "llm" for a in llm_all[:n]),
        "support_scorer": type(support_scorer()).__module__ + "." + type(support_scorer()).__name__,
    })
    OUT.mkdir(exist_ok=True)
    (OUT / "llm_vs_extractive.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    harness_report = sys.modules.get("report")  # the eval harness's report, when its conftest loaded it
    if harness_report is not None and hasattr(harness_report, "record"):
        for name in ("extractive", "llm"):
            harness_report.record("llm_generator", name, report[name])
    print("\n" + json.dumps(report, indent=1))

    assert report["llm"]["citation_integrity"] == 1.0 and report["extractive"]["citation_integrity"] == 1.0
    assert caught and not missed, missed
    # A confident guess on an unanswerable question is removed, so the LLM abstains wherever extractive does.
    assert [a.abstained for a in llm_all[n:]] == [a.abstained for a in ext_all[n:]]
    # The scripted writer restates gold sentences, so verification should remove almost none of them.
    assert len(honest_removed) <= 0.05 * n, honest_removed
