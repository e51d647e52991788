"""Shared fixtures: every test gets its own data folder; the real model and seed index load once."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
if str(ROOT) not in sys.path:  # bench/ sits next to tests/: the tests import bench.servers and bench.load
    sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the assistant at a fresh data folder so no test touches another's index."""
    from assistant.settings import get_settings

    data = tmp_path / "data"
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data))
    monkeypatch.delenv("ASSISTANT_CHROMA_HOST", raising=False)
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the seed corpus."""
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    return dst


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory):
    """Settings for a session-wide index of the seed corpus, built once with the real model and store."""
    from assistant.ingest import ingest
    from assistant.settings import load_settings

    data = tmp_path_factory.mktemp("seed-index")
    settings = load_settings(data_dir=data, corpus_dir=CORPUS)
    report = ingest([CORPUS], settings, progress=False)
    assert not report.skipped, report.skipped
    return settings


@pytest.fixture(scope="session")
def seed_assistant(seed_settings):
    """The real assistant over the seed index."""
    from assistant.pipeline import Assistant

    return Assistant(seed_settings)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium through Playwright, one for the whole session: the sync API allows only
    one running Playwright per thread, so every browser test shares this one."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run 'make browser' (apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """Two seed documents and the manifest in a fresh folder."""
    from fixtures.small_corpus import copy_small_corpus

    return copy_small_corpus(tmp_path / "small")
