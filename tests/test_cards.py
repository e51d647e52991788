"""Source cards, built at ingest from each document's own text, against the real seed corpus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from assistant.cards import build_card, format_card

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
ITEMS = {"publisher", "publisher_kind", "author_named", "references", "disclosure", "date",
         "advertising_separated"}
KIC_1, KIC_2, REGENEXX, PSPS, CLINIC = (
    "000_184621efc1d6966c", "001_22418759c7d07ec6", "002_4016c896fbf06287", "003_42a00124516789bb",
    "004_f4c8e879eecea6ab")


@pytest.fixture(scope="module")
def cards(seed_settings) -> dict[str, dict[str, Any]]:
    from assistant.index import Index

    return {d["doc_id"]: d["card"] for d in Index.open(seed_settings).catalog.docs}


def _text(doc_id: str) -> str:
    return (CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8")


def _passages(card: dict[str, Any]) -> list[dict[str, Any]]:
    found = [item["passage"] for item in card["items"].values() if item.get("passage")]
    coi = card["conflict_of_interest"]
    return found + [coi[k] for k in ("passage", "reports_on", "related") if coi.get(k)]


pytestmark = pytest.mark.slow


def test_one_card_per_document_with_every_item(cards) -> None:
    assert set(cards) == {KIC_1, KIC_2, REGENEXX, PSPS, CLINIC}
    for doc_id, card in cards.items():
        assert card["card_id"] == f"card:{doc_id}"
        assert set(card["items"]) == ITEMS
        assert abs(sum(card["label_share"].values()) - 1) < 0.01
        assert isinstance(card["conflict_of_interest"]["flag"], bool) and card["conflict_of_interest"]["note"]


def test_every_passage_is_an_exact_span_of_the_document(cards) -> None:
    for doc_id, card in cards.items():
        text = _text(doc_id)
        for p in _passages(card):
            assert text[p["start"] : p["end"]] == p["text"], (doc_id, p)


def test_publisher_and_kind_come_with_the_passage_that_shows_them(cards) -> None:
    assert cards[REGENEXX]["publisher"] == "Regenexx" and cards[REGENEXX]["publisher_kind"] == "clinic"
    assert "Regenexx" in cards[REGENEXX]["items"]["publisher"]["passage"]["text"]
    assert "KIC Ventures" in cards[KIC_1]["items"]["publisher"]["passage"]["text"]
    assert "Pacific Spine and Pain Society" in cards[PSPS]["items"]["publisher"]["passage"]["text"]
    assert cards[CLINIC]["items"]["publisher"]["present"] is False  # the clinic page never names itself
    assert "consultation" in cards[CLINIC]["items"]["publisher_kind"]["passage"]["text"]


def test_author_is_named_only_where_the_text_names_one(cards) -> None:
    assert cards[KIC_1]["items"]["author_named"]["passage"]["text"] == "Anshul Jain"
    assert cards[CLINIC]["items"]["author_named"]["present"] is True
    regenexx = cards[REGENEXX]["items"]["author_named"]
    assert regenexx["present"] is False and regenexx["passage"]["text"].startswith("By")  # an empty byline
    assert cards[PSPS]["items"]["author_named"]["present"] is False


def test_references_dates_disclosures_and_advertising(cards) -> None:
    refs = cards[PSPS]["items"]["references"]
    assert refs["present"] and refs["count"] >= 3 and "(1)" in refs["passage"]["text"]
    assert cards[REGENEXX]["items"]["references"]["present"] is False
    assert "Mayo Clinic" in cards[CLINIC]["items"]["references"]["passage"]["text"]
    # None of the five is dated (a copyright year and the cited papers' dates do not count), none discloses.
    assert not any(c["items"]["date"]["present"] for c in cards.values())
    assert not any(c["items"]["disclosure"]["present"] for c in cards.values())
    assert cards[REGENEXX]["items"]["advertising_separated"]["present"] is False
    assert cards[KIC_2]["items"]["advertising_separated"]["present"] is True


def test_label_shares_follow_the_documents(cards) -> None:
    assert cards[REGENEXX]["label_share"]["opinion"] > 0.6
    assert cards[CLINIC]["label_share"]["marketing"] > 0.25
    assert cards[KIC_1]["label_share"]["evidence"] > 0.3


def test_conflict_of_interest_is_flagged_only_where_the_text_shows_it(cards) -> None:
    regenexx = cards[REGENEXX]["conflict_of_interest"]
    assert regenexx["flag"] is True
    assert "Stem Cell" in regenexx["passage"]["text"] and "stem cells" in regenexx["reports_on"]["text"]
    clinic = cards[CLINIC]["conflict_of_interest"]
    assert clinic["flag"] is True and "consultation" in clinic["passage"]["text"]
    # KIC Ventures' posts name a branded implant and the trial's lead, but never say who sells it.
    for doc_id in (KIC_1, KIC_2):
        assert cards[doc_id]["conflict_of_interest"]["flag"] is False
    assert "Sacrix®" in cards[KIC_1]["conflict_of_interest"]["related"]["text"]
    # A medical society advocating for its members is not a seller.
    assert cards[PSPS]["conflict_of_interest"]["flag"] is False


def _run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_sources_cli_prints_the_cards(seed_settings, cards) -> None:
    out = _run(["sources", "--json"], seed_settings.data_dir)
    assert out.returncode == 0, out.stderr
    printed = [json.loads(line) for line in out.stdout.splitlines()]
    assert {c["card_id"] for c in printed} == {c["card_id"] for c in cards.values()}
    text = _run(["sources"], seed_settings.data_dir)
    assert text.returncode == 0, text.stderr
    assert "conflict of interest: FLAGGED" in text.stdout and "Stem Cell" in text.stdout
    assert text.stdout.count("author named") == 5


def test_ask_json_citations_point_to_cards(seed_settings, cards) -> None:
    out = _run(["ask", "--json", "How many patients underwent SI joint fusion in the trial?"],
               seed_settings.data_dir)
    assert out.returncode == 0, out.stderr
    ans = json.loads(out.stdout.splitlines()[0])
    assert ans["citations"]
    for c in ans["citations"]:
        assert c["card_id"] in {card["card_id"] for card in cards.values()}


def test_build_card_on_a_new_page_without_a_manifest(tmp_path: Path) -> None:
    """Unit level: a made-up clinic page, labels given by hand, no model needed."""
    from assistant.ingest import build_document
    from assistant.settings import load_settings

    page = tmp_path / "page.txt"
    page.write_text(
        "Knee Pain Clinic\n"
        "By Jane Smith, MD\n"
        "Published March 3, 2023\n"
        "Our clinic performs platelet injections for knee arthritis every day.\n"
        "Platelet injections for knee arthritis reduced pain in a small trial (1).\n"
        "Book a consultation for platelet injections for your knee arthritis today.\n"
        "Disclosure: Dr. Smith owns the clinic.\n", encoding="utf-8")
    meta = {"publisher": "Knee Pain Clinic", "publisher_kind": "clinic"}
    doc = build_document(page, page.read_bytes(), meta, load_settings(), "t")
    labels = ["opinion", "opinion", "opinion", "marketing", "evidence", "marketing", "opinion"]
    card = build_card(doc, labels)
    items = card["items"]
    assert items["author_named"]["present"] and items["date"]["present"] and items["disclosure"]["present"]
    assert items["references"]["present"] and "(1)" in items["references"]["passage"]["text"]
    assert card["conflict_of_interest"]["flag"] is True
    assert card["conflict_of_interest"]["passage"]["text"].startswith("Book a consultation")
    plain = build_card(doc, ["opinion", "opinion", "opinion", "opinion", "evidence", "opinion", "opinion"])
    assert plain["conflict_of_interest"]["flag"] is False  # no sentence is selling anything
    assert "conflict of interest: FLAGGED" in format_card(card)
