"""Answers over the real seed index: cited, exact, labelled, or a plain abstention."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from assistant import candidates
from assistant.compose import ABSTAIN_MESSAGE, ADVICE_NOTICE, ONLY_PROMOTIONAL
from assistant.errors import InputError
from assistant.label import combine
from assistant.terms import content_terms

# The three lines under "Training Included:" in the surgeon-led training post.
TRAINING_ITEMS = ("Didactic instruction and webinars", "Hands-on labs and model-based practice",
                  "Real-time mentorship on live cases")

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def _file_text(doc_id: str) -> str:
    return (ROOT / "corpus" / f"{doc_id}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("question, doc_prefix, fact", [
    ("What is interventional spine medicine?", "004", "minimally invasive"),
    ("How many patients were in the SI joint fusion trial?", "00", "276"),
    ("What is radiofrequency neurotomy?", "004", "heat"),
    ("How many providers are members of the Pacific Spine and Pain Society?", "003", "3,000"),
])
def test_an_answerable_question_gets_a_cited_answer(seed_assistant, question: str, doc_prefix: str, fact: str) -> None:
    ans = seed_assistant.ask(question)
    assert not ans.abstained and ans.label in {"evidence", "opinion", "marketing"}
    assert fact in ans.answer
    assert any(c.doc_id.startswith(doc_prefix) for c in ans.citations)


def test_every_marker_resolves_and_every_citation_matches_the_file(seed_assistant) -> None:
    for q in ["Why did the pain society object to the BMJ meta-analysis?", "What are the benefits of small-incision surgery?",
              "Who led the SI joint fusion trial?"]:
        ans = seed_assistant.ask(q)
        markers = {int(m) for m in re.findall(r"\[(\d+)\]", ans.answer)}
        assert markers == {c.n for c in ans.citations} and markers
        for c in ans.citations:
            assert _file_text(c.doc_id)[c.start : c.end] == c.text
            assert c.label in {"evidence", "opinion", "marketing"}


@pytest.mark.parametrize("question", [
    "Who won the 2022 FIFA World Cup?",
    "How many milligrams of gabapentin should I take for sciatica?",
    "How much does SI joint fusion cost?",
    "How much does a consultation with Dr. Richard Kim cost?",  # the corpus only says joining PSPS is free
    "How many mL of platelet-rich plasma should be injected into a torn shoulder?",
    "What is the capital of Australia?",
    "How much lidocaine is used before a facet joint injection?",  # a dose asked without the word 'dose'
    "What amount of corticosteroid is injected into the epidural space?",
])
def test_an_out_of_corpus_question_gets_a_plain_abstention(seed_assistant, question: str) -> None:
    ans = seed_assistant.ask(question)
    assert ans.abstained and ans.label is None and ans.citations == ()
    # "... should I take" asks about the asker's own care, which the reply says it does not advise on.
    assert ans.answer == (f"{ADVICE_NOTICE.split(' Here is')[0]} {ABSTAIN_MESSAGE}" if ans.personal_advice
                          else ABSTAIN_MESSAGE)
    assert ans.personal_advice is ("should I" in question)


@pytest.mark.parametrize("bad", ["", "   \n\t", "x" * 2001])
def test_an_empty_or_overlong_question_is_refused_with_a_reason(seed_assistant, bad: str) -> None:
    with pytest.raises(InputError, match="empty|limit"):
        seed_assistant.ask(bad)


def test_an_answer_resting_only_on_promotion_says_so(seed_assistant) -> None:
    ans = seed_assistant.ask("How do I request a consultation?")
    if all(c.label == "marketing" for c in ans.citations) and not ans.abstained:
        assert ans.answer.startswith(ONLY_PROMOTIONAL)
    else:
        assert ONLY_PROMOTIONAL not in ans.answer


def test_the_answer_label_follows_the_weight_and_ties_go_to_the_cautious_label() -> None:
    assert combine(["evidence", "opinion"], [3.0, 1.0]) == "evidence"
    assert combine(["evidence", "marketing"], [1.0, 1.0]) == "marketing"
    assert combine(["evidence", "opinion"], [1.0, 1.0]) == "opinion"


def test_the_answer_label_follows_the_sentences_that_answer_not_the_longest(seed_assistant) -> None:
    ans = seed_assistant.ask("In which journal and in what year was the Wang et al. meta-analysis on spine pain "
                             "procedures published?")
    answering = next(c for c in ans.citations if "2025" in c.text and "BMJ" in c.text)
    assert answering.label == "evidence"
    assert max(ans.citations, key=lambda c: len(c.text)).label != "evidence"  # a long statement of concern
    assert ans.label == "evidence"


def test_the_pipeline_runs_as_a_langchain_runnable(seed_assistant) -> None:
    ans = seed_assistant.as_chain().invoke("What is a discectomy?")
    assert "herniated disc" in ans.answer


def test_the_answer_stays_within_its_length_budget_and_cites_no_sentence_twice(seed_assistant) -> None:
    settings = seed_assistant.settings.answer
    for q in ["What are the benefits of minimally invasive spine surgery compared with open surgery?",
              "What did the structured training for the pain physicians include?"]:
        ans = seed_assistant.ask(q)
        # A list's items come with it and count as one sentence with it.
        catalog = seed_assistant.index.catalog
        cited = [next(i for i in range(len(catalog.s_clean)) if int(catalog.s_start[i]) == c.start
                      and catalog.docs[int(catalog.s_doc[i])]["doc_id"] == c.doc_id) for c in ans.citations]
        items = {j for i in cited if candidates.introduces_list(catalog, i) for j in candidates.list_items(catalog, i)}
        assert 1 <= len([i for i in cited if i not in items]) <= settings.max_sentences
        sentences = re.split(r" \[\d+\] ?", ans.answer.removeprefix(ONLY_PROMOTIONAL + " "))
        sentences = [s for s in sentences if s]
        assert len(sentences) == len(ans.citations)
        assert sum(map(len, sentences)) <= max(settings.max_answer_chars, len(sentences[0]))
        assert len({(c.doc_id, c.start) for c in ans.citations}) == len(ans.citations)


def test_the_shipped_ranker_matches_the_features_the_answer_stage_computes() -> None:
    import json

    from assistant.rank import RANKER_FEATURES, RANKER_PATH, Ranker, default_ranker

    shipped = json.loads(RANKER_PATH.read_text(encoding="utf-8"))
    assert tuple(shipped["features"]) == RANKER_FEATURES
    ranker = default_ranker()
    assert len(ranker.roots) > 1 and ranker.depth >= 1  # trees, walked all at once
    probabilities = ranker.probabilities(np.vstack([np.zeros(len(RANKER_FEATURES)), np.ones(len(RANKER_FEATURES))]))
    assert probabilities.shape == (2,) and ((0 < probabilities) & (probabilities < 1)).all()
    with pytest.raises(ValueError, match="retrain"):
        Ranker.from_dict({**shipped, "features": shipped["features"][:-1]})


def test_the_trained_ranker_can_be_chosen_and_still_answers_with_the_asked_fact(seed_assistant) -> None:
    from assistant.answer import ExtractiveGenerator

    q = "At what stage of a physician's series did most SIJ fusion complications occur?"
    qvec = seed_assistant.index.embedder.embed_one(q)
    passages = seed_assistant.retriever.run(q, qvec)
    catalog = seed_assistant.index.catalog
    ranked = ExtractiveGenerator(seed_assistant.settings.answer.model_copy(update={"ranker": "trained"}))
    assert ranked.ranker is not None
    ans = ranked.generate(q, qvec, passages, catalog)
    assert not ans.abstained and "early" in ans.answer.lower()
    assert {int(m) for m in re.findall(r"\[(\d+)\]", ans.answer)} == {c.n for c in ans.citations}


def test_a_where_question_is_answered_with_a_place(seed_assistant) -> None:
    ans = seed_assistant.ask("In what kind of facility did the IPM physicians perform the SIJ fusions?")
    assert not ans.abstained and "ambulatory surgery center" in ans.answer.lower()


def test_a_question_that_asks_for_an_example_is_answered_with_one(seed_assistant) -> None:
    ans = seed_assistant.ask("Why does the pain society say grouping diagnoses is a problem? Give an example.")
    assert not ans.abstained
    assert "For instance, a multilevel spinal fusion would not be recommended" in ans.answer


def test_a_list_is_its_lines_up_to_the_blank_line_that_ends_it(seed_assistant) -> None:
    from assistant.candidates import introduces_list, list_items

    catalog = seed_assistant.index.catalog

    def items_after(intro_start: str) -> list[str]:
        i = next(i for i, t in enumerate(catalog.s_clean) if t.startswith(intro_start))
        assert introduces_list(catalog, i)
        return [catalog.s_clean[j] for j in list_items(catalog, i)]

    assert items_after("The benefits of this type of surgery include") == [
        "Less pain", "Faster recovery", "Less risk of infection", "Less risk of complication", "Less blood loss",
        "Less reliance on post-operative pain medication"]  # the paragraph after the blank line is not an item
    procedures = items_after("When it comes to treating conditions like herniated discs")
    # Each item starts a line; an item's further sentences ("Sometimes the injections ...") are not items.
    assert [t.split(":")[0] for t in procedures] == ["Injections", "Radiofrequency neurotomy", "Discectomy"]


def test_a_list_without_blank_lines_ends_at_the_next_label_or_section_heading(seed_assistant) -> None:
    from assistant.candidates import list_items

    catalog = seed_assistant.index.catalog

    def items_after(label: str) -> list[str]:
        i = catalog.s_clean.index(label)
        return [catalog.s_clean[j] for j in list_items(catalog, i)]

    # The KIC Ventures post runs "Label:" lines and their items with no blank line between sections.
    assert items_after("Groups:") == ["Group 1: IPM physicians supervised by spine surgeons",
                                      "Group 2: IPM physicians supervised by non-surgeons (clinical specialists/device reps)"]
    assert items_after("Training Included:") == list(TRAINING_ITEMS)  # "Key Results" heads the next section


def test_a_list_of_names_keeps_its_title_case_items(tmp_path: Path) -> None:
    from assistant.candidates import list_items
    from assistant.ingest import ingest
    from assistant.pipeline import Assistant
    from assistant.settings import load_settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "clinic.txt").write_text(
        "Our Services\n\nThe clinic offers these treatments:\nEpidural Steroid Injections\nRadiofrequency Ablation\n"
        "Spinal Cord Stimulation\n\nEvery patient is seen by a board-certified physician.\n", encoding="utf-8")
    settings = load_settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    ingest([corpus], settings, progress=False)
    catalog = Assistant(settings).index.catalog
    intro = catalog.s_clean.index("The clinic offers these treatments:")
    assert [catalog.s_clean[j] for j in list_items(catalog, intro)] == [
        "Epidural Steroid Injections", "Radiofrequency Ablation", "Spinal Cord Stimulation"]


@pytest.mark.parametrize("question, items", [
    ("What did the structured training for the pain physicians include?",
     list(TRAINING_ITEMS)),
    ("What kinds of complications were seen in the SIJ fusion study?", ["implant placement, guidewire issues"]),
])
def test_a_short_label_is_scored_as_the_list_it_heads(seed_assistant, monkeypatch, question: str,
                                                     items: list[str]) -> None:
    ans = seed_assistant.ask(question)
    for item in items:
        assert item in ans.answer

    from assistant import candidates

    catalog = seed_assistant.index.catalog
    qvec = seed_assistant.index.embedder.embed_one(question)
    passages = seed_assistant.retriever.run(question, qvec)
    i = next(k for k in range(len(catalog.s_clean)) if catalog.s_clean[k].endswith(":")
             and candidates.labelled_list(catalog, k) and items[0] in catalog.s_clean[k + 1])  # "Training Included:"
    assert candidates.labelled_list(catalog, i)[0] == i

    def label_score() -> float:
        return next(s.score for s in candidates.score_sentences(question, qvec, passages, catalog) if s.index == i)

    as_list = label_score()
    monkeypatch.setattr(candidates, "_list_unit", lambda catalog, i: None)  # the rule off
    alone = label_score()
    assert as_list > 1.5 * alone, (as_list, alone)  # alone, its two words barely resemble the question


def test_a_chosen_list_introduction_brings_its_items(seed_assistant) -> None:
    ans = seed_assistant.ask("What are the benefits of minimally invasive spine surgery compared with open surgery?")
    assert "The benefits of this type of surgery include:" in ans.answer
    for item in ("Less pain", "Faster recovery", "Less risk of infection", "Less blood loss"):
        assert item in ans.answer


def test_a_reference_list_entry_answers_only_a_question_about_a_publication(seed_assistant) -> None:
    from assistant.candidates import in_references

    cat = seed_assistant.index.catalog
    why = seed_assistant.ask("Why did the pain society object to the BMJ meta-analysis?")
    cited = [cat.s_start.tolist().index(c.start) for c in why.citations]
    assert not any(in_references(cat, i) for i in cited), [c.text[:60] for c in why.citations]
    assert "author" in why.answer.lower()  # the authorship is what the society objected to

    where = seed_assistant.ask("In which journal and what year was the Wang network meta-analysis published?")
    entry = [c for c in where.citations if "2025 Feb 19" in c.text]
    assert entry and in_references(cat, cat.s_start.tolist().index(entry[0].start))


@pytest.mark.parametrize("text, is_name", [
    ("This all happened because of physicians like Charlie April, Rick Derby, the Saal brothers.", True),
    ("The trial was led by Dr. Chin.", True),
    ("A study was just published in The Spine Journal.", False),
    ("According to a study done by Mayo Clinic, back pain is common.", False),
    ("Group 2: IPM physicians supervised by non-surgeons", False),
])
def test_a_who_question_wants_a_persons_name_not_any_two_capitalised_words(seed_assistant, text: str,
                                                                           is_name: bool) -> None:
    from assistant.question import Question, has_wanted

    cat = seed_assistant.index.catalog
    q = Question.parse("Who pioneered interventional spine medicine?", cat)
    assert has_wanted(q, text, cat) is is_name


def test_a_sentence_that_writes_a_short_form_covers_a_question_that_spells_it_out(seed_assistant) -> None:
    from assistant.question import Question

    catalog = seed_assistant.index.catalog
    i = next(k for k, t in enumerate(catalog.s_clean) if "not qualified to practice IO" in t)
    q = Question.parse("Who is not qualified to practice interventional orthopedics?", catalog)
    assert q.coverage(catalog.s_terms_expanded[i]) > q.coverage(set(catalog.s_terms[i]))
    assert set(content_terms("interventional orthopedics")) <= catalog.s_terms_expanded[i]


def test_a_list_label_votes_on_the_answer_label_as_its_items_read(seed_assistant) -> None:
    # "Complications Seen:" alone reads as a bare claim (opinion); its items report the study's findings.
    from assistant.compose import _vote

    catalog = seed_assistant.index.catalog
    heading = next(i for i, t in enumerate(catalog.s_clean) if t == "Complications Seen:")
    assert catalog.s_label[heading] == "opinion"
    assert catalog.s_clean[heading + 1].startswith("Rare and related to technical errors")
    assert catalog.s_label[heading + 1] == "evidence"
    assert _vote(catalog, heading) == "evidence"
    ans = seed_assistant.ask("At what stage of a physician's series did most SIJ fusion complications occur?")
    assert "early" in ans.answer and ans.label == "evidence"


@pytest.mark.parametrize("question", ["Can you explain what happens in a discectomy?", "what's a discectomy"])
def test_an_answer_follows_its_paragraph_for_two_sentences(seed_assistant, question: str) -> None:
    # "Discectomy: This procedure removes ... Doing so relieves ... With interventional medicine,
    # this procedure can be performed using very small incisions ..." is one bullet.
    ans = seed_assistant.ask(question)
    assert "removes all or part of a bulging or herniated disc" in ans.answer
    assert "very small incisions" in ans.answer


@pytest.mark.parametrize("question", [
    "What did the structured training for the IPM physicians consist of?",
    "What did the structured surgeon-led training for pain physicians actually include?",
])
def test_a_question_about_parts_is_answered_by_the_list_its_label_names(seed_assistant, question: str) -> None:
    # "Training Included:" heads three short lines that share few words with either phrasing; the
    # chunk that holds them is not among the passages retrieved for the second one.
    ans = seed_assistant.ask(question)
    for item in TRAINING_ITEMS:
        assert item in ans.answer


def test_a_question_about_parts_reads_its_verb_as_include(seed_assistant) -> None:
    from assistant.question import Question

    catalog = seed_assistant.index.catalog
    q = Question.parse("What does the programme consist of?", catalog)
    assert "includ" in q.terms and not any(t.endswith("consist") for t in q.terms)
    assert "includ" not in Question.parse("Is the training consistent?", catalog).terms


def test_a_sentence_outside_the_passages_that_covers_the_questions_rare_words_can_answer(seed_assistant) -> None:
    # "You're not qualified to practice IO, but you sure could be with the proper training" sits in a
    # chunk that neither dense nor BM25 ranks highly for this wording.
    question = "Does the Regenexx author think interventional spine physicians are qualified to practice interventional orthopedics?"
    catalog = seed_assistant.index.catalog
    qvec = seed_assistant.index.embedder.embed_one(question)
    passages = seed_assistant.retriever.run(question, qvec)
    target = next(i for i, c in enumerate(catalog.s_clean) if "not qualified to practice IO" in c)
    in_passages = {catalog.docs[catalog.doc_index[p.chunk.doc_id]]["sent_lo"] + k
                   for p in passages for k in range(*p.chunk.sentences)}
    assert target not in in_passages
    assert "proper training" in seed_assistant.ask(question).answer


def test_the_term_index_lists_exactly_the_sentences_that_hold_each_word(seed_assistant) -> None:
    catalog = seed_assistant.index.catalog
    for term in ("qualifi", "discectomi", "webinar"):
        assert catalog.term_sentences[term] == [i for i, t in enumerate(catalog.s_terms_expanded) if term in t]


@pytest.mark.parametrize("question, asks_name", [
    ("Who led the randomized trial?", True),
    ("What were the two groups, and who supervised Group 2?", True),
    ("By whom was the statement written?", True),
    ("Which doctors does the blog credit?", True),
    ("What did PSPS say about the people who wrote the BMJ meta-analysis?", False),
    ("Did the pain doctors who had a spine surgeon supervising them have complications?", False),
    ("What was the complaint about who wrote the meta-analysis?", False),
])
def test_who_asks_for_a_name_only_where_it_opens_a_question_or_clause(seed_assistant, question: str,
                                                                      asks_name: bool) -> None:
    from assistant.question import _HAS_NAME, Question

    assert (Question.parse(question, seed_assistant.index.catalog).wants is _HAS_NAME) is asks_name


def test_an_everyday_word_the_corpus_never_uses_is_read_as_its_counterpart(seed_assistant) -> None:
    from assistant.question import Question

    catalog = seed_assistant.index.catalog
    assert "author" in Question.parse("Who wrote the BMJ meta-analysis?", catalog).terms
    assert "benefit" in Question.parse("What are the upsides of minimally invasive surgery?", catalog).terms
    # A word the corpus does use keeps its own meaning.
    assert "practic" in Question.parse("Who can practice it?", catalog).terms
    assert not any(t.startswith("?") for t in Question.parse("What are the advantages of it?", catalog).terms)


@pytest.mark.xfail(strict=True, reason="the trained ranker leads with the society's call to join (measured at this "
                   "release); the candidate stage still scores the sentence in its title's context")
def test_a_sentence_is_read_in_its_documents_context(seed_assistant) -> None:
    # "The authors of the study were not interventional pain specialists" names neither PSPS nor the
    # BMJ meta-analysis; its document's title does.
    ans = seed_assistant.ask("What did PSPS say about the people who wrote the BMJ meta-analysis on spine pain procedures?")
    assert "not interventional pain specialists" in ans.answer


def test_a_list_whose_label_the_question_names_answers_it(seed_assistant) -> None:
    # "Groups:" heads "Group 1: IPM physicians supervised by spine surgeons" and "Group 2: ...".
    ans = seed_assistant.ask("what were the 2 groups compared in the surgeon led training study")
    assert "Group 1: IPM physicians supervised by spine surgeons" in ans.answer
    assert "Group 2: IPM physicians supervised by non-surgeons" in ans.answer


def test_a_question_about_what_kind_of_thing_is_about_parts_and_an_included_list_answers_it(seed_assistant) -> None:
    from assistant.question import _HAS_PARTS, Question

    question = "What kind of training did the pain physicians receive?"
    assert Question.parse(question, seed_assistant.index.catalog).wants is _HAS_PARTS
    ans = seed_assistant.ask(question)
    for item in TRAINING_ITEMS:
        assert item in ans.answer


@pytest.mark.parametrize("question, wants", [
    ("When did the blog author start doing stem cell work?", "year"),
    ("When complications did happen after these fusions, what usually caused them?", None),
    ("What happened next, and when did he start?", "year"),
    ("Did they operate in hospitals, or somewhere else?", "place"),
])
def test_when_asks_for_a_time_and_somewhere_for_a_place_only_as_the_question(seed_assistant, question: str,
                                                                             wants: str | None) -> None:
    from assistant.question import _HAS_PLACE, _HAS_YEAR, Question

    got = Question.parse(question, seed_assistant.index.catalog).wants
    assert got is {"year": _HAS_YEAR, "place": _HAS_PLACE, None: None}[wants]


@pytest.mark.parametrize("question, parts", [
    ("who led the SIJ fusion trial and what journal was it in?", ["who led the SIJ fusion trial", "what journal was it in?"]),
    ("Who led the trial, and which journal published it?", ["Who led the trial", "which journal published it?"]),
    ("When complications did happen, what usually caused them?", []),
    ("What is a discectomy?", []),
    ("Physical therapy and what it does for back pain", []),
])
def test_a_question_that_joins_questions_with_and_is_read_as_its_parts(question: str, parts: list[str]) -> None:
    from assistant.question import question_parts

    assert question_parts(question) == parts


def test_each_part_of_a_two_part_question_gets_its_answer(seed_assistant) -> None:
    # Alone, the question's vector finds who led the trial, and the journal is left out.
    ans = seed_assistant.ask("Who was the lead investigator on the multicenter SIJ fusion trial, and which journal published it?")
    assert "Kingsley R. Chin" in ans.answer and "The Spine Journal" in ans.answer
    assert sum(map(len, re.split(r" \[\d+\] ?", ans.answer))) <= seed_assistant.settings.answer.max_answer_chars


def test_a_quote_is_read_as_said_by_the_person_its_attribution_line_names(seed_assistant) -> None:
    from assistant.candidates import _speaker_terms

    catalog = seed_assistant.index.catalog
    quoted = [i for i, c in enumerate(catalog.s_clean) if "new training paradigm" in c or "more essential than ever" in c]
    assert quoted and all({"kingsley", "chin"} <= _speaker_terms(catalog, i) for i in quoted)
    plain = next(i for i, c in enumerate(catalog.s_clean) if c.startswith("The multicenter, randomized controlled trial"))
    assert _speaker_terms(catalog, plain) == frozenset()
    ans = seed_assistant.ask("What does Dr Kingsley Chin himself say the study means for surgeon-led education?")
    lead = ans.citations[0]
    assert any(int(catalog.s_start[i]) == lead.start for i in quoted)  # the lead is one of his quoted sentences


def test_a_group_asked_about_by_its_description_is_found_by_its_name(seed_assistant) -> None:
    # "Group 1 achieved zero complications and zero revision surgeries." under "Group 1: IPM
    # physicians supervised by spine surgeons".
    ans = seed_assistant.ask("How did the pain physicians who were supervised by spine surgeons fare on complications?")
    assert "Group 1 achieved zero complications" in ans.answer


def test_a_how_many_question_finds_the_count_of_what_it_counts(seed_assistant) -> None:
    from assistant.question import Question

    catalog = seed_assistant.index.catalog
    q = Question.parse("How many interventional pain physicians were involved in the study?", catalog)
    assert q.counts is not None and q.counts.search("Design: 276 patients, 47 IPM physicians, multiple sites")
    assert not q.counts.search("Interventional pain physicians achieved low complication (3.3%) rates")
    assert Question.parse("What is a discectomy?", catalog).counts is None
    # The line that gives the count is in a chunk neither retriever ranks highly for this wording.
    ans = seed_assistant.ask("How many interventional pain physicians were involved in the surgeon-led SI joint fusion study?")
    assert "47 IPM physicians" in ans.answer


def test_a_where_question_considers_the_nearest_sentences_that_name_a_place(seed_assistant) -> None:
    # "IPM physicians performed these procedures in ambulatory surgery centers ..." is in a chunk
    # neither retriever ranks highly for this wording, and shares few of its words.
    ans = seed_assistant.ask("Were the pain doctors in that SI joint fusion trial doing the operations in hospitals, or somewhere else?")
    assert "ambulatory surgery centers" in ans.answer


@pytest.mark.parametrize("question", [
    "How many randomized trials were included in the BMJ network meta-analysis of spine procedures?",
    "What percentage of patients get lasting relief from radiofrequency neurotomy?",
])
def test_a_count_the_corpus_does_not_state_is_an_abstention_not_another_number(seed_assistant, question: str) -> None:
    ans = seed_assistant.ask(question)
    assert ans.abstained and not ans.citations


@pytest.mark.parametrize("question, number", [
    ("How many providers belong to the Pacific Spine and Pain Society?", "3,000"),
    ("how many ppl were in the SI joint fusion trial by the pain doctors?", "276"),
])
def test_a_count_the_corpus_states_is_still_answered(seed_assistant, question: str, number: str) -> None:
    ans = seed_assistant.ask(question)
    assert not ans.abstained and number in ans.answer
