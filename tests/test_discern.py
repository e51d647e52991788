"""DISCERN balance items on source cards, against gold written by an independent annotator before the code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.discern import ITEMS, balance_items, balance_warning
from assistant.records import Span

ROOT = Path(__file__).resolve().parents[1]
GOLD = [json.loads(line) for line in (ROOT / "tests" / "fixtures" / "discern" / "gold.jsonl").read_text(
    encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def cards(seed_settings) -> dict[str, dict[str, Any]]:
    from assistant.index import Index

    return {d["doc_id"]: d["card"] for d in Index.open(seed_settings).catalog.docs}


def test_the_gold_covers_every_item_of_every_seed_document() -> None:
    assert len(GOLD) == 30 and {(g["doc_id"], g["item"]) for g in GOLD} == {
        (d, i) for d in {g["doc_id"] for g in GOLD} for i in ITEMS}


@pytest.mark.parametrize("gold", GOLD, ids=[f"{g['doc_id'][:3]}-{g['item']}" for g in GOLD])
def test_each_balance_item_matches_the_hand_check(cards, gold: dict[str, Any]) -> None:
    item = cards[gold["doc_id"]]["balance"][gold["item"]]
    assert item["present"] == (gold["answer"] == "yes"), (gold["note"], item["passages"][:1])
    assert bool(item["passages"]) == item["present"] and bool(item["note"]) != item["present"]


def test_every_balance_passage_is_the_files_text_at_its_offsets(cards) -> None:
    checked = 0
    for doc_id, card in cards.items():
        text = (ROOT / "corpus" / f"{doc_id}.txt").read_text(encoding="utf-8")
        for item in card["balance"].values():
            for p in item["passages"]:
                assert text[p["start"]:p["end"]] == p["text"]
                checked += 1
    assert checked >= 15


def test_a_page_that_lists_benefits_and_no_risks_says_so(cards) -> None:
    clinic = cards["004_f4c8e879eecea6ab"]
    assert clinic["balance_warning"] == "This page describes benefits of treatment but names no risks."
    # The society's statement and the trial posts name risks (complication rates, opioid risks): no warning.
    assert cards["003_42a00124516789bb"]["balance_warning"] == ""
    assert cards["000_184621efc1d6966c"]["balance_warning"] == ""


def _spans(*sentences: str) -> list[Span]:
    out, at = [], 0
    for s in sentences:
        out.append(Span(start=at, end=at + len(s), text=s, clean=s))
        at += len(s) + 1
    return out


def test_less_risk_of_infection_in_a_list_of_selling_points_is_a_benefit_not_a_risk() -> None:
    items = balance_items(_spans("The benefits of this type of surgery include less pain.", "Less risk of infection.",
                                 "Less risk of complication."), [False] * 3)
    assert items["benefits"]["present"] and not items["risks"]["present"]
    assert balance_warning(items) == "This page describes benefits of treatment but names no risks."


def test_a_stated_complication_rate_is_a_risk_described() -> None:
    items = balance_items(_spans("Fusion by trained pain physicians had a 3.3% complication rate."), [False])
    assert items["risks"]["present"] and items["risks"]["passages"][0]["start"] == 0


def test_headings_and_reference_lists_never_show_an_item() -> None:
    items = balance_items(_spans("Risks and benefits of epidural steroid injections"), [True])
    assert not any(v["present"] for v in items.values())
