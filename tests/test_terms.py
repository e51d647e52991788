"""Content words and the short forms a document defines."""

from __future__ import annotations

from assistant.terms import (
    abbreviations,
    content_terms,
    long_form_terms,
    named_item_terms,
    named_items,
    scoped_abbreviations,
)


def test_a_bracketed_short_form_is_read_as_the_words_it_abbreviates() -> None:
    text = ("A trial of sacroiliac joint (SIJ) fusion by interventional pain management (IPM) physicians. "
            "Interventional orthopedics (IO) is new. The American Society of Interventional Pain Physicians "
            "(ASIPP) replied. Epidural steroid injections (ESIs) were given.")
    assert abbreviations(text) == {
        "SIJ": "sacroiliac joint",
        "IPM": "interventional pain management",
        "IO": "Interventional orthopedics",
        "ASIPP": "American Society of Interventional Pain Physicians",
        "ESI": "Epidural steroid injections",
    }


def test_a_bracketed_word_that_does_not_spell_the_words_before_it_is_not_a_definition() -> None:
    assert abbreviations("Centre for Reviews and Dissemination (UK), University of York (UK).") == {}
    assert abbreviations("The results (NS) were shown (see Table 2).") == {}


def test_a_short_form_reads_the_same_elsewhere_only_when_every_definition_agrees() -> None:
    own = [{"IPM": "interventional pain management"}, {}, {"PT": "physical therapy"}, {"PT": "prothrombin time"}]
    scoped = scoped_abbreviations(own)
    assert scoped[1] == {"IPM": "interventional pain management"}  # used undefined in the second text
    assert scoped[2]["PT"] == "physical therapy" and scoped[3]["PT"] == "prothrombin time"
    assert "PT" not in scoped[0] and "PT" not in scoped[1]  # two meanings: left to the texts that define it


def test_a_sentence_using_a_short_form_gains_the_long_forms_words() -> None:
    extra = long_form_terms(["You're not qualified to practice IO.", "Most IPMs agree.", "IOWA is a state."],
                            {"IO": "interventional orthopedics", "IPM": "interventional pain management"})
    assert extra[0] == set(content_terms("interventional orthopedics"))
    assert extra[1] == set(content_terms("interventional pain management"))  # a plural short form
    assert extra[2] == set()  # only whole words


def test_a_line_that_names_a_group_by_what_it_is_defines_the_name() -> None:
    text = ("Groups:\nGroup 1: IPM physicians supervised by spine surgeons\n"
            "  • Arm B: usual care\nGroup 1: a second description is ignored\n"
            "Safety: Group 1 achieved zero complications.\nTraining Included: webinars\n")
    assert named_items(text) == {"Group 1": "IPM physicians supervised by spine surgeons", "Arm B": "usual care"}


def test_a_sentence_that_mentions_a_named_group_gains_its_descriptions_words() -> None:
    names = {"Group 1": "IPM physicians supervised by spine surgeons", "Group 12": "usual care"}
    extra = named_item_terms(["Group 1 achieved zero complications.", "Group 1: IPM physicians supervised by spine surgeons",
                              "Group 12 did well.", "No group here."], names)
    assert extra[0] == set(content_terms("IPM physicians supervised by spine surgeons"))
    assert extra[1] == set()  # the definition itself
    assert extra[2] == set(content_terms("usual care"))  # "Group 12" is not "Group 1"
    assert extra[3] == set()
    assert named_item_terms(["Group 1 did well."], {}) == [set()]
